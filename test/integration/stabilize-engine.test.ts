// Scene cuts through the real engine: a film made of two different shots joined by a hard cut
// (ffmpeg concat, generated here) is rendered by engine.render with the fixture model; the cut must
// reach the caller both as 'scene-cut' events while rendering and in RenderResult.sceneCuts (what the
// app's timeline shows), whatever the stabilization strength, across segment boundaries and for a
// range that starts before the cut. Real ffmpeg, real inference process, real stabilizer.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import type { RenderEvent, RenderOptions, SceneCutEvent, StabilizeStrength } from '../../electron/common/types.js';
import { fixtureModelDir } from '../helpers/models.js';

const FPS = 25;
const SHOT_FRAMES = 30;
const WIDTH = 160;
const HEIGHT = 120;

let work: string;
let engine: Engine;
/** Shot A (testsrc2) then shot B (testsrc), 30 frames each, hard cut at frame 30; lossless. */
let cutFilm: string;
/** Shot B alone, the same pixels as frames 30… of cutFilm. */
let shotB: string;
/** Shot A alone: one shot, no cut. */
let shotA: string;

function ffmpeg(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 28 });
}

const shot = (source: string) =>
  `${source}=size=${WIDTH}x${HEIGHT}:rate=${FPS},trim=start_frame=0:end_frame=${SHOT_FRAMES},setpts=PTS-STARTPTS`;
const lossless = ['-c:v', 'libx264', '-qp', '0', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '12'];

/** Decoded 8-bit Cb planes (4:2:0), one per frame. */
function chromaPlanes(file: string): Buffer[] {
  const raw = ffmpeg(['-i', file, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
  const lumaBytes = WIDTH * HEIGHT;
  const chromaBytes = (WIDTH / 2) * (HEIGHT / 2);
  const frameBytes = lumaBytes + 2 * chromaBytes;
  const planes: Buffer[] = [];
  for (let offset = 0; offset + frameBytes <= raw.length; offset += frameBytes) {
    planes.push(raw.subarray(offset + lumaBytes, offset + frameBytes));
  }
  return planes;
}

async function render(input: string, name: string, options: Partial<RenderOptions> = {}) {
  const events: RenderEvent[] = [];
  const result = await engine.render(
    { input, output: path.join(work, `${name}.mp4`), model: fixtureModelDir('fixture-chroma'), device: 'cpu', overwrite: true, ...options },
    (event) => events.push(event),
  );
  const cutEvents = events.filter((e): e is SceneCutEvent => e.type === 'scene-cut');
  return { result, cutEvents };
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'chromareel-stabilize-engine-'));
  cutFilm = path.join(work, 'cut.mp4');
  shotA = path.join(work, 'shot-a.mp4');
  shotB = path.join(work, 'shot-b.mp4');
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    shot('testsrc2'),
    '-f',
    'lavfi',
    '-i',
    shot('testsrc'),
    '-filter_complex',
    '[0:v][1:v]concat=n=2:v=1:a=0[v]',
    '-map',
    '[v]',
    ...lossless,
    cutFilm,
  ]);
  // Cut from the film itself (decoded and re-encoded losslessly), so the pixels are the same.
  ffmpeg(['-i', cutFilm, '-vf', `trim=start_frame=${SHOT_FRAMES},setpts=PTS-STARTPTS`, ...lossless, shotB]);
  ffmpeg(['-i', cutFilm, '-vf', `trim=end_frame=${SHOT_FRAMES}`, ...lossless, shotA]);
  engine = createEngine();
});

afterAll(async () => {
  await engine?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('scene cuts through engine.render', () => {
  for (const strength of ['medium', 'off', 'high'] as StabilizeStrength[]) {
    it(`reports the hard cut as a 'scene-cut' event and in RenderResult.sceneCuts (--stabilize ${strength})`, async () => {
      // Segments of 20 frames: the cut falls inside the second segment, whose state is saved at its end.
      const { result, cutEvents } = await render(cutFilm, `cut-${strength}`, { stabilize: strength, segmentFrames: 20 });
      expect(result.frames).toBe(2 * SHOT_FRAMES);
      expect(result.sceneCuts).toEqual([SHOT_FRAMES]);
      expect(cutEvents.map((e) => e.frame)).toEqual([SHOT_FRAMES]);
      expect(cutEvents[0].timeSec).toBeCloseTo(SHOT_FRAMES / FPS, 6);
    });
  }

  it('reports a cut inside a range in film frames and seconds, and none in a single shot', async () => {
    const ranged = await render(cutFilm, 'ranged', { from: 0.8, to: 2.0 });
    expect(ranged.result.frames).toBe(30);
    expect(ranged.result.sceneCuts).toEqual([SHOT_FRAMES]);
    expect(ranged.cutEvents.map((e) => [e.frame, e.timeSec])).toEqual([[SHOT_FRAMES, SHOT_FRAMES / FPS]]);

    const single = await render(shotA, 'single');
    expect(single.result.frames).toBe(SHOT_FRAMES);
    expect(single.result.sceneCuts).toEqual([]);
    expect(single.cutEvents).toEqual([]);
  });

  it('resets the carried colour at the cut: after it, the film has exactly the colours of shot B rendered alone', async () => {
    const both = await render(cutFilm, 'both-lossless', { lossless: true });
    const alone = await render(shotB, 'b-lossless', { lossless: true });
    expect(both.result.sceneCuts).toEqual([SHOT_FRAMES]);
    const bothChroma = chromaPlanes(both.result.output);
    const aloneChroma = chromaPlanes(alone.result.output);
    expect(bothChroma).toHaveLength(2 * SHOT_FRAMES);
    expect(aloneChroma).toHaveLength(SHOT_FRAMES);
    const differing = aloneChroma
      .map((plane, k) => (plane.equals(bothChroma[SHOT_FRAMES + k]) ? -1 : SHOT_FRAMES + k))
      .filter((k) => k >= 0);
    expect(differing).toEqual([]);
    // And nothing of shot B reached back into shot A through the look-ahead: before the cut the film
    // has exactly the colours of shot A rendered alone.
    const a = await render(shotA, 'a-lossless', { lossless: true });
    const aChroma = chromaPlanes(a.result.output);
    expect(aChroma).toHaveLength(SHOT_FRAMES);
    expect(aChroma.map((plane, k) => (plane.equals(bothChroma[k]) ? -1 : k)).filter((k) => k >= 0)).toEqual([]);
  });
});
