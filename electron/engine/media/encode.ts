// One segment file of the render: raw yuv420p frames go to ffmpeg's stdin (with backpressure) and
// come out as H.264/H.265 in a temporary file beside the target, renamed into place on finish.
//
// The frames come whole, with the chroma already upscaled (chroma-merge.ts upscaleCodes): ffmpeg
// runs its filter graph in one thread, and scaling and merging planes there held x264 back on a
// many-core machine (docs/gpu-run.md). The luma reaches the encoder byte for byte as written.
//
// Segments are meant to be joined by mux.ts with the concat demuxer and stream copy. Use .mp4
// segments: MP4 keeps exact CFR timestamps (its timescale fits the frame rate), whereas Matroska
// rounds every timestamp to the millisecond, which makes 30000/1001 material slightly jittery.

import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { temporarySibling } from '../atomic-file.js';
import { EngineError } from '../errors.js';
import type { YuvFrame } from '../pipeline/frames.js';
import { encoderArgs, rawFramesInput, type VideoEncoder } from './encoders.js';
import { startFfmpeg, type FfmpegChild } from './process.js';
import { formatRational, parseRational, type Rational } from './rational.js';

export interface SegmentEncoderOptions {
  /** Final path of the segment; the extension picks the container (.mp4 recommended, .mkv, .mov, .ts). */
  path: string;
  width: number;
  height: number;
  frameRate: Rational;
  codec?: 'h264' | 'h265';
  /** A hardware encoder that passed its trial (encoders.ts); default: x264/x265 for `codec`. */
  encoder?: VideoEncoder;
  /** Constant rate factor (default 18; mapped to a hardware encoder's scale); ignored when lossless. */
  crf?: number;
  /** Encoder preset (default "medium"). */
  preset?: string;
  /** Mathematically lossless (x264 -qp 0, x265 lossless=1): decoded luma equals the input exactly. */
  lossless?: boolean;
  /** Sample aspect ratio of the frames, "64:45" or a rational (default square pixels). */
  sar?: string | Rational;
  /** Range of the Y/U/V samples written (tagged in the stream, never converted). */
  colorRange: 'tv' | 'pc';
  /**
   * The frames are interlaced (two fields woven, top or bottom field first): H.264 codes them as
   * interlaced and tags the field order, so players deinterlace them. Default: progressive.
   */
  fieldOrder?: 'tt' | 'bb';
  signal?: AbortSignal;
}

export interface SegmentEncoder {
  /**
   * Queues one frame; resolves once ffmpeg can take more (backpressure). The frame's planes are queued,
   * not copied: do not modify them until `written` is called (once all of them have gone to ffmpeg,
   * or failed to).
   */
  write(frame: YuvFrame, written?: () => void): Promise<void>;
  /** Closes the stream, waits for ffmpeg and moves the finished file to `path`. */
  finish(): Promise<void>;
  /** Stops ffmpeg and removes the partial file. */
  abort(): Promise<void>;
  readonly framesWritten: number;
}

/** x264's own rc-lookahead for each preset (frames it keeps ahead for mb-tree and B-frame decisions). */
const X264_PRESET_LOOKAHEAD: Record<string, number> = {
  ultrafast: 0,
  superfast: 0,
  veryfast: 10,
  faster: 20,
  fast: 30,
  medium: 40,
  slow: 50,
  slower: 60,
  veryslow: 60,
  placebo: 60,
};
/**
 * x264 holds every look-ahead frame in full (its planes plus the half-size planes it searches on),
 * plus about six more (references, B-frames, frame threads). Those frames are the bulk of a 4K
 * render's process tree, so above 1080p the whole is kept to 46 frames of 1080p: medium's 40-frame
 * look-ahead fits exactly at 1080p and smaller films keep their preset's look-ahead, while 4K keeps 5
 * (the rest of x264 then measured 0.98 → 0.79 GB with the buffer below; file 5 % smaller at the
 * same CRF, luma PSNR −0.02 dB). Capped, x264 also drops its threaded look-ahead's buffer of frames
 * (`sync-lookahead=0`: the same bitstream, ~70 MB less at 4K). Lossless output is unaffected.
 */
