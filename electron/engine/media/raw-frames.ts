// Raw video frames from ffmpeg, each a whole Uint8Array of fixed size. Two ways in:
//  - fixedSizeFrames: cut from a byte stream (stdout or another pipe) as its chunks arrive;
//  - socketFrames: ffmpeg listens on a Unix socket in a private folder and the socket is read with
//    net's `onread`, so libuv reads straight into the frame buffers. A pipe hands Node 64 KiB at a
//    time in a freshly allocated buffer that is then copied into the frame: for 1080p luma, 32
//    allocations and a 2 MB copy per frame. Relaying 1080p luma from one ffmpeg to another cost the
//    host 2.2 ms per frame that way and 1.4 ms through the socket (2 cores, December 2026).
// Both pause reading while a whole frame waits unread, so memory stays flat.

import { connect, type Socket } from 'node:net';
import { finished, type Readable } from 'node:stream';
import { privateSocketPath, type PrivateSocketPath } from '../private-socket.js';
import type { BufferPool } from './buffer-pool.js';
import { runFfmpeg } from './process.js';

/** Whole frames read and not yet taken before reading pauses. */
const FRAMES_CUT_AHEAD = 1;

/** What a byte source fills: the free end of the current frame, and how much it wrote there. */
interface FrameFill {
  space(): Uint8Array;
  wrote(bytes: number): void;
}

interface ByteSource {
  /** Starts delivering into `fill`; calls `ended` once, when the bytes end (with the error, if any). */
  start(fill: FrameFill, ended: (error?: unknown) => void): void;
  pause(): void;
  resume(): void;
  /** Stops for good; `early` when the consumer stopped before the end. */
  stop(early: boolean): void;
}

type OnTruncated = (bytesInFrame: number) => Error | Promise<Error>;

/**
 * Frames of `frameBytes` each from `source`, one own buffer per frame, so consumers may keep,
 * transfer or post it. Bytes that end inside a frame throw what `onTruncated` makes of it (it may
 * wait for the process first, so that the process's own failure is the error reported).
 */
async function* readFrames(
  source: ByteSource,
  frameBytes: number,
  onTruncated: OnTruncated,
  pool?: BufferPool,
): AsyncGenerator<Uint8Array> {
  const newFrame = () => (pool && pool.bytes === frameBytes ? pool.take() : new Uint8Array(frameBytes));
  const ready: Uint8Array[] = [];
  let frame = newFrame();
  let filled = 0;
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  source.start(
    {
      space: () => frame.subarray(filled),
      wrote: (bytes) => {
        filled += bytes;
        if (filled < frameBytes) return;
        ready.push(frame);
        frame = newFrame();
        filled = 0;
        if (ready.length >= FRAMES_CUT_AHEAD) source.pause();
        wake?.();
      },
    },
    (error) => {
      if (error) failure ??= error;
      ended = true;
      wake?.();
    },
  );
  let complete = false;
  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        if (ready.length < FRAMES_CUT_AHEAD && !ended) source.resume();
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    complete = true;
  } finally {
    source.stop(!complete);
  }
  if (filled !== 0) throw await onTruncated(filled);
}

/**
 * Frames cut from a raw-video byte stream, each chunk copied into its frame as it arrives. Ended
 * early, it destroys the stream, as leaving a for-await over it would.
 */
