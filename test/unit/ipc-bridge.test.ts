// The IPC bridge as Electron's ipcMain drives it. ipcMain itself cannot run here (no Electron binary),
// so a small in-memory ipcMain with the same handle/on contract stands in; everything behind it is real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import { PathAllowList } from '../../electron/host/allow-list.js';
import { createIpcHandlers } from '../../electron/host/handlers.js';
import { createMemoryQueueStore } from '../../electron/host/queue-store.js';
import { RenderQueue } from '../../electron/host/render-queue.js';
import { registerIpc, type IpcEvent, type IpcMainLike } from '../../electron/main/ipc-bridge.js';
import { IPC, type Envelope, type StreamMessage } from '../../electron/common/protocol.js';
import { greyClip } from '../helpers/app.js';
import { ensureFixtureModels } from '../helpers/models.js';

class InMemoryIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcEvent, ...args: unknown[]) => unknown>();
  readonly listeners = new Map<string, ((event: IpcEvent, ...args: unknown[]) => void)[]>();
  handle(channel: string, listener: (event: IpcEvent, ...args: unknown[]) => unknown) {
    this.handlers.set(channel, listener);
  }
  on(channel: string, listener: (event: IpcEvent, ...args: unknown[]) => void) {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  removeAllListeners(channel: string) {
    this.listeners.delete(channel);
  }
  invoke(event: IpcEvent, channel: string, ...args: unknown[]) {
    return Promise.resolve(this.handlers.get(channel)?.(event, ...args));
  }
  emit(event: IpcEvent, channel: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(channel) ?? []) listener(event, ...args);
  }
}

function page(url: string, id = 1) {
  const messages: StreamMessage<unknown>[] = [];
  let destroyed = false;
  const onDestroyed: (() => void)[] = [];
  const event: IpcEvent = {
    senderFrame: { url },
    sender: {
      id,
      send: (channel, payload) => {
        if (channel === IPC.streamMessage) messages.push(payload as StreamMessage<unknown>);
      },
      isDestroyed: () => destroyed,
      once: (_name, listener) => onDestroyed.push(listener),
    },
  };
  const ended = (streamId: string) =>
    new Promise<StreamMessage<unknown>>((resolve) => {
      const poll = setInterval(() => {
        const last = messages.find((message) => message.streamId === streamId && message.kind !== 'item');
        if (last) {
          clearInterval(poll);
          resolve(last);
        }
      }, 10);
    });
  return {
    event,
    messages,
    ended,
    destroy() {
      destroyed = true;
      for (const listener of onDestroyed) listener();
    },
  };
}

describe('IPC bridge (registerIpc)', () => {
  let engine: Engine;
  let queue: RenderQueue;
  let ipc: InMemoryIpcMain;
  let unregister: () => void;
  let work: string;
  let clip: string;

  beforeAll(async () => {
    clip = greyClip();
    work = mkdtempSync(path.join(tmpdir(), 'chromareel-bridge-'));
    engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(work, 'cache') });
    const allowList = new PathAllowList();
    allowList.allowRead(clip);
    queue = await RenderQueue.open({ engine, store: createMemoryQueueStore() });
    const handlers = createIpcHandlers({
      engine,
      allowList,
      queue,
      appInfo: { host: 'electron', version: '0.1.0', platform: process.platform, allowedRoots: [], defaultOutputDir: null },
    });
    ipc = new InMemoryIpcMain();
    unregister = registerIpc(ipc, handlers, (url) => url.startsWith('app://chromareel/'));
  });
  afterAll(async () => {
    unregister();
    await queue.close();
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers only the app page', async () => {
    const app = page('app://chromareel/index.html');
    const stranger = page('https://example.com/');
    const answer = (await ipc.invoke(app.event, IPC.call, 'app:info', {})) as Envelope<{ host: string }>;
    expect(answer).toMatchObject({ ok: true, value: { host: 'electron' } });
    const refused = (await ipc.invoke(stranger.event, IPC.call, 'app:info', {})) as Envelope<unknown>;
    expect(refused).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    ipc.emit(stranger.event, IPC.streamOpen, { streamId: 's1', name: 'engine:thumbnails', request: { input: clip, count: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stranger.messages).toEqual([]);
  });

  it('streams items to the page that asked, then ends', async () => {
    const app = page('app://chromareel/index.html', 2);
    ipc.emit(app.event, IPC.streamOpen, {
      streamId: 'thumbs-1',
      name: 'engine:thumbnails',
      request: { input: clip, count: 4, height: 32 },
    });
    const last = await app.ended('thumbs-1');
    expect(last.kind).toBe('end');
    const items = app.messages.filter((message) => message.kind === 'item');
    expect(items).toHaveLength(4);
  });

  it('reports a stream refused by validation as an error message', async () => {
    const app = page('app://chromareel/index.html', 3);
    ipc.emit(app.event, IPC.streamOpen, { streamId: 'bad-1', name: 'engine:thumbnails', request: { input: clip, count: 0 } });
    const last = await app.ended('bad-1');
    expect(last).toMatchObject({ kind: 'error', error: { code: 'bad-request' } });
    // Malformed stream ids are dropped without an answer.
    ipc.emit(app.event, IPC.streamOpen, { streamId: '../x', name: 'engine:thumbnails', request: {} });
  });

  it('stops a preview when the page cancels it, and when the page goes away', async () => {
    const app = page('app://chromareel/index.html', 4);
    const request = { input: clip, at: 0, frames: 48, maxSize: 64, model: 'fixture-chroma', stabilize: 'off' };
    ipc.emit(app.event, IPC.streamOpen, { streamId: 'p-1', name: 'engine:preview', request });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (app.messages.some((message) => message.streamId === 'p-1' && message.kind === 'item')) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    ipc.emit(app.event, IPC.streamCancel, { streamId: 'p-1' });
    const last = await app.ended('p-1');
    expect(last.kind).toBe('end');
    const delivered = app.messages.filter((message) => message.streamId === 'p-1' && message.kind === 'item').length;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(48);

    const closing = page('app://chromareel/index.html', 5);
    ipc.emit(closing.event, IPC.streamOpen, { streamId: 'p-2', name: 'engine:preview', request });
    closing.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Nothing is sent to a page that has gone (Electron throws on a destroyed sender).
    expect(closing.messages).toEqual([]);
  });
});
