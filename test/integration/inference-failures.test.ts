// What happens when things go wrong around the inference process: damaged or mismatched models,
// providers that fail, a killed process, a cancelled start.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../electron/engine/errors.js';
import { startInference } from '../../electron/engine/model/inference-client.js';
import { forkLauncher, type InferenceLauncher } from '../../electron/engine/model/launcher.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import type { ChildMessage } from '../../electron/engine/model/protocol.js';
import { listAvailableProviders } from '../../electron/engine/model/providers.js';
import type { NoticeEvent } from '../../electron/common/types.js';
import {
  conv3x3,
  ensureFixtureModels,
  fixtureModelDir,
  fixtureWeights,
  maxAbsDiff,
  sampleLuma,
  trackingLauncher,
} from '../helpers/models.js';

/** Cb the fixture-chroma model must give: 0.5·tanh of its convolution's first channel. */
function expectedCb(luma: Float32Array, n: number, h: number, w: number): Float32Array {
  const out = conv3x3(luma, n, h, w, fixtureWeights().chroma);
  const plane = h * w;
  const cb = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) cb[i * plane + p] = 0.5 * Math.tanh(out[i * 2 * plane + p]);
  return cb;
}

const chromaManifest = () => loadManifest(fixtureModelDir('fixture-chroma'));

beforeAll(() => {
  ensureFixtureModels();
});

