// Per-pixel kernels of the chroma stabilizer (see stabilize.ts). Plain loops over typed arrays:
// they run on every frame, so they avoid allocation, closures and per-pixel bounds logic (block
// warps keep every bilinear tap inside the frame).
//
// Whole-pixel blocks (a block warp whose weights are exactly 1, 0, 0, 0 — every still block, see
// MotionTuning.stillSnap) take a shortcut in each warp kernel: a·p + 0·q + 0·r + 0·s is p itself,
// bit for bit, for any finite p ≠ 0 (1·p is exact and adding a zero product leaves a non-zero sum
// unchanged), so only the one tap is read; a zero tap (whose sign the zero products can flip) takes
// the full sum. For finite planes the results are identical to the full bilinear sum.

import type { BlockWarp } from './motion.js';

/**
 * A running chroma average: cb, cr, mean chroma magnitude and weight (in frames) per pixel, and the
 * mean luma the average was built on (to tell a slow change of the picture from a still one).
 */
export interface ChromaState {
  cb: Float32Array;
  cr: Float32Array;
  magnitude: Float32Array;
  weight: Float32Array;
  luma: Float32Array;
}

/** One frame's planes on the working grid, as the kernels read them. */
export interface FramePlanes {
  cb: Float32Array;
  cr: Float32Array;
  magnitude: Float32Array;
  luma: Float32Array;
}

/** How to bring a neighbouring frame's state onto this frame: the warp and per-pixel trust (0–1). */
export interface Link {
  warp: BlockWarp;
  trust: Float32Array;
  /** Luma mismatch ([0,1]) still fully trusted for this frame pair (its grain level). */
  tolerance: number;
}

export function newState(n: number): ChromaState {
  return {
    cb: new Float32Array(n),
    cr: new Float32Array(n),
    magnitude: new Float32Array(n),
    weight: new Float32Array(n),
    luma: new Float32Array(n),
  };
}

export function initState(out: ChromaState, frame: FramePlanes): ChromaState {
  out.cb.set(frame.cb);
  out.cr.set(frame.cr);
  out.magnitude.set(frame.magnitude);
  out.luma.set(frame.luma);
  out.weight.fill(1);
  return out;
}

/** Mean of a plane (e.g. a state's luma, for the global brightness shift against a frame). */
export function planeMean(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length > 0 ? sum / values.length : 0;
}

export function chromaMagnitude(cb: Float32Array, cr: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(cb[i] * cb[i] + cr[i] * cr[i]);
  return out;
}

/**
 * |current − warped reference − shift| per pixel into `out`; returns the median in 8-bit levels
 * (from a quarter-level histogram, enough for a grain estimate).
 */
export function warpedMismatch(current: Float32Array, reference: Float32Array, warp: BlockWarp, shift: number, out: Float32Array): number {
  const { blockSize: B, blocksX, blocksY, offset, w00, w01, w10, w11, width, height } = warp;
  const bins = 256;
  const histogram = new Uint32Array(bins);
  // The block-warp walk is written out in each kernel on purpose: a shared one would cost a call per pixel.
  for (let by = 0; by < blocksY; by++) {
    const y0 = by * B;
    const y1 = Math.min(height, y0 + B);
    for (let bx = 0; bx < blocksX; bx++) {
      const k = by * blocksX + bx;
      const x0 = bx * B;
      const x1 = Math.min(width, x0 + B);
      const o = offset[k];
      const a = w00[k];
      const b = w01[k];
      const c = w10[k];
      const d = w11[k];
      const whole = a === 1 && b === 0 && c === 0 && d === 0;
      for (let y = y0; y < y1; y++) {
        const end = y * width + x1;
        for (let i = y * width + x0; i < end; i++) {
          const j = i + o;
          let warped = whole ? reference[j] : 0;
          if (warped === 0) warped = a * reference[j] + b * reference[j + 1] + c * reference[j + width] + d * reference[j + width + 1];
          let m = current[i] - warped - shift;
          m = m < 0 ? -m : m;
          out[i] = m;
          let bin = (m * 1020) | 0;
          if (bin >= bins) bin = bins - 1;
          histogram[bin]++;
        }
      }
    }
  }
  const half = (width * height) / 2;
  let seen = 0;
  for (let bin = 0; bin < bins; bin++) {
    seen += histogram[bin];
    if (seen >= half) return (bin + 0.5) / 4;
  }
  return bins / 4;
}

