// Where each film pin is on each frame. A pin holds from its frame to the end of its shot: the
// tracker finds cuts with the stabilizer's own scene-cut detector (same tuning, same working grid,
// so both see the same cuts) and moves each live pin by the stabilizer's block motion estimate
// (texture-weighted around the pin, so flat blocks that cannot see motion do not pin it in place).
//
// Frames must come in order. Exactness across resumes and --from: the tracker's history starts
// LEAD_IN frames before the first pin (frames before that are ignored), and whenever no pin is live
// and the next one is more than LEAD_IN frames away it goes dormant and starts afresh LEAD_IN frames
// before it. So its state at a frame depends only on the film and the pins, never on where a render
// started; `wantedFrom` says which frame a late start must feed it from (see PinStage.warmUp in pin-stage.ts).
//
// What it derives from the frames alone (each frame's working-grid luma, the block motion from the
// frame before and its texture) does not depend on the pins, so it can be kept in a TrackerFrames
// between previews of one film: after a pin change the tracker replays those instead of decoding,
// downscaling and estimating motion again, with the same results.
import { DEFAULT_MOTION_TUNING, LumaPyramid, estimateMotion, type MotionField } from '../pipeline/motion.js';
import { SceneCutDetector } from '../pipeline/scene-cuts.js';
import { STABILIZE_TUNING } from '../pipeline/stabilize.js';
import { halve } from '../pipeline/stabilize-kernels.js';
import type { PlacedPin } from './hint-planes.js';

/** Frames the scene-cut detector sees before a pin's frame (its running statistics settle). */
const LEAD_IN = 25;

/** A pin on the film's frame numbering, colour as chroma offsets. */
export interface FramePin extends PlacedPin {
  frame: number;
}

/** Block motion from the frame before to this one, and how much each block can show (see move). */
interface FrameMotion {
  field: MotionField;
  texture: Float32Array;
}

/**
 * Per-frame facts of one film at one working-grid size that do not depend on the pins: the frame's
 * grid luma and, once estimated, its motion from the frame before. The newest frames that fit in
 * `budgetBytes` are kept (least recently used go first). Only for frames of the same film, decoded
 * the same way, at the same model input size: the owner keys it by those (see PinFrameCache).
 */
export class TrackerFrames {
  private readonly frames = new Map<number, { grid: Float32Array; motion?: FrameMotion }>();
  private bytes = 0;

  constructor(readonly budgetBytes = 32 * 2 ** 20) {}

  /** Whether frame `index` is kept (its grid luma). */
  has(index: number): boolean {
    return this.frames.has(index);
  }

  get(index: number): { grid: Float32Array; motion?: FrameMotion } | undefined {
    const kept = this.frames.get(index);
    if (kept) {
      this.frames.delete(index);
      this.frames.set(index, kept);
    }
    return kept;
  }

  setGrid(index: number, grid: Float32Array): void {
    if (this.frames.has(index)) return;
    this.frames.set(index, { grid });
    this.bytes += grid.byteLength;
    while (this.bytes > this.budgetBytes && this.frames.size > 1) {
      const [oldest, kept] = this.frames.entries().next().value!;
      this.frames.delete(oldest);
      this.bytes -= kept.grid.byteLength;
    }
  }

  setMotion(index: number, motion: FrameMotion): void {
    const kept = this.frames.get(index);
    if (kept) kept.motion = motion;
  }
}

/** A frame the tracker has seen: its grid luma, and its pyramid once built (only motion estimation needs it). */
interface SeenFrame {
  grid: Float32Array;
  pyramid?: LumaPyramid;
}

interface LivePin {
  pin: FramePin & { order: number };
  /** Position on the working grid, in grid pixels (pixel i covers [i, i+1)). */
  x: number;
  y: number;
}

export class PinTracker {
  /** Sorted by frame; `order` is the pin's place in the file. */
  private readonly pins: (FramePin & { order: number })[];
  private readonly halved: boolean;
  private readonly gridWidth: number;
  private readonly gridHeight: number;
  private detector = new SceneCutDetector(STABILIZE_TUNING.sceneCuts);
  private previous: SeenFrame | null = null;
  private live: LivePin[] = [];
  /** Index into `pins` of the first pin not started yet (pins are sorted by frame, stable). */
  private nextPin = 0;
  /** First frame of the current history; frames before it are ignored. */
  private epochStart: number;
  private lastFrame = -1;
  private readonly foundCuts: number[] = [];

