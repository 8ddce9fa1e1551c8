// A disk that fills up in the middle of a render, for real: the output folder is a small tmpfs and
// the test fills it once the first segment is written. The CLI must stop with one plain sentence, keep
// the finished segments, leave no output file, and — once space is freed — resume to the same film an
// uninterrupted run makes. Mounting needs root (as on the CI machine); elsewhere the test is skipped.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import {
  defaultWorkDirOf,
  jsonLines,
  readJob,
  runCli,
  segmentedLosslessArgs,
  startCli,
  streamMd5,
  tempDir,
  waitFor,
} from '../helpers/render.js';

const FRAMES = 100; // 4 s at 25 fps in segments of 10 frames

function mountTmpfs(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) return 'not root, so no tmpfs can be mounted';
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return result.status === 0 ? null : `mount -t tmpfs failed: ${(result.stderr || result.error?.message || '').trim()}`;
}

/** Takes every free byte of the file system at `dir` (writes until ENOSPC). */
async function fillDisk(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  try {
    for (;;) {
      const stats = await statfs(path.dirname(file));
      const free = Number(stats.bavail) * Number(stats.bsize);
      await handle.write(free >= chunk.length ? chunk : chunk.subarray(0, Math.max(1, free)));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

describe('CLI: the disk fills up during a render', () => {
  let work: string;
  let disk: string;
  let film: string;
  let reference: string;
  let skipReason: string | null = null;

  const args = (output: string) => segmentedLosslessArgs(film, output, fixtureModelDir('fixture-chroma'));

  beforeAll(async () => {
    work = await tempDir('disk-full');
    disk = path.join(work, 'small-disk');
    await mkdir(disk);
    // Larger than the engine's early estimate for this film (it keeps a 50 MB margin), so the render starts.
    skipReason = mountTmpfs(disk, '80m');
    if (skipReason) {
      console.log(`disk-full test skipped: ${skipReason}`);
      return;
    }
    film = await makeClip({
      name: 'disk-full-film',
      width: 320,
      height: 240,
      durationSec: FRAMES / 25,
      gop: 12,
      audio: [{ codec: 'aac', freq: 660 }],
    });
    const output = path.join(work, 'reference.mp4');
    const run = await runCli(args(output));
    expect(run.code, run.stderr).toBe(0);
    reference = await streamMd5(output, '0:v:0');
  });

  afterAll(async () => {
    if (disk && !skipReason) spawnSync('umount', [disk]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('stops with a plain "disk is full" sentence, keeps the finished segments, and resumes once space is freed', async (context) => {
    if (skipReason) context.skip(`needs a small tmpfs to fill: ${skipReason}`);
    const output = path.join(disk, 'film.mp4');
    const filler = path.join(disk, 'filler.bin');
    const run = startCli(args(output));
    let exited = false;
    void run.done.then(() => (exited = true));
    await waitFor(async () => {
      if (exited) throw new Error(`the render ended before the disk could be filled: ${run.stderr()}`);
      return ((await readJob(defaultWorkDirOf(output)))?.segments.length ?? 0) >= 1;
    }, 'the first finished segment');
    await fillDisk(filler);

    const failed = await run.done;
    expect(failed.code).toBe(1);
    const message = failed.stderr.trim();
    expect(message).toMatch(/disk is full/i);
    expect(message).toMatch(/free some space/i);
    expect(message.split('\n')).toHaveLength(1); // one sentence, no stack trace
    expect(message).not.toMatch(/\n\s+at |ENOSPC:/);
    expect(existsSync(output)).toBe(false);
    const job = await readJob(defaultWorkDirOf(output));
    expect(job?.segments.length ?? 0).toBeGreaterThanOrEqual(1);

    await rm(filler);
    const again = await runCli(args(output));
    expect(again.code, again.stderr).toBe(0);
    const events = jsonLines(again.stdout);
    expect(events.some((e) => e.type === 'notice' && e.code === 'resumed')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'result', frames: FRAMES });
    expect(await streamMd5(output, '0:v:0')).toBe(reference);
    expect(existsSync(defaultWorkDirOf(output))).toBe(false);
  });
});
