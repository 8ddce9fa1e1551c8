// Temporal chroma stabilization at the model's render size (see DESIGN.md, "stabilize").
//
// The model colours each frame on its own, so chroma flickers. Every frame's chroma is blended with
//  - a forward state carried from earlier frames (a recursive average, warped by block motion), and
//  - within a few frames of look-ahead, the later frames (a backward recursion over the window),
// trusting carried chroma only where the motion-compensated luma agrees with this frame's luma, so
// moving objects neither smear nor leave a trail. Scene cuts reset both directions. Averaging chroma
// vectors whose hue jitters shortens them, so a carried mean magnitude restores the saturation.
// The forward average is short (`memory` frames) where trust is partial, and grows long
// (`stillMemory`) where the luma agrees fully — with the previous frame and with the mean luma the
// average was built on (so a slow change, a shadow passing or a light fading, lets go of its
// colours): a still part of the picture keeps one colour instead of following the model's slow
// drift (most of the flicker a short average leaves). Still blocks warp by exactly zero (see
// MotionTuning.stillSnap), so a long average does not blur.
//
// Larger render sizes are stabilized on a half-size grid (flicker is a low-frequency hue change):
// each frame keeps its own fine chroma detail and takes its low frequencies from the stabilized
// grid. With its kernels in WebAssembly (stabilize-kernels.ts) the stage costs about 2–3 ms per
// 336×192 frame on the 2-core test machine.
//
// Exact resume: the forward state after frame t depends only on frames ≤ t, so snapshot() taken
// right after frame t was emitted, restored, and fed frames t+1… reproduces an uninterrupted run.

import type { StabilizeStrength } from '../../common/types.js';
import type { LowResChroma } from './frames.js';
import { DEFAULT_MOTION_TUNING, LumaPyramid, buildBlockWarp, estimateMotion, type BlockWarp, type MotionTuning } from './motion.js';
import { DEFAULT_SCENE_CUT_TUNING, SceneCutDetector, type SceneCutTuning } from './scene-cuts.js';
import { KernelCall } from './wasm/kernels.js';
import { quantizeChroma } from './chroma-merge.js';
import { isChromaQuantizing, type ChromaQuantizing } from '../model/protocol.js';
import {
  addDoubledCorrection,
  blendState,
  chromaMagnitude,
  clampChroma,
  combineWithFuture,
  finishForward,
  halve,
  initState,
  lumaDrift,
  planeMean,
  UNLIMITED,
  trustFromMismatch,
  warpedMismatch,
  type ChromaState,
  type Link,
  type MemoryLimits,
} from './stabilize-kernels.js';

export interface StrengthPreset {
  /** Most frames the carried forward average stands for (1 = no memory) where trust is partial. */
  memory: number;
  /**
   * Most frames it stands for where the luma agrees fully (trust 1: still or well-tracked picture).
   * There the model's colour should not change at all, and a short memory lets its slow drift
   * through (the flicker and colour-distribution changes left after stabilizing). The cap rises
   * smoothly from `memory` at trust stillTrustFrom to this at trust 1 (see blendState).
   */
  stillMemory: number;
  /** Later frames blended in (and the stage's latency in frames). */
  lookAhead: number;
}

export interface AgreementTuning {
  /** Trust above which the memory cap starts rising from `memory` towards `stillMemory` (0–1). */
  stillTrustFrom: number;
  /**
   * How far (× the frame pair's tolerance) a frame's luma may be from the carried mean luma and
   * still count as still for the long memory; none of the rise from twice that.
   */
  driftScale: number;
  /**
   * Luma mismatch (8-bit levels, 3×3 mean of |this − warped other|) that is still fully trusted:
   * toleranceScale × the frame pair's median mismatch (film grain), kept within [min, max].
   */
  minTolerance: number;
  maxTolerance: number;
  toleranceScale: number;
  /** Trust falls linearly to zero between tolerance and tolerance × falloffRatio + falloffLevels. */
  falloffRatio: number;
  falloffLevels: number;
}

