import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A temporary name in the same folder as `target` (same file system, so rename is atomic). */
export function temporarySibling(target: string, tag = 'partial'): string {
  const dir = path.dirname(target);
  const ext = path.extname(target);
  const base = path.basename(target, ext);
  return path.join(dir, `.${base}.${tag}-${randomBytes(4).toString('hex')}${ext}`);
}

/** Writes a file so that readers see either the old content or the new, never a torn file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = temporarySibling(target, 'tmp');
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
