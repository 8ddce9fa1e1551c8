// Helpers for the end-to-end render and CLI tests: run the real CLI (bin/chromareel.js → dist/),
// read back what ffmpeg sees in an output (frame counts, aspect, luma planes, md5s), and watch the
// processes a render starts.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ffprobeJson, rawVideo, runFfmpegTool } from './clips.js';
import { cliPath, repoRoot } from './paths.js';

export { cliPath, repoRoot };

/** A fresh empty folder under the system temp folder. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `chromareel-${prefix}-`));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Settles when the CLI has exited and its output is read. */
  done: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts the CLI. `detached` puts it in its own process group (as a shell job is), so a test can
 * signal the whole tree like a terminal's Ctrl-C does, or kill -9 it all.
 */
export function startCli(args: string[], options: { detached?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/**
 * CLI arguments of a resumable lossless render with the fixture model in short segments (0.4 s), so a
 * test can interrupt it between segments and compare the resumed film with an uninterrupted one.
 */
export function segmentedLosslessArgs(film: string, output: string, modelDir: string): string[] {
  return ['colorize', film, '-o', output, '--model', modelDir, '--lossless', '--preset', 'ultrafast', '--segment-seconds', '0.4', '--json'];
}

/** The JSON lines the CLI printed with --json (every line must parse). */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}

// ---------------------------------------------------------------------------------------------
// What ffmpeg/ffprobe see in a file
// ---------------------------------------------------------------------------------------------

export interface StreamProbe {
  index: number;
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  display_aspect_ratio?: string;
  field_order?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  duration?: string;
  start_time?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  side_data_list?: Array<{ rotation?: number }>;
  tags?: Record<string, string>;
}

export async function probeStreams(
  file: string,
  countFrames = false,
): Promise<{ streams: StreamProbe[]; format: { duration: string; start_time?: string } }> {
  return ffprobeJson(file, [...(countFrames ? ['-count_frames'] : []), '-show_streams', '-show_format']);
}

/** Frames in the first video stream, counted by decoding (not the container's claim). */
export async function decodedFrameCount(file: string): Promise<number> {
  const probed = await ffprobeJson<{ streams: StreamProbe[] }>(file, [
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
  ]);
  return Number(probed.streams[0].nb_read_frames);
}

/** Presentation times (seconds) of every frame of the first video stream. */
export async function framePtsSec(file: string): Promise<number[]> {
  const probed = await ffprobeJson<{ frames: Array<{ pts_time?: string; best_effort_timestamp_time?: string }> }>(file, [
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=pts_time,best_effort_timestamp_time',
  ]);
  return probed.frames.map((f) => Number(f.best_effort_timestamp_time ?? f.pts_time));
}

/**
 * The Y plane of every frame as ffmpeg decodes it (autorotated like a player, unless
 * noautorotate). `filters` run before the plane is taken.
 */
export async function lumaFrames(
  file: string,
  width: number,
  height: number,
  options: { filters?: string; noautorotate?: boolean } = {},
): Promise<Buffer[]> {
  const filters = [options.filters, 'extractplanes=y'].filter(Boolean).join(',');
  // passthrough: the stream's own frames, never duplicated or dropped to make a constant rate.
  const raw = await rawVideo(file, {
    filters,
    inputArgs: options.noautorotate ? ['-noautorotate'] : [],
    outputArgs: ['-fps_mode', 'passthrough'],
    pixFmt: 'gray',
  });
  const size = width * height;
  if (raw.length % size !== 0) throw new Error(`${file}: ${raw.length} bytes of luma is not a whole number of ${width}x${height} frames`);
  const frames: Buffer[] = [];
  for (let offset = 0; offset < raw.length; offset += size) frames.push(raw.subarray(offset, offset + size));
  return frames;
}

/** MD5 of all decoded frames of one stream ("0:v:0", "0:a:1"), as ffmpeg's md5 muxer prints it. */
export async function streamMd5(file: string, stream: string): Promise<string> {
  const out = (await runFfmpegTool('ffmpeg', ['-i', file, '-map', stream, '-f', 'md5', 'pipe:1'])).toString('utf8').trim();
  return out.replace(/^MD5=/, '');
}

/** Decoded samples of one audio stream as seconds (decodes it: exact, whatever the container says). */
export async function decodedAudioSec(file: string, stream = '0:a:0'): Promise<number> {
  const probed = await ffprobeJson<{ streams: Array<{ sample_rate: string; channels: number }> }>(file, [
    '-select_streams',
    stream.replace(/^0:/, ''),
    '-show_entries',
    'stream=sample_rate,channels',
  ]);
  const { sample_rate: rate, channels } = probed.streams[0];
  const pcm = await runFfmpegTool('ffmpeg', ['-i', file, '-map', stream, '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1']);
  return pcm.length / 2 / channels / Number(rate);
}

/** Mean distance of the Cb/Cr samples from neutral (128) over all frames (decoded as yuv444p, 8-bit). */
export async function meanChromaDistance(file: string, width: number, height: number, filters?: string): Promise<number> {
  const raw = await rawVideo(file, { pixFmt: 'yuv444p', filters, outputArgs: ['-fps_mode', 'passthrough'] });
  const plane = width * height;
  if (raw.length === 0 || raw.length % (3 * plane) !== 0)
    throw new Error(`${file}: ${raw.length} bytes is not a whole number of ${width}x${height} yuv444p frames`);
  let sum = 0;
  let count = 0;
  for (let frame = 0; frame < raw.length; frame += 3 * plane) {
    for (let i = frame + plane; i < frame + 3 * plane; i++) {
      sum += Math.abs(raw[i] - 128);
      count++;
    }
  }
  return sum / count;
}

export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** Files and folders in `dir` (hidden ones too). */
export function listDir(dir: string): Promise<string[]> {
  return readdir(dir).then((names) => names.sort());
}

export async function readJob(workDir: string): Promise<{ segments: unknown[] } | null> {
  try {
    return JSON.parse(await readFile(path.join(workDir, 'job.json'), 'utf8')) as { segments: unknown[] };
  } catch {
    return null;
  }
}

/** Work folder the engine uses for `output` when none is given. */
export function defaultWorkDirOf(output: string): string {
  return path.join(path.dirname(output), `.${path.basename(output)}.chromareel-work`);
}

/** Polls until `predicate` holds; throws after `limitMs` (a bound on waiting, not a speed test). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, limitMs = 60_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes (Linux /proc)
// ---------------------------------------------------------------------------------------------

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

export function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie has finished; only its parent has not reaped it yet
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      entries.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return entries;
}

/** Every live descendant of `pid`. */
export function descendantsOf(pid: number): ProcessEntry[] {
  const all = listProcesses();
  const found: ProcessEntry[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const entry of all) {
      if (entry.ppid === parent) {
        found.push(entry);
        queue.push(entry.pid);
      }
    }
  }
  return found;
}