describe('model problems', () => {
  it('says the model file is damaged before starting any process', async () => {
    const { launcher, children } = trackingLauncher();
    const error = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-bad-hash')), device: 'cpu', launcher }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('model-hash-mismatch');
    expect(children).toHaveLength(0);
  });

  it('refuses a model whose network breaks its contract, in a plain sentence', async () => {
    const { launcher, children } = trackingLauncher();
    const error = await startInference({
      manifest: loadManifest(fixtureModelDir('fixture-wrong-contract')),
      device: 'cpu',
      threads: 1,
      launcher,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('model-contract');
    expect(error.message).toContain('The model "fixture-wrong-contract" says contract chroma but its output has 3 channels instead of 2');
    await expect.poll(() => children.every((c) => c.exited)).toBe(true);
  });

  it('says a file onnxruntime cannot read is not a valid model', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chromareel-corrupt-'));
    try {
      const garbage = Buffer.from('this is not an ONNX protobuf at all');
      writeFileSync(path.join(dir, 'model.onnx'), garbage);
      const json = JSON.parse(readFileSync(path.join(fixtureModelDir('fixture-chroma'), 'model.json'), 'utf8'));
      writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({ ...json, id: 'corrupt', sha256: createHash('sha256').update(garbage).digest('hex') }),
      );
      const error = await startInference({ manifest: loadManifest(dir), device: 'cpu', threads: 1 }).catch((e) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect(error.code).toBe('model-invalid');
      expect(error.message).toMatch(/^onnxruntime could not load the model "corrupt" \(CPU: .*\); the file may not be a valid ONNX model/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('provider fallback', () => {
  it('falls back to CPU loudly when WebGPU cannot start, and still returns real chroma', async () => {
    const notices: NoticeEvent[] = [];
    const session = await startInference({ manifest: chromaManifest(), device: 'webgpu', threads: 1, onNotice: (n) => notices.push(n) });
    try {
      const luma = sampleLuma(1, 16, 16, 3);
      const { cb } = await session.infer(luma, 1, 16, 16);
      expect(maxAbsDiff(cb, expectedCb(luma, 1, 16, 16))).toBeLessThan(1e-4);
      if (session.provider === 'webgpu') {
        console.log('WebGPU works on this machine; no fallback to check here.');
        expect(notices.filter((n) => n.code === 'provider-fallback')).toEqual([]);
      } else {
        expect(session.provider).toBe('cpu');
        const fallback = notices.find((n) => n.code === 'provider-fallback');
        expect(fallback).toMatchObject({ type: 'notice', level: 'warning' });
        expect(fallback!.message).toMatch(/^WebGPU .*; colourizing on CPU instead/);
        if (listAvailableProviders().includes('webgpu')) expect(fallback!.message).toContain('could not run the model (');
      }
    } finally {
      await session.close();
    }
  });

  it('falls back to CPU loudly when CUDA is asked for but not installed', async () => {
    const notices: NoticeEvent[] = [];
    const session = await startInference({ manifest: chromaManifest(), device: 'cuda', threads: 1, onNotice: (n) => notices.push(n) });
    try {
      const luma = sampleLuma(1, 8, 8, 4);
      const { cb } = await session.infer(luma, 1, 8, 8);
      expect(maxAbsDiff(cb, expectedCb(luma, 1, 8, 8))).toBeLessThan(1e-4);
      if (!listAvailableProviders().includes('cuda')) {
        expect(session.provider).toBe('cpu');
        expect(notices).toContainEqual(
          expect.objectContaining({
            code: 'provider-fallback',
            level: 'warning',
            message: expect.stringMatching(/^CUDA was asked for but/),
          }),
        );
      }
    } finally {
      await session.close();
    }
  });

  // No GPU here, so a GPU that fails mid-run is simulated at the launcher seam: the first (real, CPU)
  // process is presented as a CUDA one that answers its first batch with a CUDA error. The error is
  // given in place of sending that batch, since results may come back over the result channel, past
  // this seam. Everything after that (retiring it, starting a CPU process, re-running the batch) is the
  // real code path.
  it('re-runs a batch on CPU when the GPU provider fails during inference', async () => {
    const launch = forkLauncher();
    let started = 0;
    const launcher: InferenceLauncher = () => {
      const child = launch();
      if (++started > 1) return child;
      let failedOnce = false;
      let deliver: (message: ChildMessage) => void = () => {};
      return {
        ...child,
        send(message) {
          if (message.type !== 'infer' || failedOnce) return child.send(message);
          failedOnce = true;
          const error = 'CUDA failure 700: an illegal memory access was encountered';
          setImmediate(() => deliver({ type: 'infer-error', id: message.id, kind: 'provider', message: error }));
        },
        onMessage(listener: (message: ChildMessage) => void) {
          deliver = listener;
          child.onMessage((message) => listener(message.type === 'ready' ? { ...message, provider: 'cuda' } : message));
        },
      };
    };
    const notices: NoticeEvent[] = [];
    const session = await startInference({
      manifest: chromaManifest(),
      device: 'auto',
      threads: 1,
      launcher,
      onNotice: (n) => notices.push(n),
      availableProviders: ['cpu'],
    });
    try {
      expect(session.provider).toBe('cuda');
      const batches = [21, 22, 23].map((seed) => sampleLuma(1, 8, 16, seed));
      const results = await Promise.all(batches.map((luma) => session.infer(luma, 1, 8, 16)));
      results.forEach((r, i) => expect(maxAbsDiff(r.cb, expectedCb(batches[i], 1, 8, 16))).toBeLessThan(1e-4));
      expect(session.provider).toBe('cpu');
      expect(started).toBe(2);
      const fallback = notices.filter((n) => n.code === 'provider-fallback');
      expect(fallback).toHaveLength(1);
      expect(fallback[0].message).toContain('CUDA could not run the model (CUDA failure 700');
      expect(fallback[0].level).toBe('warning');
    } finally {
      await session.close();
    }
  });

  it('retries on CPU when the process dies while loading on a GPU provider', async () => {
    const launch = forkLauncher();
    let started = 0;
    let firstResultChannel: string | undefined;
    const launcher: InferenceLauncher = () => {
      const child = launch();
      if (++started === 1)
        return {
          ...child,
          send: (message) => {
            if (message.type !== 'load') return child.send(message);
            firstResultChannel = message.resultChannel?.path;
            child.kill();
          },
        };
      return child;
    };
    const notices: NoticeEvent[] = [];
    const session = await startInference({
      manifest: chromaManifest(),
      device: 'webgpu',
      threads: 1,
      launcher,
      onNotice: (n) => notices.push(n),
      availableProviders: ['cpu', 'webgpu'],
    });
    try {
      expect(session.provider).toBe('cpu');
      expect(started).toBe(2);
      expect(notices.some((n) => n.code === 'provider-fallback' && n.message.includes('crashed while loading'))).toBe(true);
      // The dead process's result channel folder went with it.
      if (firstResultChannel) expect(existsSync(path.dirname(firstResultChannel))).toBe(false);
      const luma = sampleLuma(1, 8, 8, 9);
      expect(maxAbsDiff((await session.infer(luma, 1, 8, 8)).cb, expectedCb(luma, 1, 8, 8))).toBeLessThan(1e-4);
    } finally {
      await session.close();
    }
  });
});

describe('a dead inference process', () => {
  it("rejects the pending batches with 'inference-crashed' and leaves the host running", async () => {
    const { launcher, children } = trackingLauncher();
    const session = await startInference({ manifest: chromaManifest(), device: 'cpu', threads: 1, launcher });
    const [n, h, w] = [4, 256, 256];
    const pending = [1, 2, 3].map((seed) => session.infer(sampleLuma(n, h, w, seed), n, h, w));
    children[0].child.kill(); // SIGKILL, as the OS would

    const outcomes = await Promise.allSettled(pending);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(EngineError);
      expect(reason.code).toBe('inference-crashed');
      expect(reason.message).toMatch(/^The inference process was killed \(SIGKILL/);
    }
    expect(session.alive).toBe(false);
    await expect(session.infer(sampleLuma(1, 8, 8), 1, 8, 8)).rejects.toMatchObject({ code: 'inference-crashed' });
    await session.close();

    // The host is fine: a new session works.
    const again = await startInference({ manifest: chromaManifest(), device: 'cpu', threads: 1 });
    try {
      const luma = sampleLuma(1, 8, 8, 2);
      expect(maxAbsDiff((await again.infer(luma, 1, 8, 8)).cb, expectedCb(luma, 1, 8, 8))).toBeLessThan(1e-4);
    } finally {
      await again.close();
    }
  });

  it('cancels a start whose signal fires, leaving no process behind', async () => {
    const { launcher, children } = trackingLauncher();
    const controller = new AbortController();
    const starting = startInference({ manifest: chromaManifest(), device: 'cpu', threads: 1, launcher, signal: controller.signal });
    await expect.poll(() => children.length).toBe(1);
    controller.abort();
    await expect(starting).rejects.toMatchObject({ code: 'cancelled' });
    await expect.poll(() => children[0].exited, { timeout: 5000 }).toBe(true);
  });

  it('closes cleanly: pending calls are cancelled, the process exits, later calls reject', async () => {
    const { launcher, children } = trackingLauncher();
    const session = await startInference({ manifest: chromaManifest(), device: 'cpu', threads: 1, launcher });
    const pending = session.infer(sampleLuma(4, 256, 256), 4, 256, 256).catch((error) => error);
    await session.close();
    expect(await pending).toMatchObject({ code: 'cancelled' });
    expect(children[0].exited).toBe(true);
    await expect(session.infer(sampleLuma(1, 8, 8), 1, 8, 8)).rejects.toMatchObject({ code: 'cancelled' });
  });
});
