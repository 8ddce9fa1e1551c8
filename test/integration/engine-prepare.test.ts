// engine.prepare: the app loads the model while the person looks at a freshly opened film, so the first
// preview finds the inference process already warm. Real processes (the fork launcher, counted), real
// fixture model, real ffmpeg; nothing here is timed.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import type { PreviewFrame, PreviewOptions } from '../../electron/common/types.js';
import { greyClip } from '../helpers/app.js';
import { ensureFixtureModels, fixtureModelDir, trackingLauncher } from '../helpers/models.js';

async function collect(frames: AsyncIterable<PreviewFrame>): Promise<PreviewFrame[]> {
  const out: PreviewFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

let work: string;
let clip: string;
let engine: Engine | null = null;
let counter: ReturnType<typeof trackingLauncher>;

function freshEngine(modelsDirs = [ensureFixtureModels()]): Engine {
  counter = trackingLauncher();
  engine = createEngine({ modelsDirs, cacheDir: path.join(work, 'cache'), inferenceLauncher: counter.launcher });
  return engine;
}

const previewOf = (options: Partial<PreviewOptions> = {}): PreviewOptions => ({
  input: clip,
  at: 0.5,
  frames: 2,
  maxSize: 80,
  model: 'fixture-chroma',
  device: 'cpu',
  stabilize: 'off',
  ...options,
});

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'chromareel-prepare-'));
  clip = greyClip();
});

afterEach(async () => {
  await engine?.close();
  engine = null;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('engine.prepare', () => {
  it('loads the model once; the following preview reuses that process and reports the same provider', async () => {
    const engine = freshEngine();
    const prepared = await engine.prepare({ model: 'fixture-chroma', device: 'cpu' });
    expect(prepared).toEqual({ provider: 'cpu', model: 'fixture-chroma' });
    expect(counter.launches).toBe(1);

    // Again (the app asks again when a film is reopened or the settings come back): still one process.
    expect(await engine.prepare({ model: 'fixture-chroma', device: 'cpu' })).toEqual(prepared);
    expect(counter.launches).toBe(1);

    const started = performance.now();
    const frames = await collect(engine.preview(previewOf()));
    console.info(`preview after prepare: ${frames.length} frames in ${(performance.now() - started).toFixed(0)} ms`);
    expect(frames).toHaveLength(2);
    expect(frames[0].provider).toBe(prepared.provider);
    // The provider notice the start produced reaches the preview that uses the prepared session.
    expect(frames[0].notices?.map((notice) => notice.code)).toContain('provider');
    expect(counter.launches).toBe(1);
    expect(counter.children[0].exited).toBe(false);

    await engine.close();
    await expect.poll(() => counter.children.every((entry) => entry.exited)).toBe(true);
  });

  it('shares one start between concurrent prepares and a preview asked for while the model is still loading', async () => {
    const engine = freshEngine();
    const first = engine.prepare({ model: 'fixture-chroma', device: 'cpu' });
    const second = engine.prepare({ model: 'fixture-chroma', device: 'cpu' });
    const frames = collect(engine.preview(previewOf()));
    expect(await first).toEqual({ provider: 'cpu', model: 'fixture-chroma' });
    expect(await second).toEqual({ provider: 'cpu', model: 'fixture-chroma' });
    expect((await frames).map((frame) => frame.provider)).toEqual(['cpu', 'cpu']);
    expect(counter.launches).toBe(1);
  });

  it('picks the model the preview would pick when none is named; another device choice is another process', async () => {
    // A models folder holding one good model (the fixture folder also holds deliberately broken ones).
    const modelsDir = path.join(work, 'one-model');
    cpSync(fixtureModelDir('fixture-chroma'), path.join(modelsDir, 'fixture-chroma'), { recursive: true });
    const engine = freshEngine([modelsDir]);
    const automatic = await engine.prepare({});
    expect(automatic.model).toBe('fixture-chroma');
    expect(automatic.provider).toBe('cpu');
    expect(counter.launches).toBe(1);
    // A preview with the same (absent) model and device reuses it.
    const frames = await collect(engine.preview(previewOf({ model: undefined, device: undefined })));
    expect(frames[0].provider).toBe(automatic.provider);
    expect(counter.launches).toBe(1);
    // Another device choice is another warm process, as it is for previews.
    await engine.prepare({ model: automatic.model, device: 'cpu' });
    expect(counter.launches).toBe(2);
  });

  it('keeps one idle process when the settings change, but never closes one a preview is using', async () => {
    const modelsDir = path.join(work, 'two-models');
    cpSync(fixtureModelDir('fixture-chroma'), path.join(modelsDir, 'fixture-chroma'), { recursive: true });
    cpSync(fixtureModelDir('fixture-rgb'), path.join(modelsDir, 'fixture-rgb'), { recursive: true });
    const engine = freshEngine([modelsDir]);
    await engine.prepare({ model: 'fixture-chroma', device: 'cpu' });
    await engine.prepare({ model: 'fixture-rgb', device: 'cpu' });
    expect(counter.launches).toBe(2);
    // The first process was idle when the second setting was tried: it is gone; the second stays.
    await expect.poll(() => counter.children[0].exited).toBe(true);
    expect(counter.children[1].exited).toBe(false);

    // A preview holds its session: a prepare for another model while it runs does not close it.
    const frames: PreviewFrame[] = [];
    const running = engine.preview(previewOf({ model: 'fixture-rgb', frames: 6 }))[Symbol.asyncIterator]();
    frames.push((await running.next()).value as PreviewFrame);
    await engine.prepare({ model: 'fixture-chroma', device: 'cpu' });
    expect(counter.launches).toBe(3);
    for (let next = await running.next(); !next.done; next = await running.next()) frames.push(next.value);
    expect(frames).toHaveLength(6);
    expect(counter.children[1].exited).toBe(false);
    // Once that preview is over, going back to its model reuses it and retires the other, now idle.
    await engine.prepare({ model: 'fixture-rgb', device: 'cpu' });
    expect(counter.launches).toBe(3);
    await expect.poll(() => counter.children[2].exited).toBe(true);
    expect(counter.children[1].exited).toBe(false);
  });

  it('a cancelled prepare stops waiting but the start goes on for the preview that follows', async () => {
    const engine = freshEngine();
    const controller = new AbortController();
    const cancelled = engine.prepare({ model: 'fixture-chroma', device: 'cpu' }, controller.signal);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    const frames = await collect(engine.preview(previewOf()));
    expect(frames).toHaveLength(2);
    expect(counter.launches).toBe(1);
  });

  it('says in plain words when the model does not exist, without starting a process', async () => {
    const engine = freshEngine();
    await expect(engine.prepare({ model: 'no-such-model', device: 'cpu' })).rejects.toMatchObject({ code: 'model-not-found' });
    expect(counter.launches).toBe(0);
  });
});
