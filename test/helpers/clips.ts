// Tiny synthetic test clips made with ffmpeg's lavfi sources (testsrc2 picture, sine tones), plus the
// reference readers tests compare the engine against. Clips are cached by name and spec under
// test/fixtures/generated/clips/ (git-ignored), written atomically, so any number of test files and
// workers can ask for the same clip.
//
//   const film = await makeClip({ name: 'talkie', durationSec: 2, audio: [{ codec: 'aac' }] });

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateFfmpeg } from '../../electron/engine/media/ffmpeg-locate.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLIPS_DIR = path.join(REPO_ROOT, 'test/fixtures/generated/clips');
/** Real short films shared by the project (see the project notes); may be absent on some machines. */
export const SHARED_VIDEO_DIR = path.resolve(REPO_ROOT, '../shared/data/video');

export type AudioCodec = 'aac' | 'pcm_s16le' | 'flac' | 'mp3' | 'opus' | 'ac3';

export interface AudioTrackSpec {
  codec: AudioCodec;
  /** Tone frequency in Hz (default 440). */
  freq?: number;
  sampleRate?: number; // default 48000
  channels?: 1 | 2; // default 1
  language?: string;
  title?: string;
}

export interface SubtitleTrackSpec {
  language?: string;
  title?: string;
  /** Cue texts, one per second from 0 s (default: "Line 1", "Line 2"). */
  lines?: string[];
}

export interface ClipSpec {
  /** File stem; the spec's hash is appended, so different specs never collide. */
  name: string;
  width?: number; // default 160
  height?: number; // default 120
  durationSec?: number; // default 2
  /** Frame rate: a number or a rational string such as "30000/1001" (default 25). */
  fps?: number | string;
  container?: 'mp4' | 'mkv' | 'mov' | 'ts'; // default mp4
  codec?: 'h264' | 'h265' | 'ffv1';
  /** Keyframe interval in frames (default 12). */
  gop?: number;
  /** Max consecutive B-frames (default 2; 0 = none). */
  bframes?: number;
  /** Lossless H.264 (qp 0). */
  lossless?: boolean;
  /** Pixel format to encode, e.g. "yuvj420p", "yuv420p10le", "yuv422p" (default yuv420p). */
  pixFmt?: string;
  /** Remove the colour (black-and-white picture in a colour format). */
  grey?: boolean;
  /** Interlaced H.264, top field first. */
  interlaced?: boolean;
  /** Display rotation, clockwise degrees (stored as a display matrix). */
  rotation?: 0 | 90 | 180 | 270;
  /** Variable frame rate: the first half at `fps`, the second half at fps/2. */
  vfr?: boolean;
  /** Sample aspect ratio, e.g. "4:3". */
  sar?: string;
  audio?: AudioTrackSpec[];
  subtitles?: SubtitleTrackSpec[];
  /** Number of equal chapters. */
  chapters?: number;
  /** Global metadata tags. */
  tags?: Record<string, string>;
  /** MP4/MOV index at the front (default false: index at the end, as ffmpeg writes by default). */
  faststart?: boolean;
}

const AUDIO_ENCODERS: Record<AudioCodec, string> = {
  aac: 'aac',
  pcm_s16le: 'pcm_s16le',
  flac: 'flac',
  mp3: 'libmp3lame',
  opus: 'libopus',
  ac3: 'ac3',
};

