// Conversions from the pipeline's low-resolution chroma frames (luma [0,1], Cb/Cr offsets in
// [-0.5, 0.5], BT.601 full swing as in frames.ts) to the shapes the metrics read.

import type { RgbFrame, YuvPlanes } from './types.js';

export interface ChromaPlanes {
  width: number;
  height: number;
  luma: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

/** Y/Cb/Cr in 8-bit levels (unrounded), chroma at full resolution. */
export function chromaFrameToYuv(frame: ChromaPlanes): YuvPlanes {
  const n = frame.width * frame.height;
  const y = new Float32Array(n);
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = 255 * frame.luma[i];
    u[i] = 128 + 255 * frame.cb[i];
    v[i] = 128 + 255 * frame.cr[i];
  }
  return { width: frame.width, height: frame.height, y, u, v, chromaWidth: frame.width, chromaHeight: frame.height };
}

/** RGB 0–255 (JFIF / BT.601 full-range inverse), rounded and clamped as an 8-bit image would be. */
export function chromaFrameToRgb(frame: ChromaPlanes): RgbFrame {
  const n = frame.width * frame.height;
  const rgb = new Uint8ClampedArray(3 * n);
  for (let i = 0, k = 0; i < n; i++, k += 3) {
    const y = 255 * frame.luma[i];
    const cb = 255 * frame.cb[i];
    const cr = 255 * frame.cr[i];
    rgb[k] = y + 1.402 * cr;
    rgb[k + 1] = y - 0.344136 * cb - 0.714136 * cr;
    rgb[k + 2] = y + 1.772 * cb;
  }
  return { width: frame.width, height: frame.height, rgb };
}
