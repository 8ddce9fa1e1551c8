// Float chroma over the inference process's result channel (result-channel.ts): the real process,
// onnxruntime and fixture model; the host's launcher is wrapped only to watch the IPC messages.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forkLauncher, type InferenceLauncher } from '../../electron/engine/model/launcher.js';
import { startInference, type InferenceSession } from '../../electron/engine/model/inference-client.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import type { ChildMessage, ReadyMessage } from '../../electron/engine/model/protocol.js';
import { fixtureModelDir, sampleLuma } from '../helpers/models.js';

/**
 * The real fork launcher; every message from the child is recorded, and `beforeReady` may edit or
 * hold the ready message before the host sees it.
 */
function watchedLauncher(beforeReady: (ready: ReadyMessage) => Promise<ReadyMessage> | ReadyMessage = (ready) => ready) {
  const launch = forkLauncher();
  const received: ChildMessage[] = [];
  const launcher: InferenceLauncher = () => {
    const child = launch();
    return {
      ...child,
      onMessage(listener) {
        child.onMessage((message) => {
          received.push(message);
          if (message.type === 'ready') void Promise.resolve(beforeReady(message)).then(listener);
          else listener(message);
        });
      },
    };
  };
  return { launcher, received };
}

const floatResultsOverIpc = (received: ChildMessage[]) => received.filter((m) => m.type === 'result' && 'cb' in m).length;

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
    const overIpc = watchedLauncher(({ resultChannel: _offer, ...ready }) => ready);
    const [channelSession, ipcSession] = [await start(overChannel.launcher), await start(overIpc.launcher)];
    const inputs = [1, 2, 3, 4, 5].map((seed) => sampleLuma(2, 8, 16, seed));
    const viaChannel = await Promise.all(inputs.map((luma) => channelSession.infer(luma, 2, 8, 16)));
    const viaIpc = await Promise.all(inputs.map((luma) => ipcSession.infer(luma, 2, 8, 16)));

    expect(viaChannel).toEqual(viaIpc);
    for (const { cb, cr } of viaChannel) {
      for (const plane of [cb, cr]) expect([plane.byteOffset, plane.byteLength]).toEqual([0, plane.buffer.byteLength]);
      expect(cb.buffer).not.toBe(cr.buffer);
    }
    // The first answers may come through the IPC while the host is still connecting; then none.
    expect(floatResultsOverIpc(overIpc.received)).toBe(5);
    const ready = overChannel.received.find((m): m is ReadyMessage => m.type === 'ready')!;
    expect(ready.resultChannel).toBeDefined();
    const overIpcWhileConnecting = floatResultsOverIpc(overChannel.received);
    const later = await Promise.all(inputs.map((luma) => channelSession.infer(luma, 2, 8, 16)));
    expect(later).toEqual(viaIpc);
    expect(floatResultsOverIpc(overChannel.received)).toBe(overIpcWhileConnecting);
    // Connected, the socket needs no path: its private folder is gone.
    if (process.platform !== 'win32') expect(existsSync(path.dirname(ready.resultChannel!.path))).toBe(false);
  });

  it('gives nothing to a connection that does not know the token, and keeps listening for the host', async () => {
    let rogue: { closedWithoutData: boolean } | undefined;
    const { launcher } = watchedLauncher(async (ready) => {
      rogue = await new Promise((resolve) => {
        let data = false;
        const socket = connect(ready.resultChannel!.path, () => socket.write(Buffer.alloc(16, 7)));
        socket.on('data', () => (data = true));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ closedWithoutData: !data }));
      });
      return ready;
    });
    const session = await start(launcher);
    expect(rogue).toEqual({ closedWithoutData: true });
    const luma = sampleLuma(1, 8, 16, 3);
    const { cb } = await session.infer(luma, 1, 8, 16);
    expect(cb).toHaveLength(8 * 16);
  });

  it('leaves every result to the IPC when the offered socket cannot be reached', async () => {
    const watched = watchedLauncher((ready) => ({
      ...ready,
      resultChannel: { ...ready.resultChannel!, path: `${ready.resultChannel!.path}.gone` },
    }));
    const session = await start(watched.launcher);
    // Past the grace a broken connection gets: one that was never made breaks nothing.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const results = await Promise.all([1, 2, 3].map((seed) => session.infer(sampleLuma(1, 8, 16, seed), 1, 8, 16)));
    expect(results.map((r) => r.cb.length)).toEqual([128, 128, 128]);
    expect(floatResultsOverIpc(watched.received)).toBe(3);
    expect(session.alive).toBe(true);
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
