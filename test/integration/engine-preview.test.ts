// The engine's preview as the app uses it: notices and scene cuts reach the page with the frames, and
// the film's facts are probed once per file version, not once per preview.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import type { PreviewFrame } from '../../electron/common/types.js';
import { ensureFixtureModels } from '../helpers/models.js';

let work: string;
let film: string;
let engine: Engine;

/** Two different grey shots, 12 frames each at 24 fps, with a hard cut at frame 12. */
function makeCutFilm(output: string): void {
  const shot = (source: string) => `${source}=size=192x144:rate=24,trim=duration=0.5,format=gray`;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    shot('testsrc2'),
    '-f',
    'lavfi',
    '-i',
    shot('mandelbrot'),
    '-filter_complex',
    '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]',
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-crf',
    '12',
    '-g',
    '6',
    '-y',
    output,
  ]);
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'chromareel-preview-'));
  film = path.join(work, 'cut.mp4');
  makeCutFilm(film);
  engine = createEngine({ modelsDirs: [ensureFixtureModels()] });
});

afterAll(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

async function collect(frames: AsyncIterable<PreviewFrame>): Promise<PreviewFrame[]> {
  const out: PreviewFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

describe('engine.preview', () => {
  it('says on the first frame which provider ran, and marks the first frame of a new shot', async () => {
    const frames = await collect(engine.preview({ input: film, at: 0, frames: 24, model: 'fixture-chroma', device: 'cpu' }));
    expect(frames.map((f) => f.frame)).toEqual([...Array(24).keys()]);
    expect(frames[0].notices?.map((n) => n.code)).toContain('provider');
    expect(frames.slice(1).every((f) => f.notices === undefined)).toBe(true);
    expect(frames.filter((f) => f.sceneCut).map((f) => f.frame)).toEqual([12]);
  });

  it('probes a film once per version of the file', async () => {
    const copy = path.join(work, 'copy.mp4');
    copyFileSync(film, copy);
    const first = await engine.probe(copy);
    expect(await engine.probe(copy)).toBe(first);
    const later = new Date(Date.now() + 5_000);
    utimesSync(copy, later, later);
    const afterTouch = await engine.probe(copy);
    expect(afterTouch).not.toBe(first);
    expect(afterTouch.video.frameCount).toBe(first.video.frameCount);
  });

  it('a cancelled caller does not cancel the probe for others', async () => {
    const copy = path.join(work, 'shared.mp4');
    copyFileSync(film, copy);
    const controller = new AbortController();
    const cancelled = engine.probe(copy, controller.signal);
    const other = engine.probe(copy);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await other).video.frameCount).toBe(24);
  });
});