const X264_FRAME_BUDGET_PIXELS = 46 * 1920 * 1088;
const X264_FRAMES_BEYOND_LOOKAHEAD = 6;

/** x264 options that keep a large frame's encoder within the frame budget, or nothing. */
function x264MemoryCaps(width: number, height: number, preset: string): string[] {
  const own = X264_PRESET_LOOKAHEAD[preset];
  if (own === undefined) return [];
  const cap = Math.max(1, Math.floor(X264_FRAME_BUDGET_PIXELS / (width * height)) - X264_FRAMES_BEYOND_LOOKAHEAD);
  return cap < own ? ['-rc-lookahead', String(cap), '-x264-params', 'sync-lookahead=0'] : [];
}

const CONTAINERS: Record<string, string> = { '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mov', '.mkv': 'matroska', '.ts': 'mpegts' };

/** The ffmpeg arguments for a segment encode (exported for tests and diagnostics). */
export function segmentEncoderArgs(options: SegmentEncoderOptions, outputPath: string): string[] {
  const { width, height, colorRange } = options;
  if (width % 2 || height % 2 || width <= 0 || height <= 0) {
    throw new EngineError('bad-option', `Frames must have an even, positive width and height for yuv420p (got ${width}x${height}).`);
  }
  const container = CONTAINERS[path.extname(options.path).toLowerCase()];
  if (!container) {
    throw new EngineError('bad-option', `Segment files must end in .mp4, .mkv, .mov or .ts (got "${path.basename(options.path)}").`);
  }
  const codec = options.encoder?.codec ?? options.codec ?? 'h264';
  const preset = options.preset ?? 'medium';
  const crf = options.crf ?? 18;
  if (!Number.isFinite(crf) || crf < 0 || crf > 51) throw new EngineError('bad-option', `The CRF must be between 0 and 51 (got ${crf}).`);
  const sar = typeof options.sar === 'string' ? parseRational(options.sar) : options.sar;

  // BT.601 tags: the colourizer's chroma is BT.601; the range is the source's (never converted).
  const colour = ['-colorspace', 'smpte170m', '-color_primaries', 'smpte170m', '-color_trc', 'smpte170m', '-color_range', colorRange];
  const interlaced =
    options.fieldOrder && codec === 'h264'
      ? ['-flags', '+ildct+ilme', '-x264opts', options.fieldOrder === 'tt' ? 'tff=1' : 'bff=1', '-field_order', options.fieldOrder]
      : options.fieldOrder
        ? ['-field_order', options.fieldOrder] // x265 has no interlaced coding; the tag still tells players
        : [];
  const hardware = options.encoder?.hardware ? encoderArgs(options.encoder, { crf, preset }) : null;
  if (hardware && options.lossless)
    throw new EngineError('bad-option', `Lossless output needs x264 or x265; ${options.encoder!.name} is not lossless.`);
  const filters = [...(sar ? [`setsar=${sar.num}/${sar.den}`] : []), ...(hardware?.filters ?? [])];
  const rate = formatRational(options.frameRate);
  const inputs = [...rawFramesInput(width, height, rate), ...colour, '-i', 'pipe:0', ...(filters.length ? ['-vf', filters.join(',')] : [])];
  const video = hardware
    ? [...hardware.codec, ...(options.fieldOrder ? ['-field_order', options.fieldOrder] : [])]
    : codec === 'h264'
      ? [
          '-c:v',
          'libx264',
          '-preset',
          preset,
          ...x264MemoryCaps(width, height, preset),
          ...(options.lossless ? ['-qp', '0'] : ['-crf', String(crf)]),
          ...interlaced,
        ]
      : [
          '-c:v',
          'libx265',
          '-preset',
          preset,
          ...(options.lossless ? ['-x265-params', 'lossless=1:log-level=error'] : ['-crf', String(crf), '-x265-params', 'log-level=error']),
          ...(container === 'mp4' || container === 'mov' ? ['-tag:v', 'hvc1'] : []),
          ...interlaced,
        ];
  return [
    // Input tags match the output tags so no filter ever "fixes" the range on the way through.
    ...(hardware?.input ?? []),
    ...inputs,
    ...video,
    ...(hardware ? (hardware.pixFmt ? ['-pix_fmt', hardware.pixFmt] : []) : ['-pix_fmt', 'yuv420p']),
    ...colour,
    '-an',
    '-sn',
    '-dn',
    '-f',
    container,
    outputPath,
  ];
}

