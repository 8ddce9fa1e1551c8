// Still photos through the real CLI with the real default model (native-models/fast): JPEG, PNG,
// TIFF and WebP in, a colour image of the same size out, the photo's own grey levels kept.

import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rgbToLuma } from '../../electron/engine/media/image.js';
import { SHARED_VIDEO_DIR, runFfmpegTool } from '../helpers/clips.js';
import { realModelDir } from '../helpers/models.js';
import { roomClip } from '../helpers/paths.js';
import { jsonLines, listDir, runCli, tempDir } from '../helpers/render.js';

const WIDTH = 321; // odd on purpose: photos keep their exact size
const HEIGHT = 239;

interface Pixels {
  width: number;
  height: number;
  rgb: Buffer;
}

async function readRgb(file: string): Promise<Pixels> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: data };
}

/** Mean |Cb-128| + |Cr-128| (BT.601) and the share of pixels whose colour is clearly not grey. */
function colourfulness({ rgb }: Pixels): { meanChroma: number; colouredShare: number } {
  let sum = 0;
  let coloured = 0;
  const pixels = rgb.length / 3;
  for (let p = 0; p < rgb.length; p += 3) {
    const [r, g, b] = [rgb[p], rgb[p + 1], rgb[p + 2]];
    const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
    const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
    const chroma = Math.abs(cb) + Math.abs(cr);
    sum += chroma;
    if (chroma > 6) coloured++;
  }
  return { meanChroma: sum / pixels, colouredShare: coloured / pixels };
}

describe('CLI: colourizing still photos with the default model', () => {
  let work: string;
  let greySource: string;
  const photos: Record<string, string> = {};

  beforeAll(async () => {
    expect(existsSync(path.join(realModelDir, 'model.onnx')), 'the trained default model native-models/fast').toBe(true);
    work = await tempDir('cli-photos');
    // A real black-and-white film frame when the shared films are here, else a frame of the committed
    // CC BY cut (real footage too, turned grey below).
    const film = path.join(SHARED_VIDEO_DIR, 'bw-film-1950s-interior.mp4');
    greySource = path.join(work, 'source.png');
    await runFfmpegTool('ffmpeg', [
      ...(existsSync(film) ? ['-ss', '5', '-i', film] : ['-ss', '7', '-i', roomClip]),
      '-frames:v',
      '1',
      '-vf',
      `scale=${WIDTH + 1}:${HEIGHT + 1},crop=${WIDTH}:${HEIGHT}:0:0,format=gray`,
      '-y',
      greySource,
    ]);
    photos.jpeg = path.join(work, 'photo.jpg');
    photos.png = path.join(work, 'photo.png');
    photos.tiff = path.join(work, 'photo.tiff');
    photos.webp = path.join(work, 'photo.webp');
    await sharp(greySource).jpeg({ quality: 95 }).toFile(photos.jpeg);
    await sharp(greySource).png().toFile(photos.png);
    await sharp(greySource).tiff({ compression: 'lzw' }).toFile(photos.tiff);
    await sharp(greySource).webp({ lossless: true }).toFile(photos.webp);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(['jpeg', 'png', 'tiff', 'webp'])('a %s photo → a colour PNG of the same size, its grey levels kept', async (kind) => {
    const input = photos[kind];
    const output = path.join(work, `${kind}-colour.png`);
    const run = await runCli(['colorize', input, '-o', output, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: 'result',
      output,
      width: WIDTH,
      height: HEIGHT,
      model: 'fast',
      provider: 'cpu',
    });

    const [before, after] = await Promise.all([readRgb(input), readRgb(output)]);
    expect((await sharp(output).metadata()).format).toBe('png');
    expect([after.width, after.height]).toEqual([WIDTH, HEIGHT]);
    // The input really is grey ...
    expect(colourfulness(before).meanChroma).toBeLessThan(0.5);
    // ... and the output is not: clearly coloured over a good part of the picture.
    const colour = colourfulness(after);
    expect(colour.meanChroma).toBeGreaterThan(4);
    expect(colour.colouredShare).toBeGreaterThan(0.2);
    // Detail is the photo's own: the output's luma is the input's grey level, up to RGB rounding.
    let worst = 0;
    for (let p = 0; p < after.rgb.length; p += 3) {
      const y = rgbToLuma(after.rgb[p], after.rgb[p + 1], after.rgb[p + 2]);
      worst = Math.max(worst, Math.abs(y - before.rgb[p]));
    }
    expect(worst).toBeLessThanOrEqual(3);
    // Nothing temporary left beside it.
    expect((await listDir(work)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('writes JPEG, WebP and TIFF outputs by the output name, and refuses to overwrite without --overwrite', async () => {
    for (const [ext, format] of [
      ['jpg', 'jpeg'],
      ['webp', 'webp'],
      ['tif', 'tiff'],
    ] as const) {
      const output = path.join(work, `out.${ext}`);
      const run = await runCli(['colorize', photos.png, '-o', output]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/^Wrote .*\(321x239, model fast on cpu\)\.$/m);
      const meta = await sharp(output).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format, WIDTH, HEIGHT]);
    }
    const existing = path.join(work, 'out.jpg');
    const before = await readFile(existing);
    const again = await runCli(['colorize', photos.png, '-o', existing]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^Error: .*out\.jpg already exists; choose another name or pass --overwrite/);
    expect((await readFile(existing)).equals(before)).toBe(true);
    // With --overwrite it is replaced (by a PNG-to-JPEG render of another photo here).
    const replaced = await runCli(['colorize', photos.webp, '-o', existing, '--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await sharp(existing).metadata()).format).toBe('jpeg');
    expect((await stat(existing)).mtimeMs).toBeGreaterThanOrEqual((await stat(photos.webp)).mtimeMs);
  });
});
