// ffprobe → MediaInfo. Besides the container's own claims, three cheap looks at the data decide the
// facts the render depends on: the first seconds of packet timestamps (variable frame rate?), the
// first decoded frames (where frame 0 starts) and the last seconds of packets (does the data really
// reach the end the index promises, and how many frames will the decoder produce?).

import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError, isEngineError, throwIfAborted } from '../errors.js';
import type { AudioStreamInfo, MediaInfo, SubtitleStreamInfo, VideoInfo } from '../../common/types.js';
import { describeNonFilm, filmInputArgs, resolveFilmFile } from './film-input.js';
import { runFfmpeg, runFfprobe } from './process.js';
import { formatRational, parseRational, ptsToFrameTick, reduce, sensibleFrameRate, toNumber, type Rational } from './rational.js';

/** Seconds of packets read from the start to check whether the frame rate is constant. */
const HEAD_SECONDS = 5;
/** Seconds of packets read before the promised end to check the file is complete. */
const TAIL_SECONDS = 3;
/** Smallest width and height rendered (the model's smallest input is 8 pixels at a 4:2:0 half size). */
const MIN_FILM_SIDE = 16;

// ---------------------------------------------------------------------------------------------
// ffprobe's JSON (only the fields we read)
// ---------------------------------------------------------------------------------------------

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  display_aspect_ratio?: string;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  color_range?: string;
  color_space?: string;
  color_primaries?: string;
  color_transfer?: string;
  field_order?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_pts?: number;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  packets?: FfprobePacket[];
  chapters?: unknown[];
  format?: {
    format_name?: string;
    start_time?: string;
    duration?: string;
    size?: string;
    bit_rate?: string;
    tags?: Record<string, string>;
  };
}

interface FfprobePacket {
  stream_index?: number;
  pts?: number;
  duration?: number;
  flags?: string;
}

// ---------------------------------------------------------------------------------------------
// Codec rules
// ---------------------------------------------------------------------------------------------

const MP4_AUDIO_CODECS = new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'flac']);
const TEXT_SUBTITLE_CODECS = new Set(['mov_text', 'subrip', 'srt', 'ass', 'ssa', 'webvtt', 'text']);

/** MP4 can carry this audio codec by stream copy (pcm_*, vorbis, wmav2, dts, ... are transcoded). */
export function isMp4CompatibleAudio(codec: string): boolean {
  return MP4_AUDIO_CODECS.has(codec);
}

/** Text subtitles become mov_text in MP4; bitmap ones (dvd_subtitle, hdmv_pgs_subtitle, dvb) cannot. */
export function isMp4CompatibleSubtitle(codec: string): boolean {
  return TEXT_SUBTITLE_CODECS.has(codec);
}

const STILL_IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp', '.bmp', '.heic', '.heif', '.avif', '.jxl']);
const STILL_IMAGE_FORMATS = /(^image2$|_pipe$)/;

// ---------------------------------------------------------------------------------------------
// Pure decisions (exported for unit tests)
// ---------------------------------------------------------------------------------------------

export interface FrameRateDecision {
  frameRate: Rational;
  variableFrameRate: boolean;
}

/** Highest base rate a VFR stream is rendered at (above it, the average rate is used). */
const MAX_BASE_RATE = 120;

/**
 * Picks the CFR rate to render at. The stream is VFR when sampled packet intervals vary by more
 * than timestamp rounding, or when r_frame_rate and avg_frame_rate disagree by more than 1% (an
 * interlaced stream whose r_frame_rate is the field rate is not VFR). CFR keeps r_frame_rate (the
 * exact rational); VFR renders at its base rate (r_frame_rate) when that is plausible, otherwise at
 * the average rate rounded to a sensible rational.
 */
