// Tuning bench for the chroma stabilizer on real model output: replays a grey clip through the
// engine's own path — decodeLuma → FrameColorizer.predict (the real inference process and model) →
// ChromaStabilizer → FrameColorizer.merge (8-bit 4:2:0 chroma) — and measures the merged frames with
// the project's metrics, for several stabilizer settings in one pass. It skips only the x264 encode
// (which changes these metrics little: compare a --lossless render), so a tuning round takes seconds
// once the model's output is cached (.bench/replay/, keyed by clip, model and render size).
//
//   npx tsx scripts/metrics/replay-stabilize.ts grey.mp4 [--max-frames N] [--strengths off,medium,high]
//       [--variant 'name={"presets":{"medium":{"memory":16,"lookAhead":2}}}']... [--json]
//
// Variants run at the first non-off strength given. RGB for CDC/CF uses BT.601 at the clip's range,
// as ffmpeg converts the encoded output for scripts/metrics/compare.ts.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeLuma, lumaRangeOf } from '../../electron/engine/media/decode.js';
import { probe } from '../../electron/engine/media/probe.js';
import { startInference } from '../../electron/engine/model/inference-client.js';
import { defaultModelsDirs, renderSize, resolveModel } from '../../electron/engine/model/manifest.js';
import { ColourDistributionConsistency, MeanColourfulness, StaticChromaFlicker } from '../../electron/engine/metrics/index.js';
import { FrameColorizer } from '../../electron/engine/pipeline/colorizer.js';
import type { LowResChroma, LumaFrame, YuvFrame } from '../../electron/engine/pipeline/frames.js';
import { ChromaStabilizer, type ChromaStabilizerOptions } from '../../electron/engine/pipeline/stabilize.js';
import type { StabilizeStrength } from '../../electron/common/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ReplayVariant {
  name: string;
  strength: StabilizeStrength;
  tuning?: ChromaStabilizerOptions['tuning'];
}

export interface ReplayResult {
  name: string;
  flicker: number | null;
  staticFraction: number;
  cdc: number | null;
  colourfulness: number | null;
  /** Wall time of the stabilizer's push/flush per frame, ms (a rough guide; see scripts/bench/stabilizer-stage.ts). */
  msPerFrame: number;
  cuts: number[];
}

/** 8-bit Y/U/V 4:2:0 → interleaved RGB (BT.601, tv or pc range), rounded and clamped. */
function yuvToRgb(frame: YuvFrame, range: 'tv' | 'pc', out: Uint8ClampedArray): Uint8ClampedArray {
  const { width, height, y, u, v } = frame;
  const cw = width >> 1;
  const ys = range === 'tv' ? 255 / 219 : 1;
  const yo = range === 'tv' ? 16 : 0;
  const cs = range === 'tv' ? 255 / 224 : 1;
  for (let row = 0; row < height; row++) {
    const crow = Math.min((height >> 1) - 1, row >> 1) * cw;
    for (let x = 0; x < width; x++) {
      const c = crow + Math.min(cw - 1, x >> 1);
      const l = (y[row * width + x] - yo) * ys;
      const cb = (u[c] - 128) * cs;
      const cr = (v[c] - 128) * cs;
      const k = 3 * (row * width + x);
      out[k] = l + 1.402 * cr;
      out[k + 1] = l - 0.344136 * cb - 0.714136 * cr;
      out[k + 2] = l + 1.772 * cb;
    }
  }
  return out;
}

class Meter {
  readonly flicker = new StaticChromaFlicker();
  readonly cdc = new ColourDistributionConsistency();
  readonly cf = new MeanColourfulness();
  private readonly rgb: Uint8ClampedArray;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly range: 'tv' | 'pc',
  ) {
    this.rgb = new Uint8ClampedArray(3 * width * height);
  }

  push(frame: YuvFrame): void {
    const { width, height } = this;
    this.flicker.push({ width, height, y: frame.y, u: frame.u, v: frame.v, chromaWidth: width >> 1, chromaHeight: height >> 1 });
    const rgb = { width, height, rgb: yuvToRgb(frame, this.range, this.rgb) };
    this.cdc.push(rgb);
    this.cf.push(rgb);
  }
}

/** The model's raw chroma for every frame of the clip, from the cache or the real inference process. */
async function modelChroma(
  clip: string,
  maxFrames: number | undefined,
): Promise<{ frames: Float32Array[]; width: number; height: number }> {
  const info = await probe(clip);
  const manifest = resolveModel(undefined, 'cpu', defaultModelsDirs());
  const render = renderSize(info.video.outputWidth, info.video.outputHeight, manifest.renderFactor.default, manifest.sizeMultiple);
  const n = render.width * render.height;
  const cacheDir = path.join(repoRoot, '.bench/replay');
  const file = path.join(
    cacheDir,
    `${path.basename(clip)}.${manifest.sha256.slice(0, 12)}.${render.width}x${render.height}.${maxFrames ?? 'all'}.f32`,
  );
  if (existsSync(file)) {
    const bytes = await readFile(file);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const frames: Float32Array[] = [];
    for (let k = 0; k < all.length / (2 * n); k++) frames.push(all.slice(2 * n * k, 2 * n * (k + 1)));
    return { frames, ...render };
  }
  const session = await startInference({ manifest, device: 'cpu' });
  const colorizer = new FrameColorizer(session, {
    frameWidth: info.video.outputWidth,
    frameHeight: info.video.outputHeight,
    renderWidth: render.width,
    renderHeight: render.height,
    lumaRange: lumaRangeOf(info),
  });
  const frames: Float32Array[] = [];
  try {
    for await (const luma of decodeLuma(info, { startFrame: 0, frameCount: maxFrames, deinterlace: true, modelSize: render })) {
      const chroma = await colorizer.predict(luma);
      const both = new Float32Array(2 * n);
      both.set(chroma.cb, 0);
      both.set(chroma.cr, n);
      frames.push(both);
    }
  } finally {
    await session.close();
  }
  await mkdir(cacheDir, { recursive: true });
  const all = new Float32Array(frames.length * 2 * n);
  frames.forEach((f, k) => all.set(f, 2 * n * k));
  await writeFile(file, new Uint8Array(all.buffer));
  return { frames, ...render };
}

