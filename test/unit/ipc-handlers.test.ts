// The host API as the Electron main process and the browser-mode server run it: real engine, real
// files, real ffmpeg. The dialogs are the only stand-in: a function returning what the person picked.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import type { MediaInfo, Thumbnail } from '../../electron/common/types.js';
import { PathAllowList } from '../../electron/host/allow-list.js';
import { isRestorableJob } from '../../electron/host/chosen-paths.js';
import { createIpcHandlers, type HostHandlers } from '../../electron/host/handlers.js';
import { createMemoryQueueStore } from '../../electron/host/queue-store.js';
import { RenderQueue } from '../../electron/host/render-queue.js';
import type { Envelope, QueueJob } from '../../electron/common/protocol.js';
import { ensureFixtureModels } from '../helpers/models.js';
import { greyClip } from '../helpers/app.js';

function errorOf(envelope: Envelope<unknown>) {
  if (envelope.ok) throw new Error(`expected an error, got ${JSON.stringify(envelope.value)}`);
  return envelope.error;
}

function valueOf<T>(envelope: Envelope<unknown>): T {
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.value as T;
}

describe('host handlers (createIpcHandlers)', () => {
  let engine: Engine;
  let queue: RenderQueue;
  let handlers: HostHandlers;
  let allowList: PathAllowList;
  let work: string;
  let clip: string;
  let nextChoice: string | null = null;
  const revealed: string[] = [];

  beforeAll(async () => {
    clip = greyClip();
    work = mkdtempSync(path.join(tmpdir(), 'chromareel-handlers-'));
    engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(work, 'cache') });
    allowList = new PathAllowList();
    queue = await RenderQueue.open({ engine, store: createMemoryQueueStore() });
    handlers = createIpcHandlers({
      engine,
      allowList,
      queue,
      appInfo: { host: 'electron', version: '1.2.3', platform: process.platform, allowedRoots: [], defaultOutputDir: null },
      dialogs: { chooseFilm: async () => nextChoice, chooseOutput: async () => nextChoice },
      reveal: (file) => revealed.push(file),
    });
  });
  afterAll(async () => {
    await queue.close();
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a film nobody chose, then reads it once chosen in the dialog', async () => {
    const refused = errorOf(await handlers.call('engine:probe', { path: clip }));
    expect(refused.code).toBe('not-allowed');
    expect(refused.message).toMatch(/only open files you chose/);

    nextChoice = clip;
    expect(valueOf<string>(await handlers.call('files:choose-film', {}))).toBe(clip);
    const info = valueOf<MediaInfo>(await handlers.call('engine:probe', { path: clip }));
    expect(info.video.width).toBe(160);
    expect(info.video.height).toBe(120);
    expect(info.video.fps).toBeCloseTo(24, 3);
    expect(info.video.frameCount).toBe(48);
  });

  it('returns null and allows nothing when the dialog is cancelled', async () => {
    nextChoice = null;
    expect(valueOf<string | null>(await handlers.call('files:choose-film', {}))).toBeNull();
  });

  it('validates every request before it reaches the engine', async () => {
    expect(errorOf(await handlers.call('engine:probe', { path: 42 })).code).toBe('bad-request');
    expect(errorOf(await handlers.call('engine:probe', { path: clip, extra: true })).code).toBe('bad-request');
    expect(errorOf(await handlers.call('engine:probe', undefined)).code).toBe('bad-request');
    expect(errorOf(await handlers.call('no:such-method', {})).code).toBe('bad-request');
    expect(errorOf(await handlers.call('queue:pause', { id: '../../x' })).code).toBe('bad-request');
    const range = errorOf(await handlers.call('queue:add', { input: clip, output: '/tmp/x.mp4', from: 2, to: 1, options: {} }));
    expect(range.code).toBe('bad-request');
    expect(range.message).toMatch(/end after it starts/);
  });

  it('accepts only model ids from the page, never paths', async () => {
    const consume = async (request: unknown) => {
      const items: unknown[] = [];
      for await (const item of handlers.stream('engine:preview', request, new AbortController().signal)) items.push(item);
      return items;
    };
    await expect(consume({ input: clip, at: 0, model: '../../../etc/model' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(consume({ input: clip, at: 0, frames: 100_000 })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('engine:prepare takes only a model id and a device, checked before the engine sees them', async () => {
    const asked: unknown[] = [];
    const spied = createIpcHandlers({
      engine: { ...engine, prepare: (options, signal) => (asked.push(options), engine.prepare(options, signal)) },
      allowList,
      queue,
      appInfo: { host: 'electron', version: '1.2.3', platform: process.platform, allowedRoots: [], defaultOutputDir: null },
    });
    const refused = [
      'fixture-chroma',
      42,
      [],
      { model: '../../../etc/model' },
      { model: '/abs/fixture-chroma' },
      { model: 42 },
      { model: '' },
      { device: 'gpu' },
      { device: 'CPU' },
      { model: 'fixture-chroma', input: clip },
      { model: 'fixture-chroma', renderFactor: 16 },
    ];
    for (const request of refused) {
      const error = errorOf(await spied.call('engine:prepare', request));
      expect(error.code, JSON.stringify(request)).toBe('bad-request');
      expect(error.message).toMatch(/^The request was not understood/);
    }
    expect(asked).toEqual([]);

    expect(valueOf(await spied.call('engine:prepare', { model: 'fixture-chroma', device: 'cpu' }))).toEqual({
      provider: 'cpu',
      model: 'fixture-chroma',
    });
    expect(asked).toEqual([{ model: 'fixture-chroma', device: 'cpu' }]);
    // A well-formed id the engine does not know: the engine's own error, with its code.
    expect(errorOf(await spied.call('engine:prepare', { model: 'no-such-model', device: 'cpu' })).code).toBe('model-not-found');
    expect(asked).toHaveLength(2);
  });

  it('streams real thumbnails of a chosen film', async () => {
    const thumbnails: Thumbnail[] = [];
    for await (const item of handlers.stream('engine:thumbnails', { input: clip, count: 3, height: 48 }, new AbortController().signal)) {
      thumbnails.push(item as Thumbnail);
    }
    expect(thumbnails.map((thumbnail) => thumbnail.index).sort()).toEqual([0, 1, 2]);
    for (const thumbnail of thumbnails) {
      expect(thumbnail.height).toBe(48);
      expect([...thumbnail.jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]); // JPEG start-of-image marker
      expect(thumbnail.timeSec).toBeGreaterThanOrEqual(0);
      expect(thumbnail.timeSec).toBeLessThan(2);
    }
  });

  it('queues a render only to an output the person chose, and never over the film', async () => {
    const output = path.join(work, 'grey-colour.mp4');
    const spec = { input: clip, output, options: { model: 'fixture-chroma' } };
    expect(errorOf(await handlers.call('queue:add', spec)).code).toBe('not-allowed');

    nextChoice = clip;
    await handlers.call('files:choose-output', { suggestedPath: clip });
    const overInput = errorOf(await handlers.call('queue:add', { ...spec, output: clip }));
    expect(overInput.code).toBe('bad-request');
    expect(overInput.message).toMatch(/replace the film itself/);

    nextChoice = output;
    expect(valueOf<string>(await handlers.call('files:choose-output', { suggestedPath: 'x.mp4' }))).toBe(output);
    const job = valueOf<QueueJob>(await handlers.call('queue:add', spec));
    expect(job.status === 'queued' || job.status === 'running').toBe(true);
    await queue.whenIdle();
    const [done] = valueOf<QueueJob[]>(await handlers.call('queue:list', {}));
    expect(done?.status).toBe('done');
    expect(existsSync(output)).toBe(true);

    expect(valueOf<boolean>(await handlers.call('files:reveal', { path: output }))).toBe(true);
    expect(revealed).toEqual([output]);
    expect(errorOf(await handlers.call('files:reveal', { path: '/etc/passwd' })).code).toBe('not-allowed');
  });

  it('adds a dropped film to the allow-list', async () => {
    const other = path.join(work, 'dropped.mp4');
    copyFileSync(greyClip(), other);
    expect(errorOf(handlers.dropped({ path: 7 })).code).toBe('bad-request');
    expect(valueOf<string>(handlers.dropped({ path: other }))).toBe(other);
    expect(allowList.canRead(other)).toBe(true);
  });

  it('refuses a dropped path that is not a film file (the renderer may be compromised)', async () => {
    for (const [dropped, code] of [
      ['relative/film.mp4', 'bad-request'],
      ['/etc/passwd', 'bad-request'],
      [path.join(work, 'missing.mp4'), 'not-found'],
      [work + '.mp4', 'not-found'],
    ] as const) {
      expect(errorOf(handlers.dropped({ path: dropped })).code).toBe(code);
      expect(allowList.canRead(dropped)).toBe(false);
    }
  });

  it('answers app:info with the host kind', async () => {
    const info = valueOf<{ host: string; version: string }>(await handlers.call('app:info', {}));
    expect(info).toMatchObject({ host: 'electron', version: '1.2.3' });
  });
});

describe('restored render jobs', () => {
  it('resume only where this session may read and write', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'chromareel-restored-'));
    const engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(work, 'cache') });
    const saved: QueueJob = {
      id: 'job-1',
      input: greyClip(),
      output: path.join(work, 'out.mp4'),
      options: { model: 'fixture-chroma' },
      status: 'paused',
      progress: null,
      notices: [],
      provider: null,
      sceneCuts: [],
      result: null,
      error: null,
      createdAt: 1,
      updatedAt: 1,
    };
    const queue = await RenderQueue.open({ engine, store: createMemoryQueueStore([saved]) });
    // Browser mode started with another folder: the old job's film is outside it.
    const handlers = createIpcHandlers({
      engine,
      allowList: new PathAllowList({ roots: [work] }),
      queue,
      appInfo: { host: 'browser', version: '0', platform: process.platform, allowedRoots: [work], defaultOutputDir: work },
    });
    try {
      expect(errorOf(await handlers.call('queue:resume', { id: 'job-1' })).code).toBe('not-allowed');
      expect(queue.list()[0]?.status).toBe('paused');
    } finally {
      await queue.close();
      await engine.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('jobs read back from the saved queue file', () => {
  it('are trusted only when they name a film file and an output a save dialog could give', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'chromareel-restorable-'));
    try {
      const film = path.join(work, 'film.mp4');
      copyFileSync(greyClip(), film);
      mkdirSync(path.join(work, 'folder.mp4'));
      writeFileSync(path.join(work, 'notes.txt'), 'not a film');
      expect(isRestorableJob({ input: film, output: path.join(work, 'colour.mp4') })).toBe(true);
      expect(isRestorableJob({ input: film, output: film })).toBe(false);
      expect(isRestorableJob({ input: '/etc/passwd', output: path.join(work, 'colour.mp4') })).toBe(false);
      expect(isRestorableJob({ input: path.join(work, 'notes.txt'), output: path.join(work, 'colour.mp4') })).toBe(false);
      expect(isRestorableJob({ input: path.join(work, 'folder.mp4'), output: path.join(work, 'colour.mp4') })).toBe(false);
      expect(isRestorableJob({ input: film, output: path.join(work, '.bashrc') })).toBe(false);
      expect(isRestorableJob({ input: film, output: '/dev/null' })).toBe(false);
      expect(isRestorableJob({ input: film, output: path.join(work, 'no-such-folder', 'colour.mp4') })).toBe(false);
      expect(isRestorableJob({ input: 'film.mp4', output: path.join(work, 'colour.mp4') })).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
