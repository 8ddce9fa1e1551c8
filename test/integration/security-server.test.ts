// Issue 13, tried as an attacker would, against the real browser-mode server on 127.0.0.1 with the real
// engine and ffmpeg: killing the server without the token, playlists posing as films, a planted
// thumbnail index, paths swapped while a job waits, and a storm of thumbnail requests. Every loop is
// bounded; a crash of the server would be an unhandled error here, which fails the run.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../electron/engine/media/ffmpeg-locate.js';
import { filmInputArgs } from '../../electron/engine/media/film-input.js';
import { runFfprobe } from '../../electron/engine/media/process.js';
import { defaultCacheDir } from '../../electron/engine/private-dirs.js';
import { defaultThumbnailCacheDir } from '../../electron/engine/media/thumbnails.js';
import { processBudget } from '../../electron/engine/process-budget.js';
import { greyClip } from '../helpers/app.js';
import {
  closeCodeIn,
  filesUnder,
  httpStatus,
  openClient,
  rawWebSocket,
  rpc,
  startAttackBench,
  upgradeRequest,
  within,
  wsFrame,
  type AttackBench,
} from '../helpers/attack.js';
import { makeClip } from '../helpers/clips.js';
import { sampleDescendantPeak } from '../helpers/render.js';

const options = { model: 'fixture-chroma', stabilize: 'off' as const, crf: 30 };

