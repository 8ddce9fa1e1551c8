// npm run eval -- --pins 0,1,3,10,30 [--models fast --val DIR --limit N --sheet N --seed S]
// Colour pins measured on stills (issue 16): per val photo and per N, N pins sampled from the truth
// (seeded: a random spot, the mean colour of the 7×7 patch around it), run through the engine's photo
// path (a model's pins graph, or the edge-aware post-process for models without one), scored by PSNR
// and CF; beside it the naive baseline: the same model's output without pins blended with a
// Gaussian-weighted mean of the pin colours (σ = ⅙ of the short side, weight capped at 1).
// The contact sheet (largest N) shows grey with the pins drawn | baseline | ours with pins | truth.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../electron/engine/api.js';
import { colourfulness } from '../../electron/engine/metrics/colourfulness.js';
import { rgbToCbCr } from '../../electron/engine/model/contracts.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import { pinChroma } from '../../electron/engine/pins/hint-planes.js';
import { propagatePins } from '../../electron/engine/pins/propagate.js';
import type { HintsDocument, Pin } from '../../electron/common/types.js';
import { mulberry32 } from '../seeded-random.mjs';

export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PinsEvalOptions {
  engine: Engine;
  modelIds: string[];
  files: { name: string; path: string }[];
  counts: number[];
  work: string;
  out: string;
  sheetCount: number;
  seed: number;
  renderFactor?: number;
  readRgb: (file: string) => Promise<Rgb>;
  greyOf: (image: Rgb) => Rgb;
  psnr: (a: Rgb, b: Rgb) => number;
}

const PATCH = 7;
const hex = (v: number) =>
  Math.round(Math.min(255, Math.max(0, v)))
    .toString(16)
    .padStart(2, '0');

/** N pins from the truth: a random spot each, the mean colour of the 7×7 patch around it. */
export function samplePins(truth: Rgb, count: number, random: () => number): Pin[] {
  const pins: Pin[] = [];
  const half = PATCH >> 1;
  for (let k = 0; k < count; k++) {
    const px = Math.floor(random() * truth.width);
    const py = Math.floor(random() * truth.height);
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = Math.max(0, py - half); y <= Math.min(truth.height - 1, py + half); y++) {
      for (let x = Math.max(0, px - half); x <= Math.min(truth.width - 1, px + half); x++) {
        for (let c = 0; c < 3; c++) sum[c] += truth.data[(y * truth.width + x) * 3 + c];
        n++;
      }
    }
    pins.push({ x: (px + 0.5) / truth.width, y: (py + 0.5) / truth.height, color: `#${sum.map((s) => hex(s / n)).join('')}` });
  }
  return pins;
}

/** The naive baseline: `auto` (the model's output without pins) blended toward the pins' Gaussian-weighted mean colour. */
export function naiveBaseline(auto: Rgb, pins: Pin[]): Rgb {
  const { width, height, data } = auto;
  const n = width * height;
  const luma = new Float32Array(n);
  const cb = new Float32Array(n);
  const cr = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [data[3 * i] / 255, data[3 * i + 1] / 255, data[3 * i + 2] / 255];
    luma[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    [cb[i], cr[i]] = rgbToCbCr(r, g, b);
  }
  const placed = pins.map((p) => {
    const [pcb, pcr] = pinChroma(p.color);
    return { x: p.x, y: p.y, cb: pcb, cr: pcr };
  });
  propagatePins(cb, cr, luma, width, height, placed, { edgeAware: false });
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const y = luma[i] * 255;
    out[3 * i] = Math.round(Math.min(255, Math.max(0, y + 1.402 * 255 * cr[i])));
    out[3 * i + 1] = Math.round(Math.min(255, Math.max(0, y - 0.344136 * 255 * cb[i] - 0.714136 * 255 * cr[i])));
    out[3 * i + 2] = Math.round(Math.min(255, Math.max(0, y + 1.772 * 255 * cb[i])));
  }
  return { width, height, data: out };
}

const tileHeight = 192;