export interface StabilizeTuning {
  presets: Record<Exclude<StabilizeStrength, 'off'>, StrengthPreset>;
  agreement: AgreementTuning;
  /** Largest factor by which averaged chroma is lengthened back towards the mean magnitude. */
  maxSaturationGain: number;
  /** Frames with more pixels than this are stabilized on a half-size grid (0: never). */
  halveAbovePixels: number;
  motion: MotionTuning;
  sceneCuts: SceneCutTuning;
}

/** Every knob of the stage, in one place. 'medium' is the default strength. */
export const STABILIZE_TUNING: StabilizeTuning = {
  presets: {
    // stillMemory at 'medium': about 10 s of film, i.e. a still shot keeps one colour throughout.
    low: { memory: 4, stillMemory: 50, lookAhead: 1 },
    medium: { memory: 8, stillMemory: 250, lookAhead: 2 },
    high: { memory: 14, stillMemory: 1000, lookAhead: 3 },
  },
  agreement: {
    stillTrustFrom: 0.75,
    driftScale: 2,
    minTolerance: 2,
    maxTolerance: 8,
    toleranceScale: 2,
    falloffRatio: 2,
    falloffLevels: 3,
  },
  maxSaturationGain: 1.5,
  halveAbovePixels: 30_000,
  motion: DEFAULT_MOTION_TUNING,
  sceneCuts: DEFAULT_SCENE_CUT_TUNING,
};

/**
 * Identifies the snapshot format and default tuning: a snapshot restores only into a stabilizer
 * with the same id, so a resumable job should include it in its fingerprint (a job started by an
 * older build then starts afresh instead of failing to restore).
 */
export function stabilizerStateId(): string {
  return `${SNAPSHOT_VERSION}:${tuningFingerprint(resolveTuning(undefined)).toString(16)}`;
}

export interface ChromaStabilizerOptions {
  strength: StabilizeStrength;
  width: number;
  height: number;
  /** Overrides for experiments; a snapshot only restores into a stabilizer with the same tuning. */
  tuning?: Partial<Omit<StabilizeTuning, 'presets' | 'agreement'>> & {
    presets?: Partial<Record<keyof StabilizeTuning['presets'], Partial<StrengthPreset>>>;
    agreement?: Partial<AgreementTuning>;
  };
  /**
   * Hand each emitted frame's chroma out as the encoder's 8-bit codes (LowResChroma.quantized, cb
   * and cr empty) instead of float planes: quantizeChroma's very codes, made where the planes are.
   * 'off' passes frames through as they came.
   */
  quantize?: ChromaQuantizing;
}

interface WindowEntry {
  frame: LowResChroma;
  /** The frame on the working grid (the frame's own planes when the grid is full size). */
  luma: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
  magnitude: Float32Array;
  pyramid: LumaPyramid;
  /** A scene cut lies between the previous frame and this one. */
  cutBefore: boolean;
  /** Carries the previous frame's state into this frame. */
  fromPrevious: Link | null;
  /** Carries the next frame's state back into this frame (set when the next frame arrives). */
  fromNext: Link | null;
  /** Detector state right after this frame was seen (what a snapshot at this frame stores). */
  detectorState: Float64Array;
}

const STRENGTH_CODES: Record<StabilizeStrength, number> = { off: 0, low: 1, medium: 2, high: 3 };
const SNAPSHOT_MAGIC = 0x54535243; // "CRST" little-endian
const SNAPSHOT_VERSION = 2;

