// Motion between two small luma frames, cheap enough to run on every frame in plain JS:
// block matching on a two-level pyramid (coarse full search, fine predictive search with a
// sub-pixel fit), then a block warp: per block, where its pixels sit in the reference frame (an
// offset and bilinear weights). The stabilizer uses the warp to carry chroma between frames.

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
    const full = luma;
    this.full = full;
    let sum = 0;
    for (let i = 0; i < width * height; i++) sum += full[i];
    this.mean = sum / (width * height);
    const hw = width >> 1;
    const hh = height >> 1;
    this.halfWidth = hw;
    this.halfHeight = hh;
    const half = new Float32Array(hw * hh);
    for (let y = 0; y < hh; y++) {
      const r0 = 2 * y * width;
      const r1 = r0 + width;
      for (let x = 0; x < hw; x++) {
        const i = 2 * x;
        half[y * hw + x] = 0.25 * (full[r0 + i] + full[r0 + i + 1] + full[r1 + i] + full[r1 + i + 1]);
      }
    }
    this.half = half;
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

/** Sum of absolute differences of a block at (x0,y0) in `cur` against `ref` displaced by (u,v); stops past `limit`. */
function blockSad(
  cur: Float32Array,
  ref: Float32Array,
  stride: number,
  x0: number,
  y0: number,
  bw: number,
  bh: number,
  u: number,
  v: number,
  limit: number,
): number {
  let sad = 0;
  const offset = v * stride + u;
  for (let y = 0; y < bh; y++) {
    let i = (y0 + y) * stride + x0;
    const end = i + bw;
    for (; i < end; i++) {
      const d = cur[i] - ref[i + offset];
      sad += d < 0 ? -d : d;
    }
    if (sad >= limit) return sad;
  }
  return sad;
}

