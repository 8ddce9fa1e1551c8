import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImage, lumaToRgb, readPhotoLuma, writeYuvImage, yuvToRgb } from '../../electron/engine/media/image.js';

/** BT.601 full-range YCbCr of an RGB colour, in floating point (the textbook formula). */
function ycbcr(r: number, g: number, b: number): [number, number, number] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  return [y, 128 + (b - y) / 1.772, 128 + (r - y) / 1.402];
}

describe('image', () => {
  let dir: string;
  const width = 37;
  const height = 23;
  const rgb = new Uint8Array(width * height * 3).map((_, i) => (i * 37 + (i % 3) * 91) & 255);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-image-test-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads a PNG photo as BT.601 full-range luma', async () => {
    const file = path.join(dir, 'photo.png');
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png()
      .toFile(file);
    const photo = await readPhotoLuma(file);
    expect([photo.width, photo.height]).toEqual([width, height]);
    let worst = 0;
    for (let i = 0; i < width * height; i++) {
      const expected = ycbcr(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])[0];
      worst = Math.max(worst, Math.abs(photo.y[i] - expected));
    }
    expect(worst).toBeLessThanOrEqual(0.51);
  });

  it('keeps grey photos exact and applies the EXIF orientation', async () => {
    const grey = new Uint8Array(width * height).map((_, i) => (i * 13) & 255);
    const file = path.join(dir, 'grey-rotated.jpg');
    // Orientation 6: stored landscape, displayed rotated 90° clockwise (portrait).
    await sharp(grey, { raw: { width, height, channels: 1 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const photo = await readPhotoLuma(file);
    expect([photo.width, photo.height]).toEqual([height, width]);

    const png = path.join(dir, 'grey.png');
    await sharp(grey, { raw: { width, height, channels: 1 } })
      .png()
      .toFile(png);
    expect(Buffer.from((await readPhotoLuma(png)).y).equals(Buffer.from(grey))).toBe(true);
  });

  it('refuses a file that is not a photo', async () => {
    const file = path.join(dir, 'notes.png');
    await writeFile(file, 'not a picture');
    await expect(readPhotoLuma(file)).rejects.toMatchObject({ code: 'not-a-video' });
    await expect(readPhotoLuma(path.join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'input-missing' });
  });

  it('converts BT.601 YCbCr (full and limited range, 4:4:4) back to the RGB it came from', () => {
    const pixels = width * height;
    const y = new Uint8Array(pixels);
    const u = new Uint8Array(pixels);
    const v = new Uint8Array(pixels);
    const yTv = new Uint8Array(pixels);
    const uTv = new Uint8Array(pixels);
    const vTv = new Uint8Array(pixels);
    for (let i = 0; i < pixels; i++) {
      const [Y, Cb, Cr] = ycbcr(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
      [y[i], u[i], v[i]] = [Math.round(Y), Math.round(Cb), Math.round(Cr)];
      [yTv[i], uTv[i], vTv[i]] = [
        Math.round(16 + (Y * 219) / 255),
        Math.round(128 + ((Cb - 128) * 224) / 255),
        Math.round(128 + ((Cr - 128) * 224) / 255),
      ];
    }
    for (const [range, planes] of [
      ['pc', { y, u, v }],
      ['tv', { y: yTv, u: uTv, v: vTv }],
    ] as const) {
      const back = yuvToRgb({ width, height, ...planes }, range);
      const worst = back.reduce((max, value, i) => Math.max(max, Math.abs(value - rgb[i])), 0);
      // Rounding to 8-bit YCbCr loses up to ~2 levels (more in the narrower tv range).
      expect(worst).toBeLessThanOrEqual(range === 'pc' ? 3 : 4);
    }
  });

  it('upsamples 4:2:0 chroma: flat chroma gives flat colour, neutral chroma gives grey', () => {
    const w = 6;
    const h = 4;
    const y = new Uint8Array(w * h).fill(120);
    const rgbNeutral = yuvToRgb({ width: w, height: h, y, u: new Uint8Array(9).fill(128), v: new Uint8Array(9).fill(128) }, 'pc');
    expect([...new Set(rgbNeutral)]).toEqual([120]);
    const rgbRed = yuvToRgb({ width: w, height: h, y, u: new Uint8Array(9).fill(100), v: new Uint8Array(9).fill(200) }, 'pc');
    const first = [...rgbRed.slice(0, 3)];
    for (let p = 0; p < w * h; p++) expect([...rgbRed.slice(3 * p, 3 * p + 3)]).toEqual(first);
    expect(first[0]).toBeGreaterThan(first[2]);
    expect(lumaToRgb(new Uint8Array([16, 235]), 2, 1, 'tv')).toEqual(new Uint8Array([0, 0, 0, 255, 255, 255]));
  });

  it('writes a YCbCr photo as PNG by extension (atomically) and encodes previews shrunk to a size', async () => {
    const pixels = width * height;
    const y = new Uint8Array(pixels).fill(200);
    const u = new Uint8Array(pixels).fill(128);
    const v = new Uint8Array(pixels).fill(128);
    const output = path.join(dir, 'out.png');
    await writeYuvImage(output, { width, height, y, u, v, chroma: '444' }, { range: 'pc' });
    const { data, info } = await sharp(output).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.format]).toEqual([width, height, 'raw']);
    expect([...new Set(data)]).toEqual([200]);
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
    await expect(writeYuvImage(path.join(dir, 'out.gif'), { width, height, y, u, v }, { range: 'pc' })).rejects.toMatchObject({
      code: 'bad-option',
    });

    const preview = await encodeImage(rgb, width, height, { format: 'jpeg', maxSize: 20 });
    expect([preview.width, preview.height]).toEqual([20, 12]);
    expect((await sharp(preview.data).metadata()).format).toBe('jpeg');
  });
});