export function chooseFrameRate(input: {
  rFrameRate?: Rational;
  avgFrameRate?: Rational;
  /** Presentation timestamps of the first seconds of packets, any order. */
  packetPts: number[];
  timeBase?: Rational;
  interlaced: boolean;
}): FrameRateDecision {
  const { rFrameRate: r, avgFrameRate: a } = input;
  const sorted = [...input.packetPts].sort((x, y) => x - y);
  const deltas = sorted.slice(1).map((pts, i) => pts - sorted[i]);
  let deltaRate: number | undefined;
  let intervalsVary = false;
  if (deltas.length >= 2 && input.timeBase) {
    const median = [...deltas].sort((x, y) => x - y)[Math.floor(deltas.length / 2)];
    const tolerance = Math.max(1.5, median * 0.01);
    intervalsVary = median <= 0 || deltas.some((d) => Math.abs(d - median) > tolerance);
    if (median > 0) deltaRate = 1 / (median * toNumber(input.timeBase));
  }
  const close = (x: number, y: number) => Math.abs(x / y - 1) < 0.01;
  const fieldRate = Boolean(r && a && input.interlaced && close(toNumber(r), 2 * toNumber(a)));
  const ratesDisagree = Boolean(r && a && !close(toNumber(r), toNumber(a)) && !fieldRate);
  const plausible = (q: Rational | undefined) => (q && toNumber(q) > 0 && toNumber(q) <= 1000 ? q : undefined);

  if (!intervalsVary && !ratesDisagree) {
    const rate = fieldRate ? plausible(a) : (plausible(r) ?? plausible(a));
    if (rate) return { frameRate: rate, variableFrameRate: false };
    if (deltaRate) return { frameRate: sensibleFrameRate(deltaRate), variableFrameRate: false };
    return { frameRate: { num: 25, den: 1 }, variableFrameRate: false };
  }
  // VFR renders at the stream's base rate (r_frame_rate: the rate all its timestamps fit, i.e. its
  // fastest part) so that no source frame is dropped; slower parts repeat frames, as a player shows
  // them. Rendering at the average rate instead would drop frames wherever the film runs at full
  // rate and give odd rates like 19.52 fps. Base rates a player would not expect (millisecond
  // timestamps read as 1000 fps) fall back to the average.
  const average = plausible(a) ? toNumber(a!) : (deltaRate ?? (plausible(r) ? toNumber(r!) : 25));
  const base = !fieldRate && plausible(r) && toNumber(r!) <= MAX_BASE_RATE && toNumber(r!) >= average * 0.99 ? r! : undefined;
  if (base) return { frameRate: base.den <= 1001 ? base : sensibleFrameRate(toNumber(base)), variableFrameRate: true };
  return { frameRate: sensibleFrameRate(average), variableFrameRate: true };
}

/** Display rotation in clockwise degrees (0/90/180/270) from a display matrix or a legacy tag. */
export function clockwiseRotation(stream: Pick<FfprobeStream, 'side_data_list' | 'tags'>): number {
  const matrix = stream.side_data_list?.find((sd) => typeof sd.rotation === 'number');
  let clockwise: number | undefined;
  // ffprobe reports the display matrix angle counter-clockwise; the old `rotate` tag is clockwise.
  if (matrix) clockwise = -(matrix.rotation as number);
  else if (stream.tags?.rotate !== undefined && Number.isFinite(Number(stream.tags.rotate))) clockwise = Number(stream.tags.rotate);
  if (clockwise === undefined) return 0;
  const quarter = Math.round(clockwise / 90) * 90;
  return ((quarter % 360) + 360) % 360;
}

/**
 * Size of the frames the decoder delivers: rotated as displayed, then an odd width or height loses its
 * last column/row. Cropping one line is invisible and leaves every other luma sample untouched in
 * place; padding would add a line of invented picture. (yuv420p and x264 need even sizes.)
 */
export function outputSize(width: number, height: number, rotation: number): { width: number; height: number } {
  const swap = rotation === 90 || rotation === 270;
  const w = swap ? height : width;
  const h = swap ? width : height;
  return { width: w - (w % 2), height: h - (h % 2) };
}

export function bitDepthOf(pixelFormat: string, bitsPerRawSample?: string): number {
  const match = /(\d+)(le|be)$/.exec(pixelFormat) ?? /^p0(\d\d)/.exec(pixelFormat);
  if (match) return Number(match[1]);
  const raw = Number(bitsPerRawSample);
  return Number.isFinite(raw) && raw > 0 ? raw : 8;
}