export async function createSegmentEncoder(options: SegmentEncoderOptions): Promise<SegmentEncoder> {
  const target = path.resolve(options.path);
  const temp = temporarySibling(target);
  const args = segmentEncoderArgs(options, temp);
  const ySize = options.width * options.height;
  const cSize = (options.width / 2) * (options.height / 2);

  const child: FfmpegChild = await startFfmpeg(args, {
    signal: options.signal,
    stdin: true,
    what: `encode ${path.basename(target)}`,
  });
  const stdin = child.stdin!;
  let state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';
  let framesWritten = 0;
  const removeTemp = () => rm(temp, { force: true }).catch(() => undefined);
  // Whatever ends ffmpeg badly (abort signal, crash) leaves no partial file behind.
  child.exited.catch(removeTemp);

  const wrongFrame = (frame: YuvFrame, planes: string) =>
    new EngineError(
      'bad-option',
      `Frame ${frame.index} is ${frame.width}x${frame.height} with planes of ${planes} bytes, but the segment takes ${options.width}x${options.height} yuv420p.`,
    );

  /** Resolves once `pipe` drains, or once ffmpeg has died (then with its error). */
  const drained = (pipe: NodeJS.WritableStream) => once(pipe, 'drain').catch(() => child.exited);

  return {
    get framesWritten() {
      return framesWritten;
    },

    async write(frame: YuvFrame, written?: () => void): Promise<void> {
      if (state !== 'open') throw new EngineError('bad-option', 'A frame was written to a segment that is already finished or aborted.');
      if (frame.width !== options.width || frame.height !== options.height || frame.y.length !== ySize) {
        throw wrongFrame(frame, String(frame.y.length));
      }
      if (frame.u.length !== cSize || frame.v.length !== cSize)
        throw wrongFrame(frame, `${frame.y.length}/${frame.u.length}/${frame.v.length}`);
      if (child.hasExited()) await child.exited; // throws ffmpeg's error
      stdin.write(frame.y);
      stdin.write(frame.u);
      // Writes complete in order: once the last plane's callback runs, all three are done with.
      const full = !stdin.write(frame.v, written && (() => written()));
      framesWritten++;
      if (full) {
        // Either ffmpeg takes more, or it has died (then `exited` rejects with its error). A dead pipe
        // (EPIPE) says only that ffmpeg is gone: the reason, e.g. a full disk, is in its exit.
        await Promise.race([drained(stdin), child.exited.then(() => undefined)]);
        if (child.hasExited()) await child.exited;
      }
    },

    async finish(): Promise<void> {
      if (state !== 'open') throw new EngineError('bad-option', 'This segment is already finished or aborted.');
      state = 'finishing';
      stdin.end();
      await child.exited;
      await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
        await removeTemp();
        throw new EngineError(
          'output-unwritable',
          `The segment ${target} could not be saved (${error.code}); check the work folder is writable.`,
          String(error),
        );
      });
      state = 'done';
    },

    async abort(): Promise<void> {
      if (state === 'done' || state === 'aborted') return;
      state = 'aborted';
      child.kill();
      await child.exited.catch(() => undefined);
      await removeTemp();
    },
  };
}