export class ChromaStabilizer {
  readonly strength: StabilizeStrength;
  readonly width: number;
  readonly height: number;
  private readonly tuning: StabilizeTuning;
  private readonly preset: StrengthPreset;
  private readonly memoryLimits: MemoryLimits;
  private readonly detector: SceneCutDetector;
  /** Working grid: the frame size divided by `scale` (rounded up). */
  private readonly scale: number;
  private readonly gridWidth: number;
  private readonly gridHeight: number;
  private readonly window: WindowEntry[] = [];
  private readonly foundCuts: number[] = [];
  /** Forward state after the last emitted frame (null before the first), and a spare buffer. */
  private carried: ChromaState | null = null;
  private spare: ChromaState | null = null;
  /** Scratch for the backward pass over the look-ahead window. */
  private readonly futureBuffers: [ChromaState | null, ChromaState | null] = [null, null];
  /** The kernels' memory, holding this stabilizer's working-grid planes (see take). */
  private readonly kernels: KernelCall | null;
  private readonly scratchA: Float32Array;
  private readonly scratchB: Float32Array;
  private readonly quantizing: ChromaQuantizing | null;
  /** On a halved grid with `quantize`: the full-size output planes, resident (quantized in place). */
  private readonly outputPlanes: [Float32Array, Float32Array] | null;
  /** The last frame pushed (motion reference for the next push). */
  private previous: LumaPyramid | null = null;
  private lastEmitted = -1;
  private lastEmittedLuma: Float32Array | null = null;
  /** Scene-cut detector state right after the last emitted frame (the detector itself runs ahead). */
  private detectorAfterEmitted: Float64Array;
  /** After restore, the frame the next push must carry. */
  private expectedIndex: number | null = null;

