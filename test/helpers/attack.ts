// Helpers for the abuse tests: a browser-mode server with an allowed folder and a folder outside it,
// raw WebSocket handshakes and frames written by hand (so malformed ones can be sent), and a plain
// JSON-RPC client over the ws library.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import { startServer, type RunningServer } from '../../electron/server/index.js';
import type { ServerMessage } from '../../electron/common/protocol.js';
import { decodeMessage } from '../../electron/common/wire-codec.js';
import { ensureFixtureModels } from './models.js';

export interface AttackBench {
  root: string;
  /** The allowed folder. */
  films: string;
  /** A folder the page must never reach. */
  outside: string;
  engine: Engine;
  server: RunningServer;
  origin: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startAttackBench(prefix: string): Promise<AttackBench> {
  const root = mkdtempSync(path.join(tmpdir(), `chromareel-${prefix}-`));
  const films = path.join(root, 'films');
  const outside = path.join(root, 'outside');
  const staticDir = path.join(root, 'static');
  for (const dir of [films, outside, staticDir]) mkdirSync(dir);
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ChromaReel</title>');
  const engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(root, 'cache') });
  const server = await startServer({ engine, staticDir, allowedRoots: [films], workRoot: path.join(root, 'state', 'work') });
  return {
    root,
    films,
    outside,
    engine,
    server,
    origin: `http://127.0.0.1:${server.port}`,
    wsUrl: `ws://127.0.0.1:${server.port}/api?token=${server.token}`,
    async close() {
      await server.close();
      await engine.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** GET on the server, with its own Host; resolves with the status. */
export function httpStatus(port: number, pathName = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: pathName, headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

export function upgradeRequest(port: number, pathQuery: string, origin: string): string {
  return [
    `GET ${pathQuery} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    `Origin: ${origin}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

/** A raw TCP connection that completed the WebSocket handshake; `received` collects what follows. */
export function rawWebSocket(
  port: number,
  token: string,
  origin: string,
): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = Buffer.alloc(0);
    let after = Buffer.alloc(0);
    let upgraded = false;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('connect', () => socket.write(upgradeRequest(port, `/api?token=${token}`, origin)));
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        after = Buffer.concat([after, chunk]);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!status.startsWith('HTTP/1.1 101')) {
        reject(new Error(`handshake refused: ${status}`));
        return;
      }
      upgraded = true;
      after = head.subarray(end + 4);
      resolve({ socket, received: () => after, closed });
    });
  });
}

/** One WebSocket frame. Clients must mask; `mask: false` breaks that rule on purpose. */
export function wsFrame(opcode: number, payload: Buffer, options: { mask?: boolean; fin?: boolean; declaredLength?: number } = {}): Buffer {
  const mask = options.mask ?? true;
  const length = options.declaredLength ?? payload.length;
  const header: number[] = [((options.fin ?? true) ? 0x80 : 0) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) header.push(maskBit | length);
  else if (length < 65536) {
    header.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    header.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!mask) return Buffer.concat([Buffer.from(header), extended, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([Buffer.from(header), extended, key, masked]);
}

/** The status code of the first close frame in `data` (server frames are unmasked), if any. */
export function closeCodeIn(data: Buffer): number | undefined {
  let offset = 0;
  while (offset + 2 <= data.length) {
    const opcode = data[offset] & 0x0f;
    let length = data[offset + 1] & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      length = data.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(start));
      start += 8;
    }
    if (opcode === 0x8) return length >= 2 ? data.readUInt16BE(start) : 1005;
    offset = start + length;
  }
  return undefined;
}

/** Resolves after `ms`, or when `promise` settles, whichever is first. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);
}

export function openClient(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Calls and streams over one page connection, as the renderer's client does. */
export function rpc(socket: WebSocket) {
  let next = 1;
  const pending = new Map<number, (message: ServerMessage & { type: 'result' }) => void>();
  const streams = new Map<
    number,
    { items: unknown[]; end: (result: { items: unknown[]; error?: { code: string; message: string } }) => void }
  >();
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const message = decodeMessage(isBinary ? new Uint8Array(data) : data.toString()) as ServerMessage;
    if (message.type === 'result') pending.get(message.id)?.(message);
    if (message.type === 'stream') {
      const stream = streams.get(message.id);
      if (!stream) return;
      const inner = message.message;
      if (inner.kind === 'item') stream.items.push(inner.item);
      else if (inner.kind === 'end') stream.end({ items: stream.items });
      else stream.end({ items: stream.items, error: inner.error as { code: string; message: string } });
    }
  });
  // A connection the server closed (its answer to a malformed message) ends whatever was waiting on it.
  socket.on('close', (code) => {
    const closed = { code: 'closed', message: `connection closed (${code})` };
    for (const resolve of pending.values())
      resolve({ type: 'result', id: 0, envelope: { ok: false, error: closed } } as ServerMessage & { type: 'result' });
    for (const stream of streams.values()) stream.end({ items: stream.items, error: closed });
    pending.clear();
    streams.clear();
  });
  return {
    call(method: string, request: unknown): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, (message) => resolve(message.envelope as { ok: boolean; value?: any; error?: { code: string; message: string } }));
        socket.send(JSON.stringify({ type: 'call', id, method, request }));
      });
    },
    stream(name: string, request: unknown): Promise<{ items: unknown[]; error?: { code: string; message: string } }> {
      const id = next++;
      return new Promise((resolve) => {
        streams.set(id, { items: [], end: resolve });
        socket.send(JSON.stringify({ type: 'stream', id, name, request }));
      });
    },
  };
}

/** Every file under `dir` (recursively), relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
