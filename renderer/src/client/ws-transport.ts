import {
  TOKEN_PARAM,
  WS_PATH,
  type ClientMessage,
  type Envelope,
  type HostEventName,
  type ServerMessage,
  type StreamHandlers,
} from '../../../electron/common/protocol.js';
import type { HostTransport } from './transport.js';
import { decodeMessage } from '../../../electron/common/wire-codec.js';

const LOST = 'The connection to the ChromaReel server was lost; restart "npm run serve" and open the address it prints.';

/** The session token the server put in the page address (#token=…). */
export function tokenFromLocation(location: { hash: string; search: string }): string | null {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get(TOKEN_PARAM);
  return fromHash ?? new URLSearchParams(location.search).get(TOKEN_PARAM);
}

export function webSocketUrl(pageOrigin: string, token: string): string {
  const url = new URL(WS_PATH, pageOrigin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set(TOKEN_PARAM, token);
  return url.href;
}

/** Opens the WebSocket and resolves once it is connected (or rejects with a plain sentence). */
export function connectWebSocketTransport(url: string): Promise<HostTransport> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    let nextId = 1;
    let open = false;
    const calls = new Map<number, (envelope: Envelope<unknown>) => void>();
    const streams = new Map<number, StreamHandlers>();
    const listeners = new Map<HostEventName, Set<(payload: unknown) => void>>();
    const disconnectListeners = new Set<(message: string) => void>();

    const send = (message: ClientMessage) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    };

    socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
      const message = decodeMessage(event.data) as ServerMessage;
      if (message.type === 'result') {
        calls.get(message.id)?.(message.envelope);
        calls.delete(message.id);
      } else if (message.type === 'stream') {
        const handlers = streams.get(message.id);
        if (!handlers) return;
        const inner = message.message;
        if (inner.kind === 'item') handlers.item(inner.item);
        else {
          streams.delete(message.id);
          if (inner.kind === 'end') handlers.end();
          else handlers.error(inner.error);
        }
      } else if (message.type === 'event') {
        for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
      }
    });

    // A refused or dropped connection fires 'error' and then 'close'; 'close' does the reporting.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('open', () => {
      open = true;
      resolve(transport);
    });
    socket.addEventListener('close', () => {
      const lost = { ok: false as const, error: { code: 'disconnected' as const, message: LOST } };
      for (const answer of calls.values()) answer(lost);
      calls.clear();
      for (const handlers of streams.values()) handlers.error(lost.error);
      streams.clear();
      if (!open)
        reject(
          new Error('The ChromaReel server refused this page; open the exact address "npm run serve" printed (it holds the session key).'),
        );
      else for (const listener of disconnectListeners) listener(LOST);
    });

    const transport: HostTransport = {
      host: 'browser',
      call(method, request) {
        if (socket.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false, error: { code: 'disconnected', message: LOST } });
        const id = nextId++;
        return new Promise((answer) => {
          calls.set(id, answer);
          send({ type: 'call', id, method, request });
        });
      },
      openStream(name, request, handlers) {
        const id = nextId++;
        streams.set(id, handlers);
        send({ type: 'stream', id, name, request });
        return () => {
          if (streams.delete(id)) {
            send({ type: 'cancel', id });
            handlers.end();
          }
        };
      },
      on(event, listener) {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => void set.delete(listener);
      },
      onDisconnect(listener) {
        disconnectListeners.add(listener);
        return () => void disconnectListeners.delete(listener);
      },
      close() {
        socket.close();
      },
    };
  });
}
