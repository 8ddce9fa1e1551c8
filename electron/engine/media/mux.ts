// The finished film: the colourized segments joined by stream copy (concat demuxer), plus from the
// source every audio track (copied bit-exact when the container can hold it, otherwise AAC with a
// notice), text subtitles, chapters and global metadata. Written to a hidden partial file beside the
// output and renamed into place.

import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertOutputReplaceable, fileWriteError, temporarySibling } from '../atomic-file.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { MediaInfo, NoticeEvent } from '../../common/types.js';
import { runFfmpeg, runFfprobe } from './process.js';
import { ffmpegInput, filmInputArgs } from './film-input.js';
import { toNumber, type Rational } from './rational.js';

export interface MuxOptions {
  /** Segment files in order (all with the same size, rate and codec). */
  segments: string[];
  /**
   * Frames in each segment. With them every segment starts at its exact CFR time; without them
   * each segment is asked with ffprobe (slower for many segments).
   */
  segmentFrameCounts?: number[];
  source: MediaInfo;
  output: string;
  /** Start of the rendered range, seconds from the film's first frame. */
  fromSec: number;
  /** End of the rendered range (exclusive). */
  toSec: number;
  overwrite?: boolean;
  signal?: AbortSignal;
}

export interface MuxResult {
  notices: NoticeEvent[];
}

type Container = 'mp4' | 'mov' | 'matroska';

// No extension is no format: an output name without one (a dotfile, a device) is refused, not guessed.
const CONTAINER_BY_EXTENSION: Record<string, Container> = { '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mov', '.mkv': 'matroska' };

export function containerForOutput(output: string): Container {
  const container = CONTAINER_BY_EXTENSION[path.extname(output).toLowerCase()];
  if (!container) {
    throw new EngineError(
      'bad-option',
      `A film can be written as .mp4, .mov or .mkv, not "${path.basename(output)}"; choose an output name with one of those endings.`,
    );
  }
  return container;
}

/** ffconcat text: each segment starts exactly at its first frame's time (microsecond rounding, no drift). */
export function concatList(segments: string[], frameCounts: number[], frameRate: Rational): string {
  const lines = ['ffconcat version 1.0'];
  let framesBefore = 0;
  const microseconds = (frames: number) => Math.round((frames * frameRate.den * 1e6) / frameRate.num);
  segments.forEach((segment, i) => {
    if (/[\r\n]/.test(segment)) throw new EngineError('bad-option', `The segment path ${JSON.stringify(segment)} contains a line break.`);
    const duration = microseconds(framesBefore + frameCounts[i]) - microseconds(framesBefore);
    framesBefore += frameCounts[i];
    lines.push(`file '${path.resolve(segment).replace(/'/g, "'\\''")}'`, `duration ${(duration / 1e6).toFixed(6)}`);
  });
  return `${lines.join('\n')}\n`;
}

export interface MuxPlan {
  args: string[];
  notices: NoticeEvent[];
}