export function fixedSizeFrames(
  stream: Readable,
  frameBytes: number,
  onTruncated: OnTruncated,
  pool?: BufferPool,
): AsyncGenerator<Uint8Array> {
  let stopWatching = () => {};
  let cut: (chunk: Buffer) => void = () => {};
  return readFrames(
    {
      start(fill, ended) {
        cut = (chunk) => {
          for (let offset = 0; offset < chunk.length;) {
            const space = fill.space();
            const take = Math.min(space.length, chunk.length - offset);
            space.set(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
            offset += take;
            fill.wrote(take);
          }
        };
        stopWatching = finished(stream, { writable: false }, (error) => ended(error ?? undefined));
        stream.on('data', cut);
      },
      pause: () => stream.pause(),
      resume: () => stream.resume(),
      stop(early) {
        stream.off('data', cut);
        stopWatching();
        if (early) stream.destroy();
      },
    },
    frameBytes,
    onTruncated,
    pool,
  );
}

/**
 * A private socket path (private-socket.ts) for ffmpeg to listen on; socketFrames removes its folder
 * as soon as it is connected.
 */
export interface FrameSocketPath extends PrivateSocketPath {
  /** The ffmpeg output that listens there (after the output's format options). */
  readonly output: string[];
}

/** ffmpeg gives up listening after this long without the host connecting (so it never lingers). */
const LISTEN_TIMEOUT_MS = 30_000;

let unixSocketOutput: Promise<boolean> | undefined;

/**
 * Whether ffmpeg can write frames to a unix socket (its protocol list, asked once per process). A
 * render starts this while it probes the film, so the decoder does not wait for it. An ffmpeg that
 * could not run is asked again next time.
 */
export function checkFrameSockets(): Promise<boolean> {
  if (process.platform === 'win32') return Promise.resolve(false);
  unixSocketOutput ??= runFfmpeg(['-protocols'], { what: 'list its protocols' }).then(
    ({ stdout }) => /^\s*unix\s*$/m.test(stdout.toString('utf8').split(/^Output:/m)[1] ?? ''),
    () => {
      unixSocketOutput = undefined;
      return false;
    },
  );
  return unixSocketOutput;
}

/**
 * A socket path for socketFrames (private-socket.ts), or null where ffmpeg cannot write to one: on
 * Windows, with an ffmpeg built without the unix protocol, or where the temporary folder takes no
 * sockets.
 */
export async function frameSocketPath(): Promise<FrameSocketPath | null> {
  if (!(await checkFrameSockets())) return null;
  const socket = await privateSocketPath('frames.sock');
  if (!socket) return null;
  return { ...socket, output: ['-listen', '1', '-timeout', String(LISTEN_TIMEOUT_MS), `unix:${socket.path}`] };
}

/** First and longest wait between attempts to connect while ffmpeg starts listening. */
const CONNECT_RETRY_MS = [2, 50];

/**
 * Frames from the socket ffmpeg listens on (see FrameSocketPath.output), read into the frame
 * buffers themselves. Connects as soon as ffmpeg listens, then removes the socket's folder; `gaveUp`
 * says ffmpeg has exited, after which an unconnected socket counts as no frames (the caller reports
 * ffmpeg's own error).
 */
export function socketFrames(
  listening: FrameSocketPath,
  frameBytes: number,
  onTruncated: OnTruncated,
  gaveUp: () => boolean,
  pool?: BufferPool,
): AsyncGenerator<Uint8Array> {
  let socket: Socket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let stopped = false;
  return readFrames(
    {
      start(fill, ended) {
        let wait = CONNECT_RETRY_MS[0];
        const attempt = () => {
          retry = null;
          let connected = false;
          const candidate = connect({
            path: listening.path,
            onread: {
              buffer: () => fill.space(),
              callback: (bytes) => {
                fill.wrote(bytes);
                return true;
              },
            },
          });
          socket = candidate;
          candidate.once('connect', () => {
            connected = true;
            listening.remove();
            finished(candidate, { writable: false }, (error) => ended(error ?? undefined));
          });
          candidate.on('error', (error: NodeJS.ErrnoException) => {
            if (connected || stopped) return;
            candidate.destroy();
            if ((error.code !== 'ENOENT' && error.code !== 'ECONNREFUSED') || gaveUp()) {
              ended(gaveUp() ? undefined : error);
              return;
            }
            retry = setTimeout(attempt, wait);
            wait = Math.min(2 * wait, CONNECT_RETRY_MS[1]);
          });
        };
        attempt();
      },
      pause: () => socket?.pause(),
      resume: () => socket?.resume(),
      stop() {
        stopped = true;
        if (retry) clearTimeout(retry);
        socket?.destroy();
      },
    },
    frameBytes,
    onTruncated,
    pool,
  );
}
