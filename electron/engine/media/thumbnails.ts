// Small JPEG frames spread evenly over the film, for the timeline. One short ffmpeg run per
// thumbnail, each seeking straight to its time (no decode of the whole film), cached on disk by
// file identity and request.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-file.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { defaultCacheDir, ensurePrivateDir } from '../private-dirs.js';
import type { MediaInfo, Thumbnail } from '../../common/types.js';
import { outputSampleAspectRatio } from './decode.js';
import { runFfmpeg } from './process.js';
import { filmInputArgs, recheckFilmFile } from './film-input.js';
import { toNumber } from './rational.js';

export interface ThumbnailExtractOptions {
  count: number;
  /** Height in pixels (default 90); the width follows the displayed aspect ratio. */
  height?: number;
  /** Cache folder (default: the per-user cache folder's thumbnails/, created 0700). */
  cacheDir?: string;
  signal?: AbortSignal;
}

// The index is read back from disk, so it is checked like any input: a planted or damaged index names
// nothing but this entry's own "<n>.jpg" files.
const cachedThumbnailSchema = z.strictObject({
  index: z.number().int().min(0).max(999),
  timeSec: z.number().finite().min(0),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  file: z.string().regex(/^\d{1,3}\.jpg$/),
});
const cacheIndexSchema = z.strictObject({ version: z.literal(2), entries: z.array(cachedThumbnailSchema).min(1).max(1000) });
type CachedThumbnail = z.infer<typeof cachedThumbnailSchema>;

const CACHE_VERSION = 2;

export function defaultThumbnailCacheDir(): string {
  return path.join(defaultCacheDir(), 'thumbnails');
}

/** Thumbnails in film order; served from the cache when this film and request were seen before. */
export async function* extractThumbnails(info: MediaInfo, options: ThumbnailExtractOptions): AsyncGenerator<Thumbnail> {
  const count = options.count;
  const height = options.height ?? 90;
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new EngineError('bad-option', `The number of thumbnails must be a whole number from 1 to 1000 (got ${count}).`);
  }
  if (!Number.isInteger(height) || height < 16 || height > 1080) {
    throw new EngineError('bad-option', `The thumbnail height must be a whole number from 16 to 1080 pixels (got ${height}).`);
  }
  const { signal } = options;
  const fileStat = await stat(info.path).catch(() => {
    throw new EngineError('input-missing', `The film ${info.path} does not exist any more; check the path.`);
  });
  const key = createHash('sha256')
    .update(JSON.stringify([CACHE_VERSION, info.path, fileStat.mtimeMs, fileStat.size, count, height]))
    .digest('hex')
    .slice(0, 32);
  // A cache folder that is not privately ours (a link, another user's) is not used: thumbnails are made afresh.
  let dir: string | null = null;
  try {
    dir = ensurePrivateDir(path.join(ensurePrivateDir(options.cacheDir ?? defaultThumbnailCacheDir()), key));
  } catch {
    dir = null;
  }
  const indexFile = dir ? path.join(dir, 'index.json') : null;

  const cached = dir && indexFile ? await readCache(dir, indexFile, count) : undefined;
  if (cached) {
    for (const thumbnail of cached) {
      throwIfAborted(signal);
      yield thumbnail;
    }
    return;
  }

  await recheckFilmFile(info.path);
  const { video } = info;
  const sar = outputSampleAspectRatio(info);
  const displayAspect = (video.outputWidth * sar.num) / (video.outputHeight * sar.den);
  const width = Math.max(2, 2 * Math.round((height * displayAspect) / 2));
  const fps = toNumber(video.frameRate);
  const filmSec = video.frameCount / fps;
  const filters = [...(video.interlaced ? ['bwdif=mode=send_frame'] : []), `scale=${width}:${height}:flags=bicubic`, 'setsar=1'].join(',');

  const entries: CachedThumbnail[] = [];
  for (let index = 0; index < count; index++) {
    throwIfAborted(signal);
    // Middle of each of `count` equal slices, snapped to a frame time.
    const frame = Math.min(video.frameCount - 1, Math.floor(((index + 0.5) * video.frameCount) / count));
    const timeSec = Math.min(filmSec, frame / fps);
    const jpeg = await grabJpeg(info, (video.startTimeSec ?? 0) + timeSec, filters, signal);
    const file = `${index}.jpg`;
    if (dir) await writeFileAtomic(path.join(dir, file), jpeg).catch(() => undefined);
    entries.push({ index, timeSec, width, height, file });
    yield { index, timeSec, width, height, jpeg: new Uint8Array(jpeg) };
  }
  if (indexFile) await writeFileAtomic(indexFile, Buffer.from(JSON.stringify({ version: CACHE_VERSION, entries }))).catch(() => undefined);
}

async function grabJpeg(info: MediaInfo, atSec: number, filters: string, signal?: AbortSignal): Promise<Buffer> {
  // A seek can land past the last decodable frame near the end; step back until a frame comes out.
  for (const backSec of [0, 0.5, 2, 5]) {
    const { stdout } = await runFfmpeg(
      [
        '-ss',
        Math.max(0, atSec - backSec).toFixed(6),
        ...filmInputArgs(info.path),
        '-map',
        `0:${info.video.index}`,
        '-frames:v',
        '1',
        '-vf',
        filters,
        '-c:v',
        'mjpeg',
        '-q:v',
        '5',
        '-f',
        'image2pipe',
        'pipe:1',
      ],
      { signal, what: 'make a thumbnail' },
    );
    if (stdout.length > 0) return stdout;
  }
  throw new EngineError(
    'corrupt-input',
    `No picture could be decoded near ${atSec.toFixed(1)} s of ${path.basename(info.path)}; the file may be damaged.`,
  );
}

/** The cached thumbnails, or undefined when there is no complete, well-formed cache entry. */
async function readCache(dir: string, indexFile: string, count: number): Promise<Thumbnail[] | undefined> {
  try {
    const parsed = cacheIndexSchema.safeParse(JSON.parse(await readFile(indexFile, 'utf8')));
    if (!parsed.success || parsed.data.entries.length !== count) return undefined;
    const entries: CachedThumbnail[] = parsed.data.entries;
    if (entries.some((entry, i) => entry.index !== i || entry.file !== `${i}.jpg`)) return undefined;
    return await Promise.all(
      entries.map(async (entry) => ({
        index: entry.index,
        timeSec: entry.timeSec,
        width: entry.width,
        height: entry.height,
        jpeg: new Uint8Array(await readFile(path.join(dir, entry.file))),
      })),
    );
  } catch {
    return undefined;
  }
}