async function tile(image: Rgb, pins: Pin[] = []): Promise<Buffer> {
  const scaled = sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).resize({
    height: tileHeight,
  });
  if (pins.length === 0) return scaled.png().toBuffer();
  const width = Math.round((image.width * tileHeight) / image.height);
  const circles = pins
    .map(
      (p) =>
        `<circle cx="${(p.x * width).toFixed(1)}" cy="${(p.y * tileHeight).toFixed(1)}" r="4" fill="${p.color}" stroke="white" stroke-width="1.5"/>`,
    )
    .join('');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${tileHeight}">${circles}</svg>`);
  const base = await scaled.png().toBuffer();
  return sharp(base)
    .composite([{ input: svg, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

async function row(tiles: Buffer[]): Promise<Buffer> {
  const metas = await Promise.all(tiles.map((t) => sharp(t).metadata()));
  const width = metas.reduce((s, m) => s + (m.width ?? 0), 0) + 4 * (tiles.length - 1);
  let left = 0;
  return sharp({ create: { width, height: tileHeight, channels: 3, background: '#111' } })
    .composite(
      tiles.map((t, k) => {
        const placed = { input: t, left, top: 0 };
        left += (metas[k].width ?? 0) + 4;
        return placed;
      }),
    )
    .png()
    .toBuffer();
}

const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);

/** Per model and N: PSNR and CF with pins, and the naive baseline's; prints a table, writes JSON and a sheet. */
export async function runPinsEval(o: PinsEvalOptions): Promise<Record<string, Record<string, number | string>>> {
  const summary: Record<string, Record<string, number | string>> = {};
  const sheetN = Math.max(...o.counts);
  await mkdir(o.out, { recursive: true });
  for (const modelId of o.modelIds) {
    const models = await o.engine.listModels();
    const info = models.find((m) => m.id === modelId || m.dir === path.resolve(modelId));
    const scores = new Map(
      o.counts.map((n) => [n, { psnr: [] as number[], cf: [] as number[], basePsnr: [] as number[], baseCf: [] as number[] }]),
    );
    const rows: Buffer[] = [];
    let trueCf = 0;
    let method = 'edge-aware post-process';
    for (const [i, file] of o.files.entries()) {
      const truth = await o.readRgb(file.path);
      trueCf += colourfulness({ width: truth.width, height: truth.height, rgb: truth.data });
      const run = async (hints?: HintsDocument): Promise<Rgb> => {
        const output = path.join(o.work, `${modelId.replace(/[^\w.-]/g, '_')}-${i}.png`);
        await o.engine.colorizePhoto({
          input: file.path,
          output,
          model: modelId,
          device: 'cpu',
          overwrite: true,
          stabilize: 'off',
          renderFactor: o.renderFactor,
          hints,
        });
        const image = await o.readRgb(output);
        await rm(output, { force: true });
        return image;
      };
      const auto = await run();
      for (const n of o.counts) {
        // Seeded per photo and N: the same pins on every run and for every model.
        const pins = samplePins(truth, n, mulberry32((o.seed * 1_000_003 + i * 7919 + n * 104_729) >>> 0));
        const ours = n === 0 ? auto : await run({ version: 1, pins });
        const base = n === 0 ? auto : naiveBaseline(auto, pins);
        const s = scores.get(n)!;
        s.psnr.push(o.psnr(ours, truth));
        s.cf.push(colourfulness({ width: ours.width, height: ours.height, rgb: ours.data }));
        s.basePsnr.push(o.psnr(base, truth));
        s.baseCf.push(colourfulness({ width: base.width, height: base.height, rgb: base.data }));
        if (n === sheetN && i < o.sheetCount)
          rows.push(await row([await tile(o.greyOf(truth), pins), await tile(base), await tile(ours), await tile(truth)]));
      }
    }
    const graph = loadManifest(info?.dir ?? path.resolve(modelId)).pins;
    if (graph) method = graph.spread ? 'pins graph + post-process' : 'pins graph';
    const zero = scores.get(Math.min(...o.counts))!;
    for (const n of o.counts) {
      const s = scores.get(n)!;
      summary[`${modelId} N=${n}`] = {
        method: n === 0 ? 'no pins' : method,
        psnr: Number(mean(s.psnr).toFixed(2)),
        gainOverNoPins: Number((mean(s.psnr) - mean(zero.psnr)).toFixed(2)),
        cf: Number(mean(s.cf).toFixed(2)),
        baselinePsnr: Number(mean(s.basePsnr).toFixed(2)),
        baselineCf: Number(mean(s.baseCf).toFixed(2)),
        overBaseline: Number((mean(s.psnr) - mean(s.basePsnr)).toFixed(2)),
        trueCf: Number((trueCf / o.files.length).toFixed(2)),
      };
    }
    if (rows.length > 0) {
      const metas = await Promise.all(rows.map((r) => sharp(r).metadata()));
      const width = Math.max(...metas.map((m) => m.width ?? 0));
      const sheet = path.join(o.out, `contact-sheet-pins-${path.basename(modelId)}-${sheetN}.png`);
      await sharp({ create: { width, height: rows.length * (tileHeight + 4), channels: 3, background: '#111' } })
        .composite(rows.map((r, k) => ({ input: r, left: 0, top: k * (tileHeight + 4) })))
        .png()
        .toFile(sheet);
      console.log(`contact sheet (grey with ${sheetN} pins | naive baseline | ours with pins | truth): ${sheet}`);
    }
  }
  console.table(summary);
  await writeFile(
    path.join(o.out, 'eval-pins.json'),
    `${JSON.stringify({ date: new Date().toISOString(), counts: o.counts, seed: o.seed, summary }, null, 2)}\n`,
  );
  return summary;
}
