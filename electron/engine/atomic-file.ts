import { randomBytes } from 'node:crypto';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from './errors.js';

/** A temporary name in the same folder as `target` (same file system, so rename is atomic). */
export function temporarySibling(target: string, tag = 'partial'): string {
  const dir = path.dirname(target);
  const ext = path.extname(target);
  const base = path.basename(target, ext);
  return path.join(dir, `.${base}.${tag}-${randomBytes(4).toString('hex')}${ext}`);
}

/** The engine's sentence for a file that could not be written: a full disk, or a folder it may not write to. */
export function fileWriteError(file: string, error: unknown): EngineError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EngineError('disk-full', `The disk is full, so ${file} could not be written; free some space and try again.`, String(error));
  }
  return new EngineError(
    'output-unwritable',
    `${file} could not be written (${code ?? 'error'}); choose a folder you can write to.`,
    String(error),
  );
}

/**
 * Writes a file so that readers see either the old content or the new, never a torn file.
 * Failures are EngineErrors a person can act on (full disk, unwritable folder).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = temporarySibling(target, 'tmp');
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw fileWriteError(target, error);
  }
}

/**
 * Checks that `output` may be written now: absent, or (with `overwrite`) a regular file. A folder, a
 * link, a device, a pipe or a socket is never replaced, whatever `overwrite` says. Called before the
 * work and again right before the finished file is renamed into place.
 */
export async function assertOutputReplaceable(output: string, overwrite: boolean | undefined): Promise<void> {
  const existing = await lstat(output).catch(() => null);
  if (!existing) return;
  if (existing.isDirectory()) {
    throw new EngineError(
      'output-unwritable',
      `${output} is a folder; give a file name for the output, such as ${path.join(output, 'colour.mp4')}.`,
    );
  }
  if (!existing.isFile()) {
    throw new EngineError(
      'output-unwritable',
      `${output} exists and is not a regular file (a link, device, pipe or socket), so ChromaReel never replaces it; choose another output name.`,
    );
  }
  if (!overwrite) {
    throw new EngineError('output-exists', `${output} already exists; choose another name or pass --overwrite to replace it.`);
  }
}
