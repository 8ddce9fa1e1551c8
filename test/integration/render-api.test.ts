// The engine API the app needs besides render (preview, thumbnails, models, probe), the CLI commands
// around it (probe, models, preview, --json), and the loud CPU fallback when a GPU provider is asked
// for but cannot run. Real ffmpeg, real onnxruntime, the fixture model.

import { existsSync } from 'node:fs';
import { copyFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, isEngineError, type Engine } from '../../electron/engine/index.js';
import { listAvailableProviders } from '../../electron/engine/model/providers.js';
import { checkDiskSpace } from '../../electron/engine/output-checks.js';
import type { PreviewFrame, RenderEvent, Thumbnail } from '../../electron/common/types.js';
import { makeClip } from '../helpers/clips.js';
import { fixtureModelDir, fixtureModelsDir, ensureFixtureModels } from '../helpers/models.js';
import { descendantsOf, lumaFrames, runCli, tempDir, waitFor } from '../helpers/render.js';

describe('engine API and CLI commands', () => {
  let engine: Engine;
  let work: string;
  let film: string;
  let rotated: string;
  const model = () => fixtureModelDir('fixture-chroma');

  beforeAll(async () => {
    ensureFixtureModels();
    engine = createEngine();
    work = await tempDir('render-api');
    film = await makeClip({ name: 'api-film', durationSec: 2, audio: [{ codec: 'aac' }, { codec: 'flac', language: 'fra' }] });
    rotated = await makeClip({ name: 'api-rot90', durationSec: 1, rotation: 90 });
  });
  afterAll(async () => {
    await engine?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('preview', () => {
    it('streams before/after frames of a short range, in order, at the film size', async () => {
      const frames: PreviewFrame[] = [];
      for await (const frame of engine.preview({ input: film, at: 0.4, frames: 3, model: model(), format: 'png' })) frames.push(frame);
      expect(frames.map((f) => [f.index, f.frame])).toEqual([
        [0, 10],
        [1, 11],
        [2, 12],
      ]);
      expect(frames[0].timeSec).toBeCloseTo(0.4, 6);
      const sourceLuma = await lumaFrames(film, 160, 120);
      for (const frame of frames) {
        expect(frame.mime).toBe('image/png');
        expect(frame.provider).toBe('cpu');
        const before = await sharp(frame.before).raw().toBuffer({ resolveWithObject: true });
        const after = await sharp(frame.after).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        expect([before.info.width, before.info.height, after.info.width, after.info.height]).toEqual([160, 120, 160, 120]);
        // "Before" is the film's own grey picture of that frame; "after" is coloured.
        const grey =
          before.info.channels === 1
            ? before.data
            : Buffer.from(Array.from({ length: 160 * 120 }, (_, i) => before.data[i * before.info.channels]));
        const y = sourceLuma[frame.frame];
        let worst = 0;
        for (let i = 0; i < y.length; i++)
          worst = Math.max(worst, Math.abs(Math.min(255, Math.max(0, Math.round(((y[i] - 16) * 255) / 219))) - grey[i]));
        expect(worst).toBeLessThanOrEqual(1);
        let coloured = 0;
        for (let p = 0; p < after.data.length; p += 3)
          if (
            Math.max(after.data[p], after.data[p + 1], after.data[p + 2]) - Math.min(after.data[p], after.data[p + 1], after.data[p + 2]) >
            8
          )
            coloured++;
        expect(coloured).toBeGreaterThan(160 * 120 * 0.1);
      }
    });

    it('is cancelled by its AbortSignal: the iteration stops with a cancelled error and its ffmpeg is gone', async () => {
      const controller = new AbortController();
      const seen: number[] = [];
      const error = await (async () => {
        for await (const frame of engine.preview({ input: film, at: 0, frames: 40, model: model(), format: 'jpeg' }, controller.signal)) {
          seen.push(frame.frame);
          if (seen.length === 2) controller.abort();
        }
      })().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isEngineError(error) && error.code).toBe('cancelled');
      expect(seen).toEqual([0, 1]);
      await waitFor(
        () => !descendantsOf(process.pid).some((p) => p.cmdline.includes('ffmpeg') && p.cmdline.includes(path.basename(film))),
        'the preview decoder to stop',
        10_000,
      );
      // An abort before anything started rejects at once, too.
      const aborted = AbortSignal.abort();
      await expect(engine.preview({ input: film, at: 0, model: model() }, aborted)[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        code: 'cancelled',
      });
      // The engine stays usable after a cancel.
      const next = await engine.preview({ input: film, at: 1, model: model() })[Symbol.asyncIterator]().next();
      expect(next.value).toMatchObject({ frame: 25 });
    });
  });

  describe('thumbnails', () => {
    async function collect(input: string, cacheDir: string, count: number, height?: number): Promise<Thumbnail[]> {
      const local = createEngine({ cacheDir });
      const all: Thumbnail[] = [];
      for await (const thumbnail of local.thumbnails({ input, count, height })) all.push(thumbnail);
      await local.close();
      return all;
    }

    it('gives N small frames spread over the film, then serves the same ones from its cache', async () => {
      const cacheDir = path.join(work, 'thumbs');
      const first = await collect(film, cacheDir, 5, 60);
      expect(first.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
      expect(first.map((t) => t.timeSec)).toEqual([0.2, 0.6, 1, 1.4, 1.8]);
      for (const thumbnail of first) {
        const meta = await sharp(thumbnail.jpeg).metadata();
        expect([meta.format, meta.width, meta.height, thumbnail.width, thumbnail.height]).toEqual(['jpeg', 80, 60, 80, 60]);
      }
      const [entry] = await readdir(cacheDir);
      const files = await readdir(path.join(cacheDir, entry));
      expect(files.sort()).toEqual(['0.jpg', '1.jpg', '2.jpg', '3.jpg', '4.jpg', 'index.json']);
      const stamps = await Promise.all(files.map(async (f) => (await stat(path.join(cacheDir, entry, f))).mtimeMs));

      const second = await collect(film, cacheDir, 5, 60);
      expect(second.map((t) => Buffer.from(t.jpeg).toString('base64'))).toEqual(first.map((t) => Buffer.from(t.jpeg).toString('base64')));
      // Served from the cache: nothing was made again.
      expect(await Promise.all(files.map(async (f) => (await stat(path.join(cacheDir, entry, f))).mtimeMs))).toEqual(stamps);
      expect(await readdir(cacheDir)).toEqual([entry]);
    });

    it('is cancelled by its AbortSignal, leaving no half-made cache behind', async () => {
      const cacheDir = path.join(work, 'thumbs-cancelled');
      const local = createEngine({ cacheDir });
      const controller = new AbortController();
      const got: number[] = [];
      const error = await (async () => {
        for await (const thumbnail of local.thumbnails({ input: film, count: 6 }, controller.signal)) {
          got.push(thumbnail.index);
          controller.abort();
        }
      })().then(
        () => null,
        (e: unknown) => e,
      );
      await local.close();
      expect(isEngineError(error) && error.code).toBe('cancelled');
      expect(got).toEqual([0]);
      // The next call makes all six (an interrupted run is not taken for a cached one).
      expect((await collect(film, cacheDir, 6)).map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('makes new thumbnails when the film changes, shown upright for a rotated film', async () => {
      const cacheDir = path.join(work, 'thumbs-rotated');
      const copy = path.join(work, 'rotated-copy.mp4');
      await copyFile(rotated, copy);
      const before = await collect(copy, cacheDir, 2, 64);
      expect(before.map((t) => [t.width, t.height])).toEqual([
        [48, 64],
        [48, 64],
      ]);
      const later = new Date(Date.now() + 5000);
      await utimes(copy, later, later);
      await collect(copy, cacheDir, 2, 64);
      expect((await readdir(cacheDir)).length).toBe(2);
    });
  });

  describe('CLI commands', () => {
    it('probe: a human description and the full description as JSON', async () => {
      const human = await runCli(['probe', film]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/duration\s+0:02 \(2\.000 s\), 50 frames/);
      expect(human.stdout).toMatch(/video\s+h264 160x120, SAR 1:1, 25\.000 fps/);
      expect(human.stdout).toMatch(/audio #1\s+aac, 1 ch, 48000 Hz/);
      expect(human.stdout).toMatch(/audio #2\s+flac, 1 ch, 48000 Hz, fra/);

      const json = await runCli(['probe', film, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const info = JSON.parse(json.stdout);
      expect(info).toMatchObject({
        path: film,
        video: { width: 160, height: 120, frameCount: 50, frameCountExact: true, frameRate: { num: 25, den: 1 }, variableFrameRate: false },
      });
      expect(info.audio.map((a: { codec: string }) => a.codec)).toEqual(['aac', 'flac']);

      const missing = await runCli(['probe', path.join(work, 'nothing.mp4')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/^Error: .*nothing\.mp4" does not exist; check the path[^\n]*\.$/);
    });

    it('models: the installed models, as a list and as JSON (extra folders from CHROMAREEL_MODELS_DIR)', async () => {
      const env = { CHROMAREEL_MODELS_DIR: fixtureModelsDir };
      const human = await runCli(['models'], { env });
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^fast\s+ChromaReel Fast v[\d.]+ \(chroma, for cpu, render factor 16\)$/m);
      expect(human.stdout).toMatch(/^fixture-chroma\s+Fixture \(chroma\)/m);
      expect(human.stdout).toMatch(/^fixture-rgb\s+.*\(rgb,/m);

      const json = await runCli(['models', '--json'], { env });
      const models = JSON.parse(json.stdout) as Array<{ id: string; contract: string; dir: string; renderFactor: { default: number } }>;
      expect(models.find((m) => m.id === 'fast')).toMatchObject({ contract: 'chroma', renderFactor: { default: 16 } });
      expect(models.find((m) => m.id === 'fixture-chroma')).toMatchObject({ contract: 'chroma', dir: fixtureModelDir('fixture-chroma') });
      expect((await engine.listModels()).map((m) => m.id)).toContain('fast');
    });

    it('colorize --json: one JSON object per line, progress through every phase, then the result', async () => {
      const output = path.join(work, 'json.mp4');
      const run = await runCli([
        'colorize',
        film,
        '-o',
        output,
        '--model',
        model(),
        '--preset',
        'ultrafast',
        '--segment-seconds',
        '0.8',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const lines = run.stdout.trim().split('\n');
      const events = lines.map((line) => JSON.parse(line) as Record<string, any>);
      expect(events.every((e) => typeof e.type === 'string')).toBe(true);
      const progress = events.filter((e) => e.type === 'progress');
      const phases = [...new Set(progress.map((e) => e.phase))];
      expect(phases).toEqual(['probing', 'loading-model', 'colorizing', 'muxing', 'done']);
      const colorizing = progress.filter((e) => e.phase === 'colorizing');
      const done = colorizing.map((e) => e.framesDone);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(colorizing.at(-1)).toMatchObject({ framesDone: 50, framesTotal: 50, segmentsDone: 3, segmentsTotal: 3 });
      expect(events.find((e) => e.type === 'notice' && e.code === 'provider')?.message).toMatch(/on CPU/);
      expect(events.at(-1)).toEqual({
        type: 'result',
        output,
        frames: 50,
        durationSec: 2,
        provider: 'cpu',
        model: 'fixture-chroma',
        resumedFromFrame: 0,
        sceneCuts: expect.any(Array),
        elapsedSec: expect.any(Number),
      });
    });

    it('preview: writes before/after PNGs of the asked frames', async () => {
      const out = path.join(work, 'preview-out');
      const run = await runCli(['preview', film, '--at', '0:00:01', '--frames', '2', '--out', out, '--model', model()]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/Wrote 2 before\/after pair\(s\)/);
      const files = (await readdir(out)).sort();
      expect(files).toEqual(['frame-000025-after.png', 'frame-000025-before.png', 'frame-000026-after.png', 'frame-000026-before.png']);
      for (const file of files)
        expect(await sharp(path.join(out, file)).metadata()).toMatchObject({ format: 'png', width: 160, height: 120 });
    });
  });

  describe('render: cancel and resume through the API', () => {
    async function cancelAfterSegments(output: string, extra: Record<string, unknown> = {}): Promise<void> {
      const controller = new AbortController();
      const error = await engine
        .render(
          { input: film, output, model: model(), preset: 'ultrafast', segmentFrames: 8, ...extra },
          (event) => {
            if (event.type === 'progress' && event.segmentsDone >= 2) controller.abort();
          },
          controller.signal,
        )
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(isEngineError(error) && error.code).toBe('cancelled');
      expect(existsSync(output)).toBe(false);
    }

    it('aborting leaves a resumable state: the same options resume, other options start afresh', async () => {
      const same = path.join(work, 'resume-same.mp4');
      await cancelAfterSegments(same);
      const events: RenderEvent[] = [];
      const resumed = await engine.render({ input: film, output: same, model: model(), preset: 'ultrafast', segmentFrames: 8 }, (e) =>
        events.push(e),
      );
      expect(events.some((e) => e.type === 'notice' && e.code === 'resumed')).toBe(true);
      expect(resumed.resumedFromFrame).toBeGreaterThanOrEqual(16);
      expect(resumed.frames).toBe(50);

      const changed = path.join(work, 'resume-changed.mp4');
      await cancelAfterSegments(changed);
      const fresh: RenderEvent[] = [];
      const result = await engine.render(
        { input: film, output: changed, model: model(), preset: 'ultrafast', segmentFrames: 8, saturation: 1.5 },
        (e) => fresh.push(e),
      );
      expect(fresh.some((e) => e.type === 'notice' && e.code === 'resumed')).toBe(false);
      expect(result).toMatchObject({ resumedFromFrame: 0, frames: 50 });
    });

    it('refuses early, in a sentence, when the disk cannot hold the result', async () => {
      const info = await engine.probe(film);
      const huge = { ...info, video: { ...info.video, outputWidth: 100_000, outputHeight: 100_000 } };
      await expect(checkDiskSpace(work, huge, 1_000_000, true)).rejects.toMatchObject({
        code: 'disk-full',
        message: expect.stringMatching(
          /^Not enough disk space in .*: about [\d.]+ GB is needed and [\d.]+ GB is free; free some space or choose another output folder\.$/,
        ),
      });
      await expect(checkDiskSpace(work, info, 50, true)).resolves.toBeUndefined();
    });
  });

  describe('device fallback', () => {
    const available = listAvailableProviders();

    it.each([
      ['cuda', 'CUDA'],
      ['webgpu', 'WebGPU'],
    ] as const)('--device %s where it cannot run falls back to CPU, loudly', async (device, label) => {
      if (device === 'cuda' && available.includes('cuda')) return; // a CUDA machine: nothing to fall back from
      // Engine: a warning notice before the work starts, and the job runs on CPU.
      const events: RenderEvent[] = [];
      const output = path.join(work, `device-${device}.mp4`);
      const result = await engine.render({ input: film, output, model: model(), device, to: 0.4, preset: 'ultrafast' }, (e) =>
        events.push(e),
      );
      const fallback = events.filter((e) => e.type === 'notice' && e.code === 'provider-fallback');
      if (result.provider === device) {
        // A machine where it does run (a GPU with a WebGPU adapter): no fallback, and no false alarm.
        expect(fallback).toEqual([]);
        return;
      }
      expect(result.provider).toBe('cpu');
      expect(fallback).toHaveLength(1);
      expect(fallback[0]).toMatchObject({
        level: 'warning',
        message: expect.stringMatching(new RegExp(`^${label} .*colourizing on CPU instead`)),
      });
      expect(events.findIndex((e) => e === fallback[0])).toBeLessThan(
        events.findIndex((e) => e.type === 'progress' && e.phase === 'colorizing'),
      );

      // CLI: the same warning on stderr, marked as such.
      const cliOutput = path.join(work, `device-${device}-cli.mp4`);
      const run = await runCli([
        'colorize',
        film,
        '-o',
        cliOutput,
        '--model',
        model(),
        '--device',
        device,
        '--to',
        '0.4',
        '--preset',
        'ultrafast',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`^WARNING: ${label} .*colourizing on CPU instead, which is slower\\.$`, 'm'));
      expect(run.stderr).toMatch(/model fixture-chroma on cpu\.$/m);
    });
  });
});
