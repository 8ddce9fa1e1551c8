// The renderer's one way to reach the engine. The same interface over Electron IPC and over a WebSocket
// (browser mode); components never know which.

import type {
  HintsDocument,
  MediaInfo,
  ModelInfo,
  PreviewFrame,
  PreviewOptions,
  SceneCutOptions,
  SceneCutScan,
  Thumbnail,
  ThumbnailOptions,
} from '../../../electron/common/types.js';
import type {
  AppInfo,
  Envelope,
  FileListing,
  HostEventName,
  HostEvents,
  HostMethodName,
  HostMethods,
  HostStreamName,
  HostStreams,
  JobSpec,
  PrepareOptions,
  PrepareResult,
  QueueJob,
  StoredPins,
  WireErrorCode,
} from '../../../electron/common/protocol.js';
import type { HostTransport } from './transport.js';

/** An error from the host or the engine, in plain words, with its code (e.g. 'not-allowed', 'corrupt-input'). */
export class ClientError extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export interface RenderQueueClient {
  list(): Promise<QueueJob[]>;
  add(spec: JobSpec): Promise<QueueJob>;
  pause(id: string): Promise<QueueJob[]>;
  resume(id: string): Promise<QueueJob[]>;
  cancel(id: string): Promise<QueueJob[]>;
  remove(id: string): Promise<QueueJob[]>;
}

export interface PinsClient {
  /** The film's saved pins (empty when it has none), and a notice when saved ones could not be read. */
  load(film: string): Promise<StoredPins>;
  save(film: string, hints: HintsDocument): Promise<void>;
  /** Reads a hints file (Electron: one chosen with chooseFile). */
  import(path: string): Promise<HintsDocument>;
  /** Writes a hints file; returns where. */
  export(path: string, hints: HintsDocument, overwrite?: boolean): Promise<string>;
  /** Electron: the open dialog for a hints file (null when cancelled). Browser: always null. */
  chooseFile(): Promise<string | null>;
  /** Electron: the save dialog for a hints file (null when cancelled). Browser: always null. */
  chooseOutput(suggestedPath: string): Promise<string | null>;
}

export interface EngineClient {
  readonly host: 'electron' | 'browser';
  appInfo(): Promise<AppInfo>;
  /** Browser mode: the films the server offers. */
  listFiles(): Promise<FileListing>;
  /** Electron: the open dialog (null when cancelled). Browser: always null. */
  chooseFilm(): Promise<string | null>;
  /** Electron: the save dialog (null when cancelled). Browser: always null. */
  chooseOutput(suggestedPath: string): Promise<string | null>;
  /** Electron: a film dropped on the window. */
  openDroppedFile(file: File): Promise<string>;
  /** Electron: shows the file in the system's file manager; false where that is not possible. */
  reveal(path: string): Promise<boolean>;
  probe(path: string): Promise<MediaInfo>;
  listModels(): Promise<ModelInfo[]>;
  /**
   * Starts loading the model previews with these options will use, so the first preview is quicker;
   * answers with the provider it runs on. Safe to fire and forget (a failure here is told again by the preview).
   */
  prepare(options: PrepareOptions): Promise<PrepareResult>;
  /** Items arrive as they are ready; aborting ends the iteration quietly. */
  thumbnails(options: ThumbnailOptions, signal?: AbortSignal): AsyncIterable<Thumbnail>;
  preview(options: PreviewOptions, signal?: AbortSignal): AsyncIterable<PreviewFrame>;
  /** The film's hard cuts, reported as the scan goes. */
  sceneCuts(options: SceneCutOptions, signal?: AbortSignal): AsyncIterable<SceneCutScan>;
  readonly queue: RenderQueueClient;
  readonly pins: PinsClient;
  on<E extends HostEventName>(event: E, listener: (payload: HostEvents[E]) => void): () => void;
  onDisconnect(listener: (message: string) => void): () => void;
  close(): void;
}

