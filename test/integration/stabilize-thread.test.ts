// The render's stabilizer on its worker thread against the in-process one (CHROMAREEL_STABILIZER_THREAD=0),
// through the real CLI (dist/, its bundled stabilizer-worker.js) and the real engine (from source):
// a short film with a hard cut, lossless, in short segments, must come out decoded byte for byte the
// same, with the same scene cuts and the same segment state files (what a resume restores).
import { execFile } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderEvent } from '../../electron/common/types.js';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import { rawVideo, runFfmpegTool } from '../helpers/clips.js';
import { fixtureModelDir, realModelDir } from '../helpers/models.js';
import { roomClip, trafficClip } from '../helpers/paths.js';
import { profileThread } from '../../scripts/bench/cpu-profile.js';
import { cliPath, jsonLines, segmentedLosslessArgs, tempDir } from '../helpers/render.js';

const INLINE = { CHROMAREEL_STABILIZER_THREAD: '0' };
/** The real model when it is here (its chroma moves with the picture), else the fixture model. */
const model = existsSync(path.join(realModelDir, 'model.json')) ? realModelDir : fixtureModelDir('fixture-chroma');

let work: string;
/** 24 frames of the traffic clip, a hard cut, 24 frames of the room clip (320x180, 12.5 fps, lossless). */
let film: string;
let engine: Engine;

beforeAll(async () => {
  work = await tempDir('stab-thread');
  film = path.join(work, 'cut.mp4');
  const shot = (input: number, label: string) => `[${input}:v]fps=12.5,trim=end_frame=24,setpts=PTS-STARTPTS[${label}]`;
  await runFfmpegTool('ffmpeg', [
    ...['-v', 'error', '-nostdin', '-y', '-i', trafficClip, '-i', roomClip],
    ...['-filter_complex', `${shot(0, 'a')};${shot(1, 'b')};[a][b]concat=n=2:v=1[v]`, '-map', '[v]'],
    ...['-c:v', 'libx264', '-qp', '0', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', film],
  ]);
  engine = createEngine();
});

afterAll(async () => {
  await engine?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('stabilizer thread vs in-process', () => {
  it('the CLI renders the same film both ways: every decoded frame byte-equal, the same scene cuts', async () => {
    const runs = [];
    for (const env of [{}, INLINE]) {
      const name = env === INLINE ? 'inline' : 'thread';
      const output = path.join(work, `cli-${name}.mp4`);
      // node --cpu-prof writes a profile per thread: how we see which threads the CLI ran.
      const profiles = path.join(work, `prof-${name}`);
      const result = await promisify(execFile)(
        process.execPath,
        ['--cpu-prof', '--cpu-prof-dir', profiles, cliPath, ...segmentedLosslessArgs(film, output, model), '--overwrite'],
        { env: { ...process.env, ...env, FORCE_COLOR: '0' }, maxBuffer: 1 << 24 },
      );
      const threads = (await readdir(profiles)).map(profileThread).filter((at) => at !== null);
      expect(threads.filter((at) => at.thread === 0).length).toBe(1); // the CLI (its inference process has no --cpu-prof)
      expect(threads.filter((at) => at.thread !== 0).length).toBe(env === INLINE ? 0 : 1);
      const lines = jsonLines(result.stdout);
      runs.push({
        frames: await rawVideo(output, { pixFmt: 'yuv420p' }),
        cuts: lines.filter((line) => line.type === 'scene-cut').map((line) => line.frame as number),
        result: lines.find((line) => line.type === 'result')!,
      });
    }
    const [thread, inline] = runs;
    expect(thread.result.frames).toBe(48);
    expect(thread.frames.length).toBe(48 * 320 * 180 * 1.5);
    expect(thread.frames.equals(inline.frames)).toBe(true);
    expect(thread.cuts).toEqual(inline.cuts);
    expect(thread.result.sceneCuts).toEqual(inline.result.sceneCuts);
    expect(thread.result.sceneCuts).toContain(24);
  });

  it('the engine writes the same segment state files both ways (what a resume restores)', async () => {
    const states: Array<Map<string, Buffer>> = [];
    const frames: Buffer[] = [];
    for (const thread of [true, false]) {
      const name = thread ? 'thread' : 'inline';
      const workDir = path.join(work, `work-${name}`);
      const output = path.join(work, `engine-${name}.mp4`);
      const before = process.env.CHROMAREEL_STABILIZER_THREAD;
      if (!thread) process.env.CHROMAREEL_STABILIZER_THREAD = '0';
      try {
        const events: RenderEvent[] = [];
        await engine.render(
          {
            input: film,
            output,
            model,
            device: 'cpu',
            overwrite: true,
            lossless: true,
            preset: 'ultrafast',
            segmentSeconds: 0.4,
            workDir,
            keepWork: true,
          },
          (event) => events.push(event),
        );
      } finally {
        if (before === undefined) delete process.env.CHROMAREEL_STABILIZER_THREAD;
        else process.env.CHROMAREEL_STABILIZER_THREAD = before;
      }
      const files = (await readdir(workDir)).filter((file) => file.endsWith('.state')).sort();
      states.push(new Map(await Promise.all(files.map(async (file) => [file, await readFile(path.join(workDir, file))] as const))));
      frames.push(await rawVideo(output, { pixFmt: 'yuv420p' }));
    }
    const [thread, inline] = states;
    expect(thread.size).toBeGreaterThanOrEqual(9); // 48 frames in segments of 5
    expect([...thread.keys()]).toEqual([...inline.keys()]);
    for (const [file, bytes] of thread) expect(bytes.equals(inline.get(file)!), file).toBe(true);
    expect(frames[0].equals(frames[1])).toBe(true);
  });

  it('a render ends its stabilizer thread at its end, and a cancelled one with the cancel', async () => {
    // This process's threads as Linux counts them: the stabilizer's is one more while a render runs.
    const threads = () => readdirSync('/proc/self/task').length;
    const render = async (name: string, cancel: boolean) => {
      const controller = new AbortController();
      let during = 0;
      const outcome = await engine
        .render(
          {
            input: film,
            model,
            device: 'cpu',
            overwrite: true,
            preset: 'ultrafast',
            output: path.join(work, `${name}.mp4`),
            workDir: path.join(work, `work-${name}`),
          },
          (event) => {
            if (event.type === 'progress' && event.framesDone >= 5 && during === 0) {
              during = threads();
              if (cancel) controller.abort();
            }
          },
          controller.signal,
        )
        .catch((error: unknown) => error);
      return { outcome, during };
    };
    await render('warm-up', false); // Node's own thread pools are started by now
    const idle = threads();
    const finished = await render('finished', false);
    expect(finished.outcome).toMatchObject({ frames: 48 });
    expect(finished.during).toBeGreaterThan(idle);
    expect(threads()).toBe(idle);
    const cancelled = await render('cancelled', true);
    expect(cancelled.outcome).toMatchObject({ code: 'cancelled' });
    expect(cancelled.during).toBeGreaterThan(idle);
    expect(threads()).toBe(idle);
  });
});
