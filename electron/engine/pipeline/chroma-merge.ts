// The DeOldify post-process, done in YCbCr: the model sees a small luma image and returns small
// chroma; the chroma is upscaled to the frame's chroma planes and joined with the untouched luma.

export type LumaRange = 'tv' | 'pc';

/** Maps an 8-bit luma sample to the model's [0,1] (JFIF full range). */
function lumaToUnitTable(range: LumaRange): Float32Array {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const unit = range === 'tv' ? (v - 16) / 219 : v / 255;
    table[v] = Math.min(1, Math.max(0, unit));
  }
  return table;
}

const unitTables: Record<LumaRange, Float32Array> = { tv: lumaToUnitTable('tv'), pc: lumaToUnitTable('pc') };

/**
 * Area-averaging downscale of a full-resolution luma plane to the model's render size, mapped to [0,1].
 * Each output pixel averages the source box it covers (fractional edges approximated by whole pixels),
 * which is what a good resampler does for large reduction factors and costs one pass over the source.
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
  const table = unitTables[range];
  const xStart = new Int32Array(outWidth + 1);
  for (let ox = 0; ox <= outWidth; ox++) xStart[ox] = Math.min(width, Math.round((ox * width) / outWidth));
  const rowSums = new Float64Array(outWidth);
  for (let oy = 0; oy < outHeight; oy++) {
    let y0 = Math.round((oy * height) / outHeight);
    let y1 = Math.round(((oy + 1) * height) / outHeight);
    if (y1 <= y0) y1 = Math.min(height, y0 + 1);
    if (y0 >= height) y0 = height - 1;
    rowSums.fill(0);
    for (let sy = y0; sy < y1; sy++) {
      const row = sy * width;
      for (let ox = 0; ox < outWidth; ox++) {
        let x0 = xStart[ox];
        let x1 = xStart[ox + 1];
        if (x1 <= x0) x1 = Math.min(width, x0 + 1);
        if (x0 >= width) x0 = width - 1;
        let sum = 0;
        for (let sx = x0; sx < x1; sx++) sum += table[y[row + sx]];
        rowSums[ox] += sum / (x1 - x0);
      }
    }
    const rows = y1 - y0;
    const outRow = oy * outWidth;
    for (let ox = 0; ox < outWidth; ox++) out[outRow + ox] = rowSums[ox] / rows;
  }
  return out;
}

export interface ChromaPlanes {
  u: Uint8Array;
  v: Uint8Array;
}

/**
 * Bilinear upscale of Cb/Cr offsets (render size) to 8-bit chroma planes of size chromaWidth×chromaHeight
 * (half the frame for 4:2:0), sample centres aligned. `saturation` scales the offsets.
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
  const u = out?.u ?? new Uint8Array(chromaWidth * chromaHeight);
  const v = out?.v ?? new Uint8Array(chromaWidth * chromaHeight);
  // JFIF offsets in [-0.5,0.5] → 8-bit: full range spans 255 codes, limited (tv) range spans 224.
  const scale = (range === 'tv' ? 224 : 255) * saturation;
  const x0s = new Int32Array(chromaWidth);
  const x1s = new Int32Array(chromaWidth);
  const fxs = new Float64Array(chromaWidth);
  const sx = srcWidth / chromaWidth;
  for (let x = 0; x < chromaWidth; x++) {
    const pos = Math.min(srcWidth - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    const x0 = Math.floor(pos);
    x0s[x] = x0;
    x1s[x] = Math.min(srcWidth - 1, x0 + 1);
    fxs[x] = pos - x0;
  }
  const sy = srcHeight / chromaHeight;
  for (let y = 0; y < chromaHeight; y++) {
    const pos = Math.min(srcHeight - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(pos);
    const y1 = Math.min(srcHeight - 1, y0 + 1);
    const fy = pos - y0;
    const r0 = y0 * srcWidth;
    const r1 = y1 * srcWidth;
    const outRow = y * chromaWidth;
    for (let x = 0; x < chromaWidth; x++) {
      const a = x0s[x];
      const b = x1s[x];
      const fx = fxs[x];
      const cbTop = cb[r0 + a] + (cb[r0 + b] - cb[r0 + a]) * fx;
      const cbBottom = cb[r1 + a] + (cb[r1 + b] - cb[r1 + a]) * fx;
      const crTop = cr[r0 + a] + (cr[r0 + b] - cr[r0 + a]) * fx;
      const crBottom = cr[r1 + a] + (cr[r1 + b] - cr[r1 + a]) * fx;
      // Uint8Array assignment truncates; +128.5 rounds to nearest and the clamp keeps it in range.
      const uValue = 128.5 + (cbTop + (cbBottom - cbTop) * fy) * scale;
      const vValue = 128.5 + (crTop + (crBottom - crTop) * fy) * scale;
      u[outRow + x] = uValue < 0 ? 0 : uValue > 255 ? 255 : uValue;
      v[outRow + x] = vValue < 0 ? 0 : vValue > 255 ? 255 : vValue;
    }
  }
  return { u, v };
}