  constructor(
    pins: readonly FramePin[],
    readonly width: number,
    readonly height: number,
    /** Kept frames of this film at this size, shared with earlier and later trackers (optional). */
    private readonly kept?: TrackerFrames,
  ) {
    this.pins = pins.map((p, order) => ({ ...p, order })).sort((a, b) => a.frame - b.frame || a.order - b.order);
    this.halved = STABILIZE_TUNING.halveAbovePixels > 0 && width * height > STABILIZE_TUNING.halveAbovePixels;
    this.gridWidth = this.halved ? (width + 1) >> 1 : width;
    this.gridHeight = this.halved ? (height + 1) >> 1 : height;
    this.epochStart = this.pins.length > 0 ? Math.max(0, this.pins[0].frame - LEAD_IN) : Infinity;
  }

  /** Cuts seen so far (first frame of each new shot). */
  get cuts(): number[] {
    return this.foundCuts.slice();
  }

  /** The frame the tracker needs next: feed it every frame from here (Infinity: no pins left). */
  get wantedFrom(): number {
    return this.lastFrame >= this.epochStart ? this.lastFrame + 1 : this.epochStart;
  }

  /**
   * Feeds frame `index` (the model's input luma, width × height, [0,1]); returns the pins active on
   * it, in the file's order (later ones win where they overlap).
   */
  step(index: number, luma: Float32Array): PlacedPin[] {
    if (index < this.epochStart) return [];
    const kept = this.kept?.get(index);
    let grid = kept?.grid;
    if (!grid) {
      grid = this.halved
        ? halve(luma, this.width, this.height, new Float32Array(this.gridWidth * this.gridHeight))
        : Float32Array.from(luma);
      this.kept?.setGrid(index, grid);
    }
    return this.advance(index, grid, kept?.motion);
  }

  /** Whether frame `index` is kept, so `stepKept` can feed it without its luma. */
  keeps(index: number): boolean {
    return this.kept?.has(index) ?? false;
  }

  /** Like `step`, for a kept frame (see `keeps`): from its kept grid luma and motion. */
  stepKept(index: number): PlacedPin[] {
    const kept = this.kept?.get(index);
    if (!kept) throw new RangeError(`PinTracker.stepKept: frame ${index} is not kept`);
    if (index < this.epochStart) return [];
    return this.advance(index, kept.grid, kept.motion);
  }

  private advance(index: number, grid: Float32Array, motion: FrameMotion | undefined): PlacedPin[] {
    if (index !== this.wantedFrom) this.restart(index); // a gap: nothing is known about what was skipped
    this.lastFrame = index;
    const cut = this.detector.push(grid, this.gridWidth, this.gridHeight);
    if (cut) {
      this.foundCuts.push(index);
      this.live = [];
    }
    const current: SeenFrame = { grid };
    // `previous`, when set, is frame index - 1 (frames come in order; a gap or sleep clears it).
    if (this.live.length > 0 && this.previous) this.move(index, current, this.previous, motion);
    this.previous = current;
    while (this.nextPin < this.pins.length && this.pins[this.nextPin].frame <= index) {
      const pin = this.pins[this.nextPin++];
      if (pin.frame === index) this.live.push({ pin, x: pin.x * this.gridWidth, y: pin.y * this.gridHeight });
    }
    const active = [...this.live]
      .sort((a, b) => a.pin.order - b.pin.order)
      .map(({ pin, x, y }) => ({ x: x / this.gridWidth, y: y / this.gridHeight, cb: pin.cb, cr: pin.cr, id: pin.order }));
    if (this.live.length === 0) {
      const upcoming = this.pins[this.nextPin];
      if (!upcoming) this.sleepUntil(Infinity);
      else if (upcoming.frame - LEAD_IN > index + 1) this.sleepUntil(upcoming.frame - LEAD_IN);
    }
    return active;
  }