/** Runs ffmpeg (the binary the engine uses) and returns stdout; throws with stderr on failure. */
export async function runFfmpegTool(tool: 'ffmpeg' | 'ffprobe', args: string[]): Promise<Buffer> {
  const location = await locateFfmpeg();
  const binary = tool === 'ffmpeg' ? location.ffmpeg : location.ffprobe;
  const prefix = tool === 'ffmpeg' ? ['-hide_banner', '-nostdin', '-loglevel', 'error'] : ['-hide_banner', '-loglevel', 'error'];
  return new Promise((resolve, reject) => {
    execFile(binary, [...prefix, ...args], { encoding: 'buffer', maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

/** ffprobe JSON for a file (any -show_* / -select_streams arguments). */
export async function ffprobeJson<T = Record<string, unknown>>(file: string, args: string[]): Promise<T> {
  return JSON.parse((await runFfmpegTool('ffprobe', [...args, '-of', 'json', '-i', file])).toString('utf8')) as T;
}

/** Makes (or reuses) a clip and returns its absolute path. */
export async function makeClip(spec: ClipSpec): Promise<string> {
  const container = spec.container ?? 'mp4';
  // MPEG-TS clips end in .m2ts: a .ts file under test/ would be taken for TypeScript by tsc.
  const extension = container === 'ts' ? 'm2ts' : container;
  const file = path.join(CLIPS_DIR, `${spec.name}-${specHash(spec)}.${extension}`);
  return cached(file, async (temp) => {
    const width = spec.width ?? 160;
    const height = spec.height ?? 120;
    const duration = spec.durationSec ?? 2;
    const fps = String(spec.fps ?? 25);
    const rate = fps.includes('/') ? Number(fps.split('/')[0]) / Number(fps.split('/')[1]) : Number(fps);
    const muxer = { mp4: 'mp4', mkv: 'matroska', mov: 'mov', ts: 'mpegts' }[container];

    // testsrc2 only makes even sizes: an odd size is cropped from the next even one.
    const evenWidth = width + (width % 2);
    const evenHeight = height + (height % 2);
    const inputs: string[] = ['-f', 'lavfi', '-i', `testsrc2=size=${evenWidth}x${evenHeight}:rate=${fps}:duration=${duration}`];
    const maps: string[] = ['-map', '0:v'];
    const codecArgs: string[] = [];
    let inputCount = 1;

    (spec.audio ?? []).forEach((track, i) => {
      inputs.push('-f', 'lavfi', '-i', `sine=frequency=${track.freq ?? 440}:sample_rate=${track.sampleRate ?? 48000}:duration=${duration}`);
      maps.push('-map', `${inputCount++}:a`);
      codecArgs.push(`-c:a:${i}`, AUDIO_ENCODERS[track.codec], `-ac:a:${i}`, String(track.channels ?? 1));
      if (track.language) codecArgs.push(`-metadata:s:a:${i}`, `language=${track.language}`);
      if (track.title) codecArgs.push(`-metadata:s:a:${i}`, `title=${track.title}`);
    });

    const sidecars: string[] = [];
    for (const [i, track] of (spec.subtitles ?? []).entries()) {
      const srt = `${temp}.${i}.srt`;
      const lines = track.lines ?? ['Line 1', 'Line 2'];
      await writeFile(srt, lines.map((text, n) => `${n + 1}\n${srtTime(n)} --> ${srtTime(n + 0.9)}\n${text}\n`).join('\n'));
      sidecars.push(srt);
      inputs.push('-i', srt);
      maps.push('-map', `${inputCount++}:s`);
      codecArgs.push(`-c:s:${i}`, container === 'mkv' ? 'srt' : 'mov_text');
      if (track.language) codecArgs.push(`-metadata:s:s:${i}`, `language=${track.language}`);
      if (track.title) codecArgs.push(`-metadata:s:s:${i}`, `title=${track.title}`);
    }
    if (spec.chapters) {
      const meta = `${temp}.ffmeta`;
      const each = (duration * 1000) / spec.chapters;
      const text = [';FFMETADATA1'];
      for (let c = 0; c < spec.chapters; c++) {
        text.push(
          '[CHAPTER]',
          'TIMEBASE=1/1000',
          `START=${Math.round(c * each)}`,
          `END=${Math.round((c + 1) * each)}`,
          `title=Chapter ${c + 1}`,
        );
      }
      await writeFile(meta, `${text.join('\n')}\n`);
      sidecars.push(meta);
      inputs.push('-i', meta);
      codecArgs.push('-map_chapters', String(inputCount++));
    }

    const filters: string[] = [];
    if (evenWidth !== width || evenHeight !== height) filters.push(`format=yuv444p,crop=${width}:${height}:0:0`);
    if (spec.vfr) {
      const half = Math.round((rate * duration) / 2);
      filters.push(`select='lt(n\\,${half})+not(mod(n\\,2))'`);
    }
    if (spec.grey) filters.push('hue=s=0');
    if (spec.sar) filters.push(`setsar=${spec.sar.replace(':', '/')}`);

    const video: string[] = [];
    const codec = spec.codec ?? 'h264';
    if (codec === 'h264') {
      video.push('-c:v', 'libx264', '-preset', 'veryfast', '-g', String(spec.gop ?? 12), '-bf', String(spec.bframes ?? 2));
      if (spec.lossless) video.push('-qp', '0');
      if (spec.interlaced) video.push('-flags', '+ildct+ilme', '-x264opts', 'tff=1', '-field_order', 'tt');
    } else if (codec === 'h265') {
      video.push(
        '-c:v',
        'libx265',
        '-preset',
        'ultrafast',
        '-x265-params',
        `log-level=error:keyint=${spec.gop ?? 12}:bframes=${spec.bframes ?? 2}`,
      );
    } else {
      video.push('-c:v', 'ffv1', '-g', String(spec.gop ?? 12));
    }
    video.push('-pix_fmt', spec.pixFmt ?? 'yuv420p');

    const args = [
      ...inputs,
      ...maps,
      ...(filters.length ? ['-vf', filters.join(',')] : []),
      ...(spec.vfr ? ['-fps_mode', 'vfr'] : []),
      ...video,
      ...codecArgs,
      ...Object.entries(spec.tags ?? {}).flatMap(([key, value]) => ['-metadata', `${key}=${value}`]),
      ...(spec.faststart && (container === 'mp4' || container === 'mov') ? ['-movflags', '+faststart'] : []),
      '-strict',
      'experimental',
      '-f',
      muxer,
    ];
    try {
      if (!spec.rotation) {
        await runFfmpegTool('ffmpeg', ['-y', ...args, temp]);
      } else {
        const plain = `${temp}.plain`;
        sidecars.push(plain);
        await runFfmpegTool('ffmpeg', ['-y', ...args, plain]);
        await addRotation(plain, temp, spec.rotation, muxer);
      }
    } finally {
      await Promise.all(sidecars.map((f) => rm(f, { force: true })));
    }
  });
}

/**
 * Stores a clockwise display rotation. The `rotate` tag's direction changed between ffmpeg versions,
 * so the result is checked against the display matrix (which ffprobe reports counter-clockwise).
 */
async function addRotation(source: string, target: string, clockwise: number, muxer: string): Promise<void> {
  for (const tag of [(360 - clockwise) % 360, clockwise]) {
    await runFfmpegTool('ffmpeg', ['-y', '-i', source, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${tag}`, '-f', muxer, target]);
    const probed = await ffprobeJson<{ streams: Array<{ side_data_list?: Array<{ rotation?: number }> }> }>(target, [
      '-select_streams',
      'v:0',
      '-show_streams',
    ]);
    const ccw = probed.streams[0]?.side_data_list?.find((sd) => typeof sd.rotation === 'number')?.rotation ?? 0;
    if (((-ccw % 360) + 360) % 360 === clockwise) return;
  }
  throw new Error(`could not store a ${clockwise}° rotation with this ffmpeg`);
}

/** An audio-only file (no video stream). */
export function makeAudioOnly(name: string, codec: AudioCodec = 'aac', durationSec = 1): Promise<string> {
  const ext = codec === 'aac' ? 'm4a' : codec === 'mp3' ? 'mp3' : 'mka';
  const file = path.join(CLIPS_DIR, `${name}-${specHash({ codec, durationSec })}.${ext}`);
  return cached(file, (temp) =>
    runFfmpegTool('ffmpeg', [
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=duration=${durationSec}`,
      '-c:a',
      AUDIO_ENCODERS[codec],
      '-f',
      ext === 'm4a' ? 'mp4' : ext === 'mp3' ? 'mp3' : 'matroska',
      temp,
    ]).then(() => undefined),
  );
}

/** A still image (PNG or JPEG by extension) of the test pattern. */
export function makeStillImage(name: string, ext: 'png' | 'jpg' = 'png', width = 64, height = 48): Promise<string> {
  const file = path.join(CLIPS_DIR, `${name}-${specHash({ ext, width, height })}.${ext}`);
  return cached(file, (temp) =>
    runFfmpegTool('ffmpeg', [
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}`,
      '-frames:v',
      '1',
      '-f',
      'image2',
      '-c:v',
      ext === 'png' ? 'png' : 'mjpeg',
      temp,
    ]).then(() => undefined),
  );
}

/** A file with arbitrary bytes under a given name (e.g. a text file renamed .mp4). */
export function makeFileWithContent(fileName: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(CLIPS_DIR, fileName);
  return cached(file, (temp) => writeFile(temp, content), true);
}

/** The first `fraction` of another file's bytes, as a damaged copy. */
export async function makeTruncatedCopy(source: string, fileName: string, fraction = 0.5): Promise<string> {
  const bytes = await readFile(source);
  return cached(path.join(CLIPS_DIR, fileName), (temp) => writeFile(temp, bytes.subarray(0, Math.floor(bytes.length * fraction))), true);
}

/** Raw frames ffmpeg decodes from a file (reference for comparisons). */
export function rawVideo(
  file: string,
  options: { pixFmt?: string; filters?: string; inputArgs?: string[]; outputArgs?: string[] } = {},
): Promise<Buffer> {
  return runFfmpegTool('ffmpeg', [
    ...(options.inputArgs ?? []),
    '-i',
    file,
    '-map',
    '0:v:0',
    ...(options.filters ? ['-vf', options.filters] : []),
    ...(options.outputArgs ?? []),
    '-f',
    'rawvideo',
    ...(options.pixFmt ? ['-pix_fmt', options.pixFmt] : []),
    'pipe:1',
  ]);
}

/** MD5 of one decoded audio stream (e.g. "0:a:1"), as ffmpeg's md5 muxer prints it. */
export async function audioMd5(file: string, stream = '0:a:0'): Promise<string> {
  const out = (await runFfmpegTool('ffmpeg', ['-i', file, '-map', stream, '-f', 'md5', 'pipe:1'])).toString('utf8').trim();
  return out.replace(/^MD5=/, '');
}

// ---------------------------------------------------------------------------------------------

function specHash(spec: unknown): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10);
}

function srtTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

/** Creates `file` once via `make(temp)` and an atomic rename; concurrent callers all get the result. */
async function cached(file: string, make: (temp: string) => Promise<unknown>, keepExtension = false): Promise<string> {
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  const suffix = `.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const temp = keepExtension ? path.join(path.dirname(file), `${suffix.slice(1)}-${path.basename(file)}`) : `${file}${suffix}`;
  try {
    await make(temp);
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  return file;
}

/** A Matroska file whose video stream exists but holds no frames (the sound is there). */
export function makeZeroFrameClip(name: string): Promise<string> {
  const file = path.join(CLIPS_DIR, `${name}-${specHash({ zero: 1 })}.mkv`);
  return cached(file, (temp) =>
    runFfmpegTool('ffmpeg', [
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x48:duration=1',
      '-f',
      'lavfi',
      '-i',
      'sine=duration=1',
      '-vf',
      'select=0',
      '-c:v',
      'libx264',
      '-c:a',
      'aac',
      '-f',
      'matroska',
      temp,
    ]).then(() => undefined),
  );
}