/** 3×3 mean of the mismatch (edges replicated), mapped to trust: 1 up to tolerance, 0 from zeroAt. */
export function trustFromMismatch(
  mismatch: Float32Array,
  width: number,
  height: number,
  tolerance: number,
  zeroAt: number,
  rows: Float32Array,
  out: Float32Array,
): Float32Array {
  for (let y = 0; y < height; y++) {
    const r = y * width;
    rows[r] = 2 * mismatch[r] + mismatch[r + 1];
    for (let x = 1; x < width - 1; x++) rows[r + x] = mismatch[r + x - 1] + mismatch[r + x] + mismatch[r + x + 1];
    rows[r + width - 1] = mismatch[r + width - 2] + 2 * mismatch[r + width - 1];
  }
  // trust = (zeroAt − mean) / (zeroAt − tolerance), clamped to [0, 1]; mean = sum / 9.
  const scale = 1 / (9 * (zeroAt - tolerance));
  const bias = zeroAt / (zeroAt - tolerance);
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const mid = y * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x++) {
      const t = bias - (rows[up + x] + rows[mid + x] + rows[down + x]) * scale;
      out[mid + x] = t >= 1 ? 1 : t <= 0 ? 0 : t;
    }
  }
  return out;
}

/**
 * Caps on the carried weight (in frames): `limit` where trust is partial, rising linearly to
 * `stillLimit` as trust goes from stillTrustFrom to 1 — where the picture is also still over the
 * long run: the frame's luma within driftTolerance of the state's mean luma (after the global
 * brightness shift driftShift), none of the rise from twice that.
 */
export interface MemoryLimits {
  limit: number;
  stillLimit: number;
  stillTrustFrom: number;
  /** Luma ([0,1]) by which a frame may differ from the state's mean luma and still count as still. */
  driftTolerance: number;
  /** Per pixel, |frame luma − warped state mean luma| after the global shift, 3×3 mean (see lumaDrift); null: none. */
  drift: Float32Array | null;
}

/** No cap (the backward pass over the bounded look-ahead window). */
export const UNLIMITED: MemoryLimits = { limit: Infinity, stillLimit: Infinity, stillTrustFrom: 0, driftTolerance: 1, drift: null };

/**
 * How far the frame's luma has moved from the luma a carried state was built on, per pixel:
 * |3×3 mean of (current − warped state luma − shift)| into `out` (`rows` is scratch). The signed
 * mean cancels grain and compression noise; a shadow or a fade moves a whole area and stays.
 */
export function lumaDrift(
  current: Float32Array,
  stateLuma: Float32Array,
  warp: BlockWarp,
  shift: number,
  rows: Float32Array,
  out: Float32Array,
): Float32Array {
  const { blockSize: B, blocksX, blocksY, offset, w00, w01, w10, w11, width, height } = warp;
  const difference = out;
  // The block-warp walk is written out in each kernel on purpose: a shared one would cost a call per pixel.
  for (let by = 0; by < blocksY; by++) {
    const y0 = by * B;
    const y1 = Math.min(height, y0 + B);
    for (let bx = 0; bx < blocksX; bx++) {
      const k = by * blocksX + bx;
      const x0 = bx * B;
      const x1 = Math.min(width, x0 + B);
      const o = offset[k];
      const a = w00[k];
      const b = w01[k];
      const c = w10[k];
      const d = w11[k];
      const whole = a === 1 && b === 0 && c === 0 && d === 0;
      for (let y = y0; y < y1; y++) {
        const end = y * width + x1;
        for (let i = y * width + x0; i < end; i++) {
          const j = i + o;
          let warped = whole ? stateLuma[j] : 0;
          if (warped === 0) warped = a * stateLuma[j] + b * stateLuma[j + 1] + c * stateLuma[j + width] + d * stateLuma[j + width + 1];
          difference[i] = current[i] - shift - warped;
        }
      }
    }
  }
  for (let y = 0; y < height; y++) {
    const r = y * width;
    rows[r] = 2 * difference[r] + difference[r + 1];
    for (let x = 1; x < width - 1; x++) rows[r + x] = difference[r + x - 1] + difference[r + x] + difference[r + x + 1];
    rows[r + width - 1] = difference[r + width - 2] + 2 * difference[r + width - 1];
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const mid = y * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x++) {
      const m = (rows[up + x] + rows[mid + x] + rows[down + x]) / 9;
      out[mid + x] = m < 0 ? -m : m;
    }
  }
  return out;
}

