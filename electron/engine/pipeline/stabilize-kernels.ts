// Per-pixel kernels of the chroma stabilizer (see stabilize.ts), over ordinary Float32Arrays. Each
// runs in WebAssembly with SIMD (wasm/stabilize-kernels.c, where the loops are): it runs on every
// frame, and plain JS loops cost the host several milliseconds per frame.
//
// Block warps keep every bilinear tap inside the frame, so the kernels need no bounds logic; on a
// whole-pixel block (weights 1, 0, 0, 0: every still block, see MotionTuning.stillSnap) the
// bilinear sum is the one tap itself, bit for bit, for finite planes.

import type { BlockWarp } from './motion.js';
import { kernelCall, type KernelCall } from './wasm/kernels.js';

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
  if (values.length === 0) return 0;
  const call = kernelCall(values);
  return call.run.plane_sum(call.put(values), values.length) / values.length;
}

export function chromaMagnitude(cb: Float32Array, cr: Float32Array, out: Float32Array): Float32Array {
  const call = kernelCall(out);
  const at = call.target(out);
  call.run.chroma_magnitude(call.put(cb), call.put(cr), out.length, at);
  return call.read(at, out);
}

/** The warp's tables in the call's memory, and the C struct that points at them. */
function putWarp(call: KernelCall, warp: BlockWarp): number {
  const { width, height, blockSize, blocksX, blocksY } = warp;
  const tables = [call.put(warp.offset), call.put(warp.w00), call.put(warp.w01), call.put(warp.w10), call.put(warp.w11)];
  return call.struct([width, height, blockSize, blocksX, blocksY, ...tables]);
}

/** A state's (or a frame's) planes in the call's memory; `weight` 0 where there is none. */
function putPlanes(call: KernelCall, planes: FramePlanes & { weight?: Float32Array }): number {
  const weight = planes.weight ? call.put(planes.weight) : 0;
  return call.struct([call.put(planes.cb), call.put(planes.cr), call.put(planes.magnitude), weight, call.put(planes.luma)]);
}

/** Where a kernel writes a state's five planes (see KernelCall.target), and the struct that points there. */
function targetState(call: KernelCall, state: ChromaState): { struct: number; planes: number[] } {
  const planes = [state.cb, state.cr, state.magnitude, state.weight, state.luma].map((plane) => call.target(plane));
  return { struct: call.struct(planes), planes };
}

/**
 * |current − warped reference − shift| per pixel into `out`; returns the median in 8-bit levels
 * (from a quarter-level histogram, enough for a grain estimate).
 */
export function warpedMismatch(current: Float32Array, reference: Float32Array, warp: BlockWarp, shift: number, out: Float32Array): number {
  const call = kernelCall(out);
  const at = call.target(out);
  const median = call.run.warped_mismatch(call.put(current), call.put(reference), putWarp(call, warp), shift, at);
  call.read(at, out);
  return median;
}

