// The film's luma, frame by frame: ffmpeg writes the untouched Y plane as raw bytes, to a Unix
// socket it listens on where it can (read straight into the frame buffers, raw-frames.ts) or else to
// stdout, and we take whole frames as the consumer asks for them (read on demand: bounded memory).
//
// Frame numbering is what makes resume exact. Frames are the ticks of a CFR sequence at
// info.video.frameRate: with -copyts the decoder keeps the stream's own timestamps, the fps filter
// (no start_time) maps every timestamp to an absolute tick, and trim keeps ticks
// [first+startFrame, first+startFrame+frameCount). Where decoding began therefore changes nothing:
// a decode from frame k seeks to a keyframe a little before k and yields the same bytes as frames
// k.. of a decode from 0. (Containers without a keyframe index, like MPEG-TS, have the seek point
// checked first, see verifiedSeekSec.)
//
// Luma is bit-exact: the filters before extraction (bwdif, fps, trim) work on the source's own
// pixel format, extractplanes=y copies the Y plane without any range or matrix conversion, and
// rotation and the even-size crop only move samples. Sources deeper than 8 bits are read at their
// own depth and rounded to 8 bits here: y8 = round(y / 2^(depth-8)), no dither. Non-YUV sources
// (RGB, palette) are converted to full-range grey by swscale.
//
// The model's input is made by the same ffmpeg (modelSize): after those filters the frame is split,
// and the copy, each sample clamped to the range's black..white (limiter), is area-averaged by
// swscale to the render size and written as 16-bit samples on a second pipe (pipe:3), one small
// frame per full frame. Both pipes are read as frames come (ffmpeg may run ahead on either) and
// paused only while a few whole pairs wait unread (FramePairs). Every consumer that decodes a frame therefore gets the same model input for
// it (render, preview, the pin tracker's warm-up, a resumed render), and the host does no per-pixel
// work at the film's size.

import path from 'node:path';
import { EngineError, cancelledError } from '../errors.js';
import type { MediaInfo, NoticeEvent } from '../../common/types.js';
import type { LumaFrame } from '../pipeline/frames.js';
import { BufferPool } from './buffer-pool.js';
import { lumaToUnit } from '../pipeline/chroma-merge.js';
import { runFfmpeg, startFfmpeg } from './process.js';
import { fixedSizeFrames, frameSocketPath, socketFrames, type FrameSocketPath } from './raw-frames.js';
import { filmInputArgs, recheckFilmFile } from './film-input.js';
import { probe } from './probe.js';
import { formatRational, parseRational, ptsToFrameTick, toNumber, type Rational } from './rational.js';

export interface DecodeLumaOptions {
  /** First frame (CFR numbering from 0). */
  startFrame: number;
  /** Frames to decode; default: to the end of the film. */
  frameCount?: number;
  /** Deinterlace interlaced sources (bwdif, one frame per frame). */
  deinterlace: boolean;
  signal?: AbortSignal;
  /** Told (once) when ffmpeg reports damage in the decoded range: a 'damaged-input' warning. */
  onNotice?: (notice: NoticeEvent) => void;
  /** Deliver frames scaled down to this size (area average) instead of full resolution (scans). */
  scaleTo?: { width: number; height: number };
  /** Also deliver each frame's model input at this (render) size in frame.model (see the top of this file). */
  modelSize?: { width: number; height: number };
  /**
   * Take 8-bit frame buffers from this pool (width*height bytes) instead of allocating each; whoever
   * consumes a frame gives its `y` back when done with it.
   */
  pool?: BufferPool;
  /**
   * How the full frames come: 'socket' (default where ffmpeg can: a Unix socket read straight into
   * the frame buffers, see raw-frames.ts) or 'pipe' (ffmpeg's stdout).
   */
  transport?: 'socket' | 'pipe';
}

