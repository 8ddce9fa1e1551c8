import type {
  MediaInfo,
  ModelInfo,
  PreviewFrame,
  PreviewOptions,
  RenderEvent,
  RenderOptions,
  RenderResult,
  Thumbnail,
  ThumbnailOptions,
  ColorizeOptions,
  ExecutionProvider,
} from './types.js';

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
  thumbnails(options: ThumbnailOptions, signal?: AbortSignal): AsyncIterable<Thumbnail>;
  preview(options: PreviewOptions, signal?: AbortSignal): AsyncIterable<PreviewFrame>;
  render(options: RenderOptions, onEvent?: (event: RenderEvent) => void, signal?: AbortSignal): Promise<RenderResult>;
  colorizePhoto(options: PhotoOptions, onEvent?: (event: RenderEvent) => void, signal?: AbortSignal): Promise<PhotoResult>;
  /** Stops inference processes kept warm between previews. */
  close(): Promise<void>;
}