/** 3×3 mean of the mismatch (edges replicated), mapped to trust: 1 up to tolerance, 0 from zeroAt. */
export function trustFromMismatch(
  mismatch: Float32Array,
  width: number,
  height: number,
  tolerance: number,
  zeroAt: number,
  out: Float32Array,
): Float32Array {
  const call = kernelCall(out);
  const rows = call.reserve(out.byteLength);
  const at = call.target(out);
  call.run.trust_from_mismatch(call.put(mismatch), width, height, tolerance, zeroAt, rows, at);
  return call.read(at, out);
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
 * |3×3 mean of (current − warped state luma − shift)| into `out`. The signed mean cancels grain
 * and compression noise; a shadow or a fade moves a whole area and stays.
 */
export function lumaDrift(current: Float32Array, stateLuma: Float32Array, warp: BlockWarp, shift: number, out: Float32Array): Float32Array {
  const call = kernelCall(out);
  const rows = call.reserve(out.byteLength);
  const at = call.target(out);
  call.run.luma_drift(call.put(current), call.put(stateLuma), putWarp(call, warp), shift, rows, at);
  return call.read(at, out);
}

/**
 * out = (this frame + c · warped state) / (1 + c), c = min(trust · warped weight, cap): a running
 * average cut where luma disagrees with the previous frame, whose memory is capped at limit + 1
 * frames where trust is partial and at up to stillLimit + 1 frames where the luma agrees fully
 * with both the previous frame and the state's mean (see MemoryLimits). The mean-luma test keeps a
 * slow change — a shadow passing, a light fading — from holding on to the colours of its start.
 */
export function blendState(out: ChromaState, frame: FramePlanes, state: ChromaState, link: Link, limits: MemoryLimits): void {
  const { limit, stillTrustFrom, drift } = limits;
  const rise = limits.stillLimit > limit ? (limits.stillLimit - limit) / (1 - stillTrustFrom) : 0;
  const call = kernelCall(out.cb);
  const target = targetState(call, out);
  call.run.blend_state(
    target.struct,
    putPlanes(call, frame),
    putPlanes(call, state),
    putWarp(call, link.warp),
    call.put(link.trust),
    drift === null ? 0 : call.put(drift),
    limit,
    rise,
    stillTrustFrom,
    limits.driftTolerance,
  );
  const [cb, cr, magnitude, weight, luma] = target.planes;
  call.read(cb, out.cb);
  call.read(cr, out.cr);
  call.read(magnitude, out.magnitude);
  call.read(weight, out.weight);
  call.read(luma, out.luma);
}

/**
 * The stabilized chroma when there is no future to blend in. Hue jitter shortens averaged chroma
 * vectors (a saturation loss): each is lengthened towards the mean magnitude, by at most maxGain.
 */
export function finishForward(forward: ChromaState, maxGain: number, outCb: Float32Array, outCr: Float32Array): void {
  const call = kernelCall(forward.cb);
  const cb = call.target(outCb);
  const cr = call.target(outCr);
  call.run.finish_forward(putPlanes(call, forward), outCb.length, maxGain, cb, cr);
  call.read(cb, outCb);
  call.read(cr, outCr);
}

/** The stabilized chroma: weighted mean of the forward state and the warped, trusted future state (then as finishForward). */
export function combineWithFuture(
  forward: ChromaState,
  future: ChromaState,
  link: Link,
  maxGain: number,
  outCb: Float32Array,
  outCr: Float32Array,
): void {
  const call = kernelCall(forward.cb);
  const cb = call.target(outCb);
  const cr = call.target(outCr);
  call.run.combine_with_future(
    putPlanes(call, forward),
    putPlanes(call, future),
    putWarp(call, link.warp),
    call.put(link.trust),
    maxGain,
    cb,
    cr,
  );
  call.read(cb, outCb);
  call.read(cr, outCr);
}

/** Mean over 2×2 boxes into a ceil(width/2) × ceil(height/2) grid (partial boxes at odd edges). */
export function halve(source: Float32Array, width: number, height: number, out: Float32Array): Float32Array {
  const call = kernelCall(out);
  const at = call.target(out);
  call.run.halve(call.put(source), width, height, at);
  return call.read(at, out);
}

/**
 * out = clamp(base + upsample2(stabilized − baseCoarse)): the frame keeps its own fine chroma
 * detail and takes its low frequencies from the stabilized half-size grid. Bilinear with pixel
 * centres aligned.
 */
export function addDoubledCorrection(
  base: Float32Array,
  stabilized: Float32Array,
  baseCoarse: Float32Array,
  width: number,
  height: number,
  out: Float32Array,
): Float32Array {
  const call = kernelCall(stabilized);
  const rows = call.reserve(4 * ((height + 1) >> 1) * width);
  const at = call.target(out);
  call.run.add_doubled_correction(call.put(base), call.put(stabilized), call.put(baseCoarse), width, height, rows, at);
  return call.read(at, out);
}

/** Clamps chroma to the valid offset range in place. */
export function clampChroma(values: Float32Array): Float32Array {
  const call = kernelCall(values);
  const at = call.put(values);
  call.run.clamp_chroma(at, values.length);
  return call.read(at, values);
}
