// The one wrapper around child_process.spawn for ffmpeg and ffprobe: argument arrays only, a slot of
// the shared process budget held while the child runs, the last lines of stderr kept for error
// messages, the child killed on abort, and a failed exit turned into an EngineError a person can read.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { EngineError, cancelledError, throwIfAborted } from '../errors.js';
import { processBudget } from '../process-budget.js';
import type { EngineErrorCode } from '../../common/types.js';
import { locateFfmpeg } from './ffmpeg-locate.js';

const STDERR_LINES_KEPT = 50;

export type FfmpegTool = 'ffmpeg' | 'ffprobe';

export interface StartOptions {
  signal?: AbortSignal;
  /** Open stdin as a pipe (encoders); otherwise ffmpeg gets -nostdin and no stdin at all. */
  stdin?: boolean;
  /** ffmpeg's -loglevel (default "error"). */
  logLevel?: string;
  /** What the command does, for the error message: "decode the film", "write the output file". */
  what?: string;
  /** Called with every line ffmpeg writes to stderr (at -loglevel error, each is an error). */
  onStderrLine?: (line: string) => void;
  /** Further output pipes after stderr: ffmpeg writes them as pipe:3, pipe:4, … (see FfmpegChild.extraOutputs). */
  extraOutputs?: number;
}

export interface FfmpegChild {
  readonly process: ChildProcess;
  readonly stdout: Readable;
  /** Present when started with `stdin: true`. */
  readonly stdin: Writable | null;
  /** The pipes ffmpeg writes as pipe:3, pipe:4, … (StartOptions.extraOutputs of them). */
  readonly extraOutputs: Readable[];
  /**
   * Settles when the child has exited and its stderr is read: resolves on exit status 0, rejects
   * with EngineError ('cancelled' after an abort, 'ffmpeg-failed' or a more precise code otherwise).
   */
  readonly exited: Promise<void>;
  /** Whether the child has exited. */
  readonly hasExited: () => boolean;
  /** The last ~50 lines ffmpeg wrote to stderr. */
  stderrTail(): string;
  /** Kills the child (SIGKILL); `exited` then rejects with 'cancelled'. */
  kill(): void;
}

/** Starts ffmpeg (or ffprobe) with `args` after the default flags, streaming stdout. */
export async function startFfmpeg(args: string[], options: StartOptions = {}, tool: FfmpegTool = 'ffmpeg'): Promise<FfmpegChild> {
  throwIfAborted(options.signal);
  const location = await locateFfmpeg();
  throwIfAborted(options.signal);

  const defaults = ['-hide_banner', '-loglevel', options.logLevel ?? 'error'];
  if (tool === 'ffmpeg' && !options.stdin) defaults.push('-nostdin');
  const binary = tool === 'ffmpeg' ? location.ffmpeg : location.ffprobe;
  const releaseSlot = await processBudget.acquire('ffmpeg', options.signal);
  let child: ChildProcess;
  try {
    child = spawn(binary, [...defaults, ...args], {
      stdio: [
        options.stdin ? 'pipe' : 'ignore',
        'pipe',
        'pipe',
        ...Array.from({ length: options.extraOutputs ?? 0 }, () => 'pipe' as const),
      ],
      windowsHide: true,
    });
  } catch (error) {
    releaseSlot();
    throw error;
  }

  const stderrLines: string[] = [];
  let partialLine = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    const lines = (partialLine + text).split(/\r?\n|\r/);
    partialLine = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      stderrLines.push(line);
      options.onStderrLine?.(line);
    }
    if (stderrLines.length > STDERR_LINES_KEPT) stderrLines.splice(0, stderrLines.length - STDERR_LINES_KEPT);
  });
  const stderrTail = () => [...stderrLines, ...(partialLine.trim() ? [partialLine] : [])].join('\n');

  const extraOutputs = child.stdio.slice(3, 3 + (options.extraOutputs ?? 0)) as Readable[];
  let killed = false;
  let exited = false;
  const kill = () => {
    if (exited || killed) return;
    killed = true;
    child.kill('SIGKILL');
    // Unread output would otherwise hold the pipes, and with them the 'close' event, open.
    child.stdout?.destroy();
    for (const output of extraOutputs) output.destroy();
  };
  const onAbort = () => kill();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // A dead pipe surfaces through the exit status; do not let EPIPE become an unhandled error.
  child.stdin?.on('error', () => undefined);

  const exitedPromise = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      exited = true;
      releaseSlot();
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        new EngineError(
          'ffmpeg-missing',
          `${tool} could not be started (${error.code ?? error.message}); reinstall ffmpeg or set FFMPEG_PATH to a working binary.`,
          String(error),
        ),
      );
    });
    child.once('close', (code, signalName) => {
      exited = true;
      releaseSlot();
      options.signal?.removeEventListener('abort', onAbort);
      if (killed || options.signal?.aborted) return reject(cancelledError());
      if (code === 0) return resolve();
      const tail = stderrTail();
      reject(failureError(tool, options.what, tail, code, signalName));
    });
  });
  // Callers that never await `exited` (they failed earlier) must not crash the process.
  exitedPromise.catch(() => undefined);

  return {
    process: child,
    stdout: child.stdout!,
    stdin: child.stdin,
    extraOutputs,
    exited: exitedPromise,
    hasExited: () => exited,
    stderrTail,
    kill,
  };
}

export interface RunOptions extends Omit<StartOptions, 'stdin'> {
  /** Bytes fed to the child's stdin (then closed). */
  stdinData?: Uint8Array;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Runs ffmpeg to completion, collecting stdout (keep outputs small: thumbnails, md5s, metadata). */
export function runFfmpeg(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runToCompletion('ffmpeg', args, options);
}

/** Runs ffprobe to completion, collecting stdout. */
export function runFfprobe(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runToCompletion('ffprobe', args, options);
}

async function runToCompletion(tool: FfmpegTool, args: string[], options: RunOptions): Promise<RunResult> {
  const child = await startFfmpeg(args, { ...options, stdin: options.stdinData !== undefined }, tool);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  if (options.stdinData !== undefined) child.stdin!.end(options.stdinData);
  await child.exited;
  return { stdout: Buffer.concat(chunks), stderr: child.stderrTail() };
}

function failureError(
  tool: FfmpegTool,
  what: string | undefined,
  tail: string,
  code: number | null,
  signalName: NodeJS.Signals | null,
): EngineError {
  const lastLine = tail.split('\n').filter(Boolean).pop()?.trim();
  const reason = lastLine ?? (signalName ? `stopped by ${signalName}` : `exit status ${code}`);
  const detail = tail || `${tool} exited with ${signalName ?? `status ${code}`}`;
  const task = what ?? 'finish';

  const classified: Array<[RegExp, EngineErrorCode, string]> = [
    [
      /No space left on device/i,
      'disk-full',
      `The disk is full, so ffmpeg could not ${task}; free some space and run the same command again.`,
    ],
    [
      /(Permission denied|Read-only file system)/i,
      'output-unwritable',
      `ffmpeg was refused access to a file while trying to ${task}; check the permissions of the file and its folder.`,
    ],
  ];
  for (const [pattern, errorCode, message] of classified) {
    if (pattern.test(tail)) return new EngineError(errorCode, message, detail);
  }
  return new EngineError('ffmpeg-failed', `${tool} could not ${task}: ${trimReason(reason)}.`, detail);
}

function trimReason(reason: string): string {
  const cleaned = reason.replace(/^\[[^\]]*\]\s*/, '').replace(/[.\s]+$/, '');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}
