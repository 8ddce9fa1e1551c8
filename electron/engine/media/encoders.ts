// Video encoders: how to call each one the person may choose, and which one works on this machine.
// Hardware encoders (NVENC, VAAPI, Quick Sync, VideoToolbox, AMF) are tried with a one-second trial
// encode before a render uses them; the verdict is cached per machine and per ffmpeg build. When the
// chosen or every automatic candidate fails, the render falls back to x264/x265 on the CPU and says so
// in a warning notice, as the model's device fallback does.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EncoderChoice } from '../../common/types.js';
import { EngineError } from '../errors.js';
import { locateFfmpeg } from './ffmpeg-locate.js';
import { runFfmpeg } from './process.js';

export type VideoCodec = 'h264' | 'h265';
export type EncoderFamily = Exclude<EncoderChoice, 'auto'>;

export interface VideoEncoder {
  family: EncoderFamily;
  codec: VideoCodec;
  /** ffmpeg's encoder name, e.g. "libx264", "hevc_nvenc". */
  name: string;
  hardware: boolean;
}

export interface EncoderQuality {
  /** Constant rate factor 0–51 (x264's scale); mapped to each encoder's own quality scale. */
  crf: number;
  /** x264 preset name; mapped to the nearest preset of hardware encoders that have them. */
  preset: string;
}

const HARDWARE_NAMES: Record<Exclude<EncoderFamily, 'x264' | 'x265'>, Record<VideoCodec, string>> = {
  nvenc: { h264: 'h264_nvenc', h265: 'hevc_nvenc' },
  vaapi: { h264: 'h264_vaapi', h265: 'hevc_vaapi' },
  qsv: { h264: 'h264_qsv', h265: 'hevc_qsv' },
  videotoolbox: { h264: 'h264_videotoolbox', h265: 'hevc_videotoolbox' },
  amf: { h264: 'h264_amf', h265: 'hevc_amf' },
};

/** The hardware families `auto` tries, in order, on each platform. */
const AUTO_ORDER: Partial<Record<NodeJS.Platform, (keyof typeof HARDWARE_NAMES)[]>> = {
  darwin: ['videotoolbox'],
  win32: ['nvenc', 'qsv', 'amf'],
  linux: ['nvenc', 'vaapi', 'qsv'],
};

const VAAPI_DEVICE = '/dev/dri/renderD128';

function softwareEncoder(codec: VideoCodec): VideoEncoder {
  return codec === 'h264'
    ? { family: 'x264', codec, name: 'libx264', hardware: false }
    : { family: 'x265', codec, name: 'libx265', hardware: false };
}

export function encoderFor(family: EncoderFamily, codec: VideoCodec): VideoEncoder {
  if (family === 'x264' || family === 'x265') return softwareEncoder(codec);
  return { family, codec, name: HARDWARE_NAMES[family][codec], hardware: true };
}

/** The codec a choice implies when none was given: x265 means H.265, everything else H.264. */
function codecForChoice(choice: EncoderChoice, codec?: VideoCodec): VideoCodec {
  if (choice === 'x265' && codec === 'h264')
    throw new EngineError('bad-option', 'The x265 encoder writes H.265; choose codec h265 or another encoder.');
  if (choice === 'x264' && codec === 'h265')
    throw new EngineError('bad-option', 'The x264 encoder writes H.264; choose codec h264 or another encoder.');
  return codec ?? (choice === 'x265' ? 'h265' : 'h264');
}