describe('browser-mode server under attack', () => {
  let bench: AttackBench;
  let film: string;
  let secretFilm: string;

  beforeAll(async () => {
    bench = await startAttackBench('attack');
    film = path.join(bench.films, 'grey.mp4');
    copyFileSync(greyClip(), film);
    // A film outside the allowed folder with a picture of its own (colour bars, not the grey clip).
    secretFilm = path.join(bench.outside, 'secret.mp4');
    copyFileSync(await makeClip({ name: 'attack-secret', durationSec: 1, width: 96, height: 64 }), secretFilm);
    writeFileSync(path.join(bench.outside, 'secret.txt'), 'the key to everything\n');
  });
  afterAll(async () => {
    await bench?.close();
  });

  async function stillServes(): Promise<void> {
    expect(await httpStatus(bench.server.port)).toBe(200);
    const socket = await openClient(bench.wsUrl, bench.origin);
    const info = await rpc(socket).call('app:info', {});
    expect(info.ok).toBe(true);
    socket.close();
  }

  it('survives upgrade requests without a token that end in a TCP reset', async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(bench.server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.once('connect', () => {
          socket.write(upgradeRequest(bench.server.port, '/api', bench.origin));
          // Half the time at once, half after the refusal may have started: both used to crash it.
          setTimeout(
            () => {
              socket.resetAndDestroy();
              resolve();
            },
            i % 2 === 0 ? 0 : 2,
          );
        });
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stillServes();
  });

  it('closes a page connection that sends a malformed frame, with the right code, and keeps serving', async () => {
    const attacks: Array<[string, Buffer, number]> = [
      ['an unmasked frame', wsFrame(0x1, Buffer.from('{"type":"cancel","id":1}'), { mask: false }), 1002],
      ['invalid UTF-8 in a text frame', wsFrame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0xfd, 0x7d])), 1007],
      [
        'a message over 1 MiB',
        Buffer.concat([wsFrame(0x1, Buffer.alloc(0), { declaredLength: 2 * 1024 * 1024 }), Buffer.alloc(4096, 0x20)]),
        1009,
      ],
      ['a reserved opcode', wsFrame(0x3, Buffer.from('x')), 1002],
    ];
    for (const [what, bytes, code] of attacks) {
      const { socket, received, closed } = await rawWebSocket(bench.server.port, bench.server.token, bench.origin);
      socket.write(bytes);
      expect(await within(closed, 5000), what).not.toBe('timeout');
      expect(closeCodeIn(received()), what).toBe(code);
    }
    await stillServes();
  });

  it('refuses an ffconcat list or an HLS playlist named .mp4 that points outside the allowed folder', async () => {
    // The concat demuxer's safe mode allows relative names only, so the list reaches outside through a
    // link in a subfolder (opening the link itself through the server is refused).
    mkdirSync(path.join(bench.films, 'parts'));
    symlinkSync(secretFilm, path.join(bench.films, 'parts', 'p1.mp4'));
    const concat = path.join(bench.films, 'holiday.mp4');
    writeFileSync(concat, `ffconcat version 1.0\nfile 'parts/p1.mp4'\n`);
    const hls = path.join(bench.films, 'stream.mp4');
    writeFileSync(hls, `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n${secretFilm}\n#EXT-X-ENDLIST\n`);

    // The attack is real: ffprobe on its own follows the list to the film outside.
    const { ffprobe } = await locateFfmpeg();
    for (const file of [concat, hls]) {
      const unguarded = execFileSync(ffprobe, [
        '-v',
        'error',
        '-show_entries',
        'stream=width',
        '-of',
        'csv=p=0',
        `file:${file}`,
      ]).toString();
      expect(unguarded.trim().split('\n')).toContain('96');
    }
    // With the film input arguments ffmpeg itself refuses to open such a file.
    await expect(runFfprobe(['-show_format', ...filmInputArgs(concat)])).rejects.toMatchObject({ code: 'ffmpeg-failed' });
    await expect(runFfprobe(['-show_format', ...filmInputArgs(hls)])).rejects.toMatchObject({ code: 'ffmpeg-failed' });

    const socket = await openClient(bench.wsUrl, bench.origin);
    const client = rpc(socket);
    for (const [file, words] of [
      [concat, /concat list/],
      [hls, /playlist/],
    ] as const) {
      const probed = await client.call('engine:probe', { path: file });
      expect(probed.ok).toBe(false);
      expect(probed.error).toMatchObject({ code: 'not-a-video', message: expect.stringMatching(words) });
      const preview = await client.stream('engine:preview', { input: file, at: 0, frames: 1, model: 'fixture-chroma' });
      expect(preview.items).toEqual([]);
      expect(preview.error?.code).toBe('not-a-video');
      const thumbnails = await client.stream('engine:thumbnails', { input: file, count: 2 });
      expect(thumbnails.items).toEqual([]);
      expect(thumbnails.error?.code).toBe('not-a-video');

      const output = path.join(bench.films, `${path.basename(file, '.mp4')}-colour.mp4`);
      const added = await client.call('queue:add', { input: file, output, options });
      expect(added.ok).toBe(true);
      await bench.server.queue.whenIdle();
      const job = bench.server.queue.list().find((entry) => entry.id === added.value.id)!;
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe('not-a-video');
      expect(existsSync(output)).toBe(false);
    }
    socket.close();
  });

  it('keeps thumbnails in a private cache and ignores a planted index', async () => {
    expect(defaultThumbnailCacheDir().startsWith(defaultCacheDir())).toBe(true);
    const socket = await openClient(bench.wsUrl, bench.origin);
    const client = rpc(socket);
    const first = await client.stream('engine:thumbnails', { input: film, count: 2 });
    expect(first.error).toBeUndefined();
    expect(first.items).toHaveLength(2);

    const cacheDir = path.join(bench.root, 'cache');
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const [entry] = readdirSync(cacheDir);
    expect(statSync(path.join(cacheDir, entry)).mode & 0o777).toBe(0o700);
    const secret = readFileSync(path.join(bench.outside, 'secret.txt'));
    const planted = (version: number) =>
      JSON.stringify({
        version,
        entries: [0, 1].map((index) => ({
          index,
          timeSec: index,
          width: 160,
          height: 90,
          file: path.relative(path.join(cacheDir, entry), path.join(bench.outside, 'secret.txt')),
        })),
      });
    for (const version of [1, 2]) {
      writeFileSync(path.join(cacheDir, entry, 'index.json'), planted(version));
      const again = await client.stream('engine:thumbnails', { input: film, count: 2 });
      expect(again.error).toBeUndefined();
      expect(again.items).toHaveLength(2);
      for (const item of again.items as Array<{ jpeg: Uint8Array }>) {
        expect(Buffer.from(item.jpeg).equals(secret)).toBe(false);
        expect([...item.jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
      }
    }
    socket.close();
  });

  it('checks paths again when a waiting job starts: an input swapped for a link to outside is not rendered', async () => {
    const socket = await openClient(bench.wsUrl, bench.origin);
    const client = rpc(socket);
    const waiting = path.join(bench.films, 'waiting.mp4');
    copyFileSync(greyClip(), waiting);
    const first = await client.call('queue:add', {
      input: film,
      output: path.join(bench.films, 'first-colour.mp4'),
      options: { ...options, renderFactor: 20 },
    });
    const second = await client.call('queue:add', { input: waiting, output: path.join(bench.films, 'waiting-colour.mp4'), options });
    expect(first.ok && second.ok).toBe(true);
    // While the first renders, the second's film becomes a link to a film outside the allowed folder.
    renameSync(waiting, `${waiting}.moved`);
    symlinkSync(secretFilm, waiting);
    await bench.server.queue.whenIdle();
    const job = bench.server.queue.list().find((entry) => entry.id === second.value.id)!;
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('not-allowed');
    expect(existsSync(path.join(bench.films, 'waiting-colour.mp4'))).toBe(false);
    socket.close();
  });

  it('keeps work folders in a private per-user place: a planted work-folder link leads nowhere', async () => {
    const target = path.join(bench.outside, 'work-target');
    mkdirSync(target);
    symlinkSync(target, path.join(bench.films, '.chromareel-work'));
    const socket = await openClient(bench.wsUrl, bench.origin);
    const client = rpc(socket);
    const output = path.join(bench.films, 'work-colour.mp4');
    const added = await client.call('queue:add', { input: film, output, options });
    expect(added.ok).toBe(true);
    await bench.server.queue.whenIdle();
    expect(bench.server.queue.list().find((entry) => entry.id === added.value.id)?.status).toBe('done');
    expect(existsSync(output)).toBe(true);
    expect(readdirSync(target)).toEqual([]);
    expect(bench.server.queue.workRoot.startsWith(path.join(bench.root, 'state'))).toBe(true);
    expect(statSync(bench.server.queue.workRoot).mode & 0o777).toBe(0o700);
    socket.close();
  });

  // 200 thumbnail streams through a budget of a few processes: bounded work, but on a loaded machine
  // (2 cores shared with other suites) it once needed more than the default 120 s, hence its own timeout.
  it('runs at most the process budget of ffmpeg processes for 25 connections × 8 thumbnail streams', { timeout: 480_000 }, async () => {
    const sockets = await Promise.all(Array.from({ length: 25 }, () => openClient(bench.wsUrl, bench.origin)));
    // Every 10 ms, in a worker thread, so the sampling does not slow down the server it watches.
    const sampler = sampleDescendantPeak(/^ff(mpeg|probe)$/);
    let most = 0;
    try {
      const results = await Promise.all(
        sockets.map(rpc).flatMap((client, connection) =>
          // Eight different requests per connection (the height is part of the cache key), all at once.
          Array.from({ length: 8 }, (_, stream) =>
            client.stream('engine:thumbnails', { input: film, count: 1, height: 24 + ((connection + stream) % 8) * 2 }),
          ),
        ),
      );
      expect(results.filter((result) => result.error)).toEqual([]);
      expect(results.every((result) => result.items.length === 1)).toBe(true);
    } finally {
      most = await sampler.stop();
      for (const socket of sockets) socket.close();
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(processBudget.limit);
    expect(processBudget.inUse.ffmpeg).toBe(0);
  });

  it('lists nothing outside the allowed folder after all of it', () => {
    expect(filesUnder(bench.outside)).toEqual(['secret.mp4', 'secret.txt']);
  });
});
