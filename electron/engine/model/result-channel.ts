// The inference process's float chroma, carried back to the host over a socket of its own instead
// of the structured-clone IPC. Through the IPC a frame's Cb and Cr (two planes of float32, 516 KB at
// 336x192) arrive in 64 KiB reads that are joined into one message buffer, deserialized as views into
// it, and copied again for the stabilizer's thread. Here the host reads them with net's `onread`
// straight into two fresh ArrayBuffers, one per plane, which the stabilizer can take by transfer.
//
// The host picks the place (a Unix socket in a private folder it owns, private-socket.ts; a named pipe
// with a random name on Windows) and a random token, and sends both in the load request over the IPC.
// The inference process listens there and says so in its ready message; the host connects and writes
// the token; only a connection that sends the token becomes the channel, and the listener closes
// then. Until it does, and for everything else (quantized chroma, errors), the IPC carries the
// replies. Any failure to set it up leaves the IPC doing all of it.
//
// Wire: per result a 16-byte little-endian header (request id, Cb bytes, Cr bytes, 0), then the
// Cb plane's bytes and the Cr plane's bytes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { privateSocketPath } from '../private-socket.js';

export interface ResultChannelOffer {
  path: string;
  /** Hex; the host's first bytes on the connection. */
  token: string;
}

/** An offer as the host makes it, and nothing else. */
export function isResultChannelOffer(offer: unknown): offer is ResultChannelOffer {
  if (typeof offer !== 'object' || offer === null) return false;
  const { path, token } = offer as Record<string, unknown>;
  return typeof path === 'string' && path.length > 0 && path.length < 256 && typeof token === 'string' && /^[0-9a-f]{32}$/.test(token);
}

const HEADER_BYTES = 16;
const TOKEN_BYTES = 16;
/** The listener closes if the host has not connected by then (the IPC carries on alone). */
const ACCEPT_TIMEOUT_MS = 30_000;

// ----- inference process ----------------------------------------------------------------------

export class ResultChannelServer {
  #channel: Socket | null = null;

  private constructor(
    private readonly server: Server,
    offer: ResultChannelOffer,
  ) {
    const timer = setTimeout(() => server.close(), ACCEPT_TIMEOUT_MS);
    timer.unref();
    const expected = Buffer.from(offer.token, 'hex');
    server.on('connection', (socket) => {
      let received = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < TOKEN_BYTES) return;
        socket.off('data', onData);
        if (this.#channel || received.length !== TOKEN_BYTES || !timingSafeEqual(received, expected)) {
          socket.destroy();
          return;
        }
        clearTimeout(timer);
        this.#channel = socket;
        socket.on('error', () => socket.destroy());
        server.close();
      };
      socket.on('data', onData);
      socket.on('error', () => socket.destroy());
    });
  }

  /** Listens where the host asked, or resolves null where it cannot (the IPC then carries all). */
  static async open(offer: ResultChannelOffer): Promise<ResultChannelServer | null> {
    const server = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(offer.path, () => resolve(true));
    });
    return listening ? new ResultChannelServer(server, offer) : null;
  }

  /** Writes one result if the host is connected; false means: send it through the IPC. */
  send(id: number, cb: Float32Array, cr: Float32Array): boolean {
    const channel = this.#channel;
    if (!channel || channel.destroyed) return false;
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(id, 0);
    header.writeUInt32LE(cb.byteLength, 4);
    header.writeUInt32LE(cr.byteLength, 8);
    channel.write(header);
    channel.write(new Uint8Array(cb.buffer, cb.byteOffset, cb.byteLength));
    channel.write(new Uint8Array(cr.buffer, cr.byteOffset, cr.byteLength));
    return true;
  }
}

// ----- host -----------------------------------------------------------------------------------

export interface HostResultChannel extends ResultChannelOffer {
  /** Removes its private folder (once connected, and when the process is closed or replaced). */
  remove(): void;
}

/** A place and token for a new inference process's result channel, or null where none can be made. */
export async function newResultChannel(): Promise<HostResultChannel | null> {
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  if (process.platform === 'win32') return { path: `\\\\.\\pipe\\chromareel-${randomBytes(12).toString('hex')}`, token, remove: () => {} };
  const socket = await privateSocketPath('results.sock');
  return socket && { path: socket.path, token, remove: socket.remove };
}

export interface ResultChannelHandlers {
  /** Plane sizes the request `id` expects, in bytes; null when it is not (or no longer) pending. */
  expectedBytes(id: number): number | null;
  result(id: number, cb: Float32Array, cr: Float32Array): void;
  /** A header that fits no pending request: the channel stops, and so should the process. */
  malformed(reason: string): void;
  /** The connection ended or failed after it was made (normal when the process is closed or replaced). */
  closed(): void;
}

/** Connects to the inference process's offer; results arrive through `handlers`. */
export function connectResultChannel(offer: HostResultChannel, handlers: ResultChannelHandlers): { close(): void } {
  const header = new Uint8Array(HEADER_BYTES);
  const headerView = new DataView(header.buffer);
  let headerFilled = 0;
  /**
   * The result being read: its two planes' sizes, how far into which plane, and the planes
   * themselves, or null for a result nobody waits for any more (read past into `discard`).
   */
  let current: { id: number; sizes: number[]; planes: Uint8Array[] | null; plane: number; filled: number } | null = null;
  let stopped = false;
  const discard = new Uint8Array(64 * 1024);

  const space = (): Uint8Array => {
    if (!current) return header.subarray(headerFilled);
    if (!current.planes) return discard.subarray(0, Math.min(discard.length, current.sizes[current.plane] - current.filled));
    return current.planes[current.plane].subarray(current.filled);
  };

  const startResult = () => {
    const id = headerView.getUint32(0, true);
    const sizes = [headerView.getUint32(4, true), headerView.getUint32(8, true)];
    const expected = handlers.expectedBytes(id);
    if (expected !== null && (sizes[0] !== expected || sizes[1] !== expected || expected % 4 !== 0)) {
      stop();
      handlers.malformed(`a result of ${sizes[0]} + ${sizes[1]} bytes for a request of ${expected} + ${expected}`);
      return;
    }
    current = { id, sizes, planes: expected === null ? null : [new Uint8Array(sizes[0]), new Uint8Array(sizes[1])], plane: 0, filled: 0 };
  };

  const wrote = (bytes: number) => {
    if (current) {
      current.filled += bytes;
    } else {
      headerFilled += bytes;
      if (headerFilled < HEADER_BYTES) return;
      headerFilled = 0;
      startResult();
    }
    while (current && current.plane < 2 && current.filled === current.sizes[current.plane]) {
      current.plane++;
      current.filled = 0;
    }
    if (current?.plane === 2) {
      const { id, planes } = current;
      current = null;
      if (planes) handlers.result(id, new Float32Array(planes[0].buffer), new Float32Array(planes[1].buffer));
    }
  };

  const socket = connect({
    path: offer.path,
    onread: {
      buffer: space,
      callback: (bytes) => {
        if (!stopped) wrote(bytes);
        return true;
      },
    },
  });
  let connected = false;
  socket.once('connect', () => {
    connected = true;
    offer.remove();
  });
  socket.write(Buffer.from(offer.token, 'hex'));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    // One that never connected carried nothing: the IPC brings every result, as before.
    if (!stopped && connected) handlers.closed();
    stopped = true;
  });

  function stop() {
    stopped = true;
    socket.destroy();
    offer.remove();
  }
  return { close: stop };
}
