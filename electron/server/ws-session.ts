import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { ServerMessage } from '../common/protocol.js';
import { encodeMessage } from '../common/wire-codec.js';
import { pumpStream, type HostHandlers } from '../host/handlers.js';

/** Above this many bytes waiting in the socket, a stream waits for them to drain before its next item. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const MAX_STREAMS_PER_CONNECTION = 8;

const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('call'), id: z.number().int().nonnegative(), method: z.string().max(64), request: z.unknown() }),
  z.strictObject({ type: z.literal('stream'), id: z.number().int().nonnegative(), name: z.string().max(64), request: z.unknown() }),
  z.strictObject({ type: z.literal('cancel'), id: z.number().int().nonnegative() }),
]);

/** One page's WebSocket: calls answered by id, streams pumped with backpressure, cancelled on close. */
export function attachSession(socket: WebSocket, handlers: HostHandlers): { send(message: ServerMessage): Promise<void> } {
  const streams = new Map<number, AbortController>();

  function send(message: ServerMessage): Promise<void> {
    if (socket.readyState !== socket.OPEN) return Promise.resolve();
    const data = encodeMessage(message);
    return new Promise((resolve) => {
      socket.send(data, { binary: typeof data !== 'string' }, () => resolve());
    });
  }

  async function sendWithBackpressure(message: ServerMessage): Promise<void> {
    const sent = send(message);
    if (socket.bufferedAmount > HIGH_WATER_BYTES) await sent;
  }

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      socket.close(1003, 'text messages only');
      return;
    }
    let parsed: z.infer<typeof clientMessageSchema>;
    try {
      parsed = clientMessageSchema.parse(JSON.parse(data.toString()));
    } catch {
      socket.close(1008, 'malformed message');
      return;
    }
    if (parsed.type === 'call') {
      const { id } = parsed;
      void handlers.call(parsed.method, parsed.request).then((envelope) => send({ type: 'result', id, envelope }));
    } else if (parsed.type === 'stream') {
      const { id } = parsed;
      const streamId = String(id);
      if (streams.has(id) || streams.size >= MAX_STREAMS_PER_CONNECTION) {
        void send({
          type: 'stream',
          id,
          message: {
            streamId,
            kind: 'error',
            error: { code: 'bad-request', message: 'Too many previews at once; wait for one to finish.' },
          },
        });
        return;
      }
      const controller = new AbortController();
      streams.set(id, controller);
      void pumpStream(handlers, parsed.name, parsed.request, controller.signal, {
        item: (item) => sendWithBackpressure({ type: 'stream', id, message: { streamId, kind: 'item', item } }),
        end: () => void send({ type: 'stream', id, message: { streamId, kind: 'end' } }),
        error: (error) => void send({ type: 'stream', id, message: { streamId, kind: 'error', error } }),
      }).finally(() => streams.delete(id));
    } else {
      streams.get(parsed.id)?.abort();
    }
  });

  socket.on('close', () => {
    for (const controller of streams.values()) controller.abort();
    streams.clear();
  });

  return { send };
}