  constructor(options: ChromaStabilizerOptions) {
    const { strength, width, height } = options;
    if (!(strength in STRENGTH_CODES)) throw new Error(`Unknown stabilize strength "${String(strength)}".`);
    this.tuning = resolveTuning(options.tuning);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`Stabilizer frame size must be positive whole pixels, got ${width}×${height}.`);
    }
    const halved = this.tuning.halveAbovePixels > 0 && width * height > this.tuning.halveAbovePixels;
    this.scale = halved ? 2 : 1;
    this.gridWidth = Math.ceil(width / this.scale);
    this.gridHeight = Math.ceil(height / this.scale);
    const minimum = 2 * this.tuning.motion.blockSize;
    if (strength !== 'off' && (this.gridWidth < minimum || this.gridHeight < minimum)) {
      throw new Error(`Stabilizer frames must be at least ${minimum}×${minimum} pixels, got ${width}×${height}.`);
    }
    this.strength = strength;
    this.width = width;
    this.height = height;
    this.preset = strength === 'off' ? { memory: 1, stillMemory: 1, lookAhead: 0 } : this.tuning.presets[strength];
    this.memoryLimits = {
      limit: this.preset.memory - 1,
      stillLimit: this.preset.stillMemory - 1,
      stillTrustFrom: this.tuning.agreement.stillTrustFrom,
      driftTolerance: 0,
      drift: null,
    };
    this.detector = new SceneCutDetector(this.tuning.sceneCuts);
    this.detectorAfterEmitted = this.detector.saveState();
    const n = strength === 'off' ? 0 : this.gridWidth * this.gridHeight;
    // Every working-grid plane the stage keeps lives in the kernels' memory, so no kernel call
    // copies it in or out: scratch (2), the forward and backward states (4 × 5), and the planes
    // of the frames held in the look-ahead window (5 per frame). The scratch has room for the
    // largest call even with every plane copied in (the frame's own full-size planes included).
    const fullSize = width * height;
    if (options.quantize !== undefined && !isChromaQuantizing(options.quantize)) {
      throw new Error('Stabilizer quantize needs a range (tv or pc) and a finite saturation.');
    }
    this.quantizing = options.quantize ?? null;
    const outputs = this.quantizing && halved ? [fullSize, fullSize] : [];
    this.kernels =
      n > 0 ? KernelCall.withResidentPlanes(22 + 5 * (this.preset.lookAhead + 2), n, 3 * fullSize + 16 * n + 65_536, outputs) : null;
    this.outputPlanes = this.kernels && outputs.length > 0 ? [this.kernels.fixedPlanes[0], this.kernels.fixedPlanes[1]] : null;
    this.scratchA = n > 0 ? this.take() : new Float32Array(0);
    this.scratchB = n > 0 ? this.take() : new Float32Array(0);
  }

  /** Scene cuts found so far: the index of each shot's first frame. */
  get cuts(): number[] {
    return this.foundCuts.slice();
  }

  /** Frames the stage holds back before the first output (its latency). */
  get latency(): number {
    return this.preset.lookAhead;
  }

  /** Index of the last frame handed out, -1 before the first. */
  get lastEmittedIndex(): number {
    return this.lastEmitted;
  }

  /**
   * Feeds the next frame; returns the frames that are now final, in order (none while filling).
   * Returned frames are new objects with new chroma planes and the input's luma plane; a pushed
   * frame's planes must stay untouched until that frame has been returned.
   */
  push(frame: LowResChroma): LowResChroma[] {
    this.checkFrame(frame);
    this.expectedIndex = null;
    const { gridWidth: gw, gridHeight: gh } = this;
    const halved = this.scale > 1;
    // The luma outlives the frame (motion reference, snapshot), so it is always a copy.
    const luma = halved ? halve(frame.luma, this.width, this.height, new Float32Array(gw * gh)) : Float32Array.from(frame.luma);
    // Cuts are found on the working grid in every mode, so every strength reports the same cuts.
    const cutBefore = this.detector.push(luma, gw, gh);
    if (cutBefore) this.foundCuts.push(frame.index);
    if (this.strength === 'off') {
      this.lastEmitted = frame.index;
      return [frame];
    }

    const cb = halved ? halve(frame.cb, this.width, this.height, this.take()) : frame.cb;
    const cr = halved ? halve(frame.cr, this.width, this.height, this.take()) : frame.cr;
    const pyramid = new LumaPyramid(luma, gw, gh);
    const entry: WindowEntry = {
      frame,
      luma,
      cb,
      cr,
      magnitude: chromaMagnitude(cb, cr, this.take()),
      pyramid,
      cutBefore,
      fromPrevious: null,
      fromNext: null,
      detectorState: this.detector.saveState(),
    };
    if (this.previous && !cutBefore) {
      const field = estimateMotion(pyramid, this.previous, this.tuning.motion);
      const forward = buildBlockWarp(field, gw, gh, 1);
      entry.fromPrevious = { warp: forward, ...this.agreement(pyramid, this.previous, forward) };
      const before = this.window[this.window.length - 1];
      if (before) {
        const backward = buildBlockWarp(field, gw, gh, -1);
        before.fromNext = { warp: backward, ...this.agreement(before.pyramid, pyramid, backward) };
      }
    }
    this.previous = pyramid;
    this.window.push(entry);

    const out: LowResChroma[] = [];
    while (this.window.length > this.preset.lookAhead) out.push(this.emit());
    return out;
  }

  /** Emits every frame still held (end of stream). */
  flush(): LowResChroma[] {
    const out: LowResChroma[] = [];
    while (this.window.length > 0) out.push(this.emit());
    return out;
  }

  /**
   * The state right after the last emitted frame: restore it and push the frames after
   * lastEmittedIndex to continue exactly as an uninterrupted run would. Frames still held in the
   * look-ahead window are not included; the resumed run pushes them again.
   */
  snapshot(): Uint8Array {
    const n = this.gridWidth * this.gridHeight;
    const detectorState = this.strength === 'off' ? this.detector.saveState() : this.detectorAfterEmitted;
    const carried = this.carried;
    const lastLuma = this.strength === 'off' ? null : this.lastEmittedLuma;
    const cuts = this.foundCuts.filter((c) => c <= this.lastEmitted);
    const size = 4 * 10 + 8 + (carried ? 20 * n : 0) + (lastLuma ? 4 * n : 0) + 8 * detectorState.length + 8 * cuts.length;
    const writer = new SnapshotWriter(size);
    writer.u32(SNAPSHOT_MAGIC);
    writer.u32(SNAPSHOT_VERSION);
    writer.u32(STRENGTH_CODES[this.strength]);
    writer.u32(this.width);
    writer.u32(this.height);
    writer.u32(tuningFingerprint(this.tuning));
    writer.f64(this.lastEmitted);
    writer.u32(carried ? 1 : 0);
    writer.u32(lastLuma ? 1 : 0);
    writer.u32(detectorState.length);
    writer.u32(cuts.length);
    if (carried) {
      writer.f32s(carried.cb);
      writer.f32s(carried.cr);
      writer.f32s(carried.magnitude);
      writer.f32s(carried.weight);
      writer.f32s(carried.luma);
    }
    if (lastLuma) writer.f32s(lastLuma);
    writer.f64s(detectorState);
    writer.f64s(Float64Array.from(cuts));
    return writer.bytes;
  }

  /** A stabilizer that continues from `snapshot` (same strength, size and tuning required). */
  static restore(snapshot: Uint8Array | ArrayBuffer, options: ChromaStabilizerOptions): ChromaStabilizer {
    const stabilizer = new ChromaStabilizer(options);
    const reader = new SnapshotReader(snapshot);
    if (reader.u32() !== SNAPSHOT_MAGIC || reader.u32() !== SNAPSHOT_VERSION) {
      throw new Error('Not a chroma stabilizer snapshot (or one from another version).');
    }
    const strength = reader.u32();
    const width = reader.u32();
    const height = reader.u32();
    const fingerprint = reader.u32();
    if (strength !== STRENGTH_CODES[stabilizer.strength] || width !== stabilizer.width || height !== stabilizer.height) {
      throw new Error('Stabilizer snapshot was taken with another strength or frame size.');
    }
    if (fingerprint !== tuningFingerprint(stabilizer.tuning)) {
      throw new Error('Stabilizer snapshot was taken with other tuning.');
    }
    const n = stabilizer.gridWidth * stabilizer.gridHeight;
    stabilizer.lastEmitted = reader.f64();
    const hasCarried = reader.u32() === 1;
    const hasLuma = reader.u32() === 1;
    const detectorLength = reader.u32();
    const cutCount = reader.u32();
    if (hasCarried) {
      const carried = stabilizer.newState();
      for (const plane of [carried.cb, carried.cr, carried.magnitude, carried.weight, carried.luma]) plane.set(reader.f32s(n));
      stabilizer.carried = carried;
    }
    if (hasLuma) {
      const luma = reader.f32s(n);
      stabilizer.lastEmittedLuma = luma;
      stabilizer.previous = new LumaPyramid(luma, stabilizer.gridWidth, stabilizer.gridHeight);
    }
    stabilizer.detectorAfterEmitted = reader.f64s(detectorLength);
    stabilizer.detector.loadState(stabilizer.detectorAfterEmitted);
    stabilizer.foundCuts.push(...reader.f64s(cutCount));
    reader.end();
    stabilizer.expectedIndex = stabilizer.lastEmitted >= 0 ? stabilizer.lastEmitted + 1 : null;
    return stabilizer;
  }

  private checkFrame(frame: LowResChroma): void {
    const n = this.width * this.height;
    if (frame.width !== this.width || frame.height !== this.height) {
      throw new Error(`Stabilizer expects ${this.width}×${this.height} frames, got ${frame.width}×${frame.height}.`);
    }
    // 'off' only reads the luma (scene cuts) and passes the chroma on: its planes may be empty (the
    // chroma is then LowResChroma.quantized, which the stabilizer's thread is not even sent).
    const chromaInPlanes = !(this.strength === 'off' && frame.cb.length === 0 && frame.cr.length === 0);
    if (frame.luma.length !== n || (chromaInPlanes && (frame.cb.length !== n || frame.cr.length !== n))) {
      throw new Error('Stabilizer frame planes do not match the frame size.');
    }
    if (this.expectedIndex !== null && frame.index !== this.expectedIndex) {
      throw new Error(`Resumed stabilizer expects frame ${this.expectedIndex} next, got ${frame.index}.`);
    }
  }

  /** Finalizes the oldest held frame. */
  private emit(): LowResChroma {
    const entry = this.window.shift()!;
    const { frame } = entry;
    const n = this.gridWidth * this.gridHeight;
    const maxGain = this.tuning.maxSaturationGain;

    // Forward: this frame's chroma plus the carried state, trusted where luma agrees.
    const forward = this.spare ?? this.newState();
    const link = entry.fromPrevious;
    if (this.carried && link && !entry.cutBefore) {
      // scratchA/B are free here (the agreement is done; the output is written after the blend).
      const shift = entry.pyramid.mean - planeMean(this.carried.luma);
      const limits: MemoryLimits = {
        ...this.memoryLimits,
        driftTolerance: this.tuning.agreement.driftScale * link.tolerance,
        drift: lumaDrift(entry.luma, this.carried.luma, link.warp, shift, this.scratchA),
      };
      blendState(forward, entry, this.carried, link, limits);
    } else {
      initState(forward, entry);
    }
    this.spare = this.carried;
    this.carried = forward;

    // Backward: later frames in the window, up to the next cut, folded back onto this frame.
    let span = 0;
    while (span < this.window.length && !this.window[span].cutBefore) span++;
    let future: ChromaState | null = null;
    if (span > 0 && entry.fromNext) {
      const buffers = this.futureBuffers;
      buffers[0] ??= this.newState();
      buffers[1] ??= this.newState();
      const last = this.window[span - 1];
      let state = initState(buffers[0], last);
      for (let j = span - 2; j >= 0; j--) {
        const e = this.window[j];
        const target = state === buffers[0] ? buffers[1] : buffers[0];
        blendState(target, e, state, e.fromNext!, UNLIMITED);
        state = target;
      }
      future = state;
    }

    const halved = this.scale > 1;
    const stableCb = halved ? this.scratchA : new Float32Array(n);
    const stableCr = halved ? this.scratchB : new Float32Array(n);
    if (future && entry.fromNext) combineWithFuture(forward, future, entry.fromNext, maxGain, stableCb, stableCr);
    else finishForward(forward, maxGain, stableCb, stableCr);

    let cb: Float32Array;
    let cr: Float32Array;
    if (halved) {
      const { width, height } = this;
      const [outCb, outCr] = this.outputPlanes ?? [new Float32Array(width * height), new Float32Array(width * height)];
      cb = addDoubledCorrection(frame.cb, stableCb, entry.cb, width, height, outCb);
      cr = addDoubledCorrection(frame.cr, stableCr, entry.cr, width, height, outCr);
      this.release(entry.cb);
      this.release(entry.cr);
    } else {
      cb = clampChroma(stableCb);
      cr = clampChroma(stableCr);
    }

    this.lastEmitted = frame.index;
    this.lastEmittedLuma = entry.luma;
    this.detectorAfterEmitted = entry.detectorState;
    this.release(entry.magnitude);
    if (entry.fromPrevious) this.release(entry.fromPrevious.trust);
    if (entry.fromNext) this.release(entry.fromNext.trust);
    const emitted = { index: frame.index, width: frame.width, height: frame.height, luma: frame.luma };
    if (!this.quantizing) return { ...emitted, cb, cr };
    const quantized = quantizeChroma(cb, cr, this.quantizing.range, this.quantizing.saturation);
    // Each empty plane its own buffer, so each can be transferred.
    return { ...emitted, cb: new Float32Array(0), cr: new Float32Array(0), quantized };
  }

  /** Per-pixel trust in samples of `reference` warped onto `current`, and the pair's tolerance. */
  private agreement(current: LumaPyramid, reference: LumaPyramid, warp: BlockWarp): { trust: Float32Array; tolerance: number } {
    const a = this.tuning.agreement;
    // A global brightness change (film flicker, exposure) is not a mismatch.
    const shift = current.mean - reference.mean;
    const median = warpedMismatch(current.full, reference.full, warp, shift, this.scratchA);
    const tolerance = Math.min(a.maxTolerance, Math.max(a.minTolerance, a.toleranceScale * median)) / 255;
    const zeroAt = tolerance * a.falloffRatio + a.falloffLevels / 255;
    return {
      trust: trustFromMismatch(this.scratchA, this.gridWidth, this.gridHeight, tolerance, zeroAt, this.take()),
      tolerance,
    };
  }

  /**
   * A working-grid buffer (every user overwrites it fully): one of the kernels' own planes, of which
   * there are more than the stage ever holds at once (see the constructor); an ordinary one only
   * should that count ever be short.
   */
  private take(): Float32Array {
    return this.kernels?.take() ?? new Float32Array(this.gridWidth * this.gridHeight);
  }

  private release(buffer: Float32Array): void {
    this.kernels?.give(buffer);
  }

  private newState(): ChromaState {
    return { cb: this.take(), cr: this.take(), magnitude: this.take(), weight: this.take(), luma: this.take() };
  }
}