/**
 * out = (this frame + c · warped state) / (1 + c), c = min(trust · warped weight, cap): a running
 * average cut where luma disagrees with the previous frame, whose memory is capped at limit + 1
 * frames where trust is partial and at up to stillLimit + 1 frames where the luma agrees fully
 * with both the previous frame and the state's mean (see MemoryLimits). The mean-luma test keeps a
 * slow change — a shadow passing, a light fading — from holding on to the colours of its start.
 */
export function blendState(out: ChromaState, frame: FramePlanes, state: ChromaState, link: Link, limits: MemoryLimits): void {
  const { blockSize: B, blocksX, blocksY, offset, w00, w01, w10, w11, width, height } = link.warp;
  const { cb, cr, magnitude, luma } = frame;
  const trust = link.trust;
  const { limit, stillTrustFrom, drift: driftPlane } = limits;
  const rise = limits.stillLimit > limit ? (limits.stillLimit - limit) / (1 - stillTrustFrom) : 0;
  const driftTolerance = limits.driftTolerance;
  const driftZero = 2 * driftTolerance;
  const sL = state.luma;
  const oL = out.luma;
  const sCb = state.cb;
  const sCr = state.cr;
  const sMag = state.magnitude;
  const sW = state.weight;
  const oCb = out.cb;
  const oCr = out.cr;
  const oMag = out.magnitude;
  const oW = out.weight;
  // The block-warp walk is written out in each kernel on purpose: a shared one would cost a call per pixel.
  for (let by = 0; by < blocksY; by++) {
    const y0 = by * B;
    const y1 = Math.min(height, y0 + B);
    for (let bx = 0; bx < blocksX; bx++) {
      const k = by * blocksX + bx;
      const x0 = bx * B;
      const x1 = Math.min(width, x0 + B);
      const o = offset[k];
      const a = w00[k];
      const b = w01[k];
      const c = w10[k];
      const d = w11[k];
      const whole = a === 1 && b === 0 && c === 0 && d === 0;
      for (let y = y0; y < y1; y++) {
        const end = y * width + x1;
        for (let i = y * width + x0; i < end; i++) {
          const t = trust[i];
          if (t === 0) {
            oCb[i] = cb[i];
            oCr[i] = cr[i];
            oMag[i] = magnitude[i];
            oL[i] = luma[i];
            oW[i] = 1;
            continue;
          }
          const j = i + o;
          const j2 = j + width;
          // Each tap: the one sample on a whole-pixel block unless it is zero (see the top).
          let warpedW = whole ? sW[j] : 0;
          if (warpedW === 0) warpedW = a * sW[j] + b * sW[j + 1] + c * sW[j2] + d * sW[j2 + 1];
          let w = t * warpedW;
          let meanLuma = whole ? sL[j] : 0;
          if (meanLuma === 0) meanLuma = a * sL[j] + b * sL[j + 1] + c * sL[j2] + d * sL[j2 + 1];
          let cap = limit;
          if (t > stillTrustFrom) {
            const drift = driftPlane === null ? 0 : driftPlane[i];
            if (drift < driftZero)
              cap += rise * (t - stillTrustFrom) * (drift <= driftTolerance ? 1 : (driftZero - drift) / driftTolerance);
          }
          if (w > cap) w = cap;
          const norm = 1 / (1 + w);
          let warpedCb = whole ? sCb[j] : 0;
          if (warpedCb === 0) warpedCb = a * sCb[j] + b * sCb[j + 1] + c * sCb[j2] + d * sCb[j2 + 1];
          let warpedCr = whole ? sCr[j] : 0;
          if (warpedCr === 0) warpedCr = a * sCr[j] + b * sCr[j + 1] + c * sCr[j2] + d * sCr[j2 + 1];
          let warpedMag = whole ? sMag[j] : 0;
          if (warpedMag === 0) warpedMag = a * sMag[j] + b * sMag[j + 1] + c * sMag[j2] + d * sMag[j2 + 1];
          oCb[i] = (cb[i] + w * warpedCb) * norm;
          oCr[i] = (cr[i] + w * warpedCr) * norm;
          oMag[i] = (magnitude[i] + w * warpedMag) * norm;
          oL[i] = (luma[i] + w * meanLuma) * norm;
          oW[i] = 1 + w;
        }
      }
    }
  }
}

