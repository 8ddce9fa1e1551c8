// Colour pins kept with the film in the app's own per-user data: one small JSON file per film in a
// private folder (0700; files 0600), named by a digest of the film's size and the first MiB of its
// content, so the pins come back when the same film is opened again (also after it was moved or
// renamed). Nothing is ever written beside the film. A saved file that cannot be read back is ignored
// with a notice, and the film opens without pins.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { fileWriteError } from '../engine/atomic-file.js';
import { HintsError, MAX_HINTS_BYTES, validateHints } from '../engine/pins/hints-file.js';
import { ensurePrivateDir } from '../engine/private-dirs.js';
import type { StoredPins } from '../common/protocol.js';
import type { HintsDocument } from '../common/types.js';
import { HostError } from './host-error.js';

/** Bytes of the film's start that name it (with its size). */
export const HEAD_BYTES = 1024 * 1024;
/** Largest store file read back (the hints plus a little bookkeeping). */
const MAX_STORE_BYTES = MAX_HINTS_BYTES + 64 * 1024;
const STORE_VERSION = 1;

export interface PinStore {
  load(film: string): Promise<StoredPins>;
  /** Keeps the film's pins; an empty list forgets them. */
  save(film: string, hints: HintsDocument): Promise<void>;
}

const storedSchema = z.object({
  version: z.literal(STORE_VERSION),
  film: z.object({ path: z.string(), sizeBytes: z.number() }).optional(),
  hints: z.unknown(),
});

const empty = (): HintsDocument => ({ version: 1, pins: [] });

/** The store key of a film: sha256 over its size and its first HEAD_BYTES bytes. */
export async function filmKey(film: string): Promise<string> {
  let handle;
  try {
    handle = await open(film, 'r');
  } catch (error) {
    throw new HostError(
      'not-found',
      `The film ${path.basename(film)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}), so its colour pins cannot be kept; open it again.`,
    );
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new HostError('bad-request', `${path.basename(film)} is not a film file, so it has no colour pins.`);
    const head = Buffer.alloc(Math.min(HEAD_BYTES, stats.size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return createHash('sha256').update(`chromareel-pins\0${stats.size}\0`).update(head.subarray(0, bytesRead)).digest('hex');
  } finally {
    await handle.close();
  }
}

/** Pins in `dir` (created private on first save). */
export function createPinStore(dir: string): PinStore {
  const fileOf = (key: string) => path.join(dir, `${key}.json`);
  // Saves happen one after another, in the order they were asked for (the page saves after every change).
  let writing: Promise<void> = Promise.resolve();

  return {
    async load(film) {
      const file = fileOf(await filmKey(film));
      const existing = await lstat(file).catch(() => null);
      if (!existing) return { hints: empty(), notice: null };
      const unreadable = (why: string): StoredPins => ({
        hints: empty(),
        notice: `The colour pins saved for ${path.basename(film)} could not be read back (${why}), so the film opens without them; pins you put now replace them.`,
      });
      if (!existing.isFile()) return unreadable('the saved file is not a regular file');
      if (existing.size > MAX_STORE_BYTES) return unreadable('the saved file is too large');
      let text: string;
      try {
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(existing.size);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
          text = buffer.subarray(0, bytesRead).toString('utf8');
        } finally {
          await handle.close();
        }
      } catch (error) {
        return unreadable((error as NodeJS.ErrnoException).code ?? 'a read error');
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return unreadable('it is not valid JSON');
      }
      const stored = storedSchema.safeParse(json);
      if (!stored.success) return unreadable('it is not a pins file of this version');
      try {
        return { hints: validateHints(stored.data.hints, 'The saved pins'), notice: null };
      } catch (error) {
        return unreadable(error instanceof HintsError ? error.problem : (error as Error).message);
      }
    },

    async save(film, hints) {
      const doc = validateHints(hints, 'The list of colour pins');
      const next = writing
        .catch(() => undefined)
        .then(async () => {
          const key = await filmKey(film);
          const file = fileOf(key);
          if (doc.pins.length === 0) {
            await rm(file, { force: true });
            return;
          }
          const real = ensurePrivateDir(dir);
          const target = path.join(real, path.basename(file));
          const sizeBytes = (await lstat(film)).size;
          const body = JSON.stringify({
            version: STORE_VERSION,
            film: { path: film, sizeBytes },
            savedAt: new Date().toISOString(),
            hints: doc,
          });
          const temp = path.join(real, `.${key}.${randomBytes(4).toString('hex')}.tmp`);
          try {
            await writeFile(temp, body, { mode: 0o600, flag: 'wx' });
            await chmod(temp, 0o600);
            await rename(temp, target);
          } catch (error) {
            await rm(temp, { force: true }).catch(() => undefined);
            throw fileWriteError(target, error);
          }
        });
      writing = next;
      await next;
    },
  };
}

/** For tests and hosts without a state folder: pins kept for this run only. */
export function createMemoryPinStore(): PinStore {
  const saved = new Map<string, HintsDocument>();
  return {
    async load(film) {
      return { hints: structuredClone(saved.get(await filmKey(film)) ?? empty()), notice: null };
    },
    async save(film, hints) {
      const doc = validateHints(hints, 'The list of colour pins');
      const key = await filmKey(film);
      if (doc.pins.length === 0) saved.delete(key);
      else saved.set(key, doc);
    },
  };
}