/** Seconds decoded before the target when seeking: covers keyframe-index slack and bwdif's look-back. */
const SEEK_MARGIN_SEC = 1;
const SEEK_MARGIN_FRAMES = 3;
/**
 * Containers whose seek lands on a keyframe at or before the asked time (they have a keyframe index).
 * Others (MPEG-TS/PS, raw streams, ...) land anywhere and decoding resumes at the next keyframe, so
 * there the seek point is checked before it is used.
 */
const KEYFRAME_EXACT_SEEK = /^(mov,mp4|matroska|avi$|mxf$|asf$|nut$)/;

export interface LumaDecodePlan {
  args: string[];
  width: number;
  height: number;
  /** Bytes per luma sample on stdout: 1, or 2 for sources deeper than 8 bits. */
  bytesPerSample: 1 | 2;
  bitDepth: number;
  startFrame: number;
  frameCount: number;
  /** The model-size output on pipe:3 (gray16le, 256 × the 8-bit value), when asked for. */
  model?: { width: number; height: number; range: 'tv' | 'pc' };
}

/**
 * The ffmpeg command for a luma decode (exported so tests and tools can inspect it). `seekSec`
 * overrides the input seek: null for none, undefined for the default margin before the start frame.
 */
export function planLumaDecode(
  info: MediaInfo,
  options: Omit<DecodeLumaOptions, 'signal' | 'pool' | 'transport'>,
  seekSec?: number | null,
  /** Write the full frames to this listening socket (FrameSocketPath.output) instead of stdout. */
  socketOutput?: string[],
): LumaDecodePlan {
  const { video } = info;
  const startFrame = options.startFrame;
  if (!Number.isInteger(startFrame) || startFrame < 0) {
    throw new EngineError('bad-option', `The start frame must be a whole number from 0 up (got ${startFrame}).`);
  }
  const available = Math.max(0, video.frameCount - startFrame);
  const frameCount = Math.min(options.frameCount ?? available, available);
  if (!Number.isInteger(frameCount) || frameCount < 0) {
    throw new EngineError('bad-option', `The number of frames to decode must be a whole number from 0 up (got ${options.frameCount}).`);
  }

  const rate = video.frameRate;
  const timeBase = video.timeBase ?? { num: 1, den: 90_000 };
  const firstTick = ptsToFrameTick(video.firstFramePts ?? 0, timeBase, rate);
  const highDepth = video.bitDepth > 8 && /^(yuvj?\d{3}p|gray)(9|10|12|14|16)le$/.test(video.pixelFormat);

  const filters: string[] = [];
  if (video.interlaced && options.deinterlace) filters.push('bwdif=mode=send_frame:parity=auto:deint=all');
  filters.push(`fps=fps=${formatRational(rate)}`);
  filters.push(`trim=start_pts=${firstTick + startFrame}:end_pts=${firstTick + startFrame + frameCount}`);
  filters.push(...lumaExtraction(video.pixelFormat, highDepth));
  filters.push(...rotationFilters(video.rotation));
  const rotatedWidth = video.rotation === 90 || video.rotation === 270 ? video.height : video.width;
  const rotatedHeight = video.rotation === 90 || video.rotation === 270 ? video.width : video.height;
  if (rotatedWidth !== video.outputWidth || rotatedHeight !== video.outputHeight) {
    filters.push(`crop=${video.outputWidth}:${video.outputHeight}:0:0`);
  }
  const scaled =
    options.scaleTo && (options.scaleTo.width !== video.outputWidth || options.scaleTo.height !== video.outputHeight)
      ? options.scaleTo
      : null;
  if (scaled) {
    if (!Number.isInteger(scaled.width) || !Number.isInteger(scaled.height) || scaled.width < 1 || scaled.height < 1) {
      throw new EngineError('bad-option', `A scan size must be whole pixels from 1 up (got ${scaled.width}x${scaled.height}).`);
    }
    filters.push(`scale=${scaled.width}:${scaled.height}:flags=area`);
  }

  const modelSize = options.modelSize;
  if (modelSize) {
    if (scaled) throw new EngineError('bad-option', 'A decode gives either scaled frames or model-size luma, not both.');
    if (!Number.isInteger(modelSize.width) || !Number.isInteger(modelSize.height) || modelSize.width < 1 || modelSize.height < 1) {
      throw new EngineError('bad-option', `A render size must be whole pixels from 1 up (got ${modelSize.width}x${modelSize.height}).`);
    }
  }
  const range = lumaRangeOf(info);
  const seek = seekSec === undefined ? defaultSeekSec(info, startFrame, SEEK_MARGIN_SEC) : seekSec;
  const rawOutput = (pixFmt: string, ...output: string[]) => ['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', pixFmt, ...output];
  const fullPixFmt = highDepth ? `gray${video.bitDepth}le` : 'gray';
  const fullOutput = socketOutput ?? ['pipe:1'];
  // Model input: each sample clamped to black..white (at the sample's depth), then swscale's area
  // average; gray16le holds the mean as 256 × the 8-bit value (a 10-bit sample v becomes 64 v).
  const shift = (highDepth ? video.bitDepth : 8) - 8;
  const clamp = range === 'tv' ? `limiter=min=${16 << shift}:max=${235 << shift},` : '';
  const graph = modelSize
    ? [
        '-filter_complex',
        `[0:${video.index}]${filters.join(',')},split=2[full][small];` +
          `[small]${clamp}scale=${modelSize.width}:${modelSize.height}:flags=area[model]`,
        '-map',
        '[full]',
        ...rawOutput(fullPixFmt, ...fullOutput),
        '-map',
        '[model]',
        ...rawOutput('gray16le', 'pipe:3'),
      ]
    : ['-map', `0:${video.index}`, '-vf', filters.join(','), ...rawOutput(fullPixFmt, ...fullOutput)];
  const args = [
    '-noautorotate',
    '-copyts',
    ...(seek !== null ? ['-noaccurate_seek', '-ss', seek.toFixed(6)] : []),
    ...filmInputArgs(info.path),
    ...graph,
  ];
  return {
    args,
    width: scaled?.width ?? video.outputWidth,
    height: scaled?.height ?? video.outputHeight,
    bytesPerSample: highDepth ? 2 : 1,
    bitDepth: highDepth ? video.bitDepth : 8,
    startFrame,
    frameCount,
    ...(modelSize ? { model: { ...modelSize, range } } : {}),
  };
}

