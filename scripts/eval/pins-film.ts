// npm run eval:pins-film [-- --pins 10 --seconds 6 --seed 1 --clips DIR --out .eval]
// Colour pins measured on films (issue 16, item 5), through the real engine and CLI code path:
// 1. Each colour clip in ../shared/data/video is cut to its first --seconds (one shot: these clips have
//    no cuts) and made grey. N pins are sampled from the real colour frame at t = 0 (seeded; a random
//    spot, the mean colour of the 7×7 patch around it). The grey shot is rendered without and with the
//    pins; PSNR against the real colour shot is the mean over all its frames (the grey shot's own PSNR
//    beside it); CDC (temporal colour consistency) of the pinned render is compared with the real clip's.
// 2. A two-shot film (grey shot A then grey shot B from another clip, cut between them): the same pins
//    at t = 0 of shot A. Shot B's frames must be exactly those of the render without pins (lossless
//    renders, compared byte for byte after decoding).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../electron/engine/index.js';
import { ColourDistributionConsistency } from '../../electron/engine/metrics/index.js';
import type { HintsDocument } from '../../electron/common/types.js';
import { probeVideoSize, readRawFrames, type VideoSize } from '../metrics/raw-video.js';
import { mulberry32 } from '../seeded-random.mjs';
import { samplePins } from './pins.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    clips: { type: 'string', default: path.resolve(repoRoot, '../shared/data/video') },
    pins: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '6' },
    seed: { type: 'string', default: '1' },
    model: { type: 'string', default: 'fast' },
    out: { type: 'string', default: path.join(repoRoot, '.eval') },
  },
});
if (!existsSync(args.clips!)) {
  console.error(
    `There are no clips at ${args.clips} (they live in ../shared/data/video beside the checkout); pass --clips DIR to point at a folder of colour clips.`,
  );
  process.exit(1);
}
const pinCount = Number(args.pins);
const seconds = Number(args.seconds);
if (!Number.isInteger(pinCount) || pinCount < 1 || pinCount > 1000 || !(seconds > 0 && seconds <= 60)) {
  console.error('--pins takes a whole number from 1 to 1000 and --seconds a duration from 0 to 60.');
  process.exit(2);
}

function ffmpeg(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-v', 'error', '-nostdin', '-y', ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed: ${stderr.slice(-500)}`))));
  });
}

/** Lossless colour truth and its grey twin (BT.601 luma, neutral chroma) of the first `seconds`. */
async function cutShot(
  input: string,
  work: string,
  name: string,
  size?: VideoSize,
  fps?: number,
): Promise<{ truth: string; grey: string }> {
  const truth = path.join(work, `${name}-truth.mkv`);
  const grey = path.join(work, `${name}-grey.mp4`);
  const filters = [size ? `scale=${size.width}:${size.height}` : null, fps ? `fps=${fps}` : null].filter(Boolean).join(',');
  await ffmpeg([
    '-i',
    input,
    '-t',
    String(seconds),
    '-an',
    ...(filters ? ['-vf', filters] : []),
    '-c:v',
    'ffv1',
    '-pix_fmt',
    'yuv444p',
    truth,
  ]);
  await ffmpeg(['-i', truth, '-vf', 'format=gray,format=yuv420p', '-c:v', 'libx264', '-qp', '0', '-preset', 'ultrafast', grey]);
  return { truth, grey };
}

async function firstFrame(file: string, size: VideoSize) {
  for await (const rgb of readRawFrames(file, { pixelFormat: 'rgb24', size, maxFrames: 1 })) return { ...size, data: rgb };
  throw new Error(`${file} has no frames`);
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}

/** Frames of several videos in lockstep (all scaled to `size`), until the shortest ends. */
async function* lockstep(files: string[], size: VideoSize): AsyncGenerator<Uint8Array[]> {
  const streams = files.map((f) => readRawFrames(f, { pixelFormat: 'rgb24', size }));
  try {
    for (;;) {
      const next = await Promise.all(streams.map((s) => s.next()));
      if (next.some((n) => n.done)) return;
      yield next.map((n) => n.value as Uint8Array);
    }
  } finally {
    await Promise.all(streams.map((s) => s.return(undefined)));
  }
}

const engine = createEngine();
const render = (input: string, output: string, hints?: HintsDocument) =>
  engine.render({ input, output, model: args.model, device: 'cpu', lossless: true, overwrite: true, hints });

