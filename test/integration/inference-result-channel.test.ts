// Float chroma over the inference process's result channel (result-channel.ts): the real process,
// onnxruntime and fixture model; the host's launcher is wrapped only to watch (and, to stage a
// failure, edit or hold) the messages between them.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forkLauncher, type InferenceChild, type InferenceLauncher } from '../../electron/engine/model/launcher.js';
import { startInference, type InferenceSession } from '../../electron/engine/model/inference-client.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import type { ChildMessage, HostMessage, LoadRequest, ReadyMessage } from '../../electron/engine/model/protocol.js';
import { fixtureModelDir, sampleLuma } from '../helpers/models.js';

interface Watch {
  launcher: InferenceLauncher;
  /** Every message from the child, and the load request the host sent. */
  received: ChildMessage[];
  load?: LoadRequest;
  child?: InferenceChild;
}

/** The real fork launcher, watched; `edit` may change or hold the ready message before the host sees it. */
function watchedLauncher(edit: (ready: ReadyMessage, watch: Watch) => Promise<ReadyMessage> | ReadyMessage = (ready) => ready): Watch {
  const launch = forkLauncher();
  const watch: Watch = {
    received: [],
    launcher: () => {
      const child = launch();
      watch.child = child;
      return {
        ...child,
        send(message: HostMessage) {
          if (message.type === 'load') watch.load = message;
          child.send(message);
        },
        onMessage(listener) {
          child.onMessage((message) => {
            watch.received.push(message);
            if (message.type === 'ready') void Promise.resolve(edit(message, watch)).then(listener);
            else listener(message);
          });
        },
      };
    },
  };
  return watch;
}

const floatResultsOverIpc = (received: ChildMessage[]) => received.filter((m) => m.type === 'result' && 'cb' in m).length;
const folderOf = (watch: Watch) => path.dirname(watch.load!.resultChannel!.path);

describe('the result channel', () => {
  const sessions: InferenceSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });
  const start = async (launcher: InferenceLauncher) => {
    const session = await startInference({
      manifest: loadManifest(fixtureModelDir('fixture-chroma')),
      device: 'cpu',
      threads: 1,
      launcher,
    });
    sessions.push(session);
    return session;
  };

  it('carries float chroma, the same values as the IPC, each plane in an ArrayBuffer of its own', async () => {
    const overChannel = watchedLauncher();
    const overIpc = watchedLauncher(({ resultChannelListening: _listening, ...ready }) => ready);
    const [channelSession, ipcSession] = [await start(overChannel.launcher), await start(overIpc.launcher)];
    const inputs = [1, 2, 3, 4, 5].map((seed) => sampleLuma(2, 8, 16, seed));
    const viaChannel = await Promise.all(inputs.map((luma) => channelSession.infer(luma, 2, 8, 16)));
    const viaIpc = await Promise.all(inputs.map((luma) => ipcSession.infer(luma, 2, 8, 16)));

    expect(viaChannel).toEqual(viaIpc);
    for (const { cb, cr } of viaChannel) {
      for (const plane of [cb, cr]) expect([plane.byteOffset, plane.byteLength]).toEqual([0, plane.buffer.byteLength]);
      expect(cb.buffer).not.toBe(cr.buffer);
    }
    expect(floatResultsOverIpc(overIpc.received)).toBe(5);
    // The first answers may come through the IPC while the host is still connecting; then none.
    const overIpcWhileConnecting = floatResultsOverIpc(overChannel.received);
    const later = await Promise.all(inputs.map((luma) => channelSession.infer(luma, 2, 8, 16)));
    expect(later).toEqual(viaIpc);
    expect(floatResultsOverIpc(overChannel.received)).toBe(overIpcWhileConnecting);
    if (process.platform === 'win32') return;
    // Connected, the socket needs no path: its private folder is gone; the unused one goes with its session.
    expect(existsSync(folderOf(overChannel))).toBe(false);
    await ipcSession.close();
    expect(existsSync(folderOf(overIpc))).toBe(false);
  });

  it('gives nothing to a connection that does not know the token, and keeps listening for the host', async () => {
    let rogue: { closedWithoutData: boolean } | undefined;
    const watch = watchedLauncher(async (ready, { load }) => {
      rogue = await new Promise((resolve) => {
        let data = false;
        const socket = connect(load!.resultChannel!.path, () => socket.write(Buffer.alloc(16, 7)));
        socket.on('data', () => (data = true));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ closedWithoutData: !data }));
      });
      return ready;
    });
    const session = await start(watch.launcher);
    expect(rogue).toEqual({ closedWithoutData: true });
    await session.infer(sampleLuma(1, 8, 16, 3), 1, 8, 16);
    const { cb } = await session.infer(sampleLuma(1, 8, 16, 4), 1, 8, 16);
    expect(cb).toHaveLength(8 * 16);
    expect(floatResultsOverIpc(watch.received)).toBeLessThan(2);
  });

  it('leaves every result to the IPC when the process said it listens and nothing does', async () => {
    // The process is given no place to listen, and the host is told it listens all the same.
    const watch = watchedLauncher((ready) => ({ ...ready, resultChannelListening: true }));
    const launcher: InferenceLauncher = () => {
      const child = watch.launcher();
      return {
        ...child,
        send: (message) => child.send(message.type === 'load' ? { ...message, resultChannel: undefined } : message),
      };
    };
    const session = await start(launcher);
    // Past the grace a broken connection gets: one that was never made breaks nothing.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const results = await Promise.all([1, 2, 3].map((seed) => session.infer(sampleLuma(1, 8, 16, seed), 1, 8, 16)));
    expect(results.map((r) => r.cb.length)).toEqual([128, 128, 128]);
    expect(floatResultsOverIpc(watch.received)).toBe(3);
    expect(session.alive).toBe(true);
  });

  it('leaves no folder behind when the process is killed before the host connects', async () => {
    const watch = watchedLauncher((ready, { child }) => {
      child!.kill();
      return new Promise<ReadyMessage>(() => undefined); // the host never hears of it
    });
    await expect(start(watch.launcher)).rejects.toMatchObject({ code: 'inference-crashed' });
    if (process.platform !== 'win32') expect(existsSync(folderOf(watch))).toBe(false);
  });

  it('quantized chroma still comes through the IPC', async () => {
    const watched = watchedLauncher();
    const session = await start(watched.launcher);
    await session.infer(sampleLuma(1, 8, 16, 1), 1, 8, 16);
    const codes = await session.inferQuantized(sampleLuma(1, 8, 16, 2), 1, 8, 16, { range: 'tv', saturation: 1 });
    expect(codes).toHaveLength(2 * 8 * 16);
    expect(watched.received.filter((m) => m.type === 'result' && 'chroma' in m)).toHaveLength(1);
  });
});
