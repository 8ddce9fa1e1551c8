// The frame readers of raw-frames.ts on real sockets and streams: whole frames in order however the
// bytes are split, a frame cut short reported, pooled buffers used, and the socket
// reader connecting once the writer listens (as ffmpeg does, a moment after it starts).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferPool } from '../../electron/engine/media/buffer-pool.js';
import { fixedSizeFrames, socketFrames, type FrameSocketPath } from '../../electron/engine/media/raw-frames.js';

const FRAME = 1000;

/** Bytes 0, 1, 2, … (mod 251) of `frames` frames, so a misplaced byte shows. */
function pattern(frames: number, extra = 0): Buffer {
  return Buffer.from(Array.from({ length: frames * FRAME + extra }, (_, i) => i % 251));
}

async function collect(frames: AsyncGenerator<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const frame of frames) out.push(Buffer.from(frame));
  return out;
}

const truncated = (bytes: number) => new Error(`cut short after ${bytes} bytes`);

/** A listening path as frameSocketPath gives it, counting the calls to remove. */
function listeningAt(socketPath: string): FrameSocketPath & { removed: number } {
  return {
    path: socketPath,
    output: [],
    removed: 0,
    remove() {
      this.removed++;
    },
  };
}

describe('socketFrames', () => {
  let dir = '';
  let server: Server | null = null;
  afterEach(() => {
    server?.close();
    server = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Listens on a fresh socket path after `delayMs`, writing `bytes` in small uneven pieces. */
  function listenLater(bytes: Buffer, delayMs: number): string {
    dir = mkdtempSync(path.join(tmpdir(), 'raw-frames-test-'));
    const socketPath = path.join(dir, 'frames.sock');
    setTimeout(() => {
      server = createServer((socket: Socket) => {
        let offset = 0;
        const next = () => {
          if (offset >= bytes.length) return void socket.end();
          const piece = bytes.subarray(offset, offset + 333 + (offset % 7));
          offset += piece.length;
          if (socket.write(piece)) setImmediate(next);
          else socket.once('drain', next);
        };
        next();
      }).listen(socketPath);
    }, delayMs);
    return socketPath;
  }

  it('connects once the writer listens, removes the path, and yields the bytes as whole frames, in order', async () => {
    const bytes = pattern(12);
    const listening = listeningAt(listenLater(bytes, 40));
    const frames = await collect(socketFrames(listening, FRAME, truncated, () => false));
    expect(frames.length).toBe(12);
    expect(Buffer.concat(frames).equals(bytes)).toBe(true);
    expect(listening.removed).toBe(1);
  });

  it('reports a frame cut short, after the whole frames before it', async () => {
    const listening = listeningAt(listenLater(pattern(2, 250), 0));
    const seen: Buffer[] = [];
    await expect(
      (async () => {
        for await (const frame of socketFrames(listening, FRAME, truncated, () => false)) seen.push(Buffer.from(frame));
      })(),
    ).rejects.toThrow('cut short after 250 bytes');
    expect(seen.length).toBe(2);
  });

  it('gives no frames and no error when the writer gave up before listening', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'raw-frames-test-'));
    let attempts = 0;
    const listening = listeningAt(path.join(dir, 'never.sock'));
    const frames = await collect(socketFrames(listening, FRAME, truncated, () => ++attempts > 3));
    expect(frames).toEqual([]);
    expect(listening.removed).toBe(0); // the caller removes it
    expect(attempts).toBeGreaterThan(3);
  });

  it('takes frame buffers from the pool', async () => {
    const listening = listeningAt(listenLater(pattern(3), 0));
    const pool = new BufferPool(FRAME, 4);
    const recycled = pool.take();
    pool.give(recycled);
    const frames: Uint8Array[] = [];
    for await (const frame of socketFrames(listening, FRAME, truncated, () => false, pool)) frames.push(frame);
    expect(frames[0]).toBe(recycled);
    expect(Buffer.concat(frames).equals(pattern(3))).toBe(true);
  });
});

describe('fixedSizeFrames', () => {
  it('cuts chunks of any size into whole frames, in order', async () => {
    const stream = new PassThrough();
    const bytes = pattern(5);
    for (let offset = 0; offset < bytes.length; offset += 777) stream.write(bytes.subarray(offset, offset + 777));
    stream.end();
    const frames: Buffer[] = [];
    for await (const frame of fixedSizeFrames(stream, FRAME, truncated)) frames.push(Buffer.from(frame));
    expect(frames.length).toBe(5);
    expect(Buffer.concat(frames).equals(bytes)).toBe(true);
  });

  it('reports a frame cut short', async () => {
    const stream = new PassThrough();
    stream.end(pattern(1, 10));
    await expect(collect(fixedSizeFrames(stream, FRAME, truncated))).rejects.toThrow('cut short after 10 bytes');
  });
});