/**
 * Hue jitter shortens averaged chroma vectors (a saturation loss): lengthen each towards the mean
 * magnitude, by at most maxGain.
 */
function writeOutput(
  cb: number,
  cr: number,
  magnitude: number,
  maxGain: number,
  outCb: Float32Array,
  outCr: Float32Array,
  i: number,
): void {
  const length = Math.sqrt(cb * cb + cr * cr);
  let gain = length > 1e-6 ? magnitude / length : 1;
  gain = gain > maxGain ? maxGain : gain < 1 ? 1 : gain;
  outCb[i] = cb * gain;
  outCr[i] = cr * gain;
}

/** The stabilized chroma when there is no future to blend in. */
export function finishForward(forward: ChromaState, maxGain: number, outCb: Float32Array, outCr: Float32Array): void {
  const { cb, cr, magnitude } = forward;
  for (let i = 0; i < outCb.length; i++) writeOutput(cb[i], cr[i], magnitude[i], maxGain, outCb, outCr, i);
}

/** The stabilized chroma: weighted mean of the forward state and the warped, trusted future state. */
export function combineWithFuture(
  forward: ChromaState,
  future: ChromaState,
  link: Link,
  maxGain: number,
  outCb: Float32Array,
  outCr: Float32Array,
): void {
  const { blockSize: B, blocksX, blocksY, offset, w00, w01, w10, w11, width, height } = link.warp;
  const trust = link.trust;
  const fCb = forward.cb;
  const fCr = forward.cr;
  const fMag = forward.magnitude;
  const fW = forward.weight;
  const sCb = future.cb;
  const sCr = future.cr;
  const sMag = future.magnitude;
  const sW = future.weight;
  // The block-warp walk is written out in each kernel on purpose: a shared one would cost a call per pixel.
  for (let by = 0; by < blocksY; by++) {
    const y0 = by * B;
    const y1 = Math.min(height, y0 + B);
    for (let bx = 0; bx < blocksX; bx++) {
      const k = by * blocksX + bx;
      const x0 = bx * B;
      const x1 = Math.min(width, x0 + B);
      const o = offset[k];
      const a = w00[k];
      const b = w01[k];
      const c = w10[k];
      const d = w11[k];
      const whole = a === 1 && b === 0 && c === 0 && d === 0;
      for (let y = y0; y < y1; y++) {
        const end = y * width + x1;
        for (let i = y * width + x0; i < end; i++) {
          let w = fW[i];
          let cb = w * fCb[i];
          let cr = w * fCr[i];
          let mag = w * fMag[i];
          const t = trust[i];
          if (t > 0) {
            const j = i + o;
            const j2 = j + width;
            // Each tap: the one sample on a whole-pixel block unless it is zero (see the top).
            let warpedW = whole ? sW[j] : 0;
            if (warpedW === 0) warpedW = a * sW[j] + b * sW[j + 1] + c * sW[j2] + d * sW[j2 + 1];
            let warpedCb = whole ? sCb[j] : 0;
            if (warpedCb === 0) warpedCb = a * sCb[j] + b * sCb[j + 1] + c * sCb[j2] + d * sCb[j2 + 1];
            let warpedCr = whole ? sCr[j] : 0;
            if (warpedCr === 0) warpedCr = a * sCr[j] + b * sCr[j + 1] + c * sCr[j2] + d * sCr[j2 + 1];
            let warpedMag = whole ? sMag[j] : 0;
            if (warpedMag === 0) warpedMag = a * sMag[j] + b * sMag[j + 1] + c * sMag[j2] + d * sMag[j2 + 1];
            const g = t * warpedW;
            cb += g * warpedCb;
            cr += g * warpedCr;
            mag += g * warpedMag;
            w += g;
          }
          const inv = 1 / w;
          writeOutput(cb * inv, cr * inv, mag * inv, maxGain, outCb, outCr, i);
        }
      }
    }
  }
}

