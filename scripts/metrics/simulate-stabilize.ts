// Tunes and checks the chroma stabilizer: takes a real colour clip at the model's render size,
// colourizes each frame on its own — with a real chroma model (--model native-models/fast) or, by
// default, a simulated one that jitters the clip's true chroma (hue rotation, global and regional,
// temporally correlated; saturation; pixel noise) — runs the stabilizer at each strength and
// reports flicker, CDC and CF against the true colours, the chroma error in still and moving
// pixels, and the stage's time per frame.
//
//   npx tsx scripts/metrics/simulate-stabilize.ts clip.mp4 [--model DIR] [--size 336x192]
//       [--max-frames 200] [--jitter 0.35] [--correlation 0.5] [--halve-above PIXELS]
//       [--tuning '{"presets":{"medium":{"memory":8,"lookAhead":2}}}'] [--json]

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { StabilizeStrength } from '../../electron/common/types.js';
import type { LowResChroma } from '../../electron/engine/pipeline/frames.js';
import { ChromaStabilizer, type ChromaStabilizerOptions } from '../../electron/engine/pipeline/stabilize.js';
import {
  ColourDistributionConsistency,
  MeanColourfulness,
  StaticChromaFlicker,
  chromaFrameToRgb,
  chromaFrameToYuv,
} from '../../electron/engine/metrics/index.js';
import { gaussian, mulberry32 } from '../seeded-random.mjs';
import { probeVideoSize, readRawFrames, type VideoSize } from './raw-video.js';

export interface JitterOptions {
  /** Standard deviation of the hue rotation, radians. */
  hueJitter: number;
  /** AR(1) coefficient of the jitter from frame to frame (0: independent frames). */
  correlation: number;
  saturationJitter: number;
  pixelNoise: number;
  seed: number;
}

export interface RunReport {
  name: string;
  flicker: number | null;
  cdc: number | null;
  colourfulness: number | null;
  /** Mean |chroma − true chroma| (8-bit levels, Cb and Cr averaged) in still / moving pixels. */
  errorStill: number;
  errorMoving: number;
  msPerFrame: number | null;
  cuts: number[];
}

/** A per-frame "model": the true chroma, hue-rotated and rescaled by temporally correlated noise. */
class JitterModel implements Colourizer {
  private readonly random: () => number;
  private global = 0;
  private saturation = 0;
  private readonly lattice: Float64Array;
  private readonly cols = 5;
  private readonly rows = 4;

  constructor(private readonly options: JitterOptions) {
    this.random = mulberry32(options.seed);
    this.lattice = new Float64Array(this.cols * this.rows);
  }

  private gaussian(): number {
    return gaussian(this.random);
  }

  private step(value: number, sigma: number): number {
    const rho = this.options.correlation;
    return rho * value + Math.sqrt(1 - rho * rho) * sigma * this.gaussian();
  }

  colourize(truth: LowResChroma): LowResChroma {
    const { hueJitter, saturationJitter, pixelNoise } = this.options;
    this.global = this.step(this.global, hueJitter);
    this.saturation = this.step(this.saturation, saturationJitter);
    for (let k = 0; k < this.lattice.length; k++) this.lattice[k] = this.step(this.lattice[k], hueJitter);
    const { width, height } = truth;
    const cb = new Float32Array(width * height);
    const cr = new Float32Array(width * height);
    const scale = 1 + this.saturation;
    for (let y = 0; y < height; y++) {
      const gy = (y / (height - 1)) * (this.rows - 1);
      const y0 = Math.min(this.rows - 2, Math.floor(gy));
      const fy = gy - y0;
      for (let x = 0; x < width; x++) {
        const gx = (x / (width - 1)) * (this.cols - 1);
        const x0 = Math.min(this.cols - 2, Math.floor(gx));
        const fx = gx - x0;
        const l = this.lattice;
        const c = this.cols;
        const regional =
          (l[y0 * c + x0] * (1 - fx) + l[y0 * c + x0 + 1] * fx) * (1 - fy) +
          (l[(y0 + 1) * c + x0] * (1 - fx) + l[(y0 + 1) * c + x0 + 1] * fx) * fy;
        const angle = this.global + regional;
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        const i = y * width + x;
        const u = truth.cb[i];
        const v = truth.cr[i];
        cb[i] = scale * (cos * u - sin * v) + pixelNoise * this.gaussian();
        cr[i] = scale * (sin * u + cos * v) + pixelNoise * this.gaussian();
      }
    }
    return { ...truth, cb, cr };
  }
}

