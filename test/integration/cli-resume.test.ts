// Crash safety through the real CLI: kill -9 in the middle of a render (the whole process tree, or
// the CLI alone), or Ctrl-C, then the same command again. It must resume from the finished segments
// and, in lossless mode, produce exactly the film an uninterrupted run makes; nothing may be left
// running behind a killed CLI.

import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import {
  decodedFrameCount,
  defaultWorkDirOf,
  descendantsOf,
  isAlive,
  jsonLines,
  listDir,
  listProcesses,
  readJob,
  runCli,
  segmentedLosslessArgs,
  startCli,
  streamMd5,
  tempDir,
  waitFor,
  type CliRun,
} from '../helpers/render.js';

const FRAMES = 60; // 2.4 s at 25 fps, in 6 segments of 10 frames (--segment-seconds 0.4)

describe('CLI: resume after kill -9 and Ctrl-C', () => {
  let work: string;
  let film: string;
  let reference: { video: string; audio: string };

  const args = (output: string) => segmentedLosslessArgs(film, output, fixtureModelDir('fixture-chroma'));

  const fingerprint = async (file: string) => ({ video: await streamMd5(file, '0:v:0'), audio: await streamMd5(file, '0:a:0') });

  /** Starts a render in its own process group and waits until `segments` segments are finished. */
  async function startAndWait(output: string, segments: number): Promise<CliRun> {
    const run = startCli(args(output), { detached: true });
    let exited = false;
    void run.done.then(() => (exited = true));
    await waitFor(async () => {
      if (exited) throw new Error(`the render ended before it could be interrupted: ${run.stderr()}`);
      return ((await readJob(defaultWorkDirOf(output)))?.segments.length ?? 0) >= segments;
    }, `${segments} finished segments`);
    return run;
  }

  /** Re-runs the command to the end; checks it resumed and made the uninterrupted run's film. */
  async function resumeAndCompare(output: string, finishedBefore: number): Promise<void> {
    const again = await runCli(args(output));
    expect(again.code, again.stderr).toBe(0);
    const events = jsonLines(again.stdout);
    const resumed = events.find((e) => e.type === 'notice' && e.code === 'resumed');
    expect(resumed?.message).toMatch(/Resuming/);
    const result = events.at(-1)!;
    expect(result).toMatchObject({ type: 'result', frames: FRAMES });
    expect(result.resumedFromFrame).toBeGreaterThanOrEqual(finishedBefore * 10);
    expect(await decodedFrameCount(output)).toBe(FRAMES);
    expect(await fingerprint(output)).toEqual(reference);
    // Done: the work folder is cleaned up, no partial file is left beside the output.
    expect(existsSync(defaultWorkDirOf(output))).toBe(false);
    expect((await listDir(path.dirname(output))).filter((name) => name.startsWith('.'))).toEqual([]);
  }

  beforeAll(async () => {
    work = await tempDir('cli-resume');
    film = await makeClip({ name: 'resume-film', durationSec: FRAMES / 25, gop: 12, audio: [{ codec: 'aac', freq: 997 }] });
    const output = path.join(work, 'reference', 'film.mp4');
    await mkdir(path.dirname(output));
    const run = await runCli(args(output));
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'result', frames: FRAMES, resumedFromFrame: 0 });
    reference = await fingerprint(output);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('kill -9 of the whole process tree, then the same command: resumes and makes the identical film', async () => {
    const dir = path.join(work, 'tree');
    await mkdir(dir);
    const output = path.join(dir, 'film.mp4');
    const run = await startAndWait(output, 2);
    const pgid = run.child.pid!;
    process.kill(-pgid, 'SIGKILL');
    const { signal } = await run.done;
    expect(signal).toBe('SIGKILL');
    await waitFor(() => !listProcesses().some((p) => p.pgid === pgid), 'the killed process group to be gone', 15_000);

    expect(existsSync(output)).toBe(false);
    const job = await readJob(defaultWorkDirOf(output));
    expect(job!.segments.length).toBeGreaterThanOrEqual(2);
    await resumeAndCompare(output, 2);
  });

  it('kill -9 of the CLI alone leaves no orphan: its inference process and ffmpeg children exit by themselves', async () => {
    const dir = path.join(work, 'orphans');
    await mkdir(dir);
    const output = path.join(dir, 'film.mp4');
    const run = await startAndWait(output, 1);
    const cliPid = run.child.pid!;
    const children = descendantsOf(cliPid);
    const inference = children.filter((p) => p.cmdline.includes('inference-process'));
    expect(inference, 'the inference process is a child of the CLI').toHaveLength(1);
    expect(children.some((p) => p.cmdline.includes('ffmpeg'))).toBe(true);

    process.kill(cliPid, 'SIGKILL'); // the CLI only, not its group
    await run.done;
    // The inference process notices its IPC channel closing; ffmpeg notices its pipes closing.
    await waitFor(() => children.every((p) => !isAlive(p.pid)), 'the children of the killed CLI to exit', 15_000, 50);
    expect(children.filter((p) => isAlive(p.pid))).toEqual([]);

    await resumeAndCompare(output, 1);
  });

  it('Ctrl-C (SIGINT to the process group, as a terminal sends it) exits 130, keeps the finished segments, and the same command resumes', async () => {
    const dir = path.join(work, 'ctrl-c');
    await mkdir(dir);
    const output = path.join(dir, 'film.mp4');
    const before = await streamMd5(film, '0:v:0');

    const run = await startAndWait(output, 1);
    const pgid = run.child.pid!;
    process.kill(-pgid, 'SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/run the same command again to resume/);
    expect(result.stderr).not.toMatch(/Error|crash|\n\s+at /);
    await waitFor(() => !listProcesses().some((p) => p.pgid === pgid), 'the interrupted render to stop every process', 15_000);

    expect(existsSync(output)).toBe(false);
    const workDir = defaultWorkDirOf(output);
    const job = await readJob(workDir);
    expect(job!.segments.length).toBeGreaterThanOrEqual(1);
    // The unfinished segment was discarded, not left half-written.
    expect((await listDir(workDir)).filter((name) => name.includes('partial'))).toEqual([]);
    expect(await streamMd5(film, '0:v:0')).toBe(before);

    await resumeAndCompare(output, job!.segments.length);
  });
});
