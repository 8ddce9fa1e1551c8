// Colour pins end to end: the CLI's --hints on films and photos (real ffmpeg, real onnxruntime), with
// the fixture pins graph (fixture-pins: outputs the hint planes' colour, nothing elsewhere) and with
// models without hint inputs (the edge-aware post-process); bad hints files; the resume fingerprint.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/engine/index.js';
import type { HintsDocument, RenderEvent } from '../../electron/common/types.js';
import { CLIPS_DIR, rawVideo, runFfmpegTool } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import { jsonLines, runCli, tempDir } from '../helpers/render.js';

const W = 320;
const H = 240;
const FPS = 25;
const SHOT_A = 50; // frames before the cut
/** Centre of the moving square in frame f of shot A (it moves 3 px a frame to the right). */
const squareCentre = (f: number) => [40 + 3 * f + 32, 88 + 32];

/** Shot A: a textured 64 px square moving right over flat grey; a hard cut; shot B: another picture. Grey, lossless. */
async function makePinsFilm(): Promise<string> {
  const file = path.join(CLIPS_DIR, 'pins-moving-square-v1.mp4');
  if (existsSync(file)) return file;
  await mkdir(CLIPS_DIR, { recursive: true });
  const temp = `${file}.${process.pid}.tmp.mp4`;
  const graph =
    `color=c=0x808080:s=${W}x${H}:r=${FPS}:d=2[bg];testsrc2=s=64x64:r=${FPS}:d=2[obj];` +
    `[bg][obj]overlay=x='40+3*n':y=88:shortest=1,format=gray[a];` +
    `mandelbrot=s=${W}x${H}:r=${FPS},trim=duration=1,setpts=PTS-STARTPTS,format=gray[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p`;
  await runFfmpegTool('ffmpeg', ['-y', '-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-qp', '0', '-preset', 'ultrafast', temp]);
  await rename(temp, file);
  return file;
}

/** Per frame, the 8-bit Cr plane (W/2 × H/2) of a yuv420p film. */
async function crPlanes(file: string): Promise<Buffer[]> {
  const raw = await rawVideo(file, { pixFmt: 'yuv420p', outputArgs: ['-fps_mode', 'passthrough'] });
  const frame = (W * H * 3) / 2;
  const out: Buffer[] = [];
  for (let offset = 0; offset + frame <= raw.length; offset += frame) out.push(raw.subarray(offset + W * H + (W * H) / 4, offset + frame));
  return out;
}

const crAt = (plane: Buffer, x: number, y: number) => plane[(y >> 1) * (W / 2) + (x >> 1)];

