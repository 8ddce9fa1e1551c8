// The DeOldify post-process, done in YCbCr: the model sees a small luma image and returns small
// chroma; the chroma is upscaled to the frame's chroma planes and joined with the untouched luma.
// A render quantizes the chroma at the model's size (quantizeChroma) and upscales those codes
// (upscaleCodes), both in WebAssembly; previews and photos use upscaleChroma.

import { kernelCall } from './wasm/kernels.js';

export type LumaRange = 'tv' | 'pc';

/**
 * Each 8-bit luma sample clamped to the range's black..white (tv: 16..235), so that averaging the
 * clamped integers and mapping the mean to [0,1] once equals averaging the per-sample [0,1] values.
 */
function clampTable(range: LumaRange): Uint8Array {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = range === 'tv' ? Math.min(235, Math.max(16, v)) : v;
  return table;
}

const clampTables: Record<LumaRange, Uint8Array> = { tv: clampTable('tv'), pc: clampTable('pc') };

/** Source box [start[i], end[i]) of each output sample along one axis (fractional edges to whole pixels). */
interface BoxAxis {
  start: Int32Array;
  end: Int32Array;
}

function boxAxis(size: number, outSize: number): BoxAxis {
  const start = new Int32Array(outSize);
  const end = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let a = Math.min(size, Math.round((o * size) / outSize));
    let b = Math.min(size, Math.round(((o + 1) * size) / outSize));
    if (b <= a) b = Math.min(size, a + 1);
    if (a >= size) a = size - 1;
    start[o] = a;
    end[o] = b;
  }
  return { start, end };
}

/** The geometry of the last few size pairs (a render uses one): no per-frame set-up or allocation. */
const GEOMETRY_CACHE_SIZE = 4;
function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= GEOMETRY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
  }
  return value;
}

interface DownscaleGeometry {
  x: BoxAxis;
  y: BoxAxis;
  /** Integer sums of each output sample's box in the output row being made (at most 255 × box area). */
  rowSums: Int32Array;
}
const downscaleGeometry = new Map<string, DownscaleGeometry>();

/**
 * Area-averaging downscale of a full-resolution luma plane to the model's render size, mapped to [0,1].
 * Each output pixel averages the source box it covers (fractional edges approximated by whole pixels),
 * which is what a good resampler does for large reduction factors and costs one pass over the source.
 * The sums are integers (one add per source sample): only the mean of each box becomes a float.
 */
export function downscaleLuma(
  y: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  range: LumaRange,
  out = new Float32Array(outWidth * outHeight),
): Float32Array {
  const clamp = clampTables[range];
  const black = range === 'tv' ? 16 : 0;
  const span = range === 'tv' ? 219 : 255;
  const geometry = cached(downscaleGeometry, `${width}x${height}>${outWidth}x${outHeight}`, () => ({
    x: boxAxis(width, outWidth),
    y: boxAxis(height, outHeight),
    rowSums: new Int32Array(outWidth),
  }));
  const { rowSums } = geometry;
  const xStart = geometry.x.start;
  const xEnd = geometry.x.end;
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = geometry.y.start[oy];
    const y1 = geometry.y.end[oy];
    rowSums.fill(0);
    for (let sy = y0; sy < y1; sy++) {
      const row = sy * width;
      for (let ox = 0; ox < outWidth; ox++) {
        const x1 = row + xEnd[ox];
        let sum = 0;
        for (let sx = row + xStart[ox]; sx < x1; sx++) sum += clamp[y[sx]];
        rowSums[ox] += sum;
      }
    }
    const rows = y1 - y0;
    const outRow = oy * outWidth;
    for (let ox = 0; ox < outWidth; ox++) out[outRow + ox] = (rowSums[ox] / ((xEnd[ox] - xStart[ox]) * rows) - black) / span;
  }
  return out;
}

/**
 * The model input from the decoder's second output (media/decode.ts, DecodeLumaOptions.modelSize):
 * ffmpeg's area-averaged luma at the render size as 16-bit little-endian samples, 256 × the 8-bit
 * value (so 8 bits of fraction below the code), each source sample clamped to the range's black..white
 * before averaging, as downscaleLuma does. Mapped to [0,1] here.
 */
