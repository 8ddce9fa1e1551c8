// The engine's public vocabulary. Everything the CLI, the Electron main process, the browser-mode
// server and the renderer's EngineClient exchange is defined here. No Electron, no React, no Node
// imports: this file is shared with the renderer as types only. The option lists themselves (devices,
// strengths, codecs, encoders, bounds and defaults) are data in options.ts.

import type { DeviceChoice, EncoderChoice, ExecutionProvider, PreviewFormat, StabilizeStrength, VideoCodec } from './options.js';

export type { DeviceChoice, EncoderChoice, ExecutionProvider, StabilizeStrength, VideoCodec };

// ---------------------------------------------------------------------------------------------
// Probe
// ---------------------------------------------------------------------------------------------

export interface AudioStreamInfo {
  index: number; // absolute stream index in the container
  codec: string; // ffprobe codec_name, e.g. "aac", "pcm_s16le", "flac"
  channels: number;
  channelLayout?: string;
  sampleRate: number;
  language?: string;
  title?: string;
  durationSec?: number;
  /** MP4 can hold this codec as is (stream copy); otherwise it is transcoded to AAC with a notice. */
  mp4Compatible: boolean;
}

export interface SubtitleStreamInfo {
  index: number;
  codec: string;
  language?: string;
  title?: string;
  /** Text subtitles can go into MP4 as mov_text; bitmap ones (dvd/pgs) cannot. */
  mp4Compatible: boolean;
}

export interface VideoInfo {
  index: number;
  codec: string;
  width: number; // coded width of decoded frames (before rotation)
  height: number;
  /** Size of frames as the engine delivers them: after rotation, deinterlace, even-size fix. */
  outputWidth: number;
  outputHeight: number;
  sampleAspectRatio: string; // "1:1", "64:45", ...
  displayAspectRatio: string;
  rotation: number; // degrees clockwise as displayed: 0, 90, 180, 270
  pixelFormat: string;
  bitDepth: number;
  colorMatrix?: string; // bt709, smpte170m, ...
  colorRange: 'tv' | 'pc' | 'unknown';
  colorPrimaries?: string;
  colorTransfer?: string;
  fieldOrder: 'progressive' | 'tt' | 'bb' | 'tb' | 'bt' | 'unknown';
  interlaced: boolean;
  /** Frame rate the engine renders at (CFR), as a rational and as a number. */
  frameRate: { num: number; den: number };
  fps: number;
  variableFrameRate: boolean;
  /** Frames the engine will produce for the whole film at `fps` (exact when frameCountExact). */
  frameCount: number;
  frameCountExact: boolean;
  /** True when the stream looks black-and-white already (low chroma); informational. */
  looksMonochrome?: boolean;
  /** Time base of the stream's timestamps; with firstFramePts it lets the decoder number frames exactly. */
  timeBase?: { num: number; den: number };
  /** Timestamp of the first decoded frame, in timeBase units (frame 0 of the CFR sequence). */
  firstFramePts?: number;
  /** Seconds from the container's start to the first video frame (keeps audio in sync when muxing). */
  startTimeSec?: number;
}

