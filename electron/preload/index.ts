// The only bridge between the page and the host. The page gets a small typed API (PreloadBridge) on
// window.chromareel: named calls and streams from a fixed list, events from a fixed list, and the path
// of a dropped film, which only the preload can read (webUtils) so the page cannot invent paths.

import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  BRIDGE_GLOBAL,
  IPC,
  isHostEvent,
  isHostMethod,
  isHostStream,
  type Envelope,
  type HostEventName,
  type HostMethodName,
  type HostStreamName,
  type PreloadBridge,
  type StreamHandlers,
  type StreamMessage,
} from '../common/protocol.js';

const refused = (message: string): Envelope<never> => ({ ok: false, error: { code: 'bad-request', message } });

let nextStream = 0;
const streamHandlers = new Map<string, StreamHandlers>();
ipcRenderer.on(IPC.streamMessage, (_event: IpcRendererEvent, message: StreamMessage<unknown>) => {
  const handlers = streamHandlers.get(message.streamId);
  if (!handlers) return;
  if (message.kind === 'item') handlers.item(message.item);
  else {
    streamHandlers.delete(message.streamId);
    if (message.kind === 'end') handlers.end();
    else handlers.error(message.error);
  }
});

const bridge: PreloadBridge = {
  call(method: HostMethodName, request: unknown) {
    if (!isHostMethod(method)) return Promise.resolve(refused(`Unknown method ${String(method)}.`));
    return ipcRenderer.invoke(IPC.call, method, request) as Promise<Envelope<unknown>>;
  },
  openStream(name: HostStreamName, request: unknown, handlers: StreamHandlers) {
    if (!isHostStream(name)) {
      handlers.error({ code: 'bad-request', message: `Unknown stream ${String(name)}.` });
      return () => undefined;
    }
    const streamId = `s${++nextStream}`;
    streamHandlers.set(streamId, handlers);
    ipcRenderer.send(IPC.streamOpen, { streamId, name, request });
    return () => {
      if (streamHandlers.delete(streamId)) {
        ipcRenderer.send(IPC.streamCancel, { streamId });
        handlers.end();
      }
    };
  },
  on(event: HostEventName, listener: (payload: unknown) => void) {
    if (!isHostEvent(event)) return () => undefined;
    const wrapped = (_event: IpcRendererEvent, message: { event: string; payload: unknown }) => {
      if (message.event === event) listener(message.payload);
    };
    ipcRenderer.on(IPC.event, wrapped);
    return () => void ipcRenderer.removeListener(IPC.event, wrapped);
  },
  async openDroppedFile(file: File) {
    let path = '';
    try {
      path = webUtils.getPathForFile(file);
    } catch {
      // Not a File from a drop or a file input: it has no path on disk.
    }
    if (!path) return refused('Only films dropped from your computer can be opened this way.');
    return ipcRenderer.invoke(IPC.dropped, { path }) as Promise<Envelope<string>>;
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