/** Mean over 2×2 boxes into a ceil(width/2) × ceil(height/2) grid (partial boxes at odd edges). */
export function halve(source: Float32Array, width: number, height: number, out: Float32Array): Float32Array {
  const outWidth = (width + 1) >> 1;
  const outHeight = (height + 1) >> 1;
  const pairs = width >> 1;
  for (let oy = 0; oy < outHeight; oy++) {
    const r0 = 2 * oy * width;
    const r1 = Math.min(2 * oy + 1, height - 1) * width;
    const o = oy * outWidth;
    for (let ox = 0; ox < pairs; ox++) {
      const x = 2 * ox;
      out[o + ox] = 0.25 * (source[r0 + x] + source[r0 + x + 1] + source[r1 + x] + source[r1 + x + 1]);
    }
    if (pairs < outWidth) out[o + pairs] = 0.5 * (source[r0 + width - 1] + source[r1 + width - 1]);
  }
  return out;
}

/**
 * out = clamp(base + upsample2(stabilized − baseCoarse)): the frame keeps its own fine chroma
 * detail and takes its low frequencies from the stabilized half-size grid. Bilinear with pixel
 * centres aligned; `stabilized` is overwritten with the correction, `rows` is scratch of
 * ceil(height/2) × width.
 */
export function addDoubledCorrection(
  base: Float32Array,
  stabilized: Float32Array,
  baseCoarse: Float32Array,
  width: number,
  height: number,
  rows: Float32Array,
  out: Float32Array,
): Float32Array {
  const coarseWidth = (width + 1) >> 1;
  const coarseHeight = (height + 1) >> 1;
  const correction = stabilized;
  for (let i = 0; i < coarseWidth * coarseHeight; i++) correction[i] -= baseCoarse[i];
  // Horizontal pass: output column 2k sits at coarse k − 0.25, column 2k+1 at k + 0.25.
  const last = coarseWidth - 1;
  for (let cy = 0; cy < coarseHeight; cy++) {
    const c = cy * coarseWidth;
    const r = cy * width;
    for (let k = 0; k <= last; k++) {
      const here = correction[c + k];
      const left = k > 0 ? correction[c + k - 1] : here;
      const right = k < last ? correction[c + k + 1] : here;
      const x = 2 * k;
      rows[r + x] = 0.75 * here + 0.25 * left;
      if (x + 1 < width) rows[r + x + 1] = 0.75 * here + 0.25 * right;
    }
  }
  // Vertical pass, same geometry, added to the frame's own chroma.
  const lastRow = coarseHeight - 1;
  for (let y = 0; y < height; y++) {
    const k = y >> 1;
    const neighbour = y & 1 ? Math.min(lastRow, k + 1) : Math.max(0, k - 1);
    const near = k * width;
    const far = neighbour * width;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const v = base[o + x] + 0.75 * rows[near + x] + 0.25 * rows[far + x];
      out[o + x] = v > 0.5 ? 0.5 : v < -0.5 ? -0.5 : v;
    }
  }
  return out;
}

/** Clamps chroma to the valid offset range in place. */
export function clampChroma(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    values[i] = v > 0.5 ? 0.5 : v < -0.5 ? -0.5 : v;
  }
  return values;
}