/** ffmpeg's input options for raw frames (yuv420p unless said) of one size and rate (followed by `-i pipe:N`). */
export function rawFramesInput(width: number, height: number, frameRate: string, pixFmt = 'yuv420p'): string[] {
  return ['-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${width}x${height}`, '-framerate', frameRate];
}

const NVENC_PRESETS: Record<string, string> = {
  ultrafast: 'p1',
  superfast: 'p2',
  veryfast: 'p3',
  faster: 'p4',
  fast: 'p4',
  medium: 'p5',
  slow: 'p6',
  slower: 'p7',
  veryslow: 'p7',
  placebo: 'p7',
};
const QSV_PRESETS = new Set(['veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']);

/**
 * ffmpeg arguments that go before `-i` (device set-up), the filters that bring yuv420p frames to what
 * the encoder takes, and the encoder's own arguments with the quality mapped from CRF:
 * NVENC constant quality (-cq), Quick Sync ICQ (-global_quality), VAAPI and AMF constant QP,
 * VideoToolbox -q:v 1–100 (100 best). `pixFmt` is the output pixel format to ask for, if any.
 */
export function encoderArgs(
  encoder: VideoEncoder,
  quality: EncoderQuality,
): { input: string[]; filters: string[]; codec: string[]; pixFmt: string | null } {
  const crf = Math.round(quality.crf);
  switch (encoder.family) {
    case 'x264':
    case 'x265':
      throw new EngineError('bad-option', 'The software encoders are set up by the segment encoder itself.');
    case 'nvenc':
      return {
        input: [],
        filters: [],
        codec: [
          '-c:v',
          encoder.name,
          '-preset',
          NVENC_PRESETS[quality.preset] ?? 'p5',
          '-tune',
          'hq',
          '-rc',
          'vbr',
          '-cq',
          String(Math.max(1, crf)),
          '-b:v',
          '0',
        ],
        pixFmt: 'yuv420p',
      };
    case 'qsv':
      return {
        input: [],
        filters: ['format=nv12'],
        codec: [
          '-c:v',
          encoder.name,
          '-preset',
          QSV_PRESETS.has(quality.preset) ? quality.preset : 'veryfast',
          '-global_quality',
          String(Math.max(1, crf)),
        ],
        pixFmt: 'nv12',
      };
    case 'vaapi':
      return {
        input: ['-vaapi_device', VAAPI_DEVICE],
        filters: ['format=nv12', 'hwupload'],
        codec: ['-c:v', encoder.name, '-rc_mode', 'CQP', '-qp', String(Math.max(1, crf))],
        pixFmt: null,
      };
    case 'videotoolbox':
      return {
        input: [],
        filters: [],
        codec: ['-c:v', encoder.name, '-q:v', String(Math.min(100, Math.max(1, Math.round(100 * (1 - crf / 51)))))],
        pixFmt: 'yuv420p',
      };
    case 'amf':
      return {
        input: [],
        filters: [],
        codec: [
          '-c:v',
          encoder.name,
          '-quality',
          'balanced',
          '-rc',
          'cqp',
          '-qp_i',
          String(crf),
          '-qp_p',
          String(crf),
          '-qp_b',
          String(crf),
        ],
        pixFmt: 'yuv420p',
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Which encoders work here
// ---------------------------------------------------------------------------------------------

export interface Trial {
  ok: boolean;
  /** ffmpeg's last words when it failed. */
  reason?: string;
}

interface TrialCache {
  ffmpeg: string;
  version: string;
  trials: Record<string, Trial>;
}

export interface ResolveEncoderOptions {
  codec?: VideoCodec;
  lossless?: boolean;
  /** JSON file the trial verdicts are kept in (per machine); none: trials are not cached. */
  cacheFile?: string;
  platform?: NodeJS.Platform;
  signal?: AbortSignal;
}

export interface ResolvedEncoder {
  encoder: VideoEncoder;
  /** What the person should hear: a fallback (warning) or which hardware encoder is used (info). */
  notice?: { level: 'info' | 'warning'; code: 'encoder' | 'encoder-fallback'; message: string };
}

const TRIAL_SIZE = { width: 320, height: 240, frames: 25 };

/** Encoders this ffmpeg build lists (`ffmpeg -encoders`). */
async function listedEncoders(signal?: AbortSignal): Promise<Set<string>> {
  const { stdout } = await runFfmpeg(['-hide_banner', '-encoders'], { signal, what: 'list encoders' });
  const names = new Set<string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const match = /^\s*V\S*\s+(\S+)/.exec(line);
    if (match) names.add(match[1]);
  }
  return names;
}

/** One second of grey frames through the encoder, written nowhere. */
async function trialEncode(encoder: VideoEncoder, signal?: AbortSignal): Promise<Trial> {
  const { width, height, frames } = TRIAL_SIZE;
  const args = encoderArgs(encoder, { crf: 23, preset: 'medium' });
  const frame = width * height;
  const data = new Uint8Array(((frame * 3) / 2) * frames).fill(128);
  try {
    await runFfmpeg(
      [
        '-hide_banner',
        '-v',
        'error',
        ...args.input,
        ...rawFramesInput(width, height, '25'),
        '-i',
        'pipe:0',
        ...(args.filters.length ? ['-vf', args.filters.join(',')] : []),
        ...args.codec,
        ...(args.pixFmt ? ['-pix_fmt', args.pixFmt] : []),
        '-f',
        'null',
        '-',
      ],
      { stdinData: data, signal, what: `trial encode with ${encoder.name}` },
    );
    return { ok: true };
  } catch (error) {
    if (signal?.aborted) throw error;
    const detail = error instanceof EngineError ? (error.detail ?? error.message) : String(error);
    // ffmpeg's first line names the cause ("Cannot load libcuda.so.1"); later ones are generic.
    const first = detail
      .split('\n')
      .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())
      .find(Boolean);
    return { ok: false, reason: (first ?? 'it failed').slice(0, 200) };
  }
}

async function readCache(file: string, ffmpeg: string, version: string): Promise<TrialCache> {
  try {
    const cache = JSON.parse(await readFile(file, 'utf8')) as TrialCache;
    if (cache.ffmpeg === ffmpeg && cache.version === version && cache.trials && typeof cache.trials === 'object') return cache;
  } catch {
    // missing or unreadable: trials run again
  }
  return { ffmpeg, version, trials: {} };
}

async function writeCache(file: string, cache: TrialCache): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(cache, null, 1)}\n`, { mode: 0o600 });
    await rename(temp, file);
  } catch {
    // a cache that cannot be written costs a trial next time, nothing more
  }
}

/**
 * The encoder a render uses for `choice`: software ones as asked; a hardware one only after its trial
 * encode passed here (cached); `auto` the first hardware candidate that passes, else the software
 * encoder. Lossless output always uses x264/x265 (hardware encoders are not bit-exact).
 */
export async function resolveEncoder(choice: EncoderChoice, options: ResolveEncoderOptions = {}): Promise<ResolvedEncoder> {
  const codec = codecForChoice(choice, options.codec);
  const software = softwareEncoder(codec);
  const cpuName = software.family;
  if (choice === 'x264' || choice === 'x265') return { encoder: software };
  if (options.lossless) {
    if (choice === 'auto') return { encoder: software };
    return {
      encoder: software,
      notice: {
        level: 'warning',
        code: 'encoder-fallback',
        message: `Lossless output needs ${cpuName} on the CPU (hardware encoders are not lossless), so ${choice} is not used.`,
      },
    };
  }
  const platform = options.platform ?? process.platform;
  const candidates = choice === 'auto' ? (AUTO_ORDER[platform] ?? []) : [choice];
  const { ffmpeg, version } = await locateFfmpeg();
  const listed = await listedEncoders(options.signal);
  const cache = options.cacheFile
    ? await readCache(options.cacheFile, ffmpeg, version)
    : { ffmpeg, version, trials: {} as Record<string, Trial> };
  const failures: string[] = [];
  let changed = false;
  for (const family of candidates) {
    const encoder = encoderFor(family, codec);
    if (!listed.has(encoder.name)) {
      failures.push(`${encoder.name}: not in this ffmpeg`);
      continue;
    }
    let trial = cache.trials[encoder.name];
    if (!trial) {
      trial = await trialEncode(encoder, options.signal);
      cache.trials[encoder.name] = trial;
      changed = true;
    }
    if (trial.ok) {
      if (changed && options.cacheFile) await writeCache(options.cacheFile, cache);
      return { encoder, notice: { level: 'info', code: 'encoder', message: `Encoding with ${encoder.name} (hardware).` } };
    }
    failures.push(`${encoder.name}: ${trial.reason}`);
  }
  if (changed && options.cacheFile) await writeCache(options.cacheFile, cache);
  if (choice === 'auto' && candidates.length === 0) return { encoder: software };
  return {
    encoder: software,
    notice: {
      level: 'warning',
      code: 'encoder-fallback',
      message: `No hardware encoder worked here (${failures.join('; ')}); encoding with ${cpuName} on the CPU instead, which is slower.`,
    },
  };
}
