// The host protocol: what the renderer may ask of its host (the Electron main process over IPC, or the
// browser-mode server over a WebSocket). Both hosts implement exactly these methods, streams and events;
// the renderer's EngineClient wraps them. Pure TypeScript: no DOM, no Node, so host and page share it.

import type {
  EngineErrorCode,
  ExecutionProvider,
  HintsDocument,
  MediaInfo,
  ModelInfo,
  NoticeEvent,
  PrepareOptions,
  PrepareResult,
  PreviewFrame,
  PreviewOptions,
  ProgressEvent,
  RenderOptions,
  RenderResult,
  SceneCutOptions,
  SceneCutScan,
  Thumbnail,
  ThumbnailOptions,
} from './types.js';

export type {
  HintsDocument,
  MediaInfo,
  ModelInfo,
  PrepareOptions,
  PrepareResult,
  PreviewFrame,
  ProgressEvent,
  RenderResult,
  SceneCutScan,
  Thumbnail,
};

export interface AppInfo {
  host: 'electron' | 'browser';
  version: string;
  platform: string;
  /** Browser mode: the folders the server lets this page read from and write to. */
  allowedRoots: string[];
  /** Where outputs go unless the person picks another place. */
  defaultOutputDir: string | null;
}

export interface FileEntry {
  path: string;
  name: string;
  sizeBytes: number;
}

export interface FileListing {
  roots: string[];
  files: FileEntry[];
  /** True when the listing stopped early because the folders hold more films than it shows. */
  truncated: boolean;
}

/** The settings a render job carries (the same names as RenderOptions). */
export type JobOptions = Pick<
  RenderOptions,
  'model' | 'renderFactor' | 'device' | 'stabilize' | 'deinterlace' | 'saturation' | 'codec' | 'encoder' | 'crf' | 'hints'
>;

/** A film's colour pins as the host keeps them (per user, never beside the film). */
export interface StoredPins {
  hints: HintsDocument;
  /** Said when saved pins could not be read back (they are ignored; the film opens without them). */
  notice: string | null;
}

export interface JobSpec {
  input: string;
  output: string;
  /** Seconds; both absent = the whole film. */
  from?: number;
  to?: number;
  options: JobOptions;
  /** Replace an existing output (the person confirmed it in the save dialog or ticked the box). */
  overwrite?: boolean;
}

export type JobStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface JobError {
  code: WireErrorCode;
  message: string;
}

export interface QueueJob extends JobSpec {
  id: string;
  status: JobStatus;
  progress: ProgressEvent | null;
  /** The latest notices (bounded), e.g. a provider fallback or a resumed render. */
  notices: NoticeEvent[];
  provider: ExecutionProvider | null;
  /** Scene cuts the engine found while rendering, as frame numbers in the film (sorted). */
  sceneCuts: number[];
  result: RenderResult | null;
  error: JobError | null;
  createdAt: number;
  updatedAt: number;
}

// ---------------------------------------------------------------------------------------------
// Methods (request → response), streams (request → items) and events (host → page)
// ---------------------------------------------------------------------------------------------

export interface HostMethods {
  'app:info': { request: Record<string, never>; response: AppInfo };
  /** Browser mode: films under the allowed folders. Electron: an empty listing. */
  'files:list': { request: Record<string, never>; response: FileListing };
  /** Electron: the open dialog; the chosen film joins the session's allow-list. Browser: null. */
  'files:choose-film': { request: Record<string, never>; response: string | null };
  /** Electron: the save dialog; the chosen path joins the allow-list for writing. Browser: null. */
  'files:choose-output': { request: { suggestedPath: string }; response: string | null };
  /** Electron: shows the file in the system's file manager. Browser: nothing to do (returns false). */
  'files:reveal': { request: { path: string }; response: boolean };
  'engine:probe': { request: { path: string }; response: MediaInfo };
  'engine:models': { request: Record<string, never>; response: ModelInfo[] };
  /** Starts the model previews with these options will use (kept warm), and says what it runs on. */
  'engine:prepare': { request: PrepareOptions; response: PrepareResult };
  /** Electron: the open dialog for a hints file (.json); it joins the allow-list for reading. Browser: null. */
  'files:choose-hints': { request: Record<string, never>; response: string | null };
  /** Electron: the save dialog for a hints file; it joins the allow-list for writing. Browser: null. */
  'files:choose-hints-output': { request: { suggestedPath: string }; response: string | null };
  /** The film's saved colour pins (an empty document when it has none). */
  'pins:load': { request: { film: string }; response: StoredPins };
  /** Keeps the film's colour pins in the app's per-user data (no pins: forgets them). */
  'pins:save': { request: { film: string; hints: HintsDocument }; response: null };
  /** Reads and checks a hints file the person chose. */
  'pins:import': { request: { path: string }; response: HintsDocument };
  /** Writes a hints file where the person chose (atomically; an existing file only with overwrite). */
  'pins:export': { request: { path: string; hints: HintsDocument; overwrite?: boolean }; response: string };
  'queue:list': { request: Record<string, never>; response: QueueJob[] };
  'queue:add': { request: JobSpec; response: QueueJob };
  'queue:pause': { request: { id: string }; response: QueueJob[] };
  'queue:resume': { request: { id: string }; response: QueueJob[] };
  'queue:cancel': { request: { id: string }; response: QueueJob[] };
  'queue:remove': { request: { id: string }; response: QueueJob[] };
}