function unwrap<T>(envelope: Envelope<unknown>): T {
  if (envelope.ok) return envelope.value as T;
  throw new ClientError(envelope.error.code, envelope.error.message);
}

export function createEngineClient(transport: HostTransport): EngineClient {
  const call = async <M extends HostMethodName>(method: M, request: HostMethods[M]['request']): Promise<HostMethods[M]['response']> =>
    unwrap<HostMethods[M]['response']>(await transport.call(method, request));

  function stream<S extends HostStreamName>(
    name: S,
    request: HostStreams[S]['request'],
    signal?: AbortSignal,
  ): AsyncIterable<HostStreams[S]['item']> {
    return {
      [Symbol.asyncIterator]() {
        const buffered: HostStreams[S]['item'][] = [];
        let finished = false;
        let failure: ClientError | null = null;
        let wake: (() => void) | null = null;
        const poke = () => {
          const resolve = wake;
          wake = null;
          resolve?.();
        };
        if (signal?.aborted) finished = true;
        const cancel = finished
          ? () => undefined
          : transport.openStream(name, request, {
              item(item) {
                buffered.push(item as HostStreams[S]['item']);
                poke();
              },
              end() {
                finished = true;
                poke();
              },
              error(error) {
                failure = new ClientError(error.code, error.message);
                finished = true;
                poke();
              },
            });
        const onAbort = () => cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
        const settle = () => signal?.removeEventListener('abort', onAbort);
        return {
          async next(): Promise<IteratorResult<HostStreams[S]['item']>> {
            while (buffered.length === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve));
            const item = buffered.shift();
            if (item !== undefined && !signal?.aborted) return { value: item, done: false };
            settle();
            if (failure && !signal?.aborted) throw failure;
            return { value: undefined, done: true };
          },
          async return(): Promise<IteratorResult<HostStreams[S]['item']>> {
            cancel();
            settle();
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  return {
    host: transport.host,
    appInfo: () => call('app:info', {}),
    listFiles: () => call('files:list', {}),
    chooseFilm: () => call('files:choose-film', {}),
    chooseOutput: (suggestedPath) => call('files:choose-output', { suggestedPath }),
    async openDroppedFile(file) {
      if (!transport.openDroppedFile)
        throw new ClientError(
          'unavailable',
          'Dropping files works in the desktop app; here, pick the film from the list or type its path.',
        );
      return unwrap<string>(await transport.openDroppedFile(file));
    },
    reveal: (path) => call('files:reveal', { path }),
    probe: (path) => call('engine:probe', { path }),
    listModels: () => call('engine:models', {}),
    prepare: (options) => call('engine:prepare', options),
    thumbnails: (options, signal) => stream('engine:thumbnails', options, signal),
    preview: (options, signal) => stream('engine:preview', options, signal),
    sceneCuts: (options, signal) => stream('engine:scene-cuts', options, signal),
    pins: {
      load: (film) => call('pins:load', { film }),
      save: async (film, hints) => {
        await call('pins:save', { film, hints });
      },
      import: (path) => call('pins:import', { path }),
      export: (path, hints, overwrite) => call('pins:export', { path, hints, ...(overwrite ? { overwrite } : {}) }),
      chooseFile: () => call('files:choose-hints', {}),
      chooseOutput: (suggestedPath) => call('files:choose-hints-output', { suggestedPath }),
    },
    queue: {
      list: () => call('queue:list', {}),
      add: (spec) => call('queue:add', spec),
      pause: (id) => call('queue:pause', { id }),
      resume: (id) => call('queue:resume', { id }),
      cancel: (id) => call('queue:cancel', { id }),
      remove: (id) => call('queue:remove', { id }),
    },
    on: (event, listener) => transport.on(event, listener as (payload: unknown) => void),
    onDisconnect: (listener) => transport.onDisconnect(listener),
    close: () => transport.close(),
  };
}