describe('colour pins', () => {
  let work: string;
  let film: string;
  const red = '#c02020';

  beforeAll(async () => {
    work = await tempDir('pins');
    film = await makePinsFilm();
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const hintsFile = async (name: string, doc: unknown) => {
    const file = path.join(work, name);
    await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };

  it('refuses a bad hints file with one plain sentence, a non-zero exit and nothing written', async () => {
    const bad = await hintsFile('bad.json', {
      version: 1,
      pins: [
        { t: 0, x: 0.5, y: 0.5, color: '#c02020' },
        { t: 0, x: 0.5, y: 0.5, color: 'crimson' },
      ],
    });
    const output = path.join(work, 'bad.mp4');
    const result = await runCli(['colorize', film, '-o', output, '--model', fixtureModelDir('fixture-pins'), '--hints', bad]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      `Error: The hints file ${bad} is not valid: pins[1].color must be a colour like #b22222; fix the file.`,
    );
    expect(existsSync(output)).toBe(false);
    expect(existsSync(path.join(work, '.bad.mp4.chromareel-work'))).toBe(false);

    const notJson = await hintsFile('not-json.json', '{"version": 1, "pins": [');
    const previewDir = path.join(work, 'bad-preview');
    const preview = await runCli([
      'preview',
      film,
      '--at',
      '0',
      '--out',
      previewDir,
      '--model',
      fixtureModelDir('fixture-pins'),
      '--hints',
      notJson,
    ]);
    expect(preview.code).not.toBe(0);
    expect(preview.stderr.trim().split('\n')).toHaveLength(1);
    expect(preview.stderr).toMatch(/^Error: The hints file .* is not valid JSON/);
    expect(existsSync(previewDir)).toBe(false);

    const photoOut = path.join(work, 'bad.png');
    const missing = await runCli(['colorize', film.replace(/\.mp4$/, '.png'), '-o', photoOut, '--hints', path.join(work, 'none.json')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe(`Error: The hints file ${path.join(work, 'none.json')} does not exist; check the path.`);
    expect(existsSync(photoOut)).toBe(false);
  });

  it('renders a film with a pin that follows the moving square, keeps the luma exact and stops at the cut', async () => {
    const [cx, cy] = squareCentre(0);
    const hints = await hintsFile('square.json', { version: 1, pins: [{ t: 0, x: cx / W, y: cy / H, color: red }] });
    const output = path.join(work, 'square.mp4');
    // Lossless renders with the pins fixture, with and without the pin.
    const render = (out: string, ...extra: string[]) =>
      runCli([
        'colorize',
        film,
        '-o',
        out,
        '--model',
        fixtureModelDir('fixture-pins'),
        '--render-factor',
        '8',
        '--lossless',
        '--preset',
        'ultrafast',
        ...extra,
      ]);
    const result = await render(output, '--hints', hints, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(
      jsonLines(result.stdout)
        .filter((e) => e.type === 'scene-cut')
        .map((e) => e.frame),
    ).toEqual([SHOT_A]);
    const cr = await crPlanes(output);
    expect(cr).toHaveLength(75);
    for (let f = 0; f < SHOT_A; f += 7) {
      const [x, y] = squareCentre(f);
      expect(crAt(cr[f], x, y), `frame ${f}: red on the square`).toBeGreaterThan(160);
      // Where the square started, once it has moved on: no red left behind.
      if (f >= 20) expect(crAt(cr[f], squareCentre(0)[0], cy), `frame ${f}: nothing at the start point`).toBeLessThan(140);
    }
    // Shot B: no pin, so its frames run the plain graph and come out exactly as in a render without pins.
    const plainOut = path.join(work, 'square-no-pins.mp4');
    const plain = await render(plainOut);
    expect(plain.code, plain.stderr).toBe(0);
    const plainCr = await crPlanes(plainOut);
    for (let f = SHOT_A; f < 75; f++) expect(Buffer.compare(cr[f], plainCr[f]), `frame ${f}`).toBe(0);
    expect(Buffer.compare(cr[0], plainCr[0])).not.toBe(0); // while shot A, with its pin, differs
    // The film's own luma, bit-exact.
    const lumaIn = await rawVideo(film, { pixFmt: 'gray' });
    const lumaOut = await rawVideo(output, { pixFmt: 'gray' });
    expect(lumaOut.equals(lumaIn)).toBe(true);
  });

  it('tracks pins on a film for a model without hint inputs too (the post-process path)', async () => {
    const [cx, cy] = squareCentre(0);
    const hints = await hintsFile('square-rgb.json', { version: 1, pins: [{ t: 0, x: cx / W, y: cy / H, color: red }] });
    const output = path.join(work, 'square-rgb.mp4');
    const result = await runCli([
      'colorize',
      film,
      '-o',
      output,
      '--model',
      fixtureModelDir('fixture-rgb'),
      '--hints',
      hints,
      '--render-factor',
      '8',
      '--to',
      '1.6',
      '--preset',
      'ultrafast',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const cr = await crPlanes(output);
    for (const f of [0, 15, 30, 39]) {
      const [x, y] = squareCentre(f);
      expect(crAt(cr[f], x, y), `frame ${f}: red on the square`).toBeGreaterThan(165);
    }
  });

  it('starts a pin at its own time, and a preview later in the shot still shows it', async () => {
    const f0 = 20;
    const [cx, cy] = squareCentre(f0);
    const hints = await hintsFile('later.json', { version: 1, pins: [{ t: f0 / FPS, x: cx / W, y: cy / H, color: red }] });
    const out = path.join(work, 'preview-later');
    const result = await runCli([
      'preview',
      film,
      '--at',
      String(35 / FPS),
      '--frames',
      '1',
      '--out',
      out,
      '--model',
      fixtureModelDir('fixture-pins'),
      '--hints',
      hints,
      '--render-factor',
      '8',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { data, info } = await sharp(path.join(out, 'frame-000035-after.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const [x, y] = squareCentre(35);
    const px = (y * info.width + x) * 3;
    expect(data[px] - data[px + 1], 'red where the square is now').toBeGreaterThan(40);
  });

  it('colourizes a photo with --hints, with the pins graph and through the post-process', async () => {
    const photo = path.join(work, 'photo.png');
    await runFfmpegTool('ffmpeg', ['-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', '-vf', 'format=gray', photo]);
    // Two flat regions split by a strong vertical edge: the post-process keeps a pin's colour on its side.
    const split = path.join(work, 'split.png');
    await runFfmpegTool('ffmpeg', [
      '-y',
      '-f',
      'lavfi',
      '-i',
      'color=c=0x303030:s=320x240,format=gray',
      '-vf',
      "geq=lum='if(lt(X,160),60,150)'",
      '-frames:v',
      '1',
      split,
    ]);
    const hints = await hintsFile('photo.json', {
      version: 1,
      pins: [
        { x: 0.25, y: 0.5, color: red },
        { x: 0.75, y: 0.5, color: '#2040c0' },
      ],
    });
    const pixel = async (file: string, x: number, y: number) => {
      const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const i = (y * info.width + x) * 3;
      return [data[i], data[i + 1], data[i + 2]];
    };
    for (const model of ['fixture-pins', 'fixture-chroma', 'fixture-rgb'] as const) {
      for (const input of [photo, split]) {
        const output = path.join(work, `${path.basename(input, '.png')}-${model}.png`);
        const result = await runCli(['colorize', input, '-o', output, '--model', fixtureModelDir(model), '--hints', hints]);
        expect(result.code, result.stderr).toBe(0);
        const [r, g, b] = await pixel(output, 80, 120);
        expect(r - g, `${model}: red at the red pin`).toBeGreaterThan(60);
        const [r2, , b2] = await pixel(output, 240, 120);
        expect(b2 - r2, `${model}: blue at the blue pin`).toBeGreaterThan(40);
        expect(b).toBeLessThan(r);
      }
      if (model === 'fixture-pins') continue;
      // Post-process: away from the pins but on the same side of the edge, the pin's colour still holds.
      const [r, g] = await pixel(path.join(work, `split-${model}.png`), 60, 110);
      expect(r - g, `${model}: the red side keeps red`).toBeGreaterThan(40);
      const [r3, , b3] = await pixel(path.join(work, `split-${model}.png`), 260, 110);
      expect(b3 - r3, `${model}: the blue side keeps blue`).toBeGreaterThan(40);
    }
  });

  it('keeps the hints in the resume fingerprint: other pins start afresh, the same pins resume', async () => {
    const engine = createEngine();
    try {
      const output = path.join(work, 'resume.mp4');
      const pins = (colour: string): HintsDocument => ({ version: 1, pins: [{ t: 0, x: 0.3, y: 0.5, color: colour }] });
      const interruptedRender = async (hints: HintsDocument) => {
        const controller = new AbortController();
        const events: RenderEvent[] = [];
        await engine
          .render(
            {
              input: film,
              output,
              model: fixtureModelDir('fixture-pins'),
              hints,
              segmentSeconds: 0.4,
              preset: 'ultrafast',
              renderFactor: 4,
            },
            (event) => {
              events.push(event);
              if (event.type === 'progress' && event.segmentsDone >= 2) controller.abort();
            },
            controller.signal,
          )
          .catch((error) => expect(error.code).toBe('cancelled'));
        return events;
      };
      const resumedNotice = (events: RenderEvent[]) => events.some((e) => e.type === 'notice' && e.code === 'resumed');
      expect(resumedNotice(await interruptedRender(pins('#c02020')))).toBe(false);
      expect(resumedNotice(await interruptedRender(pins('#20c020')))).toBe(false); // other pins: not resumed
      expect(resumedNotice(await interruptedRender(pins('#20c020')))).toBe(true); // same pins: resumed
      const events: RenderEvent[] = [];
      const result = await engine.render(
        { input: film, output, model: fixtureModelDir('fixture-pins'), segmentSeconds: 0.4, preset: 'ultrafast', renderFactor: 4 },
        (e) => events.push(e),
      );
      expect(resumedNotice(events)).toBe(false); // no pins at all: not the pinned job either
      expect(result.resumedFromFrame).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