// ---------------------------------------------------------------------------------------------
// probe()
// ---------------------------------------------------------------------------------------------

/** Reads everything the engine needs to know about a film. Throws EngineError for unusable input. */
export async function probe(inputPath: string, signal?: AbortSignal): Promise<MediaInfo> {
  // The real path: what is checked and described here is what ffmpeg will read later.
  const absolute = await resolveFilmFile(inputPath);
  const name = path.basename(absolute);
  const fileStat = await stat(absolute);
  if (fileStat.size === 0) throw new EngineError('not-a-video', `"${name}" is empty (0 bytes); choose a video file with a film in it.`);

  const input = filmInputArgs(absolute);
  let parsed: FfprobeOutput;
  let firstFrames: FirstFrame[];
  try {
    // The container's description, plus the first seconds of packets, plus (in parallel) the
    // timestamps of the first decoded video frames.
    const [described, frames] = await Promise.all([
      runFfprobe(
        [
          '-show_format',
          '-show_streams',
          '-show_chapters',
          '-show_entries',
          'packet=stream_index,pts,duration,flags',
          '-read_intervals',
          `%+${HEAD_SECONDS}`,
          '-of',
          'json',
          ...input,
        ],
        { signal, what: `read "${name}"` },
      ),
      readFirstFrames(input, signal),
    ]);
    parsed = JSON.parse(described.stdout.toString('utf8')) as FfprobeOutput;
    firstFrames = frames;
  } catch (error) {
    if (isEngineError(error) && error.code === 'ffmpeg-failed') {
      // Image demuxers are not film demuxers, so ffprobe refuses a photo outright.
      if (STILL_IMAGE_EXTENSIONS.has(path.extname(absolute).toLowerCase())) throw stillImageError(name);
      const notAFilm = await describeNonFilm(absolute);
      if (notAFilm) throw new EngineError('not-a-video', notAFilm, error.detail);
      if (await looksLikeVideoContainer(absolute)) {
        throw new EngineError(
          'corrupt-input',
          `"${name}" looks like a video file but is damaged or incomplete, so it cannot be opened; copy or download it again.`,
          error.detail,
        );
      }
      throw new EngineError(
        'not-a-video',
        `"${name}" is not a video file ffmpeg can read; choose a film such as MP4, MKV, MOV or AVI.`,
        error.detail,
      );
    }
    throw error;
  }

  const format = parsed.format ?? {};
  const streams = parsed.streams ?? [];
  const formatName = format.format_name ?? 'unknown';
  if (STILL_IMAGE_FORMATS.test(formatName) || STILL_IMAGE_EXTENSIONS.has(path.extname(absolute).toLowerCase())) throw stillImageError(name);
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && s.width && s.height);
  if (!videoStream) {
    const hasAudio = streams.some((s) => s.codec_type === 'audio');
    throw new EngineError(
      'no-video-stream',
      hasAudio
        ? `"${name}" has sound but no picture (no video stream); choose a film file.`
        : `"${name}" has no video stream; choose a film file.`,
    );
  }

  throwIfAborted(signal);
  const headPackets = (parsed.packets ?? []).filter((p) => p.stream_index === videoStream.index);
  const firstFramePts = minimum(firstFrames.filter((f) => f.stream_index === videoStream.index).map((f) => f.best_effort_timestamp));
  const video = await describeVideo(input, name, videoStream, format, headPackets, firstFramePts, signal);
  const audio = streams.filter((s) => s.codec_type === 'audio').map(describeAudio);
  const subtitles = streams.filter((s) => s.codec_type === 'subtitle').map(describeSubtitle);

  return {
    path: absolute,
    formatName,
    durationSec: positiveNumber(format.duration) ?? video.frameCount / video.fps,
    sizeBytes: fileStat.size,
    bitRate: positiveNumber(format.bit_rate),
    video,
    audio,
    subtitles,
    chapters: parsed.chapters?.length ?? 0,
    tags: { ...(format.tags ?? {}) },
  };
}