interface Colourizer {
  colourize(truth: LowResChroma): LowResChroma | Promise<LowResChroma>;
}

/** A real 'chroma' contract model (model.json + model.onnx) run with onnxruntime-node on the CPU. */
class OnnxColourizer implements Colourizer {
  private constructor(
    private readonly session: import('onnxruntime-node').InferenceSession,
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  static async load(dir: string): Promise<OnnxColourizer> {
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      contract: string;
      file: string;
      input: { name: string };
      output: { name: string; range: string };
    };
    if (manifest.contract !== 'chroma' || manifest.output.range !== 'cbcr-offset') {
      throw new Error(`${dir} is not a chroma model with Cb/Cr offset output.`);
    }
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(dir, manifest.file), { intraOpNumThreads: 2 });
    return new OnnxColourizer(session, ort, manifest.input.name, manifest.output.name);
  }

  async colourize(truth: LowResChroma): Promise<LowResChroma> {
    const { width, height } = truth;
    const input = new this.ort.Tensor('float32', Float32Array.from(truth.luma), [1, 1, height, width]);
    const result = await this.session.run({ [this.inputName]: input });
    const data = result[this.outputName].data as Float32Array;
    const n = width * height;
    return { ...truth, cb: data.slice(0, n), cr: data.slice(n, 2 * n) };
  }
}

class RunMetrics {
  private readonly flicker = new StaticChromaFlicker();
  private readonly cdc = new ColourDistributionConsistency();
  private readonly cf = new MeanColourfulness();
  private errorStill = 0;
  private countStill = 0;
  private errorMoving = 0;
  private countMoving = 0;

  constructor(readonly name: string) {}

  push(frame: LowResChroma, truth: LowResChroma, moving: Uint8Array): void {
    this.flicker.push(chromaFrameToYuv(frame));
    const rgb = chromaFrameToRgb(frame);
    this.cdc.push(rgb);
    this.cf.push(rgb);
    for (let i = 0; i < moving.length; i++) {
      const e = 127.5 * (Math.abs(frame.cb[i] - truth.cb[i]) + Math.abs(frame.cr[i] - truth.cr[i]));
      if (moving[i]) {
        this.errorMoving += e;
        this.countMoving++;
      } else {
        this.errorStill += e;
        this.countStill++;
      }
    }
  }

  report(msPerFrame: number | null, cuts: number[]): RunReport {
    return {
      name: this.name,
      flicker: this.flicker.result().flicker,
      cdc: this.cdc.result().cdc,
      colourfulness: this.cf.result().cf,
      errorStill: this.countStill ? this.errorStill / this.countStill : 0,
      errorMoving: this.countMoving ? this.errorMoving / this.countMoving : 0,
      msPerFrame,
      cuts,
    };
  }
}

/** Model render size for ~256² pixels at the clip's aspect, multiples of 16. */
export function renderSize(source: VideoSize): VideoSize {
  const aspect = source.width / source.height;
  return {
    width: Math.max(32, Math.round((256 * Math.sqrt(aspect)) / 16) * 16),
    height: Math.max(32, Math.round(256 / Math.sqrt(aspect) / 16) * 16),
  };
}

