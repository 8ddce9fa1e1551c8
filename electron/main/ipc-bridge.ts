// Connects the host handlers to Electron's ipcMain. Typed structurally so it is tested without Electron:
// only pages loaded from the app's own URL are answered, and every payload is validated again here.

import { z } from 'zod';
import { IPC, type StreamMessage } from '../common/protocol.js';
import { pumpStream, type HostHandlers } from '../host/handlers.js';

export interface IpcSender {
  readonly id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcEvent {
  sender: IpcSender;
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEvent, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcEvent, ...args: unknown[]) => void): unknown;
  removeHandler(channel: string): void;
  removeAllListeners(channel: string): unknown;
}

const streamOpenSchema = z.strictObject({
  streamId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  name: z.string().max(64),
  request: z.unknown(),
});
const streamCancelSchema = z.strictObject({ streamId: z.string().max(64) });

const untrusted = { ok: false, error: { code: 'not-allowed', message: 'This page may not use ChromaReel.' } } as const;

/** Registers the host API on ipcMain; returns a function that removes it again. */
export function registerIpc(ipcMain: IpcMainLike, handlers: HostHandlers, isTrustedUrl: (url: string) => boolean): () => void {
  const streamsBySender = new Map<number, Map<string, AbortController>>();
  const trusted = (event: IpcEvent) => event.senderFrame !== null && isTrustedUrl(event.senderFrame.url);

  ipcMain.handle(IPC.call, (event, method, request) => (trusted(event) ? handlers.call(String(method), request) : untrusted));
  ipcMain.handle(IPC.dropped, (event, request) => (trusted(event) ? handlers.dropped(request) : untrusted));

  ipcMain.on(IPC.streamOpen, (event, payload) => {
    const parsed = streamOpenSchema.safeParse(payload);
    if (!parsed.success || !trusted(event)) return;
    const { streamId, name, request } = parsed.data;
    const sender = event.sender;
    let streams = streamsBySender.get(sender.id);
    if (!streams) {
      const created = new Map<string, AbortController>();
      streamsBySender.set(sender.id, created);
      sender.once('destroyed', () => {
        for (const controller of created.values()) controller.abort();
        streamsBySender.delete(sender.id);
      });
      streams = created;
    }
    const controller = new AbortController();
    streams.get(streamId)?.abort();
    streams.set(streamId, controller);
    const post = (message: StreamMessage<unknown>) => {
      if (!sender.isDestroyed()) sender.send(IPC.streamMessage, message);
    };
    void pumpStream(handlers, name, request, controller.signal, {
      item: (item) => post({ streamId, kind: 'item', item }),
      end: () => post({ streamId, kind: 'end' }),
      error: (error) => post({ streamId, kind: 'error', error }),
    }).finally(() => {
      if (streams.get(streamId) === controller) streams.delete(streamId);
    });
  });

  ipcMain.on(IPC.streamCancel, (event, payload) => {
    const parsed = streamCancelSchema.safeParse(payload);
    if (!parsed.success) return;
    streamsBySender.get(event.sender.id)?.get(parsed.data.streamId)?.abort();
  });

  return () => {
    ipcMain.removeHandler(IPC.call);
    ipcMain.removeHandler(IPC.dropped);
    ipcMain.removeAllListeners(IPC.streamOpen);
    ipcMain.removeAllListeners(IPC.streamCancel);
    for (const streams of streamsBySender.values()) for (const controller of streams.values()) controller.abort();
    streamsBySender.clear();
  };
}