/** Estimates the motion field that maps `current` onto `reference`. */
export function estimateMotion(current: LumaPyramid, reference: LumaPyramid, tuning: MotionTuning = DEFAULT_MOTION_TUNING): MotionField {
  const { width, height } = current;
  const B = tuning.blockSize;
  const blocksX = Math.ceil(width / B);
  const blocksY = Math.ceil(height / B);

  // Coarse level: blocks of B half-res pixels (2B full-res), full search within ±R.
  const hw = current.halfWidth;
  const hh = current.halfHeight;
  const coarseX = Math.ceil(blocksX / 2);
  const coarseY = Math.ceil(blocksY / 2);
  const coarseU = new Int32Array(coarseX * coarseY);
  const coarseV = new Int32Array(coarseX * coarseY);
  const R = tuning.coarseRadius;
  const penalty = tuning.motionPenalty / 255;
  for (let cy = 0; cy < coarseY; cy++) {
    const y0 = Math.min(cy * B, Math.max(0, hh - 1));
    const bh = Math.max(0, Math.min(B, hh - y0));
    for (let cx = 0; cx < coarseX; cx++) {
      const x0 = Math.min(cx * B, Math.max(0, hw - 1));
      const bw = Math.max(0, Math.min(B, hw - x0));
      const k = cy * coarseX + cx;
      if (bw === 0 || bh === 0) continue;
      const area = bw * bh;
      const uMin = Math.max(-R, -x0);
      const uMax = Math.min(R, hw - x0 - bw);
      const vMin = Math.max(-R, -y0);
      const vMax = Math.min(R, hh - y0 - bh);
      let best = blockSad(current.half, reference.half, hw, x0, y0, bw, bh, 0, 0, Infinity);
      let bu = 0;
      let bv = 0;
      for (let v = vMin; v <= vMax; v++) {
        for (let u = uMin; u <= uMax; u++) {
          if (u === 0 && v === 0) continue;
          const bias = penalty * area * (Math.abs(u) + Math.abs(v)) * 2;
          if (bias >= best) continue;
          const cost = bias + blockSad(current.half, reference.half, hw, x0, y0, bw, bh, u, v, best - bias);
          if (cost < best) {
            best = cost;
            bu = u;
            bv = v;
          }
        }
      }
      coarseU[k] = bu;
      coarseV[k] = bv;
    }
  }

  // Fine level: each block tries its parent's vector, the nearest neighbouring parents' and zero,
  // then walks ±1 px downhill and fits a parabola through the final neighbours for sub-pixel motion.
  const vx = new Float32Array(blocksX * blocksY);
  const vy = new Float32Array(blocksX * blocksY);
  const cur = current.full;
  const ref = reference.full;
  const candidatesU: number[] = [0, 0, 0, 0];
  const candidatesV: number[] = [0, 0, 0, 0];
  for (let by = 0; by < blocksY; by++) {
    const y0 = by * B;
    const bh = Math.min(B, height - y0);
    const cy = by >> 1;
    const cyN = Math.min(coarseY - 1, Math.max(0, by & 1 ? cy + 1 : cy - 1));
    for (let bx = 0; bx < blocksX; bx++) {
      const x0 = bx * B;
      const bw = Math.min(B, width - x0);
      const area = bw * bh;
      const cx = bx >> 1;
      const cxN = Math.min(coarseX - 1, Math.max(0, bx & 1 ? cx + 1 : cx - 1));
      const uMin = -x0;
      const uMax = width - x0 - bw;
      const vMin = -y0;
      const vMax = height - y0 - bh;
      // penalty · area, as the bias in fineCost multiplies them first (same rounding). No per-block
      // closure: one was allocated (and named) per block.
      const pa = penalty * area;
      candidatesU[0] = 2 * coarseU[cy * coarseX + cx];
      candidatesV[0] = 2 * coarseV[cy * coarseX + cx];
      candidatesU[1] = 2 * coarseU[cy * coarseX + cxN];
      candidatesV[1] = 2 * coarseV[cy * coarseX + cxN];
      candidatesU[2] = 2 * coarseU[cyN * coarseX + cx];
      candidatesV[2] = 2 * coarseV[cyN * coarseX + cx];
      candidatesU[3] = 0;
      candidatesV[3] = 0;
      let bu = 0;
      let bv = 0;
      let best = fineCost(cur, ref, width, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, 0, 0, Infinity);
      for (let c = 0; c < 3; c++) {
        const u = candidatesU[c];
        const v = candidatesV[c];
        if (u === bu && v === bv) continue;
        const e = fineCost(cur, ref, width, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, u, v, best);
        if (e < best) {
          best = e;
          bu = u;
          bv = v;
        }
      }
      let left = Infinity;
      let right = Infinity;
      let up = Infinity;
      let down = Infinity;
      for (let step = 0; step < 4; step++) {
        // Exact costs (no early exit) so the parabola fit below sees true values.
        left = fineCost(cur, ref, width, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu - 1, bv, Infinity);
        right = fineCost(cur, ref, width, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu + 1, bv, Infinity);
        up = fineCost(cur, ref, width, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu, bv - 1, Infinity);
        down = fineCost(cur, ref, width, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu, bv + 1, Infinity);
        const m = Math.min(left, right, up, down);
        if (m >= best) break;
        best = m;
        if (m === left) bu -= 1;
        else if (m === right) bu += 1;
        else if (m === up) bv -= 1;
        else bv += 1;
        if (step === 3) left = right = up = down = Infinity;
      }
      const k = by * blocksX + bx;
      let fx = parabolicOffset(left, best, right);
      let fy = parabolicOffset(up, best, down);
      if (bu === 0 && bv === 0 && Math.abs(fx) < tuning.stillSnap && Math.abs(fy) < tuning.stillSnap) fx = fy = 0;
      vx[k] = bu + fx;
      vy[k] = bv + fy;
    }
  }
  return { blockSize: B, blocksX, blocksY, vx, vy };
}

/** A fine candidate's cost: the motion bias plus the block's SAD, Infinity outside the frame or past `limit`. */
function fineCost(
  cur: Float32Array,
  ref: Float32Array,
  width: number,
  x0: number,
  y0: number,
  bw: number,
  bh: number,
  uMin: number,
  uMax: number,
  vMin: number,
  vMax: number,
  penaltyArea: number,
  u: number,
  v: number,
  limit: number,
): number {
  if (u < uMin || u > uMax || v < vMin || v > vMax) return Infinity;
  const bias = penaltyArea * ((u < 0 ? -u : u) + (v < 0 ? -v : v));
  if (bias >= limit) return Infinity;
  return bias + blockSad(cur, ref, width, x0, y0, bw, bh, u, v, limit - bias);
}

function parabolicOffset(minus: number, centre: number, plus: number): number {
  if (!Number.isFinite(minus) || !Number.isFinite(plus)) return 0;
  const curvature = minus - 2 * centre + plus;
  if (curvature <= 1e-6) return 0;
  const offset = (minus - plus) / (2 * curvature);
  return offset > 0.5 ? 0.5 : offset < -0.5 ? -0.5 : offset;
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
