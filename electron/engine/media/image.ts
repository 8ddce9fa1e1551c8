// Still images, behind sharp (the one module that imports it): photo luma in, colourized YCbCr out,
// and RGB ↔ display encodings for previews. Colour maths is BT.601 (the colourizer's chroma) and is
// done here in JS so it is exact and the same everywhere; sharp only decodes, orients and encodes.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { OutputInfo } from 'sharp';
import { writeFileAtomic } from '../atomic-file.js';
import { EngineError } from '../errors.js';

// sharp, and libvips with it, loads on first use: rendering a film never needs it.
let sharpModule: Promise<typeof import('sharp')> | undefined;
const loadSharp = async () => (await (sharpModule ??= import('sharp'))).default;

export type SampleRange = 'tv' | 'pc';

export interface PhotoLuma {
  width: number;
  height: number;
  /** BT.601 full-range luma (0–255) of the photo as displayed (EXIF orientation applied). */
  y: Uint8Array;
}

export interface YuvImage {
  width: number;
  height: number;
  y: Uint8Array;
  /** Cb plane: 4:2:0 ((w+1)/2 × (h+1)/2) or 4:4:4 (w × h); told by `chroma` or by its length. */
  u: Uint8Array;
  v: Uint8Array;
  chroma?: '420' | '444';
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff';

const FORMAT_BY_EXTENSION: Record<string, ImageFormat> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

export function imageFormatFor(file: string): ImageFormat {
  const format = FORMAT_BY_EXTENSION[path.extname(file).toLowerCase()];
  if (!format)
    throw new EngineError(
      'bad-option',
      `A photo can be written as .jpg, .png, .webp or .tif, not "${path.basename(file)}"; choose an output name with one of those endings.`,
    );
  return format;
}

/** Reads a JPEG/PNG/TIFF/WebP photo as BT.601 full-range luma; transparency is flattened onto white. */
export async function readPhotoLuma(file: string): Promise<PhotoLuma> {
  const fileStat = await stat(file).catch(() => undefined);
  if (!fileStat?.isFile()) throw new EngineError('input-missing', `The photo ${file} does not exist; check the path.`);
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(file, { failOn: 'error' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new EngineError(
      'not-a-video',
      `"${path.basename(file)}" is not a photo that can be read; use a JPEG, PNG, TIFF or WebP file.`,
      String(error),
    );
  }
  const { data, info } = decoded;
  const pixels = info.width * info.height;
  const y = new Uint8Array(pixels);
  const channels = info.channels;
  if (channels < 3) {
    for (let i = 0; i < pixels; i++) y[i] = data[i * channels];
  } else {
    for (let i = 0, p = 0; i < pixels; i++, p += channels) y[i] = rgbToLuma(data[p], data[p + 1], data[p + 2]);
  }
  return { width: info.width, height: info.height, y };
}

/** BT.601 luma, full range, in fixed point (the coefficients sum to 65536, so grey stays grey). */
export function rgbToLuma(r: number, g: number, b: number): number {
  return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
}

/**
 * Writes a YCbCr image as PNG/JPEG/WebP/TIFF (chosen by `formatFrom`, default the path's extension),
 * atomically. The samples are in `range`; conversion to RGB is BT.601.
 */
export async function writeYuvImage(
  file: string,
  image: YuvImage,
  options: { range: SampleRange; formatFrom?: string; quality?: number },
): Promise<void> {
  const format = imageFormatFor(options.formatFrom ?? file);
  const rgb = yuvToRgb(image, options.range);
  const data = await encodeRgb(rgb, image.width, image.height, format, options.quality);
  await writeFileAtomic(file, data);
}

/** Encodes packed RGB (w*h*3) as an image file's bytes. */
async function encodeRgb(rgb: Uint8Array, width: number, height: number, format: ImageFormat, quality?: number): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const image = sharp(rgb, { raw: { width, height, channels: 3 } });
  const encoded =
    format === 'jpeg'
      ? image.jpeg({ quality: quality ?? 92, chromaSubsampling: '4:4:4' })
      : format === 'png'
        ? image.png()
        : format === 'webp'
          ? image.webp({ quality: quality ?? 92 })
          : image.tiff({ compression: 'lzw' });
  return new Uint8Array(await encoded.toBuffer());
}

/** Encodes RGB for display, shrunk (aspect kept) so its longest side is at most `maxSize`. */
export async function encodeImage(
  rgb: Uint8Array,
  width: number,
  height: number,
  options: { format?: 'jpeg' | 'png'; maxSize?: number; quality?: number } = {},
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const sharp = await loadSharp();
  let image = sharp(rgb, { raw: { width, height, channels: 3 } });
  if (options.maxSize && Math.max(width, height) > options.maxSize) {
    image = image.resize({ width: options.maxSize, height: options.maxSize, fit: 'inside' });
  }
  image = options.format === 'png' ? image.png() : image.jpeg({ quality: options.quality ?? 85 });
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** Grey RGB (for display) from 8-bit luma in `range`. */
export function lumaToRgb(y: Uint8Array, width: number, height: number, range: SampleRange = 'pc'): Uint8Array {
  const pixels = width * height;
  const rgb = new Uint8Array(pixels * 3);
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = range === 'tv' ? clamp8(((v - 16) * 255) / 219) : v;
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    const value = table[y[i]];
    rgb[p] = value;
    rgb[p + 1] = value;
    rgb[p + 2] = value;
  }
  return rgb;
}

/**
 * BT.601 YCbCr → packed RGB (for display and image files). 4:2:0 chroma is upsampled bilinearly
 * with centred chroma siting (weights 3/4, 1/4). Out-of-gamut colours keep their luma (see below).
 */
export function yuvToRgb(image: YuvImage, range: SampleRange): Uint8Array {
  const { width: w, height: h, y, u, v } = image;
  const full = image.chroma ? image.chroma === '444' : u.length === w * h;
  const cw = full ? w : (w + 1) >> 1;
  const ch = full ? h : (h + 1) >> 1;
  if (y.length < w * h || u.length < cw * ch || v.length < cw * ch) {
    throw new EngineError('bad-option', `The image planes are too small for ${w}x${h} ${full ? '4:4:4' : '4:2:0'}.`);
  }
  const yScale = range === 'tv' ? 255 / 219 : 1;
  const yOffset = range === 'tv' ? 16 : 0;
  const cScale = range === 'tv' ? 255 / 224 : 1;
  const rgb = new Uint8Array(w * h * 3);

  // Chroma sample positions for each output column/row (centred siting), precomputed once.
  const columns = sitings(w, cw, full);
  const rows = sitings(h, ch, full);
  for (let row = 0; row < h; row++) {
    const r0 = rows.first[row] * cw;
    const r1 = rows.second[row] * cw;
    const fy = rows.weight[row];
    for (let col = 0; col < w; col++) {
      const c0 = columns.first[col];
      const c1 = columns.second[col];
      const fx = columns.weight[col];
      const cb = bilinear(u, r0, r1, c0, c1, fx, fy) - 128;
      const cr = bilinear(v, r0, r1, c0, c1, fx, fy) - 128;
      const luma = Math.min(255, Math.max(0, (y[row * w + col] - yOffset) * yScale));
      const dr = 1.402 * cr * cScale;
      const dg = -(0.344136 * cb + 0.714136 * cr) * cScale;
      const db = 1.772 * cb * cScale;
      // A colour outside the RGB cube is desaturated towards its own grey instead of clipped channel
      // by channel: clipping would change its brightness, this keeps the luma (the film's detail).
      let keep = 1;
      for (const d of [dr, dg, db]) {
        if (luma + d > 255) keep = Math.min(keep, (255 - luma) / d);
        else if (luma + d < 0) keep = Math.min(keep, -luma / d);
      }
      const p = (row * w + col) * 3;
      rgb[p] = clamp8(luma + keep * dr);
      rgb[p + 1] = clamp8(luma + keep * dg);
      rgb[p + 2] = clamp8(luma + keep * db);
    }
  }
  return rgb;
}

function sitings(size: number, chromaSize: number, full: boolean) {
  const first = new Int32Array(size);
  const second = new Int32Array(size);
  const weight = new Float32Array(size); // weight of `second`
  for (let i = 0; i < size; i++) {
    if (full) {
      first[i] = i;
      second[i] = i;
      continue;
    }
    const position = i / 2 - 0.25;
    const lower = Math.floor(position);
    first[i] = Math.min(chromaSize - 1, Math.max(0, lower));
    second[i] = Math.min(chromaSize - 1, Math.max(0, lower + 1));
    weight[i] = position - lower;
  }
  return { first, second, weight };
}

function bilinear(plane: Uint8Array, r0: number, r1: number, c0: number, c1: number, fx: number, fy: number): number {
  const top = plane[r0 + c0] + (plane[r0 + c1] - plane[r0 + c0]) * fx;
  const bottom = plane[r1 + c0] + (plane[r1 + c1] - plane[r1 + c0]) * fx;
  return top + (bottom - top) * fy;
}

function clamp8(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}
