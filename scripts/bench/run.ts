// npm run bench [-- --clip FILE --seconds N --model ID --device cpu|auto|cuda|dml|coreml|webgpu]
// Side by side, in one run, on the same clip: end-to-end render fps (stabilization off and on),
// model-only fps, ffmpeg transcode-only fps, and a DeOldify-style frames-on-disk baseline with the same
// model; peak memory of the render's process tree for a short and a 3× longer clip; the stabilizer
// stage's own CPU time per frame at the clip's render size. Prints ratios and writes everything to
// .bench/bench.json. The stabilization quality figures (flicker, CDC, CF on every shared clip) are
// `npm run bench:stabilize` (scripts/metrics/stabilization-report.ts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../electron/engine/index.js';
import { locateFfmpeg } from '../../electron/engine/media/ffmpeg-locate.js';
import { createSegmentEncoder } from '../../electron/engine/media/encode.js';
import { encoderArgs, encoderFor, resolveEncoder, type VideoEncoder } from '../../electron/engine/media/encoders.js';
import { runFfmpeg } from '../../electron/engine/media/process.js';
import { probe } from '../../electron/engine/media/probe.js';
import { startInference } from '../../electron/engine/model/inference-client.js';
import { defaultModelsDirs, renderSize, resolveModel } from '../../electron/engine/model/manifest.js';
import { chooseProviders, listAvailableProviders } from '../../electron/engine/model/providers.js';
import type { EncoderChoice } from '../../electron/common/options.js';
import type { DeviceChoice } from '../../electron/common/types.js';
import { measurePinPreview } from './pin-preview.js';
import { childrenCpuMs, cpuMs, ProcessTreeSampler, type ProcessRole } from './process-tree.js';
import { measureStabilizerStage } from './stabilizer-stage.js';
import { profileCli, type StageProfile } from './stage-profile.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedRoad = path.resolve(repoRoot, '../shared/data/video/road-traffic-overhead.mp4');
const { values: args } = parseArgs({
  options: {
    // The shared road clip, or the small copy among the test fixtures where ../shared is missing.
    clip: {
      type: 'string',
      default: existsSync(sharedRoad) ? sharedRoad : path.resolve(repoRoot, 'test/fixtures/video/road-traffic-overhead-320x180.mp4'),
    },
    seconds: { type: 'string', default: '20' },
    model: { type: 'string' },
    'skip-baseline': { type: 'boolean', default: false },
    // Where the model runs in every measurement (auto, cpu, cuda, dml, coreml, webgpu).
    device: { type: 'string', default: 'cpu' },
    // A 720p shared clip for the pin-preview latency; --only pin-preview measures just that.
    'preview-clip': { type: 'string', default: path.resolve(repoRoot, '../shared/data/video/plaza-crowd-overhead.mp4') },
    only: { type: 'string' },
    // Seconds of the clip for the per-stage CPU profile at 768x432, 1080p and 4K (--only stages).
    'stage-seconds': { type: 'string', default: '8' },
    // --only targets: how many times each side-by-side measurement is repeated (medians reported).
    repeat: { type: 'string', default: '3' },
    // --only gpu: the hardware encoder set beside x264 (auto: the first of this machine's that passes its trial).
    encoder: { type: 'string', default: 'auto' },
  },
});

if (args.only === 'pin-preview') {
  const pinPreview = await measurePinPreview(args['preview-clip']!, { model: args.model });
  console.table({ pinPreview });
  await mkdir(path.join(repoRoot, '.bench'), { recursive: true });
  await writeFile(
    path.join(repoRoot, '.bench/pin-preview.json'),
    `${JSON.stringify({ date: new Date().toISOString(), pinPreview }, null, 2)}\n`,
  );
  process.exit(0);
}

const seconds = Number(args.seconds);
const device = args.device as DeviceChoice;
const workRoot = await mkdtemp(path.join(os.tmpdir(), 'chromareel-bench-'));
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round = (n: number) => Math.round(n * 10) / 10;
const ratio = (n: number) => Number(n.toFixed(3));

async function makeClip(name: string, lengthSec: number, size?: { width: number; height: number }): Promise<string> {
  const out = path.join(workRoot, name);
  // Loop the source when a longer clip is asked for; re-encode so the frame count is exact. Larger
  // sizes are the same clip scaled up (lanczos), so every size shows the same picture.
  const scale = size ? ['-vf', `scale=${size.width}:${size.height}:flags=lanczos`] : [];
  await runFfmpeg([
    '-stream_loop',
    '-1',
    '-i',
    args.clip!,
    '-t',
    String(lengthSec),
    '-map',
    '0:v:0',
    '-map',
    '0:a?',
    ...scale,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '18',
    '-c:a',
    'aac',
    '-y',
    out,
  ]);
  return out;
}

const STAGE_SIZES = [
  { name: '768x432', width: 768, height: 432 },
  { name: '1080p', width: 1920, height: 1080 },
  { name: '4K', width: 3840, height: 2160 },
];

/**
 * Host CPU ms per frame by stage at each size, from a CPU profile of the real CLI. The encoder runs
 * at preset ultrafast here: x264 is another process and not what this measures, and a slower preset
 * would only make the 4K run long.
 */