/**
 * The most live descendants of this process whose name (ffmpeg, ffprobe, …) matches `name` at any
 * moment, sampled every `everyMs` from /proc in a worker thread: the sampling never holds up this
 * process's event loop (on a loaded machine a scan of /proc every 10 ms on the main thread starved
 * the server under test). stop() ends the sampling and returns the peak.
 */
export function sampleDescendantPeak(name: RegExp, everyMs = 10): { stop(): Promise<number> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const name = new RegExp(workerData.source, workerData.flags);
    let most = 0;
    const scan = () => {
      const children = new Map();
      const names = new Map();
      for (const entry of fs.readdirSync('/proc')) {
        if (!/^[0-9]+$/.test(entry)) continue;
        try {
          const stat = fs.readFileSync('/proc/' + entry + '/stat', 'utf8');
          const close = stat.lastIndexOf(')');
          const fields = stat.slice(close + 2).split(' ');
          if (fields[0] === 'Z') continue; // finished; only not reaped yet
          const ppid = Number(fields[1]);
          if (!children.has(ppid)) children.set(ppid, []);
          children.get(ppid).push(Number(entry));
          names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
        } catch {}
      }
      let running = 0;
      const queue = [workerData.root];
      while (queue.length) {
        for (const child of children.get(queue.shift()) ?? []) {
          if (name.test(names.get(child))) running++;
          queue.push(child);
        }
      }
      most = Math.max(most, running);
    };
    const timer = setInterval(scan, workerData.everyMs);
    parentPort.once('message', () => {
      clearInterval(timer);
      scan();
      parentPort.postMessage(most);
    });`,
    { eval: true, workerData: { root: process.pid, source: name.source, flags: name.flags, everyMs } },
  );
  return {
    stop: () =>
      new Promise<number>((resolve, reject) => {
        worker.once('message', (most: number) => {
          resolve(most);
          void worker.terminate();
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it has exited all the same.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export { existsSync };