export function lumaToUnit(scaled: Uint8Array, range: LumaRange, out = new Float32Array(scaled.length >> 1)): Float32Array {
  const n = out.length;
  if (scaled.length < 2 * n) throw new Error(`lumaToUnit: ${scaled.length} bytes hold fewer than ${n} 16-bit samples.`);
  // (sample − black) / span, clamped to [0,1], rounded to float once (wasm/stabilize-kernels.c).
  // WebAssembly memory is little-endian, as the samples are.
  const black = range === 'tv' ? 16 * 256 : 0;
  const span = (range === 'tv' ? 219 : 255) * 256;
  const call = kernelCall();
  const samples = call.put(scaled.subarray(0, 2 * n));
  const at = call.target(out);
  call.run.luma_to_unit(samples, n, black, span, at);
  return call.read(at, out);
}

/**
 * Cb/Cr offsets at the model's size, `saturation` applied, to 8-bit codes (Cb rows then Cr rows in
 * `out`), for upscaleCodes to upscale. Rounded and clamped as upscaleChroma does, but before the
 * bilinear step instead of after it: the planes upscaleCodes makes differ from upscaleChroma's by
 * at most one code (the two roundings), and where saturation pushes codes past 0..255 an edge
 * between clipped and unclipped samples is blended from the clipped values.
 */
export function quantizeChroma(
  cb: Float32Array,
  cr: Float32Array,
  range: LumaRange,
  saturation = 1,
  out: Uint8Array = new Uint8Array(2 * cb.length),
): Uint8Array {
  const n = cb.length;
  if (cr.length !== n || out.length !== 2 * n) throw new Error('Chroma planes and output do not match in size.');
  // 128.5 + offset × scale, truncated and clamped to 0..255, in double precision (wasm/stabilize-kernels.c).
  const call = kernelCall(cb); // in place where cb and cr are resident planes (the stabilizer's output)
  const at = call.reserve(2 * n);
  call.run.quantize_chroma(call.put(cb), call.put(cr), n, (range === 'tv' ? 224 : 255) * saturation, at);
  return call.readBytes(at, out);
}

/** Each output column's (then row's) two source samples and the second's weight in 1/256 (wasm upscale_codes). */
const codesGeometry = new Map<string, Int32Array>();

/**
 * The encoder's 4:2:0 chroma planes from quantizeChroma's codes (Cb then Cr, width×height each):
 * each plane upscaled bilinearly to chromaWidth×chromaHeight with sample centres aligned, as
 * upscaleChroma does, and rounded to nearest; U then V into `out`. The render gives the encoder
 * these planes rather than the small codes: scaling inside ffmpeg runs in its one main thread,
 * which held x264 back on many cores (docs/gpu-run.md).
 */
export function upscaleCodes(
  codes: Uint8Array,
  width: number,
  height: number,
  chromaWidth: number,
  chromaHeight: number,
  out: Uint8Array = new Uint8Array(2 * chromaWidth * chromaHeight),
): Uint8Array {
  if (codes.length !== 2 * width * height || out.length !== 2 * chromaWidth * chromaHeight) {
    throw new Error('Chroma codes and output planes do not match their sizes.');
  }
  const geometry = cached(codesGeometry, `${width}x${height}>${chromaWidth}x${chromaHeight}`, () => {
    const x = taps(width, chromaWidth);
    const y = taps(height, chromaHeight);
    const table = new Int32Array(3 * chromaWidth + 3 * chromaHeight);
    const put = (axis: { i0: Int32Array; i1: Int32Array; f: Float64Array }, at: number, n: number) => {
      table.set(axis.i0, at);
      table.set(axis.i1, at + n);
      for (let o = 0; o < n; o++) table[at + 2 * n + o] = Math.round(axis.f[o] * 256);
    };
    put(x, 0, chromaWidth);
    put(y, 3 * chromaWidth, chromaHeight);
    return table;
  });
  const call = kernelCall();
  const at = call.reserve(out.length);
  const across = call.reserve(4 * height * chromaWidth);
  call.run.upscale_codes(call.put(codes), width, height, at, chromaWidth, chromaHeight, call.put(geometry), across);
  return call.readBytes(at, out);
}

export interface ChromaPlanes {
  u: Uint8Array;
  v: Uint8Array;
}