/** Where to seek for `startFrame` with `marginSec` of run-up, or null when that is the start anyway. */
function defaultSeekSec(info: MediaInfo, startFrame: number, marginSec: number): number | null {
  const fps = toNumber(info.video.frameRate);
  const seek = (info.video.startTimeSec ?? 0) + startFrame / fps - Math.max(marginSec, SEEK_MARGIN_FRAMES / fps);
  return startFrame > 0 && seek > 0 ? seek : null;
}

/**
 * A seek point from which decoding really starts at or before frame startFrame-2 (bwdif looks one
 * frame back). Trusted as is for indexed containers; otherwise tried with a one-frame decode and
 * moved back (1 s, 3 s, 9 s, ... of run-up) until it holds, or the decode starts from the beginning.
 */
async function verifiedSeekSec(info: MediaInfo, startFrame: number, signal?: AbortSignal): Promise<number | null> {
  if (KEYFRAME_EXACT_SEEK.test(info.formatName)) return defaultSeekSec(info, startFrame, SEEK_MARGIN_SEC);
  const { video } = info;
  const timeBase = video.timeBase as Rational;
  const firstTick = ptsToFrameTick(video.firstFramePts as number, timeBase, video.frameRate);
  for (let margin = SEEK_MARGIN_SEC; ; margin *= 3) {
    const seek = defaultSeekSec(info, startFrame, margin);
    if (seek === null) return null;
    const { stderr } = await runFfmpeg(
      [
        '-nostats',
        '-copyts',
        '-noautorotate',
        '-noaccurate_seek',
        '-ss',
        seek.toFixed(6),
        ...filmInputArgs(info.path),
        '-map',
        `0:${video.index}`,
        '-frames:v',
        '1',
        '-vf',
        'showinfo',
        '-f',
        'null',
        '-',
      ],
      { signal, logLevel: 'info', what: 'find a seek point' },
    );
    const decodedPts = [...stderr.matchAll(/\bn:\s*\d+\s+pts:\s*(-?\d+)/g)].map((m) => Number(m[1]));
    if (decodedPts.length && ptsToFrameTick(Math.min(...decodedPts), timeBase, video.frameRate) <= firstTick + startFrame - 2) return seek;
  }
}

