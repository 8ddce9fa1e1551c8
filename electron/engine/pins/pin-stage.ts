// The pins of one job, frame by frame: which pins are active where (tracked on films, fixed on
// photos), and how the model gets them — as hint planes for a model that declares a pins graph
// (frames without active pins run the plain graph; the manifest may ask for the post-process after it
// too), otherwise as a post-process on its chroma.
import type { HintsDocument } from '../../common/types.js';
import type { LumaFrame } from '../pipeline/frames.js';
import { hintPlanes, pinChroma, PIN_SIDE, type PlacedPin } from './hint-planes.js';
import { PinTracker, TrackerFrames, type FramePin } from './pin-tracker.js';
import { propagatePins } from './propagate.js';

/** The frame a pin at `t` seconds belongs to (frame i is shown from i/fps). */
function pinFrame(t: number | undefined, fps: number): number {
  return Math.max(0, Math.floor((t ?? 0) * fps + 1e-6));
}

export interface PreparedPins {
  /** The frame's pins where they are now. */
  pins: PlacedPin[];
  /** [1,3,h,w] hint planes, when the model takes them. */
  hints?: Float32Array;
}

/**
 * The tracker's kept frames (see TrackerFrames) of the films previewed lately, so that a preview after
 * a pin change re-tracks from them instead of decoding the shot again. A film is known by its probe
 * answer (`info`: the probe cache gives the same object while the file keeps its size, time and
 * inode) and a key for how its frames were made (decoding and model input size).
 */
export class PinFrameCache {
  private readonly films = new Map<string, { info: object; frames: TrackerFrames }>();

  constructor(private readonly filmsKept = 2) {}

  framesFor(info: object, key: string): TrackerFrames {
    const known = this.films.get(key);
    this.films.delete(key);
    const entry = known?.info === info ? known : { info, frames: new TrackerFrames() };
    this.films.set(key, entry);
    while (this.films.size > this.filmsKept) this.films.delete(this.films.keys().next().value!);
    return entry.frames;
  }
}

export class PinStage {
  private constructor(
    /** The model takes hint planes (its manifest declares a pins graph). */
    readonly useHintInputs: boolean,
    readonly width: number,
    readonly height: number,
    private readonly tracker: PinTracker | null,
    private readonly fixed: PlacedPin[],
    /** Side of a pin's square in the hint planes (the model's manifest may say). */
    private pinSide = PIN_SIDE,
  ) {}

  /** With a pins graph: also spread the pins over its output (the manifest's pins.spread). */
  private spreadAfterGraph = false;

  withSpread(spread: boolean | undefined): this {
    this.spreadAfterGraph = spread === true;
    return this;
  }

  /** Uses the pin size the model was trained with (its manifest's pins.pinSide), when it says. */
  withPinSide(side: number | undefined): this {
    if (side !== undefined) this.pinSide = side;
    return this;
  }

  /**
   * Pins on a film at `fps`; `width` × `height` is the model's input size. `kept`: the film's frames
   * kept from earlier previews at this size, used and filled by the tracker.
   */
  static forFilm(
    doc: HintsDocument,
    fps: number,
    width: number,
    height: number,
    useHintInputs: boolean,
    pinSide = PIN_SIDE,
    kept?: TrackerFrames,
  ): PinStage {
    const pins: FramePin[] = doc.pins.map((p) => {
      const [cb, cr] = pinChroma(p.color);
      return { frame: pinFrame(p.t, fps), x: p.x, y: p.y, cb, cr };
    });
    return new PinStage(useHintInputs, width, height, new PinTracker(pins, width, height, kept), [], pinSide);
  }

  /** Pins on a photo: every pin applies where it was put (t is ignored). */
  static forPhoto(doc: HintsDocument, width: number, height: number, useHintInputs: boolean, pinSide = PIN_SIDE): PinStage {
    const pins = doc.pins.map((p, id) => {
      const [cb, cr] = pinChroma(p.color);
      return { x: p.x, y: p.y, cb, cr, id };
    });
    return new PinStage(useHintInputs, width, height, null, pins, pinSide);
  }

  /** The frame a film render or preview starting at `frame` must feed the tracker from (see warmUp). */
  get wantedFrom(): number {
    return this.tracker?.wantedFrom ?? Infinity;
  }

  /** Scene cuts the tracker has seen. */
  get cuts(): number[] {
    return this.tracker?.cuts ?? [];
  }

  /** Where the pins were on recent frames (for previews, which draw them where they are); bounded. */
  private readonly placed = new Map<number, PlacedPin[]>();

  /** The pins of frame `index` where they were (as prepared); once, while recent. */
  placedOn(index: number): PlacedPin[] | undefined {
    const pins = this.placed.get(index);
    this.placed.delete(index);
    return pins;
  }

  /** Feeds a frame's model-input luma (frames in order); returns its pins, and hint planes when used. */
  prepare(index: number, luma: Float32Array): PreparedPins {
    const pins = this.tracker ? this.tracker.step(index, luma) : this.fixed;
    this.placed.set(index, pins);
    while (this.placed.size > 64) this.placed.delete(this.placed.keys().next().value!);
    // A frame without active pins runs the plain graph, so it renders exactly as with no pins at all
    // (a pins graph fine-tuned from the plain one is close to it with empty planes, but not identical).
    return this.useHintInputs && pins.length > 0
      ? { pins, hints: hintPlanes(pins, this.width, this.height, undefined, this.pinSide) }
      : { pins };
  }

  /**
   * Spreads the frame's pins over the model's chroma (in place): for models without hint inputs, and
   * after a pins graph whose manifest asks for it.
   */
  finish(prepared: PreparedPins, cb: Float32Array, cr: Float32Array, luma: Float32Array): void {
    if (!this.useHintInputs || this.spreadAfterGraph) propagatePins(cb, cr, luma, this.width, this.height, prepared.pins);
  }

  /**
   * Brings the tracker up to `until` (exclusive) by feeding it the frames it needs before that
   * (a render resumed or started with --from, a preview): pins put on earlier frames of the same
   * shot then hold where the job starts. `decode` gives luma frames [start, start+count). Frames
   * the tracker keeps (from an earlier preview of the film) are fed from there without decoding.
   */
  async warmUp(
    until: number,
    decode: (start: number, count: number) => AsyncIterable<LumaFrame>,
    modelLuma: (frame: LumaFrame) => Float32Array,
  ): Promise<void> {
    if (!this.tracker) return;
    for (let from = this.wantedFrom; from < until; from = this.wantedFrom) {
      if (this.tracker.keeps(from)) {
        this.tracker.stepKept(from);
        continue;
      }
      let fed = false;
      for await (const frame of decode(from, until - from)) {
        fed = true;
        // Once decoding, it goes on to `until` (a preview's decode then carries on to the frames shown),
        // but kept frames skip the shrink to model size.
        if (this.tracker.keeps(frame.index)) this.tracker.stepKept(frame.index);
        else this.tracker.step(frame.index, modelLuma(frame));
        if (this.wantedFrom !== frame.index + 1) break; // asleep until a later pin: skip ahead
      }
      if (!fed) return;
    }
  }
}