export interface MediaInfo {
  path: string;
  formatName: string; // ffprobe format_name
  durationSec: number;
  sizeBytes: number;
  bitRate?: number;
  video: VideoInfo;
  audio: AudioStreamInfo[];
  subtitles: SubtitleStreamInfo[];
  chapters: number;
  tags: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

export type ModelContract = 'chroma' | 'rgb';

export interface ModelInfo {
  id: string;
  name: string;
  version: string;
  contract: ModelContract;
  description?: string;
  licence: string;
  dir: string; // folder holding model.onnx + model.json
  renderFactor: { min: number; max: number; default: number };
  sizeMultiple: number;
  /** 'cpu' models are picked on CPU, 'gpu' models on GPU providers (auto choice). */
  preferredFor: 'cpu' | 'gpu' | 'any';
  metrics?: Record<string, number | string>;
}

// ---------------------------------------------------------------------------------------------
// Options shared by preview and render
// ---------------------------------------------------------------------------------------------

export interface ColorizeOptions {
  /** Model id from native-models/, or a path to a model folder / model.json. Default: picked by device. */
  model?: string;
  /** Model render factor: the model sees about (renderFactor*16)^2 pixels, aspect kept. */
  renderFactor?: number;
  device?: DeviceChoice;
  stabilize?: StabilizeStrength;
  /** Deinterlace interlaced sources (default true). */
  deinterlace?: boolean;
  /** Colour strength multiplier on predicted chroma (1 = as the model says). */
  saturation?: number;
  /** Colour pins (a checked hints file, see electron/engine/pins/hints-file.ts). */
  hints?: HintsDocument;
}

/** One colour pin: "the thing under (x, y) at t seconds has this colour" (README, "Colour pins"). */
export interface Pin {
  /** Seconds into the film; left out for a photo (a film pin without t sits at 0 s). */
  t?: number;
  /** Fractions 0–1 of the picture as displayed, origin top left. */
  x: number;
  y: number;
  /** sRGB hex, "#rrggbb". */
  color: string;
}

/** The hints file's content (version 1). */
export interface HintsDocument {
  version: 1;
  pins: Pin[];
}

export interface RenderOptions extends ColorizeOptions {
  input: string;
  output: string;
  /** Seconds from the start of the film, inclusive. */
  from?: number;
  /** Seconds from the start of the film, exclusive. */
  to?: number;
  codec?: VideoCodec;
  /** Default x264 (x265 for codec h265); see electron/engine/media/encoders.ts. */
  encoder?: EncoderChoice;
  crf?: number;
  preset?: string;
  /** Lossless video (x264/x265 qp 0): the output luma equals the source luma exactly. */
  lossless?: boolean;
  overwrite?: boolean;
  /** Folder for segments and the job file; default: a hidden folder beside the output. */
  workDir?: string;
  /** Frames per segment file; default ≈ 4 seconds of film (or segmentSeconds). */
  segmentFrames?: number;
  /** Seconds of film per segment file, when segmentFrames is not given (default 4). */
  segmentSeconds?: number;
  /** Keep the work folder after success (for debugging). */
  keepWork?: boolean;
}

export interface PrepareOptions {
  /** A model id or folder; default: the engine's pick for the device (as preview and render choose). */
  model?: string;
  device?: DeviceChoice;
}

export interface PrepareResult {
  /** The provider the model was loaded with (what previews and renders with these options run on). */
  provider: ExecutionProvider;
  /** The id of the model that was loaded. */
  model: string;
}

export type RenderPhase = 'probing' | 'loading-model' | 'colorizing' | 'muxing' | 'done';

export interface ProgressEvent {
  type: 'progress';
  phase: RenderPhase;
  framesDone: number;
  framesTotal: number;
  fps: number; // recent throughput
  etaSec: number | null;
  segmentsDone: number;
  segmentsTotal: number;
}

export interface NoticeEvent {
  type: 'notice';
  level: 'info' | 'warning';
  code:
    | 'provider-fallback'
    | 'provider'
    | 'encoder'
    | 'encoder-fallback'
    | 'audio-transcoded'
    | 'subtitle-dropped'
    | 'resumed'
    | 'deinterlacing'
    | 'vfr-to-cfr'
    | 'odd-size'
    | 'damaged-input'
    | 'other';
  message: string;
  /** Provider notices: the provider the model runs on (after a fallback, the one it fell back to). */
  provider?: ExecutionProvider;
  /** A provider fallback: the provider that could not be used. */
  failedProvider?: ExecutionProvider;
}

export interface SceneCutEvent {
  type: 'scene-cut';
  frame: number;
  timeSec: number;
}

export type RenderEvent = ProgressEvent | NoticeEvent | SceneCutEvent;

export interface RenderResult {
  output: string;
  frames: number;
  durationSec: number;
  provider: ExecutionProvider;
  model: string;
  resumedFromFrame: number;
  sceneCuts: number[];
  elapsedSec: number;
}

// ---------------------------------------------------------------------------------------------
// Preview and thumbnails
// ---------------------------------------------------------------------------------------------

export interface PreviewOptions extends ColorizeOptions {
  input: string;
  /** Seconds. */
  at: number;
  /** Number of consecutive frames from `at` (1 = the single frame). */
  frames?: number;
  /** Longest side of the returned images (default: the film's own size, capped at 1280). */
  maxSize?: number;
  /** Image encoding of the returned frames (default jpeg: small and fast for the UI). */
  format?: PreviewFormat;
}

export interface PreviewFrame {
  index: number; // 0-based within this preview
  frame: number; // frame number in the film
  timeSec: number;
  width: number;
  height: number;
  /** Encoded images (JPEG unless asked otherwise), ready for an <img>. */
  before: Uint8Array;
  after: Uint8Array;
  mime: 'image/jpeg' | 'image/png';
  provider: ExecutionProvider;
  /** A new shot starts at this frame (the stabilizer carried no colour across it). */
  sceneCut?: boolean;
  /** On the first frame: what the engine wants said (provider used, CPU fallback, deinterlacing…). */
  notices?: NoticeEvent[];
  /** With colour pins: where each pin that holds on this frame is now (it follows the thing it was put on). */
  pins?: PreviewPin[];
}

/** A colour pin on one previewed frame: its place in the hints document and its position there. */
export interface PreviewPin {
  index: number;
  /** Fractions of the picture, as in the hints file. */
  x: number;
  y: number;
}

export interface SceneCutOptions {
  input: string;
  /** Deinterlace interlaced sources first, as previews and renders do (default true). */
  deinterlace?: boolean;
}

/** Progress of a film's scene-cut scan; the last report has done: true. */
export interface SceneCutScan {
  /** Frames where a new shot starts (sorted); frame 0 is never listed. */
  cuts: number[];
  framesDone: number;
  framesTotal: number;
  done: boolean;
}

export interface ThumbnailOptions {
  input: string;
  count: number;
  height?: number; // default 90
}

export interface Thumbnail {
  index: number;
  timeSec: number;
  width: number;
  height: number;
  jpeg: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type EngineErrorCode =
  | 'input-missing'
  | 'not-a-video'
  | 'no-video-stream'
  | 'zero-frames'
  | 'corrupt-input'
  | 'output-exists'
  | 'output-unwritable'
  | 'output-is-input'
  | 'disk-full'
  | 'model-not-found'
  | 'model-invalid'
  | 'model-hash-mismatch'
  | 'model-contract'
  | 'inference-crashed'
  | 'ffmpeg-missing'
  | 'ffmpeg-failed'
  | 'stabilizer-failed'
  | 'cancelled'
  | 'bad-option';