const work = await mkdtemp(path.join(os.tmpdir(), 'chromareel-pins-film-'));
const seed = Number(args.seed);
const clips = (await readdir(args.clips!)).filter((f) => /\.(mp4|mov|mkv)$/i.test(f) && !/bw-|b&w|black/i.test(f)).sort();
const shots: Record<string, Record<string, number>> = {};
try {
  for (const [k, clip] of clips.entries()) {
    const name = path.parse(clip).name;
    const { truth, grey } = await cutShot(path.join(args.clips!, clip), work, name);
    const size = await probeVideoSize(truth);
    const pins = samplePins(await firstFrame(truth, size), pinCount, mulberry32((seed * 1_000_003 + k * 7919) >>> 0)).map((p) => ({
      ...p,
      t: 0,
    }));
    const auto = path.join(work, `${name}-auto.mp4`);
    const pinned = path.join(work, `${name}-pins.mp4`);
    await render(grey, auto);
    await render(grey, pinned, { version: 1, pins });
    const score = { grey: 0, auto: 0, pins: 0, frames: 0 };
    const cdc = {
      truth: new ColourDistributionConsistency(),
      auto: new ColourDistributionConsistency(),
      pins: new ColourDistributionConsistency(),
    };
    for await (const [t, a, p, g] of lockstep([truth, auto, pinned, grey], size)) {
      score.grey += psnr(g, t);
      score.auto += psnr(a, t);
      score.pins += psnr(p, t);
      score.frames++;
      cdc.truth.push({ ...size, rgb: t });
      cdc.auto.push({ ...size, rgb: a });
      cdc.pins.push({ ...size, rgb: p });
    }
    const [cdcTruth, cdcAuto, cdcPins] = [cdc.truth, cdc.auto, cdc.pins].map((c) => c.result().cdc ?? NaN);
    shots[name] = {
      frames: score.frames,
      psnrGrey: Number((score.grey / score.frames).toFixed(2)),
      psnrAuto: Number((score.auto / score.frames).toFixed(2)),
      psnrPins: Number((score.pins / score.frames).toFixed(2)),
      gain: Number(((score.pins - score.auto) / score.frames).toFixed(2)),
      cdcTruth: Number(cdcTruth.toPrecision(3)),
      cdcAuto: Number(cdcAuto.toPrecision(3)),
      cdcPins: Number(cdcPins.toPrecision(3)),
      cdcPinsOverTruth: Number((cdcPins / cdcTruth).toFixed(2)),
    };
    console.log(name, shots[name]);
  }

  // Two shots: A from the first clip, B from the second, both at A's size and frame rate.
  const [clipA, clipB] = clips;
  const sizeA = await probeVideoSize(path.join(work, `${path.parse(clipA).name}-truth.mkv`));
  const a = await cutShot(path.join(args.clips!, clipA), work, 'two-shot-a', sizeA, 10);
  const b = await cutShot(path.join(args.clips!, clipB), work, 'two-shot-b', sizeA, 10);
  const film = path.join(work, 'two-shot-grey.mp4');
  await ffmpeg([
    '-i',
    a.grey,
    '-i',
    b.grey,
    '-filter_complex',
    '[0:v][1:v]concat=n=2:v=1[v]',
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-qp',
    '0',
    '-preset',
    'ultrafast',
    film,
  ]);
  const shotAFrames = Math.round(seconds * 10);
  const pins = samplePins(await firstFrame(a.truth, sizeA), pinCount, mulberry32(seed >>> 0)).map((p) => ({ ...p, t: 0 }));
  const [plainOut, pinnedOut] = [path.join(work, 'two-shot-auto.mp4'), path.join(work, 'two-shot-pins.mp4')];
  await render(film, plainOut);
  await render(film, pinnedOut, { version: 1, pins });
  let frame = 0;
  let shotBFrames = 0;
  let shotBDifferent = 0;
  let shotAChanged = 0;
  for await (const [plain, pinned] of lockstep([plainOut, pinnedOut], sizeA)) {
    const same =
      Buffer.compare(
        Buffer.from(plain.buffer, plain.byteOffset, plain.length),
        Buffer.from(pinned.buffer, pinned.byteOffset, pinned.length),
      ) === 0;
    if (frame >= shotAFrames) {
      shotBFrames++;
      if (!same) shotBDifferent++;
    } else if (!same) shotAChanged++;
    frame++;
  }
  const twoShot = {
    shotAFrames,
    shotAFramesChangedByPins: shotAChanged,
    shotBFrames,
    shotBFramesDifferent: shotBDifferent,
    shotBExact: shotBDifferent === 0,
  };
  console.log('two-shot film', twoShot);

  const values = Object.values(shots);
  const meanGain = values.reduce((s, v) => s + v.gain, 0) / values.length;
  const worstCdc = Math.max(...values.map((v) => v.cdcPinsOverTruth));
  console.table(shots);
  console.log(
    `mean gain with ${pinCount} pins: ${meanGain.toFixed(2)} dB (target ≥ 2); worst CDC ÷ real clip: ${worstCdc.toFixed(2)} (target ≤ 1.1); shot B exact: ${twoShot.shotBExact}`,
  );
  await mkdir(args.out!, { recursive: true });
  await writeFile(
    path.join(args.out!, 'eval-pins-film.json'),
    `${JSON.stringify({ date: new Date().toISOString(), model: args.model, pins: pinCount, seconds, seed, shots, meanGain, worstCdc, twoShot }, null, 2)}\n`,
  );
} finally {
  await engine.close();
  await rm(work, { recursive: true, force: true });
}