  private sleepUntil(frame: number): void {
    this.epochStart = frame;
    this.detector = new SceneCutDetector(STABILIZE_TUNING.sceneCuts);
    this.previous = null;
  }

  private restart(index: number): void {
    this.sleepUntil(index);
    this.live = [];
    while (this.nextPin < this.pins.length && this.pins[this.nextPin].frame < index) this.nextPin++;
  }

  /** Moves every live pin from the previous frame to this one; pins that leave the picture end. */
  private move(index: number, current: SeenFrame, previous: SeenFrame, motion: FrameMotion | undefined): void {
    if (!motion) {
      const field = estimateMotion(this.pyramid(current), this.pyramid(previous), STABILIZE_TUNING.motion ?? DEFAULT_MOTION_TUNING);
      motion = { field, texture: blockTexture(current.grid, this.gridWidth, this.gridHeight, field) };
      this.kept?.setMotion(index, motion);
    }
    const { field, texture } = motion;
    const kept: LivePin[] = [];
    for (const live of this.live) {
      // current(p) ≈ previous(p + v): the pin at q moves to the p where p + v(p) = q.
      let px = live.x;
      let py = live.y;
      for (let iteration = 0; iteration < 3; iteration++) {
        const [vx, vy] = vectorAt(field, texture, px, py);
        px = live.x - vx;
        py = live.y - vy;
      }
      if (px < -0.5 || py < -0.5 || px > this.gridWidth + 0.5 || py > this.gridHeight + 0.5) continue;
      kept.push({
        pin: live.pin,
        x: Math.min(this.gridWidth - 1e-3, Math.max(0, px)),
        y: Math.min(this.gridHeight - 1e-3, Math.max(0, py)),
      });
    }
    this.live = kept;
  }

  private pyramid(frame: SeenFrame): LumaPyramid {
    return (frame.pyramid ??= new LumaPyramid(frame.grid, this.gridWidth, this.gridHeight));
  }
}

/** Per block: the luma's standard deviation in 8-bit levels (how much motion the block can show). */
function blockTexture(luma: Float32Array, width: number, height: number, field: MotionField): Float32Array {
  const { blockSize: B, blocksX, blocksY } = field;
  const out = new Float32Array(blocksX * blocksY);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let sum = 0;
      let sum2 = 0;
      let count = 0;
      for (let y = by * B; y < Math.min(height, by * B + B); y++) {
        for (let x = bx * B; x < Math.min(width, bx * B + B); x++) {
          const v = luma[y * width + x] * 255;
          sum += v;
          sum2 += v * v;
          count++;
        }
      }
      const mean = sum / Math.max(1, count);
      out[by * blocksX + bx] = Math.sqrt(Math.max(0, sum2 / Math.max(1, count) - mean * mean));
    }
  }
  return out;
}

/** The motion at (x, y): block vectors of the 3 × 3 blocks around it, weighted by texture and nearness. */
function vectorAt(field: MotionField, texture: Float32Array, x: number, y: number): [number, number] {
  const { blockSize: B, blocksX, blocksY } = field;
  const bx = Math.min(blocksX - 1, Math.max(0, Math.floor(x / B)));
  const by = Math.min(blocksY - 1, Math.max(0, Math.floor(y / B)));
  const spread = 0.75 * B;
  let wSum = 0;
  let vxSum = 0;
  let vySum = 0;
  for (let j = Math.max(0, by - 1); j <= Math.min(blocksY - 1, by + 1); j++) {
    for (let i = Math.max(0, bx - 1); i <= Math.min(blocksX - 1, bx + 1); i++) {
      const dx = (i + 0.5) * B - x;
      const dy = (j + 0.5) * B - y;
      const k = j * blocksX + i;
      const w = (texture[k] + 0.05) * Math.exp(-(dx * dx + dy * dy) / (2 * spread * spread));
      wSum += w;
      vxSum += w * field.vx[k];
      vySum += w * field.vy[k];
    }
  }
  return wSum > 0 ? [vxSum / wSum, vySum / wSum] : [0, 0];
}
