// Measures issue 5's stabilization targets for real: every clip in a folder (default
// ../shared/data/video) is made grey (ffmpeg format=gray → yuv420p, lossless, first --seconds),
// colourized by the real CLI with the default model twice — --stabilize off and --stabilize medium —
// and measured with the project's metrics (electron/engine/metrics):
//
//   flicker   static-region chroma flicker, mask from the grey source's luma (< 2 levels change);
//             target: medium ≥ 60% lower than off
//   CDC       colour-distribution consistency of the medium output; target ≤ 1.1 × the CDC of the
//             real colour clip over the same frames (not applicable to a black-and-white source)
//   CF        colourfulness; target: medium ≥ 0.9 × off
//   fps       end-to-end frames per second of each CLI run (from its result); throughput cost
//             = 1 − fps(medium) / fps(off), target ≤ 15%. Wall time is noisy on a busy machine, so
//             the CPU time of the CLI's whole process tree is recorded too (CPU cost = 1 − CPU per
//             frame off / CPU per frame medium: the fps cost where the CPU is the limit), and the
//             stage's own CPU per frame (scripts/bench/stabilizer-stage.ts).
//
// Prints a table and writes .bench/stabilization/report.json (videos stay in that folder for a look).
//
//   npx tsx scripts/metrics/stabilization-report.ts [--clips DIR] [--seconds 10] [--strength medium]
//       [--model ID|DIR] [--device cpu] [--only NAME] [--repeat N] [--out DIR] [--no-build] [--json]
//
// --repeat N renders each clip N times per setting, alternating, and keeps the fastest run of each
// (and the least CPU per frame): the runs least disturbed by other work on the machine.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StabilizeStrength } from '../../electron/common/types.js';
import { defaultModelsDirs, renderSize, resolveModel } from '../../electron/engine/model/manifest.js';
import { measureStabilizerStage, measureStabilizerStageOnVideo, type StageCost } from '../bench/stabilizer-stage.js';
import { measureVideo, type VideoMetrics } from './compare.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

/** Below this colourfulness a source clip counts as black and white (a grey film measures 0; the
 * near-grey plaza clip, a real colour video of a white floor, measures about 1.4). */
const GREY_SOURCE_CF = 0.5;

export const TARGETS = {
  flickerReduction: 0.6,
  cdcVsReal: 1.1,
  cfDrop: 0.1,
  throughputCost: 0.15,
} as const;

export interface CliRun {
  output: string;
  frames: number;
  /** The render's own elapsed time (from its result event: model loaded, probe done). */
  elapsedSec: number;
  fps: number;
  /** CPU seconds (user + system) of the CLI and every process it waited for; null without /usr/bin/time. */
  cpuSec: number | null;
  sceneCuts: number[];
}

