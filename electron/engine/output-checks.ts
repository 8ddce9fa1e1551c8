// Checks made before any work, so a wrong output or a full disk is said at once, not after hours of
// rendering: the output is not the input, its folder exists and can be written, nothing is replaced
// silently, and the disk has room for the segments and the final file.
import { randomBytes } from 'node:crypto';
import { access, constants, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MediaInfo, RenderOptions } from '../common/types.js';
import { assertOutputReplaceable } from './atomic-file.js';
import { EngineError } from './errors.js';

/** Checks the output path before any work: not the input, folder writable, no silent overwrite. */
export async function checkOutput(options: Pick<RenderOptions, 'input' | 'output' | 'overwrite'>): Promise<void> {
  const output = path.resolve(options.output);
  const input = path.resolve(options.input);
  const sameFile = async () => {
    if (output === input) return true;
    // The same file under another name (a symlink, "..", a hard link) is the input all the same.
    const [a, b] = await Promise.all([stat(output).catch(() => null), stat(input).catch(() => null)]);
    return Boolean(a && b && a.dev === b.dev && a.ino === b.ino);
  };
  if (await sameFile()) {
    throw new EngineError('output-is-input', 'The output would replace the input film; choose another output name.');
  }
  const dir = path.dirname(output);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat) {
    throw new EngineError('output-unwritable', `The folder ${dir} does not exist; create it or choose an output in an existing folder.`);
  }
  if (!dirStat.isDirectory()) {
    throw new EngineError('output-unwritable', `${dir} is not a folder; choose an output inside a folder.`);
  }
  await assertOutputReplaceable(output, options.overwrite);
  // Permission bits do not tell the whole story (root, read-only mounts, immutable folders): try it.
  const probeFile = path.join(dir, `.chromareel-write-test-${randomBytes(4).toString('hex')}`);
  try {
    await access(dir, constants.W_OK);
    await writeFile(probeFile, '');
  } catch {
    throw new EngineError('output-unwritable', `Cannot write to the folder ${dir}; choose an output in a folder you can write to.`);
  } finally {
    await rm(probeFile, { force: true }).catch(() => undefined);
  }
}

/** Rough space needed for segments plus the final file, so a full disk is reported before hours of work. */
export async function checkDiskSpace(dir: string, info: MediaInfo, frames: number, lossless: boolean): Promise<void> {
  const pixels = info.video.outputWidth * info.video.outputHeight * frames;
  const bytesPerPixel = lossless ? 0.8 : 0.06;
  const audioBytes = info.audio.length * 40_000 * (frames / Math.max(1, info.video.fps));
  const needed = 2 * (pixels * bytesPerPixel + audioBytes) + 50 * 1024 * 1024;
  const stats = await statfs(dir);
  const free = Number(stats.bavail) * Number(stats.bsize);
  if (free < needed) {
    const gib = (n: number) => (n / 1024 ** 3).toFixed(1);
    throw new EngineError(
      'disk-full',
      `Not enough disk space in ${dir}: about ${gib(needed)} GB is needed and ${gib(free)} GB is free; free some space or choose another output folder.`,
    );
  }
}
