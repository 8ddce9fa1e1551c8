// The renderer's EngineClient over both transports, against the real host and engine:
// - IPC: a PreloadBridge wired straight to the host handlers, as preload + main do minus Electron;
// - WebSocket: the real browser-mode server, with the `ws` package standing in for the browser's
//   WebSocket class (Node 20 has none).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WS from 'ws';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import type { PreviewFrame } from '../../electron/common/types.js';
import { PathAllowList } from '../../electron/host/allow-list.js';
import { createIpcHandlers, pumpStream } from '../../electron/host/handlers.js';
import { createMemoryQueueStore } from '../../electron/host/queue-store.js';
import { RenderQueue } from '../../electron/host/render-queue.js';
import { startServer, type RunningServer } from '../../electron/server/index.js';
import { ClientError, createEngineClient, type EngineClient } from '../../renderer/src/client/engine-client.js';
import { createIpcTransport } from '../../renderer/src/client/ipc-transport.js';
import type { PreloadBridge } from '../../electron/common/protocol.js';
import { connectWebSocketTransport, tokenFromLocation, webSocketUrl } from '../../renderer/src/client/ws-transport.js';
import { greyClip } from '../helpers/app.js';
import { ensureFixtureModels } from '../helpers/models.js';

const previewRequest = (input: string) => ({ input, at: 0.5, frames: 24, maxSize: 80, model: 'fixture-chroma', stabilize: 'off' as const });

/** What every transport must do the same way. */
function contract(name: string, setup: () => { client: () => EngineClient; clip: () => string; outside: () => string }) {
  describe(`EngineClient over ${name}`, () => {
    const { client, clip, outside } = setup();

    it('probes a film and lists models', async () => {
      const info = await client().probe(clip());
      expect(info.video.frameCount).toBe(48);
      const models = await client().listModels();
      expect(models.map((model) => model.id)).toContain('fixture-chroma');
    });

    it('prepares the model previews will use and says what it runs on', async () => {
      expect(await client().prepare({ model: 'fixture-chroma', device: 'cpu' })).toEqual({ provider: 'cpu', model: 'fixture-chroma' });
      const refused = await client()
        .prepare({ model: '../fixture-chroma' })
        .catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(ClientError);
      expect((refused as ClientError).code).toBe('bad-request');
    });

    it('turns host refusals into ClientErrors with their code', async () => {
      const error = await client()
        .probe(outside())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe('not-allowed');
    });

    it('streams preview frames as they are ready, with the images as bytes', async () => {
      const frames: PreviewFrame[] = [];
      for await (const frame of client().preview({ ...previewRequest(clip()), frames: 3 })) frames.push(frame);
      expect(frames.map((frame) => frame.frame)).toEqual([12, 13, 14]);
      for (const frame of frames) {
        expect(frame.before).toBeInstanceOf(Uint8Array);
        expect([...frame.after.subarray(0, 2)]).toEqual([0xff, 0xd8]);
        expect(frame.provider).toBe('cpu');
      }
    });

    it('ends quietly when the page aborts a preview', async () => {
      const controller = new AbortController();
      const frames: PreviewFrame[] = [];
      for await (const frame of client().preview(previewRequest(clip()), controller.signal)) {
        frames.push(frame);
        if (frames.length === 2) controller.abort();
      }
      expect(frames).toHaveLength(2);
    });

    it('throws a stream error when the iteration starts', async () => {
      const iterate = async () => {
        for await (const frame of client().preview({ ...previewRequest(clip()), model: 'no-such-model' })) void frame;
      };
      await expect(iterate()).rejects.toMatchObject({ code: 'model-not-found' });
    });
  });
}

let engine: Engine;
let root: string;
let clipInRoot: string;
let secret: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'chromareel-client-'));
  clipInRoot = path.join(root, 'grey.mp4');
  copyFileSync(greyClip(), clipInRoot);
  secret = path.join(tmpdir(), `chromareel-client-secret-${process.pid}.mp4`);
  writeFileSync(secret, 'x');
  engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(root, '.cache') });
});
afterAll(async () => {
  await engine.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(secret, { force: true });
});

contract('IPC (preload bridge)', () => {
  let client: EngineClient;
  let queue: RenderQueue;
  beforeAll(async () => {
    const allowList = new PathAllowList();
    allowList.allowRead(clipInRoot);
    queue = await RenderQueue.open({ engine, store: createMemoryQueueStore() });
    const handlers = createIpcHandlers({
      engine,
      allowList,
      queue,
      appInfo: { host: 'electron', version: '0', platform: process.platform, allowedRoots: [], defaultOutputDir: null },
    });
    const bridge: PreloadBridge = {
      call: (method, request) => handlers.call(method, structuredClone(request)),
      openStream(name, request, sink) {
        const controller = new AbortController();
        let open = true;
        void pumpStream(handlers, name, structuredClone(request), controller.signal, {
          item: (item) => void (open && sink.item(structuredClone(item))),
          end: () => open && ((open = false), sink.end()),
          error: (error) => open && ((open = false), sink.error(error)),
        });
        return () => {
          controller.abort();
          if (open) {
            open = false;
            sink.end();
          }
        };
      },
      on: () => () => undefined,
      openDroppedFile: async () => ({ ok: false, error: { code: 'bad-request', message: 'no file' } }),
    };
    client = createEngineClient(createIpcTransport(bridge));
  });
  afterAll(() => queue.close());
  return { client: () => client, clip: () => clipInRoot, outside: () => secret };
});

contract('WebSocket (browser mode)', () => {
  let client: EngineClient;
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ engine, staticDir: root, allowedRoots: [root] });
    const origin = `http://127.0.0.1:${server.port}`;
    // The browser sends its page's Origin by itself; ws needs to be told.
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WS {
      constructor(url: string) {
        super(url, { origin });
      }
    };
    const token = tokenFromLocation(new URL(server.url));
    expect(token).toBe(server.token);
    client = createEngineClient(await connectWebSocketTransport(webSocketUrl(origin, token!)));
  });
  afterAll(async () => {
    client.close();
    await server.close();
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });
  return { client: () => client, clip: () => clipInRoot, outside: () => secret };
});

describe('WebSocket transport without the key', () => {
  it('fails to connect with a sentence saying which address to open', async () => {
    const server = await startServer({ engine, staticDir: root, allowedRoots: [root] });
    const origin = `http://127.0.0.1:${server.port}`;
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WS {
      constructor(url: string) {
        super(url, { origin });
      }
    };
    try {
      await expect(connectWebSocketTransport(webSocketUrl(origin, 'wrong-token'))).rejects.toThrow(/open the exact address/);
    } finally {
      delete (globalThis as { WebSocket?: unknown }).WebSocket;
      await server.close();
    }
  });
});
