// npm run eval [-- --models fast,quality --val DIR --limit N --sheet N]
// npm run eval -- --pins 0,1,3,10,30   colour pins sampled from the truth, beside the naive baseline (pins.ts)
// Colourizes the validation photos through the app's own engine (the same code path as
// `chromareel colorize photo.jpg`) and prints, per model: PSNR, PSNR of the grey image, colourfulness
// (CF) of ours and of the truth, and their ratio; and hue agreement per family (green, blue, warm: is
// grass green, is sky blue?). Writes a contact sheet (grey | ours | truth).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createEngine } from '../../electron/engine/index.js';
import { colourfulness } from '../../electron/engine/metrics/colourfulness.js';
import { HUE_FAMILIES, hueHits } from './hue-agreement.js';
import { runPinsEval } from './pins.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '' },
    val: { type: 'string', default: path.resolve(repoRoot, '../shared/data/val') },
    limit: { type: 'string', default: '0' },
    sheet: { type: 'string', default: '8' },
    out: { type: 'string', default: path.join(repoRoot, '.eval') },
    'render-factor': { type: 'string' },
    pins: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
if (!existsSync(args.val!)) {
  console.error(
    `There is no validation set at ${args.val} (it lives in ../shared/data/val beside the checkout, which this machine does not have); pass --val DIR to point at a folder of colour photos.`,
  );
  process.exit(1);
}
const pinCounts = args.pins === undefined ? null : args.pins.split(',').map((v) => Number(v.trim()));
if (pinCounts && (pinCounts.length === 0 || pinCounts.some((n) => !Number.isInteger(n) || n < 0 || n > 1000))) {
  console.error('--pins takes whole numbers of pins from 0 to 1000, one or a list such as 0,1,3,10,30.');
  process.exit(2);
}

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array; // RGB, 3 bytes per pixel
}

async function readRgb(file: string): Promise<Rgb> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The grey image a B&W film would give: BT.601 luma replicated to R=G=B. */
function greyOf(image: Rgb): Rgb {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < image.data.length; i += 3) {
    const y = Math.round(0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2]);
    out[i] = out[i + 1] = out[i + 2] = y;
  }
  return { ...image, data: out };
}

function psnr(a: Rgb, b: Rgb): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  const mse = sum / a.data.length;
  return mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}

const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);

const engine = createEngine();
const available = await engine.listModels();
const modelIds = args.models ? args.models.split(',') : available.map((m) => m.id).filter((id) => !id.startsWith('fixture'));
let files = (await readdir(args.val!)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
if (Number(args.limit) > 0) files = files.slice(0, Number(args.limit));
const sheetCount = Math.min(Number(args.sheet), files.length);
await mkdir(args.out!, { recursive: true });
const work = await mkdtemp(path.join(os.tmpdir(), 'chromareel-eval-'));
if (pinCounts) {
  await runPinsEval({
    engine,
    modelIds,
    files: files.map((name) => ({ name, path: path.join(args.val!, name) })),
    counts: pinCounts,
    work,
    out: args.out!,
    sheetCount,
    seed: Number(args.seed),
    renderFactor: args['render-factor'] ? Number(args['render-factor']) : undefined,
    readRgb,
    greyOf,
    psnr,
  });
  await engine.close();
  await rm(work, { recursive: true, force: true });
  process.exit(0);
}

const summary: Record<string, Record<string, number>> = {};
for (const modelId of modelIds) {
  const psnrs: number[] = [];
  const greyPsnrs: number[] = [];
  const cfs: number[] = [];
  const trueCfs: number[] = [];
  const rows: Buffer[] = [];
  const hue = HUE_FAMILIES.map(() => [0, 0]);
  const started = performance.now();
  for (const [i, name] of files.entries()) {
    const input = path.join(args.val!, name);
    const output = path.join(work, `${modelId}-${name.replace(/\.\w+$/, '.png')}`);
    await engine.colorizePhoto({
      input,
      output,
      model: modelId,
      device: 'cpu',
      overwrite: true,
      stabilize: 'off',
      renderFactor: args['render-factor'] ? Number(args['render-factor']) : undefined,
    });
    const truth = await readRgb(input);
    const ours = await readRgb(output);
    const grey = greyOf(truth);
    psnrs.push(psnr(ours, truth));
    greyPsnrs.push(psnr(grey, truth));
    cfs.push(colourfulness({ width: ours.width, height: ours.height, rgb: ours.data }));
    trueCfs.push(colourfulness({ width: truth.width, height: truth.height, rgb: truth.data }));
    hueHits(ours.data, truth.data, truth.width, truth.height).forEach(([total, hits], k) => {
      hue[k][0] += total;
      hue[k][1] += hits;
    });
    if (i < sheetCount) {
      const tile = (img: Rgb) =>
        sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
          .resize({ height: 192 })
          .png()
          .toBuffer();
      const tiles = await Promise.all([tile(grey), tile(ours), tile(truth)]);
      const metas = await Promise.all(tiles.map((t) => sharp(t).metadata()));
      const width = metas.reduce((s, m) => s + (m.width ?? 0), 0) + 8;
      let left = 0;
      rows.push(
        await sharp({ create: { width, height: 192, channels: 3, background: '#111' } })
          .composite(
            tiles.map((t, k) => {
              const placed = { input: t, left, top: 0 };
              left += (metas[k].width ?? 0) + 4;
              return placed;
            }),
          )
          .png()
          .toBuffer(),
      );
    }
    await rm(output, { force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  summary[modelId] = {
    images: files.length,
    psnr: Number(mean(psnrs).toFixed(2)),
    greyPsnr: Number(mean(greyPsnrs).toFixed(2)),
    psnrMinusGrey: Number((mean(psnrs) - mean(greyPsnrs)).toFixed(2)),
    cf: Number(mean(cfs).toFixed(2)),
    trueCf: Number(mean(trueCfs).toFixed(2)),
    cfRatio: Number((mean(cfs) / mean(trueCfs)).toFixed(3)),
    ...Object.fromEntries(HUE_FAMILIES.map((name, k) => [`hue_${name}`, Number((hue[k][1] / Math.max(1, hue[k][0])).toFixed(3))])),
    secondsPerImage: Number((seconds / files.length).toFixed(3)),
  };
  if (rows.length > 0) {
    const metas = await Promise.all(rows.map((r) => sharp(r).metadata()));
    const width = Math.max(...metas.map((m) => m.width ?? 0));
    const sheet = path.join(args.out!, `contact-sheet-${modelId}.png`);
    await sharp({ create: { width, height: rows.length * 196, channels: 3, background: '#111' } })
      .composite(rows.map((r, k) => ({ input: r, left: 0, top: k * 196 })))
      .png()
      .toFile(sheet);
    console.log(`contact sheet (grey | ours | truth): ${sheet}`);
  }
}
await engine.close();
await rm(work, { recursive: true, force: true });
console.table(summary);
await writeFile(
  path.join(args.out!, 'eval.json'),
  `${JSON.stringify({ date: new Date().toISOString(), val: args.val, summary }, null, 2)}\n`,
);
