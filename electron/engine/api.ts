import type {
  MediaInfo,
  ModelInfo,
  PreviewFrame,
  PreviewOptions,
  RenderEvent,
  RenderOptions,
  RenderResult,
  SceneCutOptions,
  SceneCutScan,
  Thumbnail,
  ThumbnailOptions,
  ColorizeOptions,
  ExecutionProvider,
  PrepareOptions,
  PrepareResult,
} from '../common/types.js';

export interface PhotoOptions extends ColorizeOptions {
  input: string;
  output: string;
  overwrite?: boolean;
}

export interface PhotoResult {
  output: string;
  width: number;
  height: number;
  provider: ExecutionProvider;
  model: string;
}

/**
 * The one engine API. The CLI, the Electron main process, the browser-mode server and the tests all
 * drive this interface; the renderer reaches it through EngineClient (IPC or WebSocket).
 * Every long call takes an AbortSignal; aborting leaves a resumable state behind.
 */
export interface Engine {
  probe(input: string, signal?: AbortSignal): Promise<MediaInfo>;
  listModels(): Promise<ModelInfo[]>;
  /**
   * Starts (or finds already warm) the inference process previews and renders with these options will
   * use, so that the first preview does not wait for the model to load. Aborting stops the wait only:
   * the process goes on starting for whoever asks next, and stays warm until close().
   */
  prepare(options: PrepareOptions, signal?: AbortSignal): Promise<PrepareResult>;
  thumbnails(options: ThumbnailOptions, signal?: AbortSignal): AsyncIterable<Thumbnail>;
  preview(options: PreviewOptions, signal?: AbortSignal): AsyncIterable<PreviewFrame>;
  /**
   * Scans the whole film for hard cuts with the stabilizer's detector (the shots colour pins hold in);
   * reports as it goes. A finished scan is remembered while the film's size and time stay the same.
   */
  sceneCuts(options: SceneCutOptions, signal?: AbortSignal): AsyncIterable<SceneCutScan>;
  render(options: RenderOptions, onEvent?: (event: RenderEvent) => void, signal?: AbortSignal): Promise<RenderResult>;
  colorizePhoto(options: PhotoOptions, onEvent?: (event: RenderEvent) => void, signal?: AbortSignal): Promise<PhotoResult>;
  /** Stops inference processes kept warm between previews. */
  close(): Promise<void>;
}