function lumaExtraction(pixelFormat: string, highDepth: boolean): string[] {
  if (highDepth) return pixelFormat.startsWith('gray') ? [] : ['extractplanes=y'];
  if (pixelFormat === 'gray') return [];
  if (/^(yuvj?\d{3}p|yuv4[12]0p|nv12|nv21|nv16|nv24|nv42|yuyv422|uyvy422)$/.test(pixelFormat)) return ['extractplanes=y'];
  // RGB, palette and exotic formats: swscale's conversion to full-range grey.
  return ['format=gray'];
}

function rotationFilters(rotation: number): string[] {
  switch (rotation) {
    case 90:
      return ['transpose=clock'];
    case 180:
      return ['hflip', 'vflip'];
    case 270:
      return ['transpose=cclock'];
    default:
      return [];
  }
}

/**
 * Frames startFrame.. of the film's luma, full resolution, 8-bit, in CFR order. Stopping the
 * iteration early (break) or aborting the signal kills ffmpeg.
 */
export async function* decodeLuma(info: MediaInfo, options: DecodeLumaOptions): AsyncGenerator<LumaFrame> {
  // Exact numbering needs the stream's own timing; a hand-made MediaInfo may lack it.
  if (info.video.timeBase === undefined || info.video.firstFramePts === undefined) info = await probe(info.path, options.signal);
  if (planLumaDecode(info, options).frameCount === 0) return;
  await recheckFilmFile(info.path);
  const seek = options.startFrame > 0 ? await verifiedSeekSec(info, options.startFrame, options.signal) : null;
  const socket = options.transport === 'pipe' ? null : await frameSocketPath();
  try {
    yield* decodePlanned(info, options, planLumaDecode(info, options, seek, socket?.output), socket);
  } finally {
    socket?.remove();
  }
}