async function describeVideo(
  input: string[],
  name: string,
  stream: FfprobeStream,
  format: NonNullable<FfprobeOutput['format']>,
  head: FfprobePacket[],
  firstDecodedPts: number | undefined,
  signal?: AbortSignal,
): Promise<VideoInfo> {
  const timeBase = parseRational(stream.time_base) ?? { num: 1, den: 90_000 };
  const streamStartSec = numberOr(stream.start_time, numberOr(format.start_time, 0));
  const containerStartSec = numberOr(format.start_time, streamStartSec);
  const streamDurationSec = positiveNumber(stream.duration) ?? positiveNumber(format.duration);
  const fieldOrder = normalizeFieldOrder(stream.field_order);
  const interlaced = fieldOrder === 'tt' || fieldOrder === 'bb' || fieldOrder === 'tb' || fieldOrder === 'bt';

  const [tail, looksMonochrome] = await Promise.all([
    streamDurationSec === undefined
      ? Promise.resolve(undefined)
      : readPackets(input, stream.index, `${Math.max(0, streamStartSec + streamDurationSec - TAIL_SECONDS).toFixed(6)}%`, signal),
    sampleLooksMonochrome(input, stream.index, (streamDurationSec ?? 0) / 3, signal),
  ]);

  const headPts = head.filter(isPresentedPacket).map((p) => p.pts as number);
  if (headPts.length === 0 && firstDecodedPts === undefined) {
    throw new EngineError(
      'zero-frames',
      `"${name}" has a video stream with no frames in it, so the file is empty or damaged; copy or download it again.`,
    );
  }

  const { frameRate, variableFrameRate } = chooseFrameRate({
    rFrameRate: parseRational(stream.r_frame_rate),
    avgFrameRate: parseRational(stream.avg_frame_rate),
    packetPts: headPts,
    timeBase,
    interlaced,
  });
  const fps = toNumber(frameRate);
  const firstFramePts = firstDecodedPts ?? Math.min(...headPts);
  const firstTick = ptsToFrameTick(firstFramePts, timeBase, frameRate);

  // Where the data really ends: the last packet's end. The fps filter stops there, too.
  let tailFrameCount: number | undefined;
  if (tail) {
    const tailPackets = tail.packets.filter(isPresentedPacket);
    const frameTicks = Math.round(timeBase.den / (timeBase.num * fps));
    const lastEnd = tailPackets.length
      ? Math.max(...tailPackets.map((p) => (p.pts as number) + (p.duration && p.duration > 0 ? p.duration : frameTicks)))
      : undefined;
    const promisedEndSec = streamStartSec + (streamDurationSec as number);
    const lastEndSec = lastEnd === undefined ? undefined : lastEnd * toNumber(timeBase);
    const shortfallSec = lastEndSec === undefined ? Infinity : promisedEndSec - lastEndSec;
    if (shortfallSec > Math.max(0.5, 0.05 * (streamDurationSec as number)) || /partial file/i.test(tail.stderr)) {
      const reached = lastEndSec === undefined ? '' : ` at about ${Math.max(0, lastEndSec - streamStartSec).toFixed(1)} s`;
      throw new EngineError(
        'corrupt-input',
        `"${name}" is cut short or damaged: it should last ${(streamDurationSec as number).toFixed(1)} s but its video data stops${reached}; copy or download it again.`,
        tail.stderr || undefined,
      );
    }
    if (lastEnd !== undefined) tailFrameCount = ptsToFrameTick(lastEnd, timeBase, frameRate) - firstTick;
  }

  const nbFrames = positiveInteger(stream.nb_frames);
  let frameCount: number;
  let frameCountExact = false;
  if (!variableFrameRate && nbFrames !== undefined) {
    frameCount = tailFrameCount ?? nbFrames;
    frameCountExact = tailFrameCount === undefined || tailFrameCount === nbFrames;
  } else {
    frameCount = tailFrameCount ?? Math.round((streamDurationSec ?? 0) * fps);
  }
  if (frameCount <= 0) {
    throw new EngineError(
      'zero-frames',
      `"${name}" has a video stream with no frames in it, so the file is empty or damaged; copy or download it again.`,
    );
  }

  const width = stream.width as number;
  const height = stream.height as number;
  const rotation = clockwiseRotation(stream);
  const size = outputSize(width, height, rotation);
  if (size.width < MIN_FILM_SIDE || size.height < MIN_FILM_SIDE) {
    throw new EngineError(
      'no-video-stream',
      `"${name}" is only ${width}x${height} pixels, too small to colourize; choose a film at least ${MIN_FILM_SIDE}x${MIN_FILM_SIDE} pixels in size.`,
    );
  }
  const sar = parseRational(stream.sample_aspect_ratio) ?? { num: 1, den: 1 };
  const dar = parseRational(stream.display_aspect_ratio) ?? reduce({ num: width * sar.num, den: height * sar.den });
  const pixelFormat = stream.pix_fmt ?? 'unknown';

  return {
    index: stream.index,
    codec: stream.codec_name ?? 'unknown',
    width,
    height,
    outputWidth: size.width,
    outputHeight: size.height,
    sampleAspectRatio: formatRational(sar, ':'),
    displayAspectRatio: formatRational(dar, ':'),
    rotation,
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat, stream.bits_per_raw_sample),
    colorMatrix: knownValue(stream.color_space),
    colorRange: stream.color_range === 'pc' || pixelFormat.startsWith('yuvj') ? 'pc' : stream.color_range === 'tv' ? 'tv' : 'unknown',
    colorPrimaries: knownValue(stream.color_primaries),
    colorTransfer: knownValue(stream.color_transfer),
    fieldOrder,
    interlaced,
    frameRate,
    fps,
    variableFrameRate,
    frameCount,
    frameCountExact,
    looksMonochrome,
    timeBase,
    firstFramePts,
    startTimeSec: Math.max(0, Math.round((firstFramePts * toNumber(timeBase) - containerStartSec) * 1e6) / 1e6),
  };
}

