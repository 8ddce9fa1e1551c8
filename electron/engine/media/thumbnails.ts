// Small JPEG frames spread evenly over the film, for the timeline. One short ffmpeg run per
// thumbnail, each seeking straight to its time (no decode of the whole film), cached on disk by
// file identity and request.

import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { EngineError, throwIfAborted } from '../errors.js';
import type { MediaInfo, Thumbnail } from '../types.js';
import { outputSampleAspectRatio } from './decode.js';
import { runFfmpeg } from './process.js';
import { ffmpegInput } from './probe.js';
import { toNumber } from './rational.js';

export interface ThumbnailExtractOptions {
  count: number;
  /** Height in pixels (default 90); the width follows the displayed aspect ratio. */
  height?: number;
  /** Cache folder (default os.tmpdir()/chromareel-thumbs). */
  cacheDir?: string;
  signal?: AbortSignal;
}

interface CachedThumbnail {
  index: number;
  timeSec: number;
  width: number;
  height: number;
  file: string;
}

const CACHE_VERSION = 1;

export function defaultThumbnailCacheDir(): string {
  return path.join(os.tmpdir(), 'chromareel-thumbs');
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
  const dir = path.join(options.cacheDir ?? defaultThumbnailCacheDir(), key);
  const indexFile = path.join(dir, 'index.json');

  const cached = await readCache(dir, indexFile);
  if (cached) {
    for (const thumbnail of cached) {
      throwIfAborted(signal);
      yield thumbnail;
    }
    return;
  }

  await mkdir(dir, { recursive: true });
  const { video } = info;
  const sar = outputSampleAspectRatio(info);
  const displayAspect = (video.outputWidth * sar.num) / (video.outputHeight * sar.den);
  const width = Math.max(2, 2 * Math.round((height * displayAspect) / 2));
  const fps = toNumber(video.frameRate);
  const filmSec = video.frameCount / fps;
  const filters = [
    ...(video.interlaced ? ['bwdif=mode=send_frame'] : []),
    `scale=${width}:${height}:flags=bicubic`,
    'setsar=1',
  ].join(',');

  const entries: CachedThumbnail[] = [];
  for (let index = 0; index < count; index++) {
    throwIfAborted(signal);
    // Middle of each of `count` equal slices, snapped to a frame time.
    const frame = Math.min(video.frameCount - 1, Math.floor(((index + 0.5) * video.frameCount) / count));
    const timeSec = Math.min(filmSec, frame / fps);
    const jpeg = await grabJpeg(info, (video.startTimeSec ?? 0) + timeSec, filters, signal);
    const file = `${index}.jpg`;
    await writeFileAtomic(path.join(dir, file), jpeg);
    entries.push({ index, timeSec, width, height, file });
    yield { index, timeSec, width, height, jpeg: new Uint8Array(jpeg) };
  }
  await writeFileAtomic(indexFile, Buffer.from(JSON.stringify({ version: CACHE_VERSION, entries })));
}

async function grabJpeg(info: MediaInfo, atSec: number, filters: string, signal?: AbortSignal): Promise<Buffer> {
  // A seek can land past the last decodable frame near the end; step back until a frame comes out.
  for (const backSec of [0, 0.5, 2, 5]) {
    const { stdout } = await runFfmpeg(
      [
        '-ss', Math.max(0, atSec - backSec).toFixed(6), '-i', ffmpegInput(info.path),
        '-map', `0:${info.video.index}`, '-frames:v', '1', '-vf', filters,
        '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:1',
      ],
      { signal, what: 'make a thumbnail' },
    );
    if (stdout.length > 0) return stdout;
  }
  throw new EngineError('corrupt-input', `No picture could be decoded near ${atSec.toFixed(1)} s of ${path.basename(info.path)}; the file may be damaged.`);
}

/** The cached thumbnails, or undefined when there is no complete cache entry. */
async function readCache(dir: string, indexFile: string): Promise<Thumbnail[] | undefined> {
  try {
    const parsed = JSON.parse(await readFile(indexFile, 'utf8')) as { version?: number; entries?: CachedThumbnail[] };
    if (parsed.version !== CACHE_VERSION || !Array.isArray(parsed.entries) || parsed.entries.length === 0) return undefined;
    return await Promise.all(
      parsed.entries.map(async (entry) => ({
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