interface UpscaleGeometry {
  x0s: Int32Array;
  x1s: Int32Array;
  fxs: Float64Array;
  y0s: Int32Array;
  y1s: Int32Array;
  fys: Float64Array;
  /** Every source row interpolated across to the output columns, for Cb and Cr. */
  cbRows: Float64Array;
  crRows: Float64Array;
}
const upscaleGeometry = new Map<string, UpscaleGeometry>();

/** Source taps (sample centres aligned) of each output sample along one axis. */
function taps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float64Array(dst);
  const step = src / dst;
  for (let o = 0; o < dst; o++) {
    const pos = Math.min(src - 1, Math.max(0, (o + 0.5) * step - 0.5));
    const a = Math.floor(pos);
    i0[o] = a;
    i1[o] = Math.min(src - 1, a + 1);
    f[o] = pos - a;
  }
  return { i0, i1, f };
}

/**
 * Bilinear upscale of Cb/Cr offsets (render size) to 8-bit chroma planes of size chromaWidth×chromaHeight
 * (half the frame for 4:2:0), sample centres aligned. `saturation` scales the offsets.
 *
 * Separable: each source row is first interpolated across to the output width (once per source row,
 * not once per output row), then output rows blend two of those. The arithmetic per sample is the
 * same as interpolating the four neighbours directly, so the result is identical.
 */
export function upscaleChroma(
  cb: Float32Array,
  cr: Float32Array,
  srcWidth: number,
  srcHeight: number,
  chromaWidth: number,
  chromaHeight: number,
  range: LumaRange,
  saturation = 1,
  out?: ChromaPlanes,
): ChromaPlanes {
  // One allocation for both planes.
  const planes = out ? null : new Uint8Array(2 * chromaWidth * chromaHeight);
  const u = out?.u ?? planes!.subarray(0, chromaWidth * chromaHeight);
  const v = out?.v ?? planes!.subarray(chromaWidth * chromaHeight);
  // JFIF offsets in [-0.5,0.5] → 8-bit: full range spans 255 codes, limited (tv) range spans 224.
  const scale = (range === 'tv' ? 224 : 255) * saturation;
  const g = cached(upscaleGeometry, `${srcWidth}x${srcHeight}>${chromaWidth}x${chromaHeight}`, () => {
    const x = taps(srcWidth, chromaWidth);
    const y = taps(srcHeight, chromaHeight);
    return {
      x0s: x.i0,
      x1s: x.i1,
      fxs: x.f,
      y0s: y.i0,
      y1s: y.i1,
      fys: y.f,
      cbRows: new Float64Array(srcHeight * chromaWidth),
      crRows: new Float64Array(srcHeight * chromaWidth),
    };
  });
  const { x0s, x1s, fxs, cbRows, crRows } = g;
  for (let sy = 0; sy < srcHeight; sy++) {
    const r = sy * srcWidth;
    const o = sy * chromaWidth;
    for (let x = 0; x < chromaWidth; x++) {
      const a = r + x0s[x];
      const b = r + x1s[x];
      const fx = fxs[x];
      cbRows[o + x] = cb[a] + (cb[b] - cb[a]) * fx;
      crRows[o + x] = cr[a] + (cr[b] - cr[a]) * fx;
    }
  }
  for (let y = 0; y < chromaHeight; y++) {
    const r0 = g.y0s[y] * chromaWidth;
    const r1 = g.y1s[y] * chromaWidth;
    const fy = g.fys[y];
    const outRow = y * chromaWidth;
    for (let x = 0; x < chromaWidth; x++) {
      const cbTop = cbRows[r0 + x];
      const crTop = crRows[r0 + x];
      // Uint8Array assignment truncates; +128.5 rounds to nearest and the clamp keeps it in range.
      const uValue = 128.5 + (cbTop + (cbRows[r1 + x] - cbTop) * fy) * scale;
      const vValue = 128.5 + (crTop + (crRows[r1 + x] - crTop) * fy) * scale;
      u[outRow + x] = uValue < 0 ? 0 : uValue > 255 ? 255 : uValue | 0;
      v[outRow + x] = vValue < 0 ? 0 : vValue > 255 ? 255 : vValue | 0;
    }
  }
  return { u, v };
}