function resolveTuning(overrides: ChromaStabilizerOptions['tuning']): StabilizeTuning {
  const base = STABILIZE_TUNING;
  const presets = { ...base.presets };
  for (const name of Object.keys(presets) as (keyof StabilizeTuning['presets'])[]) {
    presets[name] = { ...presets[name], ...(overrides?.presets?.[name] ?? {}) };
  }
  const tuning: StabilizeTuning = {
    presets,
    agreement: { ...base.agreement, ...(overrides?.agreement ?? {}) },
    maxSaturationGain: overrides?.maxSaturationGain ?? base.maxSaturationGain,
    halveAbovePixels: overrides?.halveAbovePixels ?? base.halveAbovePixels,
    motion: { ...base.motion, ...(overrides?.motion ?? {}) },
    sceneCuts: { ...base.sceneCuts, ...(overrides?.sceneCuts ?? {}) },
  };
  for (const [name, preset] of Object.entries(tuning.presets)) {
    const { memory, stillMemory, lookAhead } = preset;
    if (!(
      Number.isFinite(memory) &&
      memory >= 1 &&
      Number.isFinite(stillMemory) &&
      stillMemory >= memory &&
      Number.isInteger(lookAhead) &&
      lookAhead >= 0
    )) {
      throw new Error(`Stabilizer preset "${name}" needs memory ≥ 1, stillMemory ≥ memory and a whole look-ahead ≥ 0.`);
    }
  }
  const { minTolerance, maxTolerance, falloffRatio, falloffLevels, stillTrustFrom, driftScale } = tuning.agreement;
  if (!(
    minTolerance > 0 &&
    maxTolerance >= minTolerance &&
    falloffRatio >= 1 &&
    falloffLevels > 0 &&
    stillTrustFrom >= 0 &&
    stillTrustFrom < 1 &&
    driftScale > 0
  )) {
    throw new Error(
      'Stabilizer agreement tuning needs 0 < minTolerance ≤ maxTolerance, falloffRatio ≥ 1, falloffLevels > 0, 0 ≤ stillTrustFrom < 1 and driftScale > 0.',
    );
  }
  if (!Number.isInteger(tuning.motion.blockSize) || tuning.motion.blockSize < 2) {
    throw new Error('Stabilizer motion blockSize must be a whole number ≥ 2.');
  }
  return tuning;
}