function describeAudio(stream: FfprobeStream): AudioStreamInfo {
  const codec = stream.codec_name ?? 'unknown';
  return {
    index: stream.index,
    codec,
    channels: stream.channels ?? 0,
    channelLayout: stream.channel_layout,
    sampleRate: Number(stream.sample_rate ?? 0),
    language: knownValue(stream.tags?.language),
    title: stream.tags?.title,
    durationSec: positiveNumber(stream.duration),
    mp4Compatible: isMp4CompatibleAudio(codec),
  };
}

function describeSubtitle(stream: FfprobeStream): SubtitleStreamInfo {
  const codec = stream.codec_name ?? 'unknown';
  return {
    index: stream.index,
    codec,
    language: knownValue(stream.tags?.language),
    title: stream.tags?.title,
    mp4Compatible: isMp4CompatibleSubtitle(codec),
  };
}

// ---------------------------------------------------------------------------------------------
// Side looks at the data
// ---------------------------------------------------------------------------------------------

async function readPackets(
  input: string[],
  streamIndex: number,
  interval: string,
  signal?: AbortSignal,
): Promise<{ packets: FfprobePacket[]; stderr: string }> {
  try {
    const { stdout, stderr } = await runFfprobe(
      [
        '-select_streams',
        String(streamIndex),
        '-read_intervals',
        interval,
        '-show_entries',
        'packet=pts,duration,flags',
        '-of',
        'json',
        ...input,
      ],
      { signal, what: 'read the video packets' },
    );
    const parsed = JSON.parse(stdout.toString('utf8')) as { packets?: FfprobePacket[] };
    return { packets: parsed.packets ?? [], stderr };
  } catch (error) {
    if (isEngineError(error) && error.code === 'cancelled') throw error;
    // A seek past the end of a damaged file fails; that is an answer, not an error.
    return { packets: [], stderr: isEngineError(error) ? (error.detail ?? error.message) : String(error) };
  }
}

interface FirstFrame {
  stream_index?: number;
  best_effort_timestamp?: number;
}

/**
 * Best-effort timestamps of the first decoded video frames: what ffmpeg's decoder numbers from
 * (it can differ from the first packet when leading frames cannot be decoded).
 */
