// Frame shapes the video metrics read. Values are 8-bit levels (0–255); float planes are accepted
// so that unrounded pipeline output can be measured too.

export type Plane = Uint8Array | Uint8ClampedArray | Float32Array | Float64Array;

/** Planar Y/Cb/Cr; the chroma planes may be subsampled (yuv420p: chromaWidth = ceil(width/2)). */
export interface YuvPlanes {
  width: number;
  height: number;
  y: Plane;
  u: Plane;
  v: Plane;
  chromaWidth: number;
  chromaHeight: number;
}

/** Interleaved RGB, 3 values per pixel, row-major, no padding. */
export interface RgbFrame {
  width: number;
  height: number;
  rgb: Plane;
}