export interface ClipReport {
  clip: string;
  /** The clip has no colour of its own (CDC vs real does not apply). */
  blackAndWhite: boolean;
  frames: number;
  width: number;
  height: number;
  real: VideoMetrics;
  off: VideoMetrics & { run: CliRun };
  stabilized: VideoMetrics & { run: CliRun };
  flickerReduction: number | null;
  cdcVsReal: number | null;
  cfChange: number | null;
  /** 1 − fps(stabilized) / fps(off), fastest run of each. */
  throughputCost: number;
  /** 1 − CPU per frame (off) / CPU per frame (stabilized), least CPU of each: the cost where CPU is the limit. */
  cpuCost: number | null;
  /** The stabilizer stage alone on this clip's real content (the 'off' output at the render size). */
  stage: StageCost;
  /**
   * Stage CPU per frame × end-to-end fps with stabilization off: the share of each frame's time the
   * stage takes — the fps cost if it ran strictly in series with everything else (an upper bound:
   * inference runs in its own process, alongside).
   */
  stageShare: number;
  /** Every timed run (off and stabilized alternate). */
  runs: { off: CliRun[]; stabilized: CliRun[] };
  meets: { flicker: boolean | null; cdc: boolean | null; cf: boolean | null };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(' ')}… failed (${code}):\n${stderr}`)),
    );
  });
}

/** The grey version of a clip: luma only, stored losslessly so the engine sees the clip's own luma. */
export async function makeGrey(input: string, output: string, seconds: number): Promise<void> {
  await run(FFMPEG, [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-i',
    input,
    '-t',
    String(seconds),
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-vf',
    'format=gray,format=yuv420p',
    '-c:v',
    'libx264',
    '-qp',
    '0',
    '-preset',
    'veryfast',
    output,
  ]);
}

const TIME = '/usr/bin/time';

/**
 * Colourizes with the real CLI (bin/chromareel.js → dist/cli.js) and returns its result event.
 * Under /usr/bin/time (when present) it also records the CPU time of the whole process tree — the
 * CLI, its inference process and ffmpeg — which a busy machine disturbs far less than wall time.
 */
export async function colorizeWithCli(input: string, output: string, strength: StabilizeStrength, extra: string[] = []): Promise<CliRun> {
  const cli = [
    path.join(repoRoot, 'bin/chromareel.js'),
    'colorize',
    input,
    '-o',
    output,
    '--stabilize',
    strength,
    '--json',
    '--overwrite',
    ...extra,
  ];
  const timed = existsSync(TIME);
  const timeFile = `${output}.time`;
  const stdout = timed ? await run(TIME, ['-f', '%U %S', '-o', timeFile, process.execPath, ...cli]) : await run(process.execPath, cli);
  const result = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; frames: number; elapsedSec: number; sceneCuts: number[] })
    .find((event) => event.type === 'result');
  if (!result) throw new Error(`The CLI printed no result for ${input}.`);
  let cpuSec: number | null = null;
  if (timed) {
    const [user, system] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).slice(-2).map(Number);
    cpuSec = Number.isFinite(user + system) ? user + system : null;
    await rm(timeFile, { force: true });
  }
  return {
    output,
    frames: result.frames,
    elapsedSec: result.elapsedSec,
    fps: result.frames / result.elapsedSec,
    cpuSec,
    sceneCuts: result.sceneCuts,
  };
}

/** The run with the best fps of several (the least disturbed by other work on the machine). */
function fastest(runs: CliRun[]): CliRun {
  return runs.reduce((best, r) => (r.fps > best.fps ? r : best));
}

export async function reportClip(
  clip: string,
  options: {
    outDir: string;
    seconds: number;
    strength: StabilizeStrength;
    cliArgs: string[];
    /** The model's render size for a frame size. */
    renderSizeOf: (width: number, height: number) => { width: number; height: number };
    repeat?: number;
    log?: (line: string) => void;
  },
): Promise<ClipReport> {
  const log = options.log ?? (() => undefined);
  const name = path.basename(clip, path.extname(clip));
  const grey = path.join(options.outDir, `${name}.grey.mp4`);
  log(`${name}: grey version (first ${options.seconds} s)`);
  await makeGrey(clip, grey, options.seconds);
  const offRuns: CliRun[] = [];
  const onRuns: CliRun[] = [];
  // Alternate off and on, so slow phases of a shared machine hit both alike.
  for (let k = 0; k < (options.repeat ?? 1); k++) {
    log(`${name}: colourizing with --stabilize off`);
    offRuns.push(await colorizeWithCli(grey, path.join(options.outDir, `${name}.off.mp4`), 'off', options.cliArgs));
    log(`${name}: colourizing with --stabilize ${options.strength}`);
    onRuns.push(
      await colorizeWithCli(grey, path.join(options.outDir, `${name}.${options.strength}.mp4`), options.strength, options.cliArgs),
    );
  }
  const offRun = fastest(offRuns);
  const onRun = fastest(onRuns);
  const leastCpu = (runs: CliRun[]) => (runs.every((r) => r.cpuSec !== null) ? Math.min(...runs.map((r) => r.cpuSec! / r.frames)) : null);
  const cpuOff = leastCpu(offRuns);
  const cpuOn = leastCpu(onRuns);
  log(`${name}: measuring`);
  const frames = onRun.frames;
  const off = await measureVideo(offRun.output, { lumaFrom: grey, maxFrames: frames });
  const on = await measureVideo(onRun.output, { lumaFrom: grey, maxFrames: frames });
  const real = await measureVideo(clip, { maxFrames: frames });
  const blackAndWhite = (real.colourfulness ?? 0) < GREY_SOURCE_CF;
  log(`${name}: timing the stabilizer stage on this clip`);
  const stage = await measureStabilizerStageOnVideo(offRun.output, {
    ...options.renderSizeOf(on.width, on.height),
    strength: options.strength,
    maxFrames: frames,
  });
  const flickerReduction = off.flicker && on.flicker !== null ? 1 - on.flicker / off.flicker : null;
  const cdcVsReal = !blackAndWhite && on.cdc !== null && real.cdc ? on.cdc / real.cdc : null;
  const cfChange = off.colourfulness && on.colourfulness !== null ? on.colourfulness / off.colourfulness - 1 : null;
  return {
    clip: path.basename(clip),
    blackAndWhite,
    frames,
    width: on.width,
    height: on.height,
    real,
    off: { ...off, run: offRun },
    stabilized: { ...on, run: onRun },
    flickerReduction,
    cdcVsReal,
    cfChange,
    throughputCost: 1 - onRun.fps / offRun.fps,
    cpuCost: cpuOff !== null && cpuOn !== null ? 1 - cpuOff / cpuOn : null,
    stage,
    stageShare: (stage.msPerFrame * offRun.fps) / 1000,
    runs: { off: offRuns, stabilized: onRuns },
    meets: {
      flicker: flickerReduction === null ? null : flickerReduction >= TARGETS.flickerReduction,
      cdc: cdcVsReal === null ? null : cdcVsReal <= TARGETS.cdcVsReal,
      cf: cfChange === null ? null : cfChange >= -TARGETS.cfDrop,
    },
  };
}

const fixed = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits));
const percent = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(0)}%`);
const mark = (ok: boolean | null) => (ok === null ? '' : ok ? ' ✓' : ' ✗');