async function readFirstFrames(input: string[], signal?: AbortSignal): Promise<FirstFrame[]> {
  try {
    const { stdout } = await runFfprobe(
      [
        '-select_streams',
        'V:0',
        '-read_intervals',
        '%+#8',
        '-show_entries',
        'frame=stream_index,best_effort_timestamp',
        '-of',
        'json',
        ...input,
      ],
      { signal, what: 'decode the first frames' },
    );
    return (JSON.parse(stdout.toString('utf8')) as { frames?: FirstFrame[] }).frames ?? [];
  } catch (error) {
    if (isEngineError(error) && error.code === 'cancelled') throw error;
    return [];
  }
}

/**
 * Decodes one small frame near `atSec` and checks whether its colour is (almost) neutral. Only key
 * frames are decoded: the first at or after `atSec`, else (a film with none after it) the last before
 * it. Decoding up to an exact time would cost up to a whole GOP (at 1080p with x264's default of 250
 * frames, half a second of CPU before every render).
 */
async function sampleLooksMonochrome(
  input: string[],
  streamIndex: number,
  atSec: number,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  const side = 32;
  const plane = side * side;
  const sample = async (seek: string[]) => {
    const { stdout } = await runFfmpeg(
      [
        '-skip_frame',
        'nokey',
        ...seek,
        '-ss',
        Math.max(0, atSec).toFixed(3),
        ...input,
        '-map',
        `0:${streamIndex}`,
        '-frames:v',
        '1',
        '-vf',
        `scale=${side}:${side},format=yuv444p`,
        // A key frame before the seek point has a negative time, which the default would drop.
        '-fps_mode',
        'passthrough',
        '-f',
        'rawvideo',
        'pipe:1',
      ],
      { signal, what: 'sample a frame' },
    );
    return stdout.length >= 3 * plane ? stdout : undefined;
  };
  try {
    const frame = (await sample([])) ?? (await sample(['-noaccurate_seek']));
    if (!frame) return undefined;
    let deviation = 0;
    for (let i = plane; i < 3 * plane; i++) deviation += Math.abs(frame[i] - 128);
    return deviation / plane < 3;
  } catch (error) {
    if (isEngineError(error) && error.code === 'cancelled') throw error;
    return undefined;
  }
}

/** Magic bytes of common video containers: a file that has them but will not open is damaged. */
async function looksLikeVideoContainer(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    if (bytesRead < 8) return false;
    const box = head.toString('latin1', 4, 8);
    if (['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip'].includes(box)) return true; // MP4 / MOV
    if (head.readUInt32BE(0) === 0x1a45dfa3) return true; // Matroska / WebM
    if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'AVI ') return true;
    if (head.readUInt32BE(0) === 0x000001ba) return true; // MPEG program stream
    if (head[0] === 0x47 && bytesRead >= 1) {
      // MPEG-TS: sync byte every 188 bytes.
      const more = Buffer.alloc(189);
      const { bytesRead: n } = await handle.read(more, 0, 189, 0);
      return n === 189 && more[188] === 0x47;
    }
    return false;
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function stillImageError(name: string): EngineError {
  return new EngineError('no-video-stream', `"${name}" is a still image, not a film; colourize it as a photo instead.`);
}

function minimum(values: Array<number | undefined>): number | undefined {
  const numbers = values.filter((v): v is number => typeof v === 'number');
  return numbers.length ? Math.min(...numbers) : undefined;
}

function isPresentedPacket(packet: FfprobePacket): boolean {
  return typeof packet.pts === 'number' && !(packet.flags ?? '').includes('D');
}

function normalizeFieldOrder(value: string | undefined): VideoInfo['fieldOrder'] {
  return value === 'progressive' || value === 'tt' || value === 'bb' || value === 'tb' || value === 'bt' ? value : 'unknown';
}

function knownValue(value: string | undefined): string | undefined {
  return value && value !== 'unknown' && value !== 'und' && value !== 'unspecified' ? value : undefined;
}

function numberOr(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) ? value : fallback;
}

function positiveNumber(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function positiveInteger(text: string | undefined): number | undefined {
  const value = positiveNumber(text);
  return value !== undefined && Number.isInteger(value) ? value : undefined;
}
