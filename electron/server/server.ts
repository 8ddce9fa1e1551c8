import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine } from '../engine/api.js';
import { TOKEN_PARAM, WS_PATH, type ServerMessage } from '../common/protocol.js';
import { PathAllowList } from '../host/allow-list.js';
import { createIpcHandlers } from '../host/handlers.js';
import { createMemoryPinStore, createPinStore } from '../host/pin-store.js';
import { createFileQueueStore, createMemoryQueueStore } from '../host/queue-store.js';
import { defaultWorkRoot, RenderQueue } from '../host/render-queue.js';
import { securityHeaders } from '../host/security-headers.js';
import { listFilms } from './film-listing.js';
import { serveStatic } from './static-files.js';
import { attachSession } from './ws-session.js';

export interface ServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  engine: Engine;
  /** The built renderer (vite build output). */
  staticDir: string;
  /** Folders the page may read films from and write renders into. */
  allowedRoots: string[];
  /** Where the render queue is kept between runs; in memory when absent. */
  queueFile?: string;
  /** Per-user folder for the queue's work folders (default: beside queueFile, else the state folder). */
  workRoot?: string;
  /** Per-user folder for films' colour pins (default: beside queueFile, else in memory for this run). */
  pinsDir?: string;
  /** Where outputs are suggested; the first allowed folder when absent. */
  defaultOutputDir?: string;
  version?: string;
}

export interface RunningServer {
  /** The address to open, token included (in the fragment, so it never reaches a log or a Referer). */
  url: string;
  token: string;
  port: number;
  queue: RenderQueue;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/** Largest WebSocket message the page may send (its requests are small JSON). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Browser mode: serves the built renderer and the host API over a WebSocket on 127.0.0.1. A connection
 * needs this session's random token and must come from the page's own origin; anything else is refused.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(24).toString('base64url');
  const allowList = new PathAllowList({ roots: options.allowedRoots });
  const sockets = new Set<WebSocket>();

  const broadcast = (message: ServerMessage) => {
    for (const socket of sockets) void sessions.get(socket)?.send(message);
  };
  const sessions = new Map<WebSocket, ReturnType<typeof attachSession>>();

  const queue = await RenderQueue.open({
    engine: options.engine,
    store: options.queueFile ? createFileQueueStore(options.queueFile) : createMemoryQueueStore(),
    onChange: (jobs) => broadcast({ type: 'event', event: 'queue:changed', payload: jobs }),
    authorize: (job) => ({ input: allowList.assertReadable(job.input), output: allowList.assertWritable(job.output) }),
    workRoot: options.workRoot ?? (options.queueFile ? path.join(path.dirname(options.queueFile), 'work') : defaultWorkRoot()),
  });

  const roots = allowList.allowedRoots;
  const handlers = createIpcHandlers({
    engine: options.engine,
    allowList,
    queue,
    appInfo: {
      host: 'browser',
      version: options.version ?? '0.0.0',
      platform: process.platform,
      allowedRoots: roots,
      defaultOutputDir: options.defaultOutputDir ?? roots[0] ?? null,
    },
    listFiles: () => listFilms(roots),
    pins: options.pinsDir
      ? createPinStore(options.pinsDir)
      : options.queueFile
        ? createPinStore(path.join(path.dirname(options.queueFile), 'pins'))
        : createMemoryPinStore(),
  });

  const http = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  // Every socket gets an 'error' listener before anything can fail on it: an unhandled 'error' event
  // (a reset connection, a malformed or oversized frame) would otherwise end the whole server.
  http.on('clientError', (_error, socket) => socket.destroy());
  wss.on('error', () => undefined);
  let port = 0;
  const origins = () => [`http://${LOOPBACK}:${port}`, `http://localhost:${port}`];
  const hosts = () => [`${LOOPBACK}:${port}`, `localhost:${port}`];
  const headers = () => securityHeaders({ connect: origins().map((origin) => origin.replace('http:', 'ws:')) });

  http.on('request', (request, response) => {
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
    if (!hosts().includes(request.headers.host ?? '')) {
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Misdirected request');
      return;
    }
    void serveStatic(options.staticDir, request, response, headers()).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = refuseUpgrade(request, token, hosts(), origins());
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      // ws closes the connection itself (1002/1007/1009) after a protocol error; this only keeps it quiet.
      ws.on('error', () => ws.terminate());
      sockets.add(ws);
      sessions.set(ws, attachSession(ws, handlers));
      ws.on('close', () => {
        sockets.delete(ws);
        sessions.delete(ws);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, LOOPBACK, () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;

  return {
    url: `http://${LOOPBACK}:${port}/#${TOKEN_PARAM}=${token}`,
    token,
    port,
    queue,
    async close() {
      await queue.close();
      for (const ws of sockets) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Why a WebSocket upgrade is refused (an HTTP status line), or null when it may proceed. */
export function refuseUpgrade(request: IncomingMessage, token: string, hosts: string[], origins: string[]): string | null {
  const url = new URL(request.url ?? '/', 'http://placeholder');
  if (url.pathname !== WS_PATH) return '404 Not Found';
  if (!hosts.includes(request.headers.host ?? '')) return '421 Misdirected Request';
  if (!origins.includes(request.headers.origin ?? '')) return '403 Forbidden';
  const given = Buffer.from(url.searchParams.get(TOKEN_PARAM) ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return '401 Unauthorized';
  return null;
}
