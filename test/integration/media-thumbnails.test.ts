import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../electron/engine/media/probe.js';
import { extractThumbnails } from '../../electron/engine/media/thumbnails.js';
import type { MediaInfo, Thumbnail } from '../../electron/common/types.js';
import { makeClip } from '../helpers/clips.js';

async function collect(iterable: AsyncIterable<Thumbnail>): Promise<Thumbnail[]> {
  const all: Thumbnail[] = [];
  for await (const thumbnail of iterable) all.push(thumbnail);
  return all;
}

describe('extractThumbnails', () => {
  let cacheDir: string;
  let film: MediaInfo;
  let rotated: MediaInfo;
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-thumbs-test-'));
    film = await probe(await makeClip({ name: 'thumbs-film', durationSec: 3, width: 160, height: 120 }));
    rotated = await probe(await makeClip({ name: 'thumbs-rot90', durationSec: 1, rotation: 90 }));
  });
  afterAll(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('spreads small JPEGs evenly over the film, sized to the displayed aspect, and caches them', async () => {
    const first = await collect(extractThumbnails(film, { count: 4, height: 48, cacheDir }));
    expect(first.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    const times = first.map((t) => t.timeSec);
    expect(times[0]).toBeGreaterThan(0);
    expect(times[3]).toBeLessThan(3);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    for (const gap of gaps) expect(gap).toBeCloseTo(0.75, 1);
    for (const thumbnail of first) {
      expect([thumbnail.width, thumbnail.height]).toEqual([64, 48]);
      const meta = await sharp(thumbnail.jpeg).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 64, 48]);
    }
    // testsrc2 moves: thumbnails from different times differ.
    expect(Buffer.from(first[0].jpeg).equals(Buffer.from(first[3].jpeg))).toBe(false);

    const entries = await readdir(cacheDir);
    expect(entries).toHaveLength(1);
    const again = await collect(extractThumbnails(film, { count: 4, height: 48, cacheDir }));
    expect(again.map((t) => Buffer.from(t.jpeg))).toEqual(first.map((t) => Buffer.from(t.jpeg)));
    // A different request is a different cache entry.
    await collect(extractThumbnails(film, { count: 2, height: 48, cacheDir }));
    expect(await readdir(cacheDir)).toHaveLength(2);
  });

  it('shows rotated films upright', async () => {
    const [thumbnail] = await collect(extractThumbnails(rotated, { count: 1, height: 64, cacheDir }));
    expect([thumbnail.width, thumbnail.height]).toEqual([48, 64]);
    const meta = await sharp(thumbnail.jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([48, 64]);
  });

  it('refuses a nonsensical request', async () => {
    await expect(collect(extractThumbnails(film, { count: 0, cacheDir }))).rejects.toMatchObject({ code: 'bad-option' });
  });
});