async function measureStages(lengthSec: number): Promise<Record<string, StageProfile>> {
  const out: Record<string, StageProfile> = {};
  for (const size of STAGE_SIZES) {
    const clip = await makeClip(`stages-${size.name}.mp4`, lengthSec, size);
    out[size.name] = await profileCli(repoRoot, clip, ['--stabilize', 'medium', '--device', device, '--preset', 'ultrafast']);
    console.log(`stages at ${size.name}: ${out[size.name].perFrameWorkMs} ms of host work per frame`);
  }
  return out;
}

function printStages(stages: Record<string, StageProfile>): void {
  const rows: Record<string, Record<string, number>> = {};
  for (const [size, profile] of Object.entries(stages)) {
    rows[size] = {
      ...profile.msPerFrame,
      perFrameWork: profile.perFrameWorkMs,
      mainThreadWork: profile.mainThreadWorkMs,
      stabilizerThread: profile.stabilizerThreadMsPerFrame,
      mainThreadCpu: profile.hostMainThreadCpuMsPerFrame,
      allThreadsCpu: profile.hostAllThreadsCpuMsPerFrame,
      peakTreeMiB: profile.peakTreeMiB,
    };
  }
  console.table(rows);
}

if (args.only === 'stages') {
  const stages = await measureStages(Number(args['stage-seconds']));
  printStages(stages);
  const file = path.join(repoRoot, '.bench/bench.json');
  await mkdir(path.dirname(file), { recursive: true });
  // Kept beside the other figures of the last full run, which stay as they were.
  const previous = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  await writeFile(
    file,
    `${JSON.stringify({ ...previous, stages: { date: new Date().toISOString(), loadAverage: os.loadavg(), byResolution: stages } }, null, 2)}\n`,
  );
  console.log(`wrote stages to ${file}`);
  await rm(workRoot, { recursive: true, force: true });
  process.exit(0);
}

interface CliRun {
  frames: number;
  elapsedSec: number;
  fps: number;
  peakTreeMiB: number;
  peakHostMiB: number;
  /** CPU time of the whole process tree (the CLI and every child it waited for), ms per frame. */
  cpuMsPerFrame: number;
  /** CPU time of the CLI's own process (all its threads, no children), ms in all. */
  hostCpuMs: number;
  /**
   * The CLI's own CPU per frame while it colourizes (all its threads, no children): read from /proc
   * at the progress events from frame 30 on, so start-up, model load, probing and muxing stay out.
   * NaN when the film is too short for two readings.
   */
  steadyHostCpuMsPerFrame: number;
  /** CPU ms per frame of each kind of process in the CLI's tree (ProcessTreeSampler's roles). */
  cpuByProcessMsPerFrame: Partial<Record<ProcessRole, number>>;
  /** Where the model ran (after any fallback) and the CLI's notices (which encoder, fallbacks). */
  provider: string;
  notices: string[];
}

/** Readings of the CLI's CPU at its progress events (see CliRun.steadyHostCpuMsPerFrame). */
class SteadyCpu {
  private first: { frames: number; cpu: number } | null = null;
  private last: { frames: number; cpu: number } | null = null;
  private pending = '';

  constructor(private readonly pid: number) {}

  /** Feeds the CLI's --json output as it arrives. */
  feed(chunk: string): void {
    this.pending += chunk;
    let end: number;
    while ((end = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      if (!line.includes('"progress"')) continue;
      const event = JSON.parse(line) as { phase?: string; framesDone?: number };
      const cpu = cpuMs(`/proc/${this.pid}/stat`);
      if (event.phase !== 'colorizing' || typeof event.framesDone !== 'number' || event.framesDone < 30 || cpu === null) continue;
      const reading = { frames: event.framesDone, cpu };
      if (this.first) this.last = reading;
      else this.first = reading;
    }
  }

  get msPerFrame(): number {
    const { first, last } = this;
    return first && last && last.frames > first.frames ? round((last.cpu - first.cpu) / (last.frames - first.frames)) : NaN;
  }
}

const HOST_CPU_REPORTER = new URL('./host-cpu-at-exit.mjs', import.meta.url).href;

const ownCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Runs the real CLI as a user would, sampling the memory of its whole process tree. */
async function runCli(input: string, extra: string[], keepOutputAs?: string): Promise<CliRun> {
  const output = keepOutputAs ?? path.join(workRoot, `out-${Math.random().toString(36).slice(2)}.mp4`);
  const cpuBefore = childrenCpuMs();
  const child = spawn(
    process.execPath,
    ['--import', HOST_CPU_REPORTER, path.join(repoRoot, 'bin/chromareel.js'), 'colorize', input, '-o', output, '--json', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const memory = new ProcessTreeSampler(child.pid!).start(50);
  const steady = new SteadyCpu(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    steady.feed(String(d));
  });
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  memory.stop();
  if (code !== 0) throw new Error(`CLI failed (${code}): ${stderr}`);
  const events = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; message?: string } & Record<string, unknown>);
  const result = events.find((event) => event.type === 'result') as unknown as { frames: number; elapsedSec: number; provider: string };
  const notices = events.filter((event) => event.type === 'notice').map((event) => String(event.message));
  if (!keepOutputAs) await rm(output, { force: true });
  return {
    cpuByProcessMsPerFrame: Object.fromEntries(
      Object.entries(memory.cpuMsByRole()).map(([role, ms]) => [role, round(ms / result.frames)]),
    ) as Partial<Record<ProcessRole, number>>,
    provider: result.provider,
    notices,
    frames: result.frames,
    elapsedSec: round(result.elapsedSec),
    fps: round(result.frames / result.elapsedSec),
    peakTreeMiB: mib(memory.peakTreeBytes),
    peakHostMiB: mib(memory.peakHostBytes),
    cpuMsPerFrame: round((childrenCpuMs() - cpuBefore) / result.frames),
    hostCpuMs: Number(/chromareel-bench host-cpu-ms ([\d.]+)/.exec(stderr)?.[1] ?? NaN),
    steadyHostCpuMsPerFrame: steady.msPerFrame,
  };
}