export async function replay(clip: string, variants: ReplayVariant[], options: { maxFrames?: number } = {}): Promise<ReplayResult[]> {
  const info = await probe(clip);
  const range = lumaRangeOf(info);
  const { frames: chroma, width: rw, height: rh } = await modelChroma(clip, options.maxFrames);
  const n = rw * rh;
  // merge() needs no inference session; the model's output comes from the cache.
  const colorizer = new FrameColorizer(null as never, {
    frameWidth: info.video.outputWidth,
    frameHeight: info.video.outputHeight,
    renderWidth: rw,
    renderHeight: rh,
    lumaRange: range,
  });
  const runs = variants.map((variant) => ({
    variant,
    stabilizer: new ChromaStabilizer({ strength: variant.strength, width: rw, height: rh, tuning: variant.tuning }),
    meter: new Meter(info.video.outputWidth, info.video.outputHeight, range),
    ms: 0,
  }));
  const pending = new Map<number, { luma: LumaFrame; left: number }>();
  const deliver = (run: (typeof runs)[number], out: LowResChroma[]) => {
    for (const frame of out) {
      const held = pending.get(frame.index)!;
      run.meter.push(colorizer.merge(held.luma, frame));
      if (--held.left === 0) pending.delete(frame.index);
    }
  };
  let count = 0;
  for await (const luma of decodeLuma(info, {
    startFrame: 0,
    frameCount: chroma.length,
    deinterlace: true,
    modelSize: { width: rw, height: rh },
  })) {
    const model = chroma[luma.index];
    // The render-size luma exactly as predict() sees it (the stabilizer's motion and cut input).
    const small = luma.model!;
    pending.set(luma.index, { luma, left: runs.length });
    for (const run of runs) {
      const frame: LowResChroma = { index: luma.index, width: rw, height: rh, luma: small, cb: model.slice(0, n), cr: model.slice(n) };
      const start = performance.now();
      const out = run.stabilizer.push(frame);
      run.ms += performance.now() - start;
      deliver(run, out);
    }
    count++;
  }
  for (const run of runs) {
    const start = performance.now();
    const out = run.stabilizer.flush();
    run.ms += performance.now() - start;
    deliver(run, out);
  }
  return runs.map((run) => {
    const flicker = run.meter.flicker.result();
    return {
      name: run.variant.name,
      flicker: flicker.flicker,
      staticFraction: flicker.staticFraction,
      cdc: run.meter.cdc.result().cdc,
      colourfulness: run.meter.cf.result().cf,
      msPerFrame: run.ms / Math.max(1, count),
      cuts: run.stabilizer.cuts,
    };
  });
}

function format(results: ReplayResult[]): string {
  const off = results.find((r) => r.name === 'off');
  const f = (v: number | null, d: number) => (v === null ? '—' : v.toFixed(d));
  const rows = [['variant', 'flicker', 'vs off', 'CDC', 'vs off', 'CF', 'vs off', 'ms/frame', 'cuts']];
  for (const r of results) {
    rows.push([
      r.name,
      f(r.flicker, 4),
      off?.flicker && r.flicker !== null ? `${(100 * (1 - r.flicker / off.flicker)).toFixed(1)}% less` : '',
      f(r.cdc, 6),
      off?.cdc && r.cdc !== null ? `${(r.cdc / off.cdc).toFixed(3)}×` : '',
      f(r.colourfulness, 2),
      off?.colourfulness && r.colourfulness !== null ? `${(100 * (r.colourfulness / off.colourfulness - 1)).toFixed(1)}%` : '',
      r.msPerFrame.toFixed(2),
      r.cuts.join(' '),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'max-frames': { type: 'string' },
      strengths: { type: 'string', default: 'off,medium' },
      variant: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) {
    console.error(
      "usage: npx tsx scripts/metrics/replay-stabilize.ts grey.mp4 [--max-frames N] [--strengths off,medium] [--variant 'name=JSON']... [--json]",
    );
    return 2;
  }
  const strengths = values.strengths!.split(',').filter(Boolean) as StabilizeStrength[];
  const variants: ReplayVariant[] = strengths.map((strength) => ({ name: strength, strength }));
  const base = strengths.find((s) => s !== 'off') ?? 'medium';
  for (const spec of values.variant ?? []) {
    const eq = spec.indexOf('=');
    variants.push({ name: spec.slice(0, eq), strength: base, tuning: JSON.parse(spec.slice(eq + 1)) as ChromaStabilizerOptions['tuning'] });
  }
  const results = await replay(positionals[0], variants, { maxFrames: values['max-frames'] ? Number(values['max-frames']) : undefined });
  console.log(values.json ? JSON.stringify(results, null, 2) : format(results));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
