import type { Envelope, HostEventName, HostMethodName, HostStreamName, StreamHandlers } from '../../../electron/common/protocol.js';

/** How the EngineClient reaches its host: the preload bridge (Electron) or a WebSocket (browser). */
export interface HostTransport {
  readonly host: 'electron' | 'browser';
  call(method: HostMethodName, request: unknown): Promise<Envelope<unknown>>;
  openStream(name: HostStreamName, request: unknown, handlers: StreamHandlers): () => void;
  on(event: HostEventName, listener: (payload: unknown) => void): () => void;
  /** Electron only: the path of a film dropped on the window, added to the host's allow-list. */
  openDroppedFile?(file: File): Promise<Envelope<string>>;
  /** Called with a plain sentence when the host can no longer be reached. */
  onDisconnect(listener: (message: string) => void): () => void;
  close(): void;
}