/** A render's CPU per frame by process, as flat row entries (`<prefix>EncoderMs`, …). */
function cpuByProcess(prefix: string, run: CliRun): Record<string, number> {
  const by = run.cpuByProcessMsPerFrame;
  return {
    [`${prefix}EncoderMs`]: by['encoding ffmpeg'] ?? 0,
    [`${prefix}InferenceMs`]: by.inference ?? 0,
    [`${prefix}DecoderMs`]: by['decoding ffmpeg'] ?? 0,
    [`${prefix}HostMs`]: by.host ?? 0,
    // Probing, the colour check, the encoder trial and the final mux: once per film.
    [`${prefix}OtherMs`]: round((by['other ffmpeg'] ?? 0) + (by.ffprobe ?? 0) + (by.other ?? 0)),
  };
}

/**
 * The host's CPU per frame of a long film, all its threads, without a profiler: the CLI's own CPU
 * on a long and a short clip of the same picture, differenced, so start-up, probing and muxing
 * (the same for both) drop out.
 */
function marginalHostCpuMs(short: CliRun, long: CliRun): number {
  return round((long.hostCpuMs - short.hostCpuMs) / (long.frames - short.frames));
}

async function timeIt<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

const { ffmpeg } = await locateFfmpeg();
const shortClip = await makeClip('short.mp4', seconds);
const info = await probe(shortClip);
const frames = info.video.frameCount;
const preferred = chooseProviders(device, listAvailableProviders())[0] ?? 'cpu';
const manifest = await resolveModel(args.model, preferred, defaultModelsDirs());
const render = renderSize(info.video.outputWidth, info.video.outputHeight, manifest.renderFactor.default, manifest.sizeMultiple);
console.log(
  `clip: ${path.basename(args.clip!)} → ${seconds} s, ${frames} frames ${info.video.outputWidth}x${info.video.outputHeight} @ ${info.video.fps.toFixed(2)} fps; model ${manifest.id}, render ${render.width}x${render.height}; ${os.cpus().length} cores`,
);