/** FNV-1a over the tuning's JSON: a snapshot is only valid for the tuning that made it. */
function tuningFingerprint(tuning: StabilizeTuning): number {
  const text = JSON.stringify(tuning);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

class SnapshotWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  f64(value: number): void {
    this.view.setFloat64(this.offset, value, true);
    this.offset += 8;
  }

  f32s(values: Float32Array): void {
    for (let i = 0; i < values.length; i++, this.offset += 4) this.view.setFloat32(this.offset, values[i], true);
  }

  f64s(values: Float64Array): void {
    for (let i = 0; i < values.length; i++, this.offset += 8) this.view.setFloat64(this.offset, values[i], true);
  }
}

class SnapshotReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(snapshot: Uint8Array | ArrayBuffer) {
    const bytes = snapshot instanceof Uint8Array ? snapshot : new Uint8Array(snapshot);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.view.byteLength) throw new Error('Stabilizer snapshot is truncated.');
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  f32s(n: number): Float32Array {
    this.need(4 * n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++, this.offset += 4) out[i] = this.view.getFloat32(this.offset, true);
    return out;
  }

  f64s(n: number): Float64Array {
    this.need(8 * n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++, this.offset += 8) out[i] = this.view.getFloat64(this.offset, true);
    return out;
  }

  end(): void {
    if (this.offset !== this.view.byteLength) throw new Error('Stabilizer snapshot has trailing bytes.');
  }
}