async function* decodePlanned(
  info: MediaInfo,
  options: DecodeLumaOptions,
  plan: LumaDecodePlan,
  socket: FrameSocketPath | null,
): AsyncGenerator<LumaFrame> {
  const { width, height, bytesPerSample } = plan;
  const frameBytes = width * height * bytesPerSample;
  let index = plan.startFrame;
  // ffmpeg runs at -loglevel error: every line is damage it met (lost packets, undecodable frames,
  // broken container structure). Frames it cannot decode are filled by the fps filter with the frame
  // before, so the film still comes out whole, but never silently: the first such line becomes a
  // warning. When seeking, lines before the first wanted frame come from the run-up and are ignored.
  let damageReported = false;
  const fps = toNumber(info.video.frameRate);
  const onStderrLine = (line: string) => {
    if (damageReported || !options.onNotice || (plan.startFrame > 0 && index === plan.startFrame)) return;
    damageReported = true;
    const reason = line
      .replace(/^\[[^\]]*\]\s*/, '')
      .replace(/[.\s]+$/, '')
      .slice(0, 160);
    options.onNotice({
      type: 'notice',
      level: 'warning',
      code: 'damaged-input',
      message: `The film is damaged near ${(index / fps).toFixed(1)} s (ffmpeg: "${reason}"); frames that cannot be decoded repeat the frame before, so copy or download the film again for a clean result.`,
    });
  };
  const child = await startFfmpeg(plan.args, {
    signal: options.signal,
    what: 'decode the film',
    onStderrLine,
    extraOutputs: plan.model ? 1 : 0,
  });

  try {
    try {
      // ffmpeg's own failure, when there is one, says more than "stopped mid-frame".
      const truncated = async () => {
        await child.exited;
        return new EngineError(
          'ffmpeg-failed',
          `ffmpeg stopped in the middle of frame ${index} while decoding the film; try again.`,
          child.stderrTail(),
        );
      };
      const model = plan.model;
      const pool = bytesPerSample === 1 ? options.pool : undefined;
      const fullFrames = socket
        ? socketFrames(socket, frameBytes, truncated, () => child.hasExited(), pool)
        : fixedSizeFrames(child.stdout, frameBytes, truncated, pool);
      if (!model) {
        for await (const frame of fullFrames) {
          yield { index, width, height, y: toEightBit(frame, bytesPerSample, plan.bitDepth) };
          index++;
        }
      } else {
        // ffmpeg writes the two outputs in its own order and may run a few frames ahead on either, so
        // both pipes are read as frames come; reading pauses only while whole pairs wait unread (the
        // consumer is behind), which keeps memory flat without ever leaving ffmpeg blocked on the pipe
        // that the frame we wait for is not on.
        const smallPool = new BufferPool(model.width * model.height * 2, PAIRS_AHEAD + 4);
        const pairs = new FramePairs(
          [fullFrames, fixedSizeFrames(child.extraOutputs[0], smallPool.bytes, truncated, smallPool)],
          truncated,
        );
        try {
          for (;;) {
            const pair = await pairs.next();
            if (!pair) break;
            const [frame, scaled] = pair;
            const unit = lumaToUnit(scaled, model.range);
            smallPool.give(scaled);
            yield { index, width, height, y: toEightBit(frame, bytesPerSample, plan.bitDepth), model: unit };
            index++;
          }
        } finally {
          pairs.stop();
        }
      }
    } catch (error) {
      if (options.signal?.aborted) throw cancelledError();
      throw error;
    }
    await child.exited;
    // The film's length is known exactly, so a picture that ends early means data is missing.
    if (info.video.frameCountExact && index < plan.startFrame + plan.frameCount) {
      throw new EngineError(
        'corrupt-input',
        `"${path.basename(info.path)}" is damaged: its picture ends at frame ${index} (about ${(index / fps).toFixed(1)} s) although the film has ${info.video.frameCount} frames; copy or download it again.`,
        child.stderrTail(),
      );
    }
  } finally {
    if (!child.hasExited()) {
      child.kill();
      await child.exited.catch(() => undefined);
    }
  }
}

/** Whole frame pairs that may wait unread before both pipes stop being read. */
const PAIRS_AHEAD = 4;

/**
 * Frames of two streams in step, handed out as pairs (next() gives null when either ends). Each
 * stream is pulled as its frames come; both pause while PAIRS_AHEAD whole pairs wait.
 */
class FramePairs {
  readonly #queues: [Uint8Array[], Uint8Array[]] = [[], []];
  #wakeConsumer: (() => void) | null = null;
  #wakePumps: Array<() => void> = [];
  readonly #ended = [false, false];
  #stopped = false;
  #error: unknown = null;

  constructor(
    sources: [AsyncIterable<Uint8Array>, AsyncIterable<Uint8Array>],
    /** The error for one stream ending while the other still has a frame. */
    private readonly unpaired: () => Promise<Error>,
  ) {
    void this.#pump(sources[0], 0);
    void this.#pump(sources[1], 1);
  }

  #ready(): number {
    return Math.min(this.#queues[0].length, this.#queues[1].length);
  }