/** The ffmpeg arguments and the notices for a mux (no I/O; exported for tests). */
export function planMux(options: {
  concatListPath: string;
  source: MediaInfo;
  temp: string;
  container: Container;
  fromSec: number;
  toSec: number;
}): MuxPlan {
  const { source, container } = options;
  const fps = toNumber(source.video.frameRate);
  const filmEndSec = source.video.frameCount / fps;
  const startTimeSec = source.video.startTimeSec ?? 0;
  const wholeFilm = options.fromSec <= 1e-6 && options.toSec >= filmEndSec - 0.5 / fps;
  const rangeSec = options.toSec - options.fromSec;
  if (!(rangeSec > 0)) throw new EngineError('bad-option', `The range to mux is empty (from ${options.fromSec} s to ${options.toSec} s).`);

  const notices: NoticeEvent[] = [];
  const args: string[] = [];
  // The film's first frame may come after the container's start (audio first): keep that offset.
  if (wholeFilm && startTimeSec > 0.0005) args.push('-itsoffset', startTimeSec.toFixed(6));
  // The list is our own (segments in the work folder); the source film goes through the film checks.
  args.push('-protocol_whitelist', 'file', '-f', 'concat', '-safe', '0', '-i', options.concatListPath);
  if (!wholeFilm) args.push('-ss', (startTimeSec + options.fromSec).toFixed(6), '-t', rangeSec.toFixed(6));
  args.push(...filmInputArgs(source.path));

  args.push('-map', '0:v:0', '-c:v', 'copy');
  const mp4Family = container === 'mp4' || container === 'mov';
  const label = container === 'matroska' ? 'MKV' : container.toUpperCase();
  let needsStrict = false;
  source.audio.forEach((audio, i) => {
    args.push('-map', `1:${audio.index}`);
    // MP4 keeps a track's name only as its handler name; without this a titled track loses its title.
    if (mp4Family && audio.title) args.push(`-metadata:s:a:${i}`, `handler_name=${audio.title}`);
    if (!mp4Family || audio.mp4Compatible) {
      args.push(`-c:a:${i}`, 'copy');
      if (mp4Family && (audio.codec === 'flac' || audio.codec === 'opus')) needsStrict = true;
      return;
    }
    const kbps = Math.min(512, 96 * Math.max(1, audio.channels));
    args.push(`-c:a:${i}`, 'aac', `-b:a:${i}`, `${kbps}k`);
    notices.push({
      type: 'notice',
      level: 'warning',
      code: 'audio-transcoded',
      message: `Audio track ${i + 1} (${audio.codec}) cannot be stored in ${label} as it is, so it was converted to AAC at ${kbps} kb/s.`,
    });
  });

  let subtitleOut = 0;
  source.subtitles.forEach((subtitle, i) => {
    if (mp4Family && !subtitle.mp4Compatible) {
      notices.push({
        type: 'notice',
        level: 'warning',
        code: 'subtitle-dropped',
        message: `Subtitle track ${i + 1} (${subtitle.codec}) is made of pictures, which ${label} cannot hold, so it was left out; choose an .mkv output to keep it.`,
      });
      return;
    }
    args.push('-map', `1:${subtitle.index}`);
    if (mp4Family && subtitle.title) args.push(`-metadata:s:s:${subtitleOut}`, `handler_name=${subtitle.title}`);
    const codec = mp4Family ? 'mov_text' : subtitle.codec === 'mov_text' ? 'srt' : 'copy';
    args.push(`-c:s:${subtitleOut++}`, codec);
  });

  args.push('-map_metadata', '1', '-map_chapters', '1');
  if (!wholeFilm) args.push('-t', rangeSec.toFixed(6));
  if (mp4Family) args.push('-movflags', '+faststart');
  if (needsStrict) args.push('-strict', 'experimental');
  args.push('-f', container, options.temp);
  return { args, notices };
}

/** Joins the segments with the source's sound into `output` (atomically). */
export async function muxOutput(options: MuxOptions): Promise<MuxResult> {
  const { source, signal } = options;
  const output = path.resolve(options.output);
  const container = containerForOutput(output);
  if (options.segments.length === 0) throw new EngineError('bad-option', 'There are no rendered segments to put into the output.');
  if (output === path.resolve(source.path)) {
    throw new EngineError('output-is-input', `The output ${output} is the input film itself; choose another output name.`);
  }
  await assertOutputReplaceable(output, options.overwrite);
  const outputDir = path.dirname(output);
  const dirStat = await stat(outputDir).catch(() => undefined);
  if (!dirStat?.isDirectory())
    throw new EngineError('output-unwritable', `The folder ${outputDir} does not exist; create it or choose another output.`);

  const frameCounts = options.segmentFrameCounts ?? (await countSegmentFrames(options.segments, source.video.frameRate, signal));
  if (frameCounts.length !== options.segments.length) {
    throw new EngineError('bad-option', `Got ${frameCounts.length} frame counts for ${options.segments.length} segments.`);
  }

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-mux-'));
  const listPath = path.join(workDir, 'segments.ffconcat');
  const temp = temporarySibling(output);
  try {
    await writeFile(listPath, concatList(options.segments, frameCounts, source.video.frameRate)).catch((error) => {
      throw fileWriteError(listPath, error);
    });
    const plan = planMux({ concatListPath: listPath, source, temp, container, fromSec: options.fromSec, toSec: options.toSec });
    throwIfAborted(signal);
    await runFfmpeg(plan.args, { signal, what: `write ${path.basename(output)}` });
    throwIfAborted(signal);
    await assertOutputReplaceable(output, options.overwrite);
    await rename(temp, output);
    return { notices: plan.notices };
  } finally {
    await rm(temp, { force: true }).catch(() => undefined);
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function countSegmentFrames(segments: string[], frameRate: Rational, signal?: AbortSignal): Promise<number[]> {
  const counts: number[] = [];
  for (const segment of segments) {
    const { stdout } = await runFfprobe(
      [
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_frames,duration:format=duration',
        '-of',
        'json',
        '-i',
        ffmpegInput(path.resolve(segment)),
      ],
      { signal, what: `read the segment ${path.basename(segment)}` },
    );
    const parsed = JSON.parse(stdout.toString('utf8')) as {
      streams?: Array<{ nb_frames?: string; duration?: string }>;
      format?: { duration?: string };
    };
    const stream = parsed.streams?.[0];
    const nbFrames = Number(stream?.nb_frames);
    const duration = Number(stream?.duration ?? parsed.format?.duration);
    counts.push(Number.isInteger(nbFrames) && nbFrames > 0 ? nbFrames : Math.round(duration * toNumber(frameRate)));
  }
  return counts;
}
