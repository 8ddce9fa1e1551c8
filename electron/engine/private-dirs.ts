// Per-user folders the engine and hosts keep their own files in (thumbnail cache, queue work folders),
// and the one way they are created: mode 0700, owned by this user, never reached through a symlink.

import { chmodSync, lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { EngineError } from './errors.js';

/** Per-user folder for state that must survive a restart (the render queue, its work folders). */
export function defaultStateDir(): string {
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'ChromaReel');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'ChromaReel');
  return path.join(process.env.XDG_STATE_HOME ?? path.join(homedir(), '.local', 'state'), 'chromareel');
}

/** Per-user folder for caches that may be thrown away (thumbnails). */
export function defaultCacheDir(): string {
  if (process.platform === 'win32')
    return path.join(process.env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'ChromaReel', 'Cache');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Caches', 'ChromaReel');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'chromareel');
}

/**
 * Creates `dir` (and missing parents) with mode 0700 and returns its real path. Refuses a `dir` that is
 * a symlink, not a folder, or (on POSIX) owned by someone else; a folder of ours that others may read
 * or write is narrowed to 0700. Ancestors may be symlinks (macOS /tmp is one); the folder itself may not.
 */
export function ensurePrivateDir(dir: string): string {
  const absolute = path.resolve(dir);
  const info = makeDirNoFollow(absolute);
  if (process.platform !== 'win32') {
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      throw new EngineError(
        'output-unwritable',
        `The folder ${absolute} belongs to another user, so ChromaReel will not keep its files there; remove it or choose another folder.`,
      );
    }
    if ((info.mode & 0o077) !== 0) chmodSync(absolute, 0o700);
  }
  return realpathSync.native(absolute);
}

/**
 * Creates `dir` (missing parts with mode 0700) unless it exists, and refuses it when it is a symlink
 * or not a folder. For folders the person named (--work-dir), whose permissions are theirs to keep.
 */
export function makeDirNoFollow(dir: string): Stats {
  const absolute = path.resolve(dir);
  try {
    mkdirSync(absolute, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new EngineError(
      'output-unwritable',
      `The folder ${absolute} could not be created (${(error as NodeJS.ErrnoException).code ?? 'error'}); choose a folder you can write to.`,
      String(error),
    );
  }
  const info = lstatSync(absolute);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new EngineError(
      'output-unwritable',
      `${absolute} is a link or a file, not a folder of its own; ChromaReel does not follow links for its work folders, so remove it or choose another folder.`,
    );
  }
  return info;
}

/** Whether `dir` is a real folder (not a symlink) that exists now. */
export function isPlainDir(dir: string): boolean {
  try {
    const info = lstatSync(dir);
    return info.isDirectory() && !info.isSymbolicLink();
  } catch {
    return false;
  }
}