export function formatReport(reports: ClipReport[], strength: StabilizeStrength, stage: StageCost | null): string {
  const header = [
    'clip',
    'frames',
    'still %',
    'flicker off',
    `flicker ${strength}`,
    'reduction',
    'CDC real',
    `CDC ${strength}`,
    '× real',
    'CF off',
    `CF ${strength}`,
    'CF change',
    'fps off',
    `fps ${strength}`,
    'cost',
    'CPU cost',
    'stage ms',
    'stage share',
  ];
  const rows = reports.map((r) => [
    r.clip.replace(/\.[^.]+$/, ''),
    String(r.frames),
    (100 * r.stabilized.staticFraction).toFixed(1),
    fixed(r.off.flicker, 3),
    fixed(r.stabilized.flicker, 3),
    percent(r.flickerReduction) + mark(r.meets.flicker),
    r.blackAndWhite ? 'n/a (B&W)' : fixed(r.real.cdc, 5),
    fixed(r.stabilized.cdc, 5),
    r.blackAndWhite ? 'n/a' : fixed(r.cdcVsReal, 2) + mark(r.meets.cdc),
    fixed(r.off.colourfulness, 2),
    fixed(r.stabilized.colourfulness, 2),
    (r.cfChange === null ? '—' : `${r.cfChange >= 0 ? '+' : ''}${(100 * r.cfChange).toFixed(1)}%`) + mark(r.meets.cf),
    r.off.run.fps.toFixed(1),
    r.stabilized.run.fps.toFixed(1),
    percent(r.throughputCost),
    percent(r.cpuCost),
    r.stage.msPerFrame.toFixed(1),
    `${(100 * r.stageShare).toFixed(1)}%`,
  ]);
  const lines = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const table = lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  const totalCost = overallCost(reports);
  const cpu = overallCpuCost(reports);
  return [
    ...table,
    '',
    `Throughput cost (target ≤ ${percent(TARGETS.throughputCost)}): over all clips ${percent(totalCost)} of end-to-end fps (wall clock, fastest run of each;`,
    `noisy on a shared machine) and ${percent(cpu)} of CPU per frame (whole process tree); the stage alone takes "stage ms" of CPU per`,
    `frame on each clip's own content at the render size, "stage share" of each frame's time at the off speed (the cost if fully serial).`,
    stage
      ? `Stabilizer stage on the unit tests' synthetic clip: ${stage.msPerFrame.toFixed(2)} ms CPU per ${stage.width}×${stage.height} frame at ${stage.strength}.`
      : '',
    ...reports
      .filter((r) => r.blackAndWhite && r.real.cdc && r.stabilized.cdc !== null)
      .map(
        (r) =>
          `${r.clip}: black and white, so no real colours to compare CDC with; for reference, the grey film's own CDC is ` +
          `${fixed(r.real.cdc, 5)} and the stabilized output's is ${(r.stabilized.cdc! / r.real.cdc!).toFixed(2)}× that.`,
      ),
    `Targets: flicker ≥ ${percent(TARGETS.flickerReduction)} lower than off; CDC ≤ ${TARGETS.cdcVsReal} × the real colour clip's; CF drop ≤ ${percent(TARGETS.cfDrop)}.`,
    'flicker: mean |ΔCb|,|ΔCr| (8-bit levels) where the grey source luma changed < 2 levels ("still %" of chroma samples);',
    'CDC: TCVC colour-distribution consistency (lower is steadier); CF: colourfulness (DDColor).',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** 1 − (all frames / all time with stabilization) / (all frames / all time without). */
export function overallCost(reports: ClipReport[]): number {
  const fps = (runs: CliRun[]) => runs.reduce((s, r) => s + r.frames, 0) / runs.reduce((s, r) => s + r.elapsedSec, 0);
  return 1 - fps(reports.map((r) => r.stabilized.run)) / fps(reports.map((r) => r.off.run));
}

/** 1 − (all CPU without / all frames) / (all CPU with / all frames), every run counted; null without CPU times. */
export function overallCpuCost(reports: ClipReport[]): number | null {
  const all = (pick: (r: ClipReport) => CliRun[]) => reports.flatMap(pick);
  const perFrame = (runs: CliRun[]) =>
    runs.every((r) => r.cpuSec !== null) ? runs.reduce((s, r) => s + r.cpuSec!, 0) / runs.reduce((s, r) => s + r.frames, 0) : null;
  const off = perFrame(all((r) => r.runs.off));
  const on = perFrame(all((r) => r.runs.stabilized));
  return off !== null && on !== null ? 1 - off / on : null;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clips: { type: 'string', default: path.resolve(repoRoot, '../shared/data/video') },
      seconds: { type: 'string', default: '10' },
      strength: { type: 'string', default: 'medium' },
      model: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      only: { type: 'string', multiple: true },
      repeat: { type: 'string', default: '1' },
      out: { type: 'string', default: path.join(repoRoot, '.bench/stabilization') },
      'no-build': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npx tsx scripts/metrics/stabilization-report.ts [--clips DIR] [--seconds 10] [--strength medium] [--model ID|DIR] [--device cpu] [--only NAME]... [--repeat N] [--out DIR] [--no-build] [--json]',
    );
    return 0;
  }
  const seconds = Number(values.seconds);
  const repeat = Number(values.repeat);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error('--repeat must be a whole number ≥ 1.');
  const strength = values.strength as StabilizeStrength;
  if (!(seconds > 0)) throw new Error('--seconds must be a positive number.');
  if (!['low', 'medium', 'high'].includes(strength)) throw new Error('--strength must be low, medium or high.');
  const cliArgs = ['--device', values.device!, ...(values.model ? ['--model', values.model] : [])];
  const outDir = path.resolve(values.out!);
  await mkdir(outDir, { recursive: true });

  // The CLI runs from dist/: bundle the current sources first so the measurement is of this tree.
  if (!values['no-build']) await run(process.execPath, [path.join(repoRoot, 'scripts/build-node.mjs')]);
  if (!existsSync(path.join(repoRoot, 'dist/cli.js'))) throw new Error('dist/cli.js is missing; run npm run build:node.');

  const names = (await readdir(values.clips!)).filter((f) => /\.(mp4|mkv|mov|avi|webm)$/i.test(f)).sort();
  const chosen = values.only?.length ? names.filter((n) => values.only!.some((o) => n.includes(o))) : names;
  if (chosen.length === 0) throw new Error(`No clips to measure in ${values.clips}.`);
  const log = (line: string) => console.error(`[stabilization] ${line}`);

  const manifest = resolveModel(values.model, 'cpu', defaultModelsDirs());
  const renderSizeOf = (width: number, height: number) => renderSize(width, height, manifest.renderFactor.default, manifest.sizeMultiple);
  const reports: ClipReport[] = [];
  for (const name of chosen) {
    reports.push(await reportClip(path.join(values.clips!, name), { outDir, seconds, strength, cliArgs, renderSizeOf, repeat, log }));
  }
  log('stabilizer stage alone (synthetic clip)');
  const stage = measureStabilizerStage({ strength });

  const result = {
    date: new Date().toISOString(),
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, load: os.loadavg() },
    command: `npx tsx scripts/metrics/stabilization-report.ts ${argv.join(' ')}`.trim(),
    seconds,
    strength,
    cliArgs,
    model: { id: manifest.id, sha256: manifest.sha256 },
    targets: TARGETS,
    overallThroughputCost: overallCost(reports),
    overallCpuCost: overallCpuCost(reports),
    stage,
    clips: reports,
  };
  const file = path.join(outDir, 'report.json');
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(values.json ? JSON.stringify(result, null, 2) : formatReport(reports, strength, stage));
  if (!values.json) console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
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
