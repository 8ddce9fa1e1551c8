// Browser mode: the real server, the real engine, a real WebSocket client (ws) from this process.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import { startServer, type RunningServer } from '../../electron/server/index.js';
import type { FileListing, MediaInfo, ServerMessage } from '../../electron/common/protocol.js';
import { decodeMessage } from '../../electron/common/wire-codec.js';
import { greyClip } from '../helpers/app.js';
import { ensureFixtureModels } from '../helpers/models.js';

function get(port: number, pathName: string, host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: pathName, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves with it when open, or with the HTTP status the server refused it with. */
function connect(url: string, origin?: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin ? { origin } : {});
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => resolve(-1));
  });
}

function rpc(socket: WebSocket) {
  let next = 1;
  const pending = new Map<number, (message: ServerMessage) => void>();
  const streams = new Map<number, { messages: ServerMessage[]; raw: boolean[]; done: (value: void) => void }>();
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const message = decodeMessage(isBinary ? new Uint8Array(data) : data.toString()) as ServerMessage;
    if (message.type === 'result') pending.get(message.id)?.(message);
    if (message.type === 'stream') {
      const stream = streams.get(message.id);
      stream?.messages.push(message);
      stream?.raw.push(isBinary);
      if (message.message.kind !== 'item') stream?.done();
    }
  });
  return {
    call(method: string, request: unknown) {
      const id = next++;
      return new Promise<ServerMessage & { type: 'result' }>((resolve) => {
        pending.set(id, resolve as (message: ServerMessage) => void);
        socket.send(JSON.stringify({ type: 'call', id, method, request }));
      });
    },
    async stream(name: string, request: unknown) {
      const id = next++;
      const entry = { messages: [] as ServerMessage[], raw: [] as boolean[], done: (() => undefined) as (value: void) => void };
      const finished = new Promise<void>((resolve) => (entry.done = resolve));
      streams.set(id, entry);
      socket.send(JSON.stringify({ type: 'stream', id, name, request }));
      await finished;
      return entry;
    },
  };
}

describe('browser-mode server', () => {
  let engine: Engine;
  let server: RunningServer;
  let root: string;
  let staticDir: string;
  let clip: string;
  let origin: string;
  let wsUrl: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'chromareel-server-'));
    staticDir = path.join(root, 'static');
    mkdirSync(path.join(root, 'films', 'nested'), { recursive: true });
    mkdirSync(staticDir);
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ChromaReel</title>');
    writeFileSync(path.join(root, 'secret.txt'), 'not for the page');
    clip = path.join(root, 'films', 'nested', 'grey.mp4');
    copyFileSync(greyClip(), clip);
    engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(root, 'cache') });
    server = await startServer({ engine, staticDir, allowedRoots: [path.join(root, 'films')] });
    origin = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and gives the token in the URL fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the built page with a strict CSP and nothing outside its folder', async () => {
    const page = await get(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ChromaReel</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(server.port, '/../secret.txt')).status).toBe(404);
    expect((await get(server.port, '/%2e%2e/secret.txt')).status).toBe(404);
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) is turned away.
    expect((await get(server.port, '/', 'evil.example:80')).status).toBe(421);
  });

  it('refuses WebSockets without the token, with a wrong one, or from another origin', async () => {
    expect(await connect(`ws://127.0.0.1:${server.port}/api`, origin)).toBe(401);
    expect(await connect(`ws://127.0.0.1:${server.port}/api?token=wrong`, origin)).toBe(401);
    expect(await connect(wsUrl, 'https://evil.example')).toBe(403);
    expect(await connect(wsUrl)).toBe(403);
    expect(await connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, origin)).toBe(404);
  });

  it('answers the page with the token: films under the allowed folder only', async () => {
    const socket = await connect(wsUrl, origin);
    expect(socket).toBeInstanceOf(WebSocket);
    const client = rpc(socket as WebSocket);

    const info = await client.call('app:info', {});
    expect(info.envelope).toMatchObject({ ok: true, value: { host: 'browser', allowedRoots: [path.join(root, 'films')] } });

    const listing = await client.call('files:list', {});
    const files = (listing.envelope as { ok: true; value: FileListing }).value.files;
    expect(files.map((file) => file.name)).toEqual([path.join('nested', 'grey.mp4')]);

    const probed = await client.call('engine:probe', { path: clip });
    expect((probed.envelope as { ok: true; value: MediaInfo }).value.video.frameCount).toBe(48);

    const outside = await client.call('engine:probe', { path: path.join(root, 'secret.txt') });
    expect(outside.envelope).toMatchObject({ ok: false, error: { code: 'not-allowed' } });

    // A render may not write outside the allowed folder either.
    const escape = await client.call('queue:add', { input: clip, output: path.join(root, 'out.mp4'), options: {} });
    expect(escape.envelope).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    (socket as WebSocket).close();
  });

  it('sends images as binary frames', async () => {
    const socket = (await connect(wsUrl, origin)) as WebSocket;
    const client = rpc(socket);
    const thumbnails = await client.stream('engine:thumbnails', { input: clip, count: 3, height: 40 });
    const items = thumbnails.messages.filter((message) => message.type === 'stream' && message.message.kind === 'item');
    expect(items).toHaveLength(3);
    // Every item frame was binary; the end marker was text.
    expect(thumbnails.raw).toEqual([true, true, true, false]);
    const first = items[0] as ServerMessage & { type: 'stream' };
    const jpeg = (first.message as { item: { jpeg: Uint8Array } }).item.jpeg;
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    socket.close();
  });

  it('closes a socket that sends something that is not a request', async () => {
    const socket = (await connect(wsUrl, origin)) as WebSocket;
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('{"type":"call","id":"x"}');
    expect(await closed).toBe(1008);
  });
});
