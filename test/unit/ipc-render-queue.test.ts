// The render queue with the real engine: tiny renders of a 2 s grey clip with a fixture model.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import { createFileQueueStore } from '../../electron/host/queue-store.js';
import { RenderQueue } from '../../electron/host/render-queue.js';
import type { QueueJob } from '../../electron/common/protocol.js';
import { cutClip, ffprobeSummary, greyClip, notAFilm } from '../helpers/app.js';
import { ensureFixtureModels } from '../helpers/models.js';

const options = { model: 'fixture-chroma', stabilize: 'off' as const, crf: 30 };

async function waitFor(queue: RenderQueue, id: string, predicate: (job: QueueJob) => boolean, timeoutMs = 60_000): Promise<QueueJob> {
  const started = Date.now();
  for (;;) {
    const job = queue.list().find((entry) => entry.id === id);
    if (job && predicate(job)) return job;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; job is ${JSON.stringify(job?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('render queue', () => {
  let engine: Engine;
  let work: string;
  let clip: string;

  beforeAll(() => {
    clip = greyClip();
    work = mkdtempSync(path.join(tmpdir(), 'chromareel-queue-'));
    engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(work, 'cache') });
  });
  afterAll(async () => {
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renders a range, reports progress, saves the queue, and cleans its work folder', async () => {
    const file = path.join(work, 'queue-a.json');
    const snapshots: QueueJob[][] = [];
    const queue = await RenderQueue.open({
      engine,
      workRoot: path.join(work, 'jobs'),
      store: createFileQueueStore(file),
      onChange: (jobs) => snapshots.push(jobs),
    });
    const output = path.join(work, 'range.mp4');
    const job = queue.add({ input: clip, output, from: 0.5, to: 1.5, options });
    await queue.whenIdle();
    const done = queue.list().find((entry) => entry.id === job.id)!;
    expect(done.error).toBeNull();
    expect(done.status).toBe('done');
    expect(done.result?.frames).toBe(24);
    expect(done.provider).toBe('cpu');
    const probed = ffprobeSummary(output);
    expect(probed.frames).toBe(24);
    expect(probed.durationSec).toBeCloseTo(1, 1);
    expect(snapshots.some((jobs) => jobs[0]?.status === 'running')).toBe(true);
    expect(existsSync(queue.workFolder(job))).toBe(false);
    await queue.close();

    // The saved queue comes back as it was.
    const reopened = await RenderQueue.open({ engine, workRoot: path.join(work, 'jobs'), store: createFileQueueStore(file) });
    expect(reopened.list().map((entry) => [entry.id, entry.status])).toEqual([[job.id, 'done']]);
    await reopened.close();
  });

  it('pauses a running render, resumes it to the end, and cancels another', async () => {
    const queue = await RenderQueue.open({
      engine,
      workRoot: path.join(work, 'jobs'),
      store: createFileQueueStore(path.join(work, 'queue-b.json')),
    });
    const output = path.join(work, 'paused.mp4');
    const job = queue.add({ input: clip, output, options: { ...options, renderFactor: 20 } });
    await waitFor(queue, job.id, (entry) => entry.status === 'running');
    queue.pause(job.id);
    const paused = await waitFor(queue, job.id, (entry) => entry.status === 'paused');
    expect(paused.error).toBeNull();
    expect(existsSync(output)).toBe(false);

    queue.resume(job.id);
    await waitFor(queue, job.id, (entry) => entry.status === 'running' || entry.status === 'done');
    await queue.whenIdle();
    const done = queue.list().find((entry) => entry.id === job.id)!;
    expect(done.status).toBe('done');
    expect(ffprobeSummary(output).frames).toBe(48);

    const other = queue.add({ input: clip, output: path.join(work, 'cancelled.mp4'), options });
    await waitFor(queue, other.id, (entry) => entry.status === 'running');
    queue.cancel(other.id);
    await waitFor(queue, other.id, (entry) => entry.status === 'cancelled');
    await queue.whenIdle();
    expect(existsSync(path.join(work, 'cancelled.mp4'))).toBe(false);
    const leftovers = existsSync(queue.workRoot) ? readdirSync(queue.workRoot) : [];
    expect(leftovers).not.toContain(other.id);
    expect(queue.remove(other.id).map((entry) => entry.id)).not.toContain(other.id);
    await queue.close();
  });

  it('brings a render that was running at shutdown back paused, with a note', async () => {
    const file = path.join(work, 'queue-c.json');
    const queue = await RenderQueue.open({ engine, workRoot: path.join(work, 'jobs'), store: createFileQueueStore(file) });
    const job = queue.add({ input: clip, output: path.join(work, 'interrupted.mp4'), options: { ...options, renderFactor: 20 } });
    await waitFor(queue, job.id, (entry) => entry.status === 'running');
    await queue.close();

    const reopened = await RenderQueue.open({ engine, workRoot: path.join(work, 'jobs'), store: createFileQueueStore(file) });
    const restored = reopened.list().find((entry) => entry.id === job.id)!;
    expect(restored.status).toBe('paused');
    expect(restored.notices.at(-1)?.message).toMatch(/press Resume/);
    reopened.resume(job.id);
    await waitFor(reopened, job.id, (entry) => entry.status !== 'queued');
    await reopened.whenIdle();
    expect(reopened.list().find((entry) => entry.id === job.id)?.status).toBe('done');
    expect(ffprobeSummary(path.join(work, 'interrupted.mp4')).frames).toBe(48);
    await reopened.close();
  });

  it('keeps the scene cuts the engine reports, while rendering and after a restart', async () => {
    const file = path.join(work, 'queue-e.json');
    const snapshots: QueueJob[][] = [];
    const queue = await RenderQueue.open({
      engine,
      workRoot: path.join(work, 'jobs'),
      store: createFileQueueStore(file),
      onChange: (jobs) => snapshots.push(jobs),
    });
    // A hard cut at frame 24 of 48; the detector runs at every stabilization strength.
    const job = queue.add({ input: cutClip(), output: path.join(work, 'cut.mp4'), options: { ...options, stabilize: 'low' } });
    await queue.whenIdle();
    const done = queue.list().find((entry) => entry.id === job.id)!;
    expect(done.status).toBe('done');
    expect(done.sceneCuts).toEqual([24]);
    expect(done.result?.sceneCuts).toEqual([24]);
    // The page hears of the cut while the render is still running (a 'scene-cut' event).
    expect(snapshots.some((jobs) => jobs[0]?.status === 'running' && jobs[0].sceneCuts.includes(24))).toBe(true);
    await queue.close();
    const reopened = await RenderQueue.open({ engine, workRoot: path.join(work, 'jobs'), store: createFileQueueStore(file) });
    expect(reopened.list().find((entry) => entry.id === job.id)?.sceneCuts).toEqual([24]);
    await reopened.close();
  });

  it('fails a job in plain words and lets it be retried', async () => {
    const queue = await RenderQueue.open({
      engine,
      workRoot: path.join(work, 'jobs'),
      store: createFileQueueStore(path.join(work, 'queue-d.json')),
    });
    const job = queue.add({ input: notAFilm(), output: path.join(work, 'never.mp4'), options });
    await queue.whenIdle();
    const failed = queue.list().find((entry) => entry.id === job.id)!;
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toMatch(/not-a-video|corrupt-input|no-video-stream/);
    expect(failed.error?.message).not.toMatch(/\n|at .*\.ts:/);
    queue.resume(job.id);
    await waitFor(queue, job.id, (entry) => entry.status === 'failed' || entry.status === 'running');
    await queue.whenIdle();
    expect(queue.list().find((entry) => entry.id === job.id)?.status).toBe('failed');
    await queue.close();
  });
});
