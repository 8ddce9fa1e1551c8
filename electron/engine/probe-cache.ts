// Film facts by path, valid while the file's size, modification time and inode stay the same: the
// app probes on open, then previews, thumbnails and renders reuse the answer instead of running
// ffprobe again.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { MediaInfo } from '../common/types.js';
import { untilAborted } from './errors.js';
import { probe } from './media/probe.js';

/** How many films' facts (and scene-cut scans) are remembered. */
export const FILM_CACHE_SIZE = 32;

/** A file's identity for caching: size, modification time and inode; null when it cannot be read. */
export async function fileStamp(file: string): Promise<string | null> {
  const stats = await stat(file).catch(() => null);
  return stats ? `${stats.size}:${stats.mtimeMs}:${stats.ino}` : null;
}

/** A probe that remembers its answers (the newest FILM_CACHE_SIZE films). */
export function createProbeCache(): (input: string, signal?: AbortSignal) => Promise<MediaInfo> {
  const probes = new Map<string, { stamp: string; info: Promise<MediaInfo> }>();
  return async (input, signal) => {
    const file = path.resolve(input);
    const stamp = await fileStamp(file);
    if (stamp === null) return probe(input, signal);
    const cached = probes.get(file);
    if (cached?.stamp === stamp) return untilAborted(cached.info, signal);
    // Shared by every caller, so one caller's cancel must not cancel it for the others.
    const info = probe(input);
    probes.delete(file);
    probes.set(file, { stamp, info });
    info.catch(() => probes.get(file)?.info === info && probes.delete(file));
    while (probes.size > FILM_CACHE_SIZE) probes.delete(probes.keys().next().value!);
    return untilAborted(info, signal);
  };
}