  async #pump(source: AsyncIterable<Uint8Array>, which: 0 | 1): Promise<void> {
    try {
      for await (const frame of source) {
        if (this.#stopped) return;
        this.#queues[which].push(frame);
        this.#wakeConsumer?.();
        while (this.#ready() >= PAIRS_AHEAD && !this.#stopped) await new Promise<void>((resolve) => this.#wakePumps.push(resolve));
        if (this.#stopped) return;
      }
    } catch (error) {
      this.#error ??= error ?? new Error('the stream failed');
    } finally {
      this.#ended[which] = true;
      this.#wakeConsumer?.();
    }
  }

  async next(): Promise<[Uint8Array, Uint8Array] | null> {
    while (this.#ready() === 0) {
      if (this.#error) throw this.#error;
      const [a, b] = this.#queues;
      // One stream over: the other must end too, with no frame left over.
      if ((this.#ended[0] && a.length === 0) || (this.#ended[1] && b.length === 0)) {
        if (a.length > 0 || b.length > 0) throw await this.unpaired();
        if (this.#ended[0] && this.#ended[1]) return null;
      }
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      this.#wakeConsumer = null;
    }
    const pair: [Uint8Array, Uint8Array] = [this.#queues[0].shift()!, this.#queues[1].shift()!];
    for (const wake of this.#wakePumps.splice(0)) wake();
    return pair;
  }

  /** Stops both pumps (their streams are then left to the caller, which ends the child). */
  stop(): void {
    this.#stopped = true;
    for (const wake of this.#wakePumps.splice(0)) wake();
  }
}

function toEightBit(frame: Uint8Array, bytesPerSample: 1 | 2, bitDepth: number): Uint8Array {
  if (bytesPerSample === 1) return frame;
  const count = frame.length / 2;
  const out = new Uint8Array(count);
  const shift = bitDepth - 8;
  const half = 1 << (shift - 1);
  for (let i = 0; i < count; i++) {
    const value = (frame[2 * i] | (frame[2 * i + 1] << 8)) + half;
    out[i] = Math.min(255, value >> shift);
  }
  return out;
}

/** Range of the 8-bit luma decodeLuma delivers: 'pc' (0–255) or 'tv' (16–235). */
export function lumaRangeOf(info: MediaInfo): 'tv' | 'pc' {
  const { pixelFormat, colorRange } = info.video;
  const yuv = /^(yuv|nv|yuyv|uyvy)/.test(pixelFormat);
  if (!yuv && !pixelFormat.startsWith('gray')) return 'pc'; // converted by swscale to full-range grey
  if (colorRange === 'pc' || pixelFormat.startsWith('yuvj')) return 'pc';
  if (colorRange === 'tv') return 'tv';
  return yuv ? 'tv' : 'pc';
}

/** Sample aspect ratio of the frames decodeLuma delivers (rotation swaps it); give it to the encoder. */
export function outputSampleAspectRatio(info: MediaInfo): Rational {
  const sar = parseRational(info.video.sampleAspectRatio) ?? { num: 1, den: 1 };
  return info.video.rotation === 90 || info.video.rotation === 270 ? { num: sar.den, den: sar.num } : sar;
}

/** What the decoder does to the picture that a person should hear about. */
export function decodeNotices(info: MediaInfo, deinterlace: boolean): NoticeEvent[] {
  const { video } = info;
  const notices: NoticeEvent[] = [];
  if (video.interlaced && deinterlace) {
    notices.push({
      type: 'notice',
      level: 'info',
      code: 'deinterlacing',
      message: 'The film is interlaced, so it is deinterlaced (bwdif) before colourizing; pass --no-deinterlace to keep it interlaced.',
    });
  }
  if (video.variableFrameRate) {
    notices.push({
      type: 'notice',
      level: 'info',
      code: 'vfr-to-cfr',
      message: `The film has a variable frame rate, so it is rendered at a constant ${video.fps.toFixed(3)} frames per second (slower parts repeat frames), keeping the sound in sync.`,
    });
  }
  const swap = video.rotation === 90 || video.rotation === 270;
  if ((swap ? video.height : video.width) !== video.outputWidth || (swap ? video.width : video.height) !== video.outputHeight) {
    notices.push({
      type: 'notice',
      level: 'info',
      code: 'odd-size',
      message: `The picture has an odd width or height, so its last pixel column or row is cropped to ${video.outputWidth}x${video.outputHeight}.`,
    });
  }
  return notices;
}