export async function simulate(
  path: string,
  options: {
    size?: VideoSize;
    maxFrames?: number;
    jitter?: Partial<JitterOptions>;
    strengths?: StabilizeStrength[];
    tuning?: ChromaStabilizerOptions['tuning'];
    /** Folder of a 'chroma' model to colourize with instead of the simulated jitter. */
    model?: string;
  } = {},
): Promise<RunReport[]> {
  const size = options.size ?? renderSize(await probeVideoSize(path));
  const { width, height } = size;
  const n = width * height;
  const jitter: JitterOptions = {
    hueJitter: 0.35,
    correlation: 0.5,
    saturationJitter: 0.12,
    pixelNoise: 0.004,
    seed: 1,
    ...options.jitter,
  };
  const model: Colourizer = options.model ? await OnnxColourizer.load(options.model) : new JitterModel(jitter);
  const strengths = options.strengths ?? ['off', 'low', 'medium', 'high'];
  const runs = strengths.map((strength) => ({
    strength,
    stabilizer: new ChromaStabilizer({ strength, width, height, tuning: options.tuning }),
    metrics: new RunMetrics(strength),
    ms: 0,
  }));
  const truthMetrics = new RunMetrics('truth');
  // Truth and still/moving masks wait here until every stabilizer has emitted their frame.
  const pending = new Map<number, { truth: LowResChroma; moving: Uint8Array }>();
  const outstanding = new Map<number, number>();
  let previousLuma: Float32Array | null = null;
  let index = 0;

  const deliver = (run: (typeof runs)[number], frames: LowResChroma[]): void => {
    for (const frame of frames) {
      const held = pending.get(frame.index)!;
      run.metrics.push(frame, held.truth, held.moving);
      const left = outstanding.get(frame.index)! - 1;
      if (left === 0) {
        pending.delete(frame.index);
        outstanding.delete(frame.index);
      } else outstanding.set(frame.index, left);
    }
  };

  for await (const raw of readRawFrames(path, { pixelFormat: 'yuv444p', size, fullRange: true, maxFrames: options.maxFrames })) {
    const luma = new Float32Array(n);
    const cb = new Float32Array(n);
    const cr = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      luma[i] = raw[i] / 255;
      cb[i] = (raw[n + i] - 128) / 255;
      cr[i] = (raw[2 * n + i] - 128) / 255;
    }
    const truth: LowResChroma = { index, width, height, luma, cb, cr };
    const moving = new Uint8Array(n);
    if (previousLuma) for (let i = 0; i < n; i++) moving[i] = Math.abs(luma[i] - previousLuma[i]) * 255 > 8 ? 1 : 0;
    previousLuma = luma;
    truthMetrics.push(truth, truth, moving);
    pending.set(index, { truth, moving });
    outstanding.set(index, runs.length);
    const colourized = await model.colourize(truth);
    for (const run of runs) {
      const start = performance.now();
      const out = run.stabilizer.push(colourized);
      run.ms += performance.now() - start;
      deliver(run, out);
    }
    index++;
  }
  for (const run of runs) {
    const start = performance.now();
    const out = run.stabilizer.flush();
    run.ms += performance.now() - start;
    deliver(run, out);
  }
  return [truthMetrics.report(null, []), ...runs.map((run) => run.metrics.report(index ? run.ms / index : null, run.stabilizer.cuts))];
}

function formatReports(reports: RunReport[]): string {
  const truth = reports[0];
  const off = reports.find((r) => r.name === 'off');
  const f = (v: number | null, d: number) => (v === null ? '—' : v.toFixed(d));
  const rows = [['run', 'flicker', 'vs off', 'CDC', 'vs truth', 'CF', 'vs truth', 'err still', 'err moving', 'ms/frame', 'cuts']];
  for (const r of reports) {
    rows.push([
      r.name,
      f(r.flicker, 3),
      off?.flicker && r.flicker !== null ? `${(100 * (1 - r.flicker / off.flicker)).toFixed(0)}% less` : '',
      f(r.cdc, 5),
      truth.cdc && r.cdc !== null ? `${(r.cdc / truth.cdc).toFixed(2)}×` : '',
      f(r.colourfulness, 2),
      truth.colourfulness && r.colourfulness !== null ? `${(r.colourfulness / truth.colourfulness).toFixed(3)}×` : '',
      r.errorStill.toFixed(2),
      r.errorMoving.toFixed(2),
      f(r.msPerFrame, 2),
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
      size: { type: 'string' },
      'max-frames': { type: 'string' },
      jitter: { type: 'string' },
      correlation: { type: 'string' },
      seed: { type: 'string' },
      'halve-above': { type: 'string' },
      model: { type: 'string' },
      tuning: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) {
    console.error(
      'usage: npx tsx scripts/metrics/simulate-stabilize.ts clip.mp4 [--size WxH] [--max-frames N] [--jitter rad] [--correlation 0-1] [--json]',
    );
    return 2;
  }
  const match = values.size?.match(/^(\d+)x(\d+)$/);
  if (values.size && !match) {
    console.error('--size must look like 340x192.');
    return 2;
  }
  const reports = await simulate(positionals[0], {
    size: match ? { width: Number(match[1]), height: Number(match[2]) } : undefined,
    maxFrames: values['max-frames'] ? Number(values['max-frames']) : undefined,
    jitter: {
      ...(values.jitter ? { hueJitter: Number(values.jitter) } : {}),
      ...(values.correlation ? { correlation: Number(values.correlation) } : {}),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
    },
    model: values.model,
    tuning: {
      ...(values.tuning ? (JSON.parse(values.tuning) as ChromaStabilizerOptions['tuning']) : {}),
      ...(values['halve-above'] ? { halveAbovePixels: Number(values['halve-above']) } : {}),
    },
  });
  console.log(values.json ? JSON.stringify(reports, null, 2) : formatReports(reports));
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