// 1. Model alone: the same inference process and frames in flight as the pipeline, random luma.
/** Model-only fps; `cpu` gets the inference process's CPU ms per frame (start and warm-up included). */
async function modelOnly(
  width: number,
  height: number,
  count: number,
  cpu?: { msPerFrame: number },
  ran?: { provider: string },
): Promise<number> {
  const cpuBefore = childrenCpuMs();
  const session = await startInference({ manifest, device });
  try {
    if (ran) ran.provider = session.provider;
    const luma = new Float32Array(width * height).map(() => Math.random());
    await session.infer(luma, 1, height, width); // warm-up
    const { seconds: took } = await timeIt(async () => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next++;
          await session.infer(luma, 1, height, width);
        }
      };
      await Promise.all([worker(), worker(), worker()]);
    });
    return count / took;
  } finally {
    await session.close();
    if (cpu) cpu.msPerFrame = (childrenCpuMs() - cpuBefore) / (count + 1);
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/**
 * ffmpeg alone: decode, then x264 at the render's settings. The film is black and white, so by
 * default its picture is made gray first; `colour` keeps the clip's own chroma (given a colourized
 * film, that is what the render's x264 has to encode, which costs it more than a gray picture).
 */
const X264_MEDIUM = ['-c:v', 'libx264', '-crf', '18', '-preset', 'medium'];
const transcodeOnly = async (clip: string, clipFrames: number, cpu?: { msPerFrame: number }, colour = false, encode = X264_MEDIUM) => {
  const cpuBefore = childrenCpuMs();
  const { seconds: took } = await timeIt(() =>
    runFfmpeg([
      '-i',
      clip,
      '-vf',
      colour ? 'format=yuv420p' : 'format=gray,format=yuv420p',
      ...encode,
      '-an',
      '-f',
      'mp4',
      '-y',
      path.join(workRoot, 'transcode.mp4'),
    ]),
  );
  if (cpu) cpu.msPerFrame = (childrenCpuMs() - cpuBefore) / clipFrames;
  return clipFrames / took;
};
/** CPU per frame to decode a clip alone (to tell x264's share of a transcode from the decoder's). */
const decodeOnlyCpuMs = async (clip: string, clipFrames: number) => {
  const cpuBefore = childrenCpuMs();
  await runFfmpeg(['-i', clip, '-map', '0:v:0', '-f', 'null', '-']);
  return (childrenCpuMs() - cpuBefore) / clipFrames;
};
/**
 * The render's colourized output transcoded alone (fps and CPU per frame), and x264's own CPU per
 * frame on it and on the film's gray (each transcode less its decode alone).
 */
const colourTranscode = async (colourized: string, film: string, clipFrames: number, grayTranscodeCpuMs: number) => {
  const cpu = { msPerFrame: 0 };
  const fps = await transcodeOnly(colourized, clipFrames, cpu, true);
  const x264ColourMs = cpu.msPerFrame - (await decodeOnlyCpuMs(colourized, clipFrames));
  const x264GrayMs = grayTranscodeCpuMs - (await decodeOnlyCpuMs(film, clipFrames));
  return { fps, cpuMs: cpu.msPerFrame, x264ColourMs, x264GrayMs };
};
const framesOnDisk = async (clip: string, clipFrames: number, cpu?: { msPerFrame: number }) => {
  const cpuBefore = childrenCpuMs() + ownCpuMs();
  const engine = createEngine();
  const framesDir = await mkdtemp(path.join(workRoot, 'frames-'));
  const colourDir = await mkdtemp(path.join(workRoot, 'colour-'));
  const { seconds: took } = await timeIt(async () => {
    await runFfmpeg(['-i', clip, '-q:v', '2', path.join(framesDir, '%05d.jpg')]);
    for (const name of (await readdir(framesDir)).sort()) {
      await engine.colorizePhoto({
        input: path.join(framesDir, name),
        output: path.join(colourDir, name.replace('.jpg', '.png')),
        device,
        model: manifest.dir,
      });
    }
    await runFfmpeg([
      '-framerate',
      `${info.video.frameRate.num}/${info.video.frameRate.den}`,
      '-i',
      path.join(colourDir, '%05d.png'),
      '-i',
      clip,
      '-map',
      '0:v',
      '-map',
      '1:a?',
      '-c:v',
      'libx264',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'copy',
      '-y',
      path.join(workRoot, 'baseline.mp4'),
    ]);
  });
  await engine.close();
  await rm(framesDir, { recursive: true, force: true });
  await rm(colourDir, { recursive: true, force: true });
  if (cpu) cpu.msPerFrame = (childrenCpuMs() + ownCpuMs() - cpuBefore) / clipFrames;
  return clipFrames / took;
};

/**
 * The render's segment encoder alone (media/encode.ts, the render's settings), fed whole frames from
 * memory as fast as it takes them: the colourized film's first frames, cycled. What end to end could
 * reach if decoding, the model and the host cost nothing.
 */
const encoderAlone = async (colourized: string, frames: number, encoder: VideoEncoder): Promise<number> => {
  const { video } = await probe(colourized);
  const { width, height } = video;
  const [lumaBytes, quarter] = [width * height, (width >> 1) * (height >> 1)];
  const frameBytes = lumaBytes + 2 * quarter;
  const { stdout } = await runFfmpeg(['-i', colourized, '-frames:v', '50', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
  const held = Math.floor(stdout.length / frameBytes);
  const file = path.join(workRoot, 'encoder-alone.mp4');
  const segment = await createSegmentEncoder({
    path: file,
    width,
    height,
    frameRate: video.frameRate,
    encoder,
    crf: 18,
    preset: 'medium',
    colorRange: 'tv',
  });
  const { seconds: took } = await timeIt(async () => {
    for (let f = 0; f < frames; f++) {
      const at = (f % held) * frameBytes;
      const [y, u, v] = [
        stdout.subarray(at, at + lumaBytes),
        stdout.subarray(at + lumaBytes, at + lumaBytes + quarter),
        stdout.subarray(at + lumaBytes + quarter, at + frameBytes),
      ];
      await segment.write({ index: f, width, height, y, u, v });
    }
    await segment.finish();
  });
  await rm(file, { force: true });
  return frames / took;
};

if (args.only === 'gpu') {
  // Issue 17's GPU run (--device cuda or webgpu): at 1080p, end to end against real time and against
  // min(model, transcode), the slower of the two parts that run side by side on different chips. Once
  // with x264 and once with the hardware encoder --encoder resolves to here, each with its own
  // transcode-alone figure. Medians over --repeat repetitions, each measuring every part back to back.
  const repeat = Math.max(1, Number(args.repeat));
  const clip1080 = await makeClip('1080p.mp4', seconds, { width: 1920, height: 1080 });
  const info1080 = await probe(clip1080);
  const frames1080 = info1080.video.frameCount;
  const render1080 = renderSize(1920, 1080, manifest.renderFactor.default, manifest.sizeMultiple);
  const hardware = await resolveEncoder(args.encoder as EncoderChoice, { codec: 'h264' });
  const encoders = [{ name: 'libx264', choice: 'x264', encoder: encoderFor('x264', 'h264'), transcode: X264_MEDIUM }];
  if (hardware.encoder.hardware) {
    const { codec } = encoderArgs(hardware.encoder, { crf: 18, preset: 'medium' });
    encoders.push({ name: hardware.encoder.name, choice: hardware.encoder.family, encoder: hardware.encoder, transcode: codec });
  }
  const reps: Record<string, number>[] = [];
  const seen = { modelProvider: '', renderProviders: new Set<string>(), notices: new Set<string>() };
  for (let rep = 0; rep < repeat; rep++) {
    const ran = { provider: '' };
    const modelCpu = { msPerFrame: 0 };
    const model = await modelOnly(render1080.width, render1080.height, Math.min(frames1080, 300), modelCpu, ran);
    seen.modelProvider = ran.provider;
    const row: Record<string, number> = {
      modelFps: round(model),
      // The inference process's own CPU per frame (feeding the GPU) and the decoder's: parts of the
      // end-to-end CPU per frame below.
      modelCpuMs: round(modelCpu.msPerFrame),
      decodeCpuMs: round(await decodeOnlyCpuMs(clip1080, frames1080)),
    };
    for (const encoder of encoders) {
      const transcodeCpu = { msPerFrame: 0 };
      const transcode = await transcodeOnly(clip1080, frames1080, transcodeCpu, false, encoder.transcode);
      const common = ['--device', device, '--encoder', encoder.choice];
      const colourized = path.join(workRoot, `colourized-${encoder.name}.mp4`);
      const off = await runCli(clip1080, ['--stabilize', 'off', '--overwrite', ...common], colourized);
      const medium = await runCli(clip1080, ['--stabilize', 'medium', ...common]);
      // What holds the render back: x264 on the colour it has to encode (the render's own output
      // transcoded alone), the segment boundaries (the whole clip in one segment), and x264's preset
      // (ultrafast leaves the host and the model as the limit).
      const colourTranscode = await transcodeOnly(colourized, frames1080, undefined, true, encoder.transcode);
      const encoderOnly = await encoderAlone(colourized, frames1080, encoder.encoder);
      const oneSegment = await runCli(clip1080, ['--stabilize', 'off', '--segment-seconds', '600', ...common]);
      const ultrafast = await runCli(clip1080, ['--stabilize', 'off', '--preset', 'ultrafast', ...common]);
      for (const run of [off, medium, oneSegment, ultrafast]) {
        seen.renderProviders.add(run.provider);
        for (const notice of run.notices) seen.notices.add(notice);
      }
      const bound = Math.min(model, transcode);
      Object.assign(row, {
        [`${encoder.name}TranscodeFps`]: round(transcode),
        [`${encoder.name}E2eFps`]: off.fps,
        [`${encoder.name}E2eStabilizedFps`]: medium.fps,
        [`${encoder.name}VsRealTime`]: ratio(off.fps / info1080.video.fps),
        [`${encoder.name}StabilizedVsRealTime`]: ratio(medium.fps / info1080.video.fps),
        [`${encoder.name}VsMin`]: ratio(off.fps / bound),
        [`${encoder.name}StabilizedVsMin`]: ratio(medium.fps / bound),
        [`${encoder.name}HostCpuMsPerFrame`]: medium.steadyHostCpuMsPerFrame,
        [`${encoder.name}ColourTranscodeFps`]: round(colourTranscode),
        [`${encoder.name}VsMinColour`]: ratio(off.fps / Math.min(model, colourTranscode)),
        [`${encoder.name}EncoderAloneFps`]: round(encoderOnly),
        [`${encoder.name}VsEncoderAlone`]: ratio(off.fps / encoderOnly),
        [`${encoder.name}OneSegmentE2eFps`]: oneSegment.fps,
        [`${encoder.name}UltrafastE2eFps`]: ultrafast.fps,
        // CPU time per frame (whole process trees) and the cores each kept busy on average: when the
        // transcode alone already keeps every core busy, end to end shares those cores with the
        // decoder, the host and the inference process's feeding of the GPU, and cannot pass
        // transcode CPU ÷ end-to-end CPU of the transcode's speed.
        [`${encoder.name}TranscodeCpuMs`]: round(transcodeCpu.msPerFrame),
        [`${encoder.name}E2eCpuMs`]: off.cpuMsPerFrame,
        ...cpuByProcess(`${encoder.name}E2eCpu`, off),
        [`${encoder.name}TranscodeCoresBusy`]: round((transcode * transcodeCpu.msPerFrame) / 1000),
        [`${encoder.name}E2eCoresBusy`]: round((off.fps * off.cpuMsPerFrame) / 1000),
        [`${encoder.name}CpuCeilingVsTranscode`]: ratio(transcodeCpu.msPerFrame / off.cpuMsPerFrame),
      });
    }
    console.log(`repetition ${rep + 1}/${repeat}:`, row);
    reps.push(row);
  }
  const medians = Object.fromEntries(Object.keys(reps[0]).map((key) => [key, median(reps.map((r) => r[key]))]));
  const gpu = {
    date: new Date().toISOString(),
    device,
    cores: os.cpus().length,
    clip: { frames: frames1080, fps: round(info1080.video.fps), render: `${render1080.width}x${render1080.height}` },
    modelProvider: seen.modelProvider,
    renderProviders: [...seen.renderProviders],
    encoders: encoders.map((e) => e.name),
    notices: [...seen.notices],
    repetitions: reps,
    medians,
  };
  console.table(reps);
  console.table(medians);
  console.log(gpu.notices.join('\n'));
  const file = path.join(repoRoot, '.bench/bench.json');
  await mkdir(path.dirname(file), { recursive: true });
  const previous = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  await writeFile(file, `${JSON.stringify({ ...previous, gpu }, null, 2)}\n`);
  console.log(`wrote the GPU run to ${file}`);
  await rm(workRoot, { recursive: true, force: true });
  process.exit(0);
}

if (args.only === 'targets') {
  // Issue 17's targets, side by side in one run: each repetition measures every part back to back,
  // ratios are taken within a repetition, and the medians over repetitions are reported.
  const repeat = Math.max(1, Number(args.repeat));
  const loadBefore = os.loadavg();
  const clip1080 = await makeClip('1080p.mp4', seconds, { width: 1920, height: 1080 });
  const frames1080 = (await probe(clip1080)).video.frameCount;
  // The same picture, shorter: differenced with the long runs, it gives the host's CPU per frame.
  const clip1080Short = await makeClip('1080p-short.mp4', Math.max(2, Math.round(seconds / 5)), { width: 1920, height: 1080 });
  const reps: Record<string, number>[] = [];
  for (let rep = 0; rep < repeat; rep++) {
    const modelCpu = { msPerFrame: 0 };
    const transcode432Cpu = { msPerFrame: 0 };
    const transcode1080Cpu = { msPerFrame: 0 };
    const baselineCpu = { msPerFrame: 0 };
    const model = await modelOnly(render.width, render.height, Math.min(frames, 150), modelCpu); // the same render size at 1080p
    const transcode432 = await transcodeOnly(shortClip, frames, transcode432Cpu);
    const colourized432 = path.join(workRoot, 'colourized-432.mp4');
    const colourized1080 = path.join(workRoot, 'colourized-1080.mp4');
    const e2e432 = await runCli(shortClip, ['--stabilize', 'off', '--device', device, '--overwrite'], colourized432);
    const colour432 = await colourTranscode(colourized432, shortClip, frames, transcode432Cpu.msPerFrame);
    const e2e432Stabilized = await runCli(shortClip, ['--stabilize', 'medium', '--device', device]);
    const baseline = await framesOnDisk(shortClip, frames, baselineCpu);
    const transcode1080 = await transcodeOnly(clip1080, frames1080, transcode1080Cpu);
    const e2e1080 = await runCli(clip1080, ['--stabilize', 'off', '--device', device, '--overwrite'], colourized1080);
    const colour1080 = await colourTranscode(colourized1080, clip1080, frames1080, transcode1080Cpu.msPerFrame);
    const e2e1080Stabilized = await runCli(clip1080, ['--stabilize', 'medium', '--device', device]);
    const short1080 = await runCli(clip1080Short, ['--stabilize', 'off', '--device', device]);
    const short1080Stabilized = await runCli(clip1080Short, ['--stabilize', 'medium', '--device', device]);
    const stages1080 = await profileCli(repoRoot, clip1080, ['--stabilize', 'medium', '--device', device, '--preset', 'ultrafast']);
    const noStabilizer = stages1080.perFrameWorkMs - stages1080.msPerFrame.stabilizer;
    const row = {
      modelFps: round(model),
      transcode432Fps: round(transcode432),
      e2e432Fps: e2e432.fps,
      e2e432StabilizedFps: e2e432Stabilized.fps,
      baselineFps: round(baseline),
      transcode1080Fps: round(transcode1080),
      e2e1080Fps: e2e1080.fps,
      e2e1080StabilizedFps: e2e1080Stabilized.fps,
      bound432: ratio(e2e432.fps * (1 / model + 1 / transcode432)),
      bound432Stabilized: ratio(e2e432Stabilized.fps * (1 / model + 1 / transcode432)),
      bound1080: ratio(e2e1080.fps * (1 / model + 1 / transcode1080)),
      bound1080Stabilized: ratio(e2e1080Stabilized.fps * (1 / model + 1 / transcode1080)),
      // Against a bound whose transcode encodes the colour the render has to encode (the render's
      // own output, transcoded alone), rather than the film's gray.
      transcodeColour432Fps: round(colour432.fps),
      transcodeColour1080Fps: round(colour1080.fps),
      colourBound432: ratio(e2e432.fps * (1 / model + 1 / colour432.fps)),
      colourBound1080: ratio(e2e1080.fps * (1 / model + 1 / colour1080.fps)),
      vsBaseline: ratio(e2e432Stabilized.fps / baseline),
      // The same ratios from CPU time instead of wall time: what each frame costs the machine, which
      // a loaded machine disturbs far less. On an idle machine whose cores all three keep busy,
      // e2e ÷ bound = (model CPU + transcode CPU) ÷ end-to-end CPU per frame.
      cpuModelMs: round(modelCpu.msPerFrame),
      cpuTranscode432Ms: round(transcode432Cpu.msPerFrame),
      cpuE2e432Ms: e2e432.cpuMsPerFrame,
      cpuE2e432StabilizedMs: e2e432Stabilized.cpuMsPerFrame,
      cpuBaselineMs: round(baselineCpu.msPerFrame),
      cpuTranscode1080Ms: round(transcode1080Cpu.msPerFrame),
      cpuE2e1080Ms: e2e1080.cpuMsPerFrame,
      cpuE2e1080StabilizedMs: e2e1080Stabilized.cpuMsPerFrame,
      // Where end to end's CPU per frame goes, by process (stabilizer off).
      ...cpuByProcess('cpuE2e1080', e2e1080),
      cpuBound432: ratio((modelCpu.msPerFrame + transcode432Cpu.msPerFrame) / e2e432.cpuMsPerFrame),
      cpuBound432Stabilized: ratio((modelCpu.msPerFrame + transcode432Cpu.msPerFrame) / e2e432Stabilized.cpuMsPerFrame),
      cpuBound1080: ratio((modelCpu.msPerFrame + transcode1080Cpu.msPerFrame) / e2e1080.cpuMsPerFrame),
      cpuBound1080Stabilized: ratio((modelCpu.msPerFrame + transcode1080Cpu.msPerFrame) / e2e1080Stabilized.cpuMsPerFrame),
      cpuTranscodeColour432Ms: round(colour432.cpuMs),
      cpuTranscodeColour1080Ms: round(colour1080.cpuMs),
      cpuColourBound432: ratio((modelCpu.msPerFrame + colour432.cpuMs) / e2e432.cpuMsPerFrame),
      cpuColourBound1080: ratio((modelCpu.msPerFrame + colour1080.cpuMs) / e2e1080.cpuMsPerFrame),
      // x264's CPU per frame on the colourized picture and on the gray one (each transcode less its
      // decode), and from them the most end to end ÷ bound (CPU) can be for any pipeline that has to
      // encode colour, even one with no host work at all: model + gray transcode over model + gray
      // transcode + x264's extra work for the colour.
      cpuX264Colour432Ms: round(colour432.x264ColourMs),
      cpuX264Gray432Ms: round(colour432.x264GrayMs),
      cpuX264Colour1080Ms: round(colour1080.x264ColourMs),
      cpuX264Gray1080Ms: round(colour1080.x264GrayMs),
      cpuBoundCeiling432: ratio(
        (modelCpu.msPerFrame + transcode432Cpu.msPerFrame) /
          (modelCpu.msPerFrame + transcode432Cpu.msPerFrame + colour432.x264ColourMs - colour432.x264GrayMs),
      ),
      cpuBoundCeiling1080: ratio(
        (modelCpu.msPerFrame + transcode1080Cpu.msPerFrame) /
          (modelCpu.msPerFrame + transcode1080Cpu.msPerFrame + colour1080.x264ColourMs - colour1080.x264GrayMs),
      ),
      cpuVsBaseline: ratio(baselineCpu.msPerFrame / e2e432Stabilized.cpuMsPerFrame),
      // The most any pipeline could reach against the baseline here: end to end at the shared-CPU
      // bound (no host work at all). Below 3, the 3× target is out of reach on this machine.
      boundVsBaseline: ratio(1 / (1 / model + 1 / transcode432) / baseline),
      cpuBoundVsBaseline: ratio(baselineCpu.msPerFrame / (modelCpu.msPerFrame + transcode432Cpu.msPerFrame)),
      hostMsPer1080Frame: stages1080.perFrameWorkMs,
      hostMsPer1080FrameWithoutStabilizer: round(noStabilizer * 10) / 10,
      // The host process's whole CPU per frame (all threads, no profiler), stabilizer on and off:
      // read while it colourizes, and (a cross-check) a long and a short render's totals differenced.
      hostCpuPer1080FrameMs: e2e1080Stabilized.steadyHostCpuMsPerFrame,
      hostCpuPer1080FrameNoStabilizerMs: e2e1080.steadyHostCpuMsPerFrame,
      hostCpuPer1080FrameMarginalMs: marginalHostCpuMs(short1080Stabilized, e2e1080Stabilized),
      hostCpuPer1080FrameNoStabilizerMarginalMs: marginalHostCpuMs(short1080, e2e1080),
    };
    console.log(`repetition ${rep + 1}/${repeat}:`, row);
    reps.push(row);
  }
  const medians = Object.fromEntries(Object.keys(reps[0]).map((key) => [key, median(reps.map((r) => r[key]))]));
  // Peak memory of the process tree at 4K, short and 3x as long (once: it is a peak, not a rate).
  // The short clip is one whole 4 s segment, so x264 and every queue reach their working size in it.
  const short4k = await makeClip('4k-short.mp4', 4, { width: 3840, height: 2160 });
  const long4k = await makeClip('4k-long.mp4', 12, { width: 3840, height: 2160 });
  const mem4kShort = await runCli(short4k, ['--stabilize', 'medium', '--device', device]);
  const mem4kLong = await runCli(long4k, ['--stabilize', 'medium', '--device', device]);
  const targets = {
    date: new Date().toISOString(),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    repetitions: reps,
    medians,
    peakMemory4kMiB: {
      short: { frames: mem4kShort.frames, tree: mem4kShort.peakTreeMiB },
      long: { frames: mem4kLong.frames, tree: mem4kLong.peakTreeMiB },
    },
    met: {
      'endToEnd >= 0.85 x shared-CPU bound at 768x432 (wall)': medians.bound432 >= 0.85,
      'endToEnd >= 0.85 x shared-CPU bound at 768x432 (CPU time)': medians.cpuBound432 >= 0.85,
      'endToEnd >= 0.8 x shared-CPU bound at 1080p (CPU time)': medians.cpuBound1080 >= 0.8,
      'endToEnd >= 3 x frames-on-disk baseline (CPU time)': medians.cpuVsBaseline >= 3,
      'endToEnd >= 0.8 x shared-CPU bound at 1080p (wall)': medians.bound1080 >= 0.8,
      'endToEnd >= 3 x frames-on-disk baseline (wall)': medians.vsBaseline >= 3,
      'host CPU per 1080p frame (no model, no x264) <= 8 ms (profile, main thread)': medians.hostMsPer1080Frame <= 8,
      'host CPU per 1080p frame (no model, no x264) <= 8 ms (whole host process)': medians.hostCpuPer1080FrameMs <= 8,
      'the same with the stabilizer off': medians.hostCpuPer1080FrameNoStabilizerMs <= 8,
      'peak memory of the tree at 4K <= 1.5 GB': Math.max(mem4kShort.peakTreeMiB, mem4kLong.peakTreeMiB) <= 1536,
      'flat at 4K (3x longer <= short + 64 MiB)': mem4kLong.peakTreeMiB <= mem4kShort.peakTreeMiB + 64,
    },
  };
  console.table(reps);
  console.table(medians);
  console.table(targets.peakMemory4kMiB);
  console.table(targets.met);
  const file = path.join(repoRoot, '.bench/bench.json');
  await mkdir(path.dirname(file), { recursive: true });
  const previous = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  await writeFile(file, `${JSON.stringify({ ...previous, targets }, null, 2)}\n`);
  console.log(`wrote targets to ${file}`);
  await rm(workRoot, { recursive: true, force: true });
  process.exit(0);
}

const modelFps = await modelOnly(render.width, render.height, Math.min(frames, 150));
const model256Fps = await modelOnly(256, 256, 100);

// 2. ffmpeg alone: decode → the same filters → x264 at the render's settings.
const transcodeFps = await transcodeOnly(shortClip, frames);

// 3. End to end through the CLI, stabilization off and on (its cost), short and long (memory).
const e2eOff = await runCli(shortClip, ['--stabilize', 'off', '--device', device]);
const e2eOn = await runCli(shortClip, ['--stabilize', 'medium', '--device', device]);
const longClip = await makeClip('long.mp4', seconds * 3);
const e2eLong = await runCli(longClip, ['--stabilize', 'medium', '--device', device]);

// 3b. The stabilizer stage alone, at this clip's render size (CPU time per frame, after a warm-up).
const stage = measureStabilizerStage({ strength: 'medium', width: render.width, height: render.height });

// 4. DeOldify-style baseline: every frame to a JPEG on disk, colourize each file, re-encode, mux audio.
let baselineFps: number | null = null;
if (!args['skip-baseline']) baselineFps = await framesOnDisk(shortClip, frames);

// 5. The preview after a pin change, on a 720p clip with the model warm.
const pinPreview = await measurePinPreview(args['preview-clip']!, { model: args.model });

// 6. Where the host's milliseconds go, per frame and by stage, at 768x432, 1080p and 4K.
const stages = await measureStages(Number(args['stage-seconds']));

const results = {
  pinPreview,
  stages: { loadAverage: os.loadavg(), byResolution: stages },
  date: new Date().toISOString(),
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 1024 ** 3) },
  ffmpeg,
  clip: {
    source: path.basename(args.clip!),
    seconds,
    frames,
    width: info.video.outputWidth,
    height: info.video.outputHeight,
    fps: info.video.fps,
  },
  model: { id: manifest.id, render: `${render.width}x${render.height}` },
  fps: {
    endToEnd: e2eOff.fps,
    endToEndStabilized: e2eOn.fps,
    modelOnly: round(modelFps),
    modelOnly256: round(model256Fps),
    transcodeOnly: round(transcodeFps),
    framesOnDiskBaseline: baselineFps === null ? null : round(baselineFps),
  },
  ratios: {
    endToEndVsMinOfParts: ratio(e2eOff.fps / Math.min(modelFps, transcodeFps)),
    // Where the model and x264 share the same CPU cores, each frame costs both: the best any pipeline
    // can do is 1 / (1/model + 1/transcode). This ratio says how close the render comes to that.
    endToEndVsSharedCpuBound: ratio(e2eOff.fps * (1 / modelFps + 1 / transcodeFps)),
    endToEndVsBaseline: baselineFps === null ? null : ratio(e2eOn.fps / baselineFps),
    stabilizationCost: ratio(1 - e2eOn.fps / e2eOff.fps),
    // The stage's CPU per frame against the time per frame end to end with it off.
    stabilizerStageShareOfFrame: ratio((stage.msPerFrame * e2eOff.fps) / 1000),
  },
  stabilizerStage: {
    size: `${stage.width}x${stage.height}`,
    strength: stage.strength,
    msCpuPerFrame: Math.round(stage.msPerFrame * 100) / 100,
    offMsCpuPerFrame: Math.round(stage.offMsPerFrame * 100) / 100,
    frames: stage.frames,
  },
  peakMemoryMiB: {
    short: { frames: e2eOn.frames, tree: e2eOn.peakTreeMiB, host: e2eOn.peakHostMiB },
    long: { frames: e2eLong.frames, tree: e2eLong.peakTreeMiB, host: e2eLong.peakHostMiB },
  },
  targets: {
    'endToEnd >= 0.9 x min(model, transcode)': e2eOff.fps >= 0.9 * Math.min(modelFps, transcodeFps),
    'endToEnd >= 3 x baseline': baselineFps === null ? null : e2eOn.fps >= 3 * baselineFps,
    'fast model >= 15 fps at 256x256': model256Fps >= 15,
    'stabilization cost <= 15%': 1 - e2eOn.fps / e2eOff.fps <= 0.15,
    'peak memory flat (long <= short + 64 MiB)': e2eLong.peakTreeMiB <= e2eOn.peakTreeMiB + 64,
    'preview after a pin change <= 1 s (720p, warm)': pinPreview.samePlaceMs <= 1000,
  },
};

console.table(results.fps);
console.table(results.ratios);
console.table({ short: results.peakMemoryMiB.short, long: results.peakMemoryMiB.long });
console.table({ stabilizerStage: results.stabilizerStage });
console.table({ pinPreview });
printStages(stages);
console.table(results.targets);
await mkdir(path.join(repoRoot, '.bench'), { recursive: true });
await writeFile(path.join(repoRoot, '.bench/bench.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${path.join(repoRoot, '.bench/bench.json')}`);
await rm(workRoot, { recursive: true, force: true });
process.exit(0);