export interface HostStreams {
  'engine:thumbnails': { request: ThumbnailOptions; item: Thumbnail };
  'engine:preview': { request: PreviewOptions; item: PreviewFrame };
  /** The film's hard cuts (its shots), reported as the scan goes. */
  'engine:scene-cuts': { request: SceneCutOptions; item: SceneCutScan };
}

export type MenuCommand =
  'open-film' | 'preview-frame' | 'preview-range' | 'queue-film' | 'queue-range' | 'set-in' | 'set-out' | 'clear-range' | 'pin-tool';

export interface HostEvents {
  'queue:changed': QueueJob[];
  'menu:command': MenuCommand;
  /** A film the host opened on its own (a drop on the window, a file given on the command line). */
  'film:opened': string;
}

export type HostMethodName = keyof HostMethods;
export type HostStreamName = keyof HostStreams;
export type HostEventName = keyof HostEvents;

const HOST_METHODS = [
  'app:info',
  'files:list',
  'files:choose-film',
  'files:choose-output',
  'files:reveal',
  'engine:probe',
  'engine:models',
  'engine:prepare',
  'files:choose-hints',
  'files:choose-hints-output',
  'pins:load',
  'pins:save',
  'pins:import',
  'pins:export',
  'queue:list',
  'queue:add',
  'queue:pause',
  'queue:resume',
  'queue:cancel',
  'queue:remove',
] as const satisfies readonly HostMethodName[];

const HOST_STREAMS = ['engine:thumbnails', 'engine:preview', 'engine:scene-cuts'] as const satisfies readonly HostStreamName[];

const HOST_EVENTS = ['queue:changed', 'menu:command', 'film:opened'] as const satisfies readonly HostEventName[];

export function isHostMethod(name: unknown): name is HostMethodName {
  return typeof name === 'string' && (HOST_METHODS as readonly string[]).includes(name);
}

export function isHostStream(name: unknown): name is HostStreamName {
  return typeof name === 'string' && (HOST_STREAMS as readonly string[]).includes(name);
}

export function isHostEvent(name: unknown): name is HostEventName {
  return typeof name === 'string' && (HOST_EVENTS as readonly string[]).includes(name);
}

// ---------------------------------------------------------------------------------------------
// Results travel as envelopes so that error codes survive IPC and WebSocket alike.
// ---------------------------------------------------------------------------------------------

/** The host's own refusals: a path nobody chose, a malformed request, something missing or unexpected. */
export type HostOnlyErrorCode = 'not-allowed' | 'bad-request' | 'unavailable' | 'not-found' | 'internal';

/** The page's own: the connection to the host was lost. */
type ClientOnlyErrorCode = 'disconnected';

/** Every code an error can carry across IPC or the WebSocket: the engine's, the host's, the page's. */
export type WireErrorCode = EngineErrorCode | HostOnlyErrorCode | ClientOnlyErrorCode;

export interface WireError {
  code: WireErrorCode;
  message: string;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Messages of one running stream, as the host sends them. */
export type StreamMessage<T> =
  { streamId: string; kind: 'item'; item: T } | { streamId: string; kind: 'end' } | { streamId: string; kind: 'error'; error: WireError };

// ---------------------------------------------------------------------------------------------
// Electron: the API the preload script exposes on window.chromareel (contextBridge).
// ---------------------------------------------------------------------------------------------

export interface StreamHandlers {
  item(item: unknown): void;
  end(): void;
  error(error: WireError): void;
}

export interface PreloadBridge {
  call(method: HostMethodName, request: unknown): Promise<Envelope<unknown>>;
  /** Starts a stream; the returned function cancels it. */
  openStream(name: HostStreamName, request: unknown, handlers: StreamHandlers): () => void;
  on(event: HostEventName, listener: (payload: unknown) => void): () => void;
  /** The path of a film dropped on the window; the host adds it to the session's allow-list. */
  openDroppedFile(file: File): Promise<Envelope<string>>;
}

export const BRIDGE_GLOBAL = 'chromareel';

/** IPC channel names (Electron). */
export const IPC = {
  call: 'host:call',
  streamOpen: 'host:stream-open',
  streamCancel: 'host:stream-cancel',
  streamMessage: 'host:stream-message',
  event: 'host:event',
  dropped: 'host:dropped-file',
} as const;

// ---------------------------------------------------------------------------------------------
// Browser mode: WebSocket messages. Page → server: JSON text. Server → page: JSON text, or a binary
// frame (see wire-codec.ts) when the message carries images.
// ---------------------------------------------------------------------------------------------

export type ClientMessage =
  | { type: 'call'; id: number; method: HostMethodName; request: unknown }
  | { type: 'stream'; id: number; name: HostStreamName; request: unknown }
  | { type: 'cancel'; id: number };

export type ServerMessage =
  | { type: 'result'; id: number; envelope: Envelope<unknown> }
  | { type: 'stream'; id: number; message: StreamMessage<unknown> }
  | { type: 'event'; event: HostEventName; payload: unknown };

export const WS_PATH = '/api';
export const TOKEN_PARAM = 'token';
