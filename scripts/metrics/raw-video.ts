// Small ffmpeg helpers for the metrics scripts: probe a video's size and stream its decoded frames
// as raw planes. (The engine's own media adapters live in electron/engine/media; these stay
// local so the dev tools do not depend on the render pipeline.)

import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { EngineError } from '../../electron/engine/errors.js';
import { fixedSizeFrames } from '../../electron/engine/media/raw-frames.js';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

export type RawPixelFormat = 'gray' | 'yuv420p' | 'yuv444p' | 'rgb24';

export interface VideoSize {
  width: number;
  height: number;
}

export interface RawFrameOptions {
  pixelFormat: RawPixelFormat;
  /** Scale to this size first (default: the stream's own size). */
  size?: VideoSize;
  /** Full-range (JPEG) levels instead of the stream's own range; for yuv formats. */
  fullRange?: boolean;
  maxFrames?: number;
  signal?: AbortSignal;
}

export function frameBytes(format: RawPixelFormat, { width, height }: VideoSize): number {
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  switch (format) {
    case 'gray':
      return width * height;
    case 'yuv420p':
      return width * height + 2 * chroma;
    case 'yuv444p':
      return 3 * width * height;
    case 'rgb24':
      return 3 * width * height;
  }
}

async function ensureReadable(file: string): Promise<void> {
  try {
    await access(file);
  } catch {
    throw new EngineError('input-missing', `The file ${file} does not exist or cannot be read; check the path.`);
  }
}

function run(command: string, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) => reject(spawnError(command, error)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new EngineError('ffmpeg-failed', `${command} could not read the video; is it a valid video file?`, stderr.slice(-2000)));
    });
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException): EngineError {
  if (error.code === 'ENOENT') {
    return new EngineError('ffmpeg-missing', `${command} was not found; install ffmpeg or set FFMPEG_PATH and FFPROBE_PATH.`);
  }
  return new EngineError('ffmpeg-failed', `${command} could not be started (${error.message}).`);
}

/** The first video stream's coded size (no rotation applied, matching readRawFrames). */
export async function probeVideoSize(file: string, signal?: AbortSignal): Promise<VideoSize> {
  await ensureReadable(file);
  const json = await run(
    FFPROBE,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', file],
    signal,
  );
  const stream = (JSON.parse(json) as { streams?: { width?: number; height?: number }[] }).streams?.[0];
  if (!stream?.width || !stream?.height) {
    throw new EngineError('no-video-stream', `${file} has no video stream to measure.`);
  }
  return { width: stream.width, height: stream.height };
}

/** Decoded frames as raw planes, one Uint8Array per frame, read with backpressure. */
export async function* readRawFrames(file: string, options: RawFrameOptions): AsyncGenerator<Uint8Array> {
  await ensureReadable(file);
  const size = options.size ?? (await probeVideoSize(file, options.signal));
  const bytes = frameBytes(options.pixelFormat, size);
  const filters = [`scale=${size.width}:${size.height}${options.fullRange ? ':out_range=full' : ''}`];
  const args = ['-v', 'error', '-nostdin', '-noautorotate', '-i', file, '-map', '0:v:0', '-vf', filters.join(',')];
  if (options.maxFrames !== undefined) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', options.pixelFormat, 'pipe:1');

  const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => reject(spawnError(FFMPEG, error)));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile

  try {
    const truncated = async () => {
      const code = await exited;
      return new EngineError(
        'ffmpeg-failed',
        `ffmpeg could not decode ${file}${code === 0 ? ' (it ended inside a frame)' : ''}; is it a valid video file?`,
        stderr,
      );
    };
    yield* fixedSizeFrames(child.stdout, bytes, truncated);
    const code = await exited;
    if (code !== 0) {
      throw new EngineError('ffmpeg-failed', `ffmpeg could not decode ${file}; is it a valid video file?`, stderr);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
