// Motion between two small luma frames, cheap enough to run on every frame (the search runs in
// WebAssembly, wasm/stabilize-kernels.c):
// block matching on a two-level pyramid (coarse full search, fine predictive search with a
// sub-pixel fit), then a block warp: per block, where its pixels sit in the reference frame (an
// offset and bilinear weights). The stabilizer uses the warp to carry chroma between frames.

import { kernelCall } from './wasm/kernels.js';

export interface MotionTuning {
  /** Side of a fine block in pixels; the coarse search uses blocks twice as large. */
  blockSize: number;
  /** Full-search radius at half resolution, in half-resolution pixels (4 → ±8 px at full size). */
  coarseRadius: number;
  /** Cost (8-bit levels) added per pixel of vector length per pixel of block: keeps flat areas still. */
  motionPenalty: number;
  /**
   * A block whose best whole-pixel vector is zero keeps a sub-pixel offset only from this size up
   * (pixels). Still blocks then warp exactly: a carried average warped by a small fraction every
   * frame would blur a little more each time, which a long memory on still pictures would show.
   */
  stillSnap: number;
}

export const DEFAULT_MOTION_TUNING: MotionTuning = {
  blockSize: 8,
  coarseRadius: 4,
  motionPenalty: 0.15,
  stillSnap: 0.25,
};

/** A luma frame ([0,1]) with its half-resolution level (2×2 box) and mean, built once per frame. */
export class LumaPyramid {
  readonly full: Float32Array;
  readonly half: Float32Array;
  readonly halfWidth: number;
  readonly halfHeight: number;
  readonly mean: number;

  constructor(
    luma: Float32Array,
    readonly width: number,
    readonly height: number,
  ) {
    this.full = luma;
    this.halfWidth = width >> 1;
    this.halfHeight = height >> 1;
    const call = kernelCall();
    const full = call.put(luma.subarray(0, width * height));
    const half = call.reserve(4 * this.halfWidth * this.halfHeight);
    call.run.pyramid_half(full, width, height, half);
    this.half = call.read(half, new Float32Array(this.halfWidth * this.halfHeight));
    this.mean = call.run.plane_sum(full, width * height) / (width * height);
  }
}

/** Per-block displacement: current(p) ≈ reference(p + v), in full-resolution pixels. */
export interface MotionField {
  blockSize: number;
  blocksX: number;
  blocksY: number;
  vx: Float32Array;
  vy: Float32Array;
}

/** Estimates the motion field that maps `current` onto `reference` (the search is in wasm/stabilize-kernels.c). */
export function estimateMotion(current: LumaPyramid, reference: LumaPyramid, tuning: MotionTuning = DEFAULT_MOTION_TUNING): MotionField {
  const { width, height } = current;
  const B = tuning.blockSize;
  const blocksX = Math.ceil(width / B);
  const blocksY = Math.ceil(height / B);
  const coarse = Math.ceil(blocksX / 2) * Math.ceil(blocksY / 2);
  const call = kernelCall();
  const vx = call.reserve(4 * blocksX * blocksY);
  const vy = call.reserve(4 * blocksX * blocksY);
  const job = call.struct(
    [
      call.put(current.full),
      call.put(current.half),
      call.put(reference.full),
      call.put(reference.half),
      width,
      height,
      B,
      tuning.coarseRadius,
      tuning.motionPenalty,
      tuning.stillSnap,
      call.reserve(4 * coarse),
      call.reserve(4 * coarse),
      vx,
      vy,
    ],
    [8, 9],
  );
  call.run.estimate_motion(job);
  return {
    blockSize: B,
    blocksX,
    blocksY,
    vx: call.read(vx, new Float32Array(blocksX * blocksY)),
    vy: call.read(vy, new Float32Array(blocksX * blocksY)),
  };
}

/**
 * A block-constant warp: every pixel of block k samples the source bilinearly at its own position
 * plus the block's vector, i.e. source[i + offset[k] + {0, 1, W, W+1}] with the block's four
 * weights. Vectors are clamped so every sample (and its +1 neighbours) lies inside the frame, so
 * kernels need no per-pixel bounds checks.
 */
export interface BlockWarp {
  width: number;
  height: number;
  blockSize: number;
  blocksX: number;
  blocksY: number;
  offset: Int32Array;
  w00: Float32Array;
  w01: Float32Array;
  w10: Float32Array;
  w11: Float32Array;
}

/**
 * direction 1 samples at p + v (the field's own reference frame); direction -1 samples at p − v,
 * the usual approximation of the inverse motion (used to bring the next frame back).
 */
export function buildBlockWarp(field: MotionField, width: number, height: number, direction: 1 | -1): BlockWarp {
  const { blockSize: B, blocksX, blocksY } = field;
  const count = blocksX * blocksY;
  const warp: BlockWarp = {
    width,
    height,
    blockSize: B,
    blocksX,
    blocksY,
    offset: new Int32Array(count),
    w00: new Float32Array(count),
    w01: new Float32Array(count),
    w10: new Float32Array(count),
    w11: new Float32Array(count),
  };
  for (let by = 0; by < blocksY; by++) {
    const y0 = by * B;
    const y1 = Math.min(height, y0 + B) - 1;
    for (let bx = 0; bx < blocksX; bx++) {
      const k = by * blocksX + bx;
      const x0 = bx * B;
      const x1 = Math.min(width, x0 + B) - 1;
      const [ix, fx] = clampedSplit(direction * field.vx[k], x0, x1, width);
      const [iy, fy] = clampedSplit(direction * field.vy[k], y0, y1, height);
      warp.offset[k] = iy * width + ix;
      warp.w00[k] = (1 - fx) * (1 - fy);
      warp.w01[k] = fx * (1 - fy);
      warp.w10[k] = (1 - fx) * fy;
      warp.w11[k] = fx * fy;
    }
  }
  return warp;
}

/**
 * Splits a displacement into integer and fraction so that positions first+i … last+i+1 all lie
 * in [0, size−1] (the +1 neighbour is read even at weight 0).
 */
function clampedSplit(v: number, first: number, last: number, size: number): [number, number] {
  const lo = -first;
  const hi = size - 1 - last;
  const d = v < lo ? lo : v > hi ? hi : v;
  const i = Math.floor(d);
  // At the upper bound (f = 0) read the same value as a weight-1 right neighbour instead; needs the
  // block to be smaller than the frame (hi − lo ≥ 1), which the stabilizer guarantees.
  return last + i + 1 > size - 1 ? [i - 1, 1] : [i, d - i];
}
