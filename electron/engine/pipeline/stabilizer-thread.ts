// The render's stabilizer stage: ChromaStabilizer on a worker thread (stabilizer-worker.ts), so its
// per-frame work runs beside the main thread's decode reads, inference IPC and encoder writes; or,
// where the worker cannot start, the same ChromaStabilizer in-process behind the same async face.
// Either way the frames, cuts and snapshots are those of ChromaStabilizer itself, bit for bit.
//
// Order: requests are answered one by one in the order sent, so snapshot() holds the state right
// after the last push before it. The caller takes a snapshot only when it holds the result of every
// push it has sent (snapshot() refuses otherwise), which is the state a resumed run restores.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../errors.js';
import { entryCandidates, moduleDir } from '../model/package-root.js';
import type { LowResChroma } from './frames.js';
import { ChromaStabilizer, type ChromaStabilizerOptions } from './stabilize.js';

/** What one push (or the flush) gave: frames now final, in order, and the scene cuts it found. */
export interface StabilizedBatch {
  released: LowResChroma[];
  /** Scene cuts found by this call (first frames of new shots). */
  cuts: number[];
  /** Index of the last frame the stabilizer has emitted, -1 before the first. */
  lastEmitted: number;
}

/** The stabilizer as a render uses it (see the file's comment for the order it keeps). */
export interface RenderStabilizer {
  /** True when it runs on a worker thread. */
  readonly threaded: boolean;
  /** lastEmittedIndex when opened (a restored stabilizer's last emitted frame). */
  readonly lastEmittedAtStart: number;
  /** Feeds the next frame. Its planes are the stabilizer's from here on; `luma` stays the caller's (copied). */
  push(frame: LowResChroma): Promise<StabilizedBatch>;
  flush(): Promise<StabilizedBatch>;
  /** ChromaStabilizer.snapshot() after the last push; only once every push's result has arrived. */
  snapshot(): Promise<Uint8Array>;
  /** Ends the worker (if any); pending calls then fail. Safe to call more than once. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Messages (shared with stabilizer-worker.ts)
// ---------------------------------------------------------------------------------------------

export interface StabilizerWorkerData {
  options: ChromaStabilizerOptions;
  snapshot?: Uint8Array | ArrayBuffer;
}

export type StabilizerRequest = { type: 'push'; frame: LowResChroma } | { type: 'flush' } | { type: 'snapshot' } | { type: 'close' };

/** An emitted frame's new chroma: planes, or codes with the planes empty (the caller still has its luma). */
export interface WireFrame {
  index: number;
  cb: Float32Array;
  cr: Float32Array;
  quantized?: Uint8Array;
}

export type StabilizerReply =
  | { type: 'ready'; cuts: number[]; lastEmitted: number }
  | { type: 'init-failed'; message: string; stack?: string }
  | { type: 'result'; released: WireFrame[]; spare: Float32Array[]; cuts: number[]; lastEmitted: number }
  | { type: 'snapshot'; bytes: Uint8Array }
  | { type: 'failed'; message: string; stack?: string };

// ---------------------------------------------------------------------------------------------
// In-process
// ---------------------------------------------------------------------------------------------

/** Batches of one ChromaStabilizer's output, each with the scene cuts found since the one before. */
export class BatchMaker {
  private cutsSeen: number;

  constructor(private readonly stabilizer: ChromaStabilizer) {
    this.cutsSeen = stabilizer.cuts.length;
  }

  of(released: LowResChroma[]): StabilizedBatch {
    const cuts = this.stabilizer.cuts;
    const fresh = cuts.slice(this.cutsSeen);
    this.cutsSeen = cuts.length;
    return { released, cuts: fresh, lastEmitted: this.stabilizer.lastEmittedIndex };
  }
}

/** ChromaStabilizer itself, answering at once (previews, and the fallback when no worker starts). */
class InProcessStabilizer implements RenderStabilizer {
  readonly threaded = false;
  readonly lastEmittedAtStart: number;
  private readonly batches: BatchMaker;

  constructor(private readonly stabilizer: ChromaStabilizer) {
    this.lastEmittedAtStart = stabilizer.lastEmittedIndex;
    this.batches = new BatchMaker(stabilizer);
  }

  push(frame: LowResChroma): Promise<StabilizedBatch> {
    try {
      return Promise.resolve(this.batches.of(this.stabilizer.push(frame)));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  flush(): Promise<StabilizedBatch> {
    return Promise.resolve(this.batches.of(this.stabilizer.flush()));
  }

  snapshot(): Promise<Uint8Array> {
    return Promise.resolve(this.stabilizer.snapshot());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// ---------------------------------------------------------------------------------------------
// On a worker thread
// ---------------------------------------------------------------------------------------------

const WORKER_NAME = 'stabilizer-worker';
/** Spare planes kept for the copies a push makes (each frame's input planes come back once it is emitted). */
const SPARE_PLANES = 8;
/** How long close() waits for the thread to end by itself before terminating it. */
const CLOSE_WAIT_MS = 2000;

type WorkerEntry = { kind: 'file'; file: string } | { kind: 'source'; file: string; tsxApi: string };

/**
 * Where the worker's entry is: `stabilizer-worker.js` beside this module when bundled (dist/cli.js,
 * dist/server.js, out/main/index.js), `stabilizer-worker.ts` through tsx when running from source
 * (vitest, tsx), else the project's dist/. Null when there is none (the render then stabilizes
 * in-process).
 */
function resolveStabilizerWorker(fromDir = moduleDir(import.meta.url)): WorkerEntry | null {
  for (const { file, source } of entryCandidates(WORKER_NAME, fromDir)) {
    if (!source) return { kind: 'file', file };
    try {
      // tsx's programmatic ESM API (its .mjs build: the .cjs one does not load in a worker's ESM).
      const api = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs');
      if (existsSync(api)) return { kind: 'source', file, tsxApi: api };
    } catch {
      // no tsx: try the next place
    }
  }
  return null;
}

function startWorker(entry: WorkerEntry, workerData: StabilizerWorkerData): Worker {
  if (entry.kind === 'file') return new Worker(entry.file, { workerData });
  const api = pathToFileURL(entry.tsxApi).href;
  const code = `import { tsImport } from ${JSON.stringify(api)};\nawait tsImport(${JSON.stringify(pathToFileURL(entry.file).href)}, ${JSON.stringify(api)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData });
}

function stabilizerFailed(detail: string, stack?: string): EngineError {
  return new EngineError(
    'stabilizer-failed',
    `The colour stabilizer stopped with an error (${detail}); run the same command again to resume, or choose --stabilize off.`,
    stack ?? detail,
  );
}

/** A typed array that is the whole of an ArrayBuffer of its own, so it can be transferred. */
function ownsBuffer(plane: Float32Array): boolean {
  return plane.buffer instanceof ArrayBuffer && plane.byteOffset === 0 && plane.byteLength === plane.buffer.byteLength;
}

interface Pending {
  resolve: (reply: StabilizerReply) => void;
  reject: (error: Error) => void;
}

class ThreadStabilizer implements RenderStabilizer {
  readonly threaded = true;
  private readonly pending: Pending[] = [];
  /** The caller's luma of each frame pushed and not yet released (released frames carry it again). */
  private readonly lumas = new Map<number, Pick<LowResChroma, 'width' | 'height' | 'luma' | 'quantized'>>();
  private readonly spare: Float32Array[] = [];
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly lastEmittedAtStart: number,
  ) {
    worker.on('message', (reply: StabilizerReply) => {
      if (reply.type === 'failed') this.fail(stabilizerFailed(reply.message, reply.stack));
      else this.pending.shift()?.resolve(reply);
    });
    worker.on('error', (error) => this.fail(stabilizerFailed(error.message, error.stack)));
    worker.on('exit', (code) =>
      this.fail(this.closed ? stabilizerFailed('closed') : stabilizerFailed(`its thread ended with code ${code}`)),
    );
  }

  /** Starts the worker and waits for it to be ready; rejects when it cannot start or restore. */
  static start(entry: WorkerEntry, workerData: StabilizerWorkerData): Promise<ThreadStabilizer> {
    return new Promise((resolve, reject) => {
      let worker: Worker;
      try {
        worker = startWorker(entry, workerData);
      } catch (error) {
        reject(error as Error);
        return;
      }
      const failed = (error: Error) => {
        cleanup();
        void worker.terminate();
        reject(error);
      };
      const onMessage = (reply: StabilizerReply) => {
        cleanup();
        if (reply.type === 'ready') resolve(new ThreadStabilizer(worker, reply.lastEmitted));
        else failed(new Error(reply.type === 'init-failed' ? reply.message : `unexpected ${reply.type}`));
      };
      const onExit = (code: number) => failed(new Error(`stabilizer thread exited with code ${code} while starting`));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', failed);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', failed);
      worker.on('exit', onExit);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.splice(0)) waiting.reject(this.failure);
  }

  private request(message: StabilizerRequest, transfer: ArrayBuffer[] = []): Promise<StabilizerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage(message, transfer);
      } catch {
        // A buffer that may not be transferred (Node marks some as such): send copies instead.
        this.worker.postMessage(message);
      }
      this.pending.push({ resolve, reject });
    });
  }

  private copyOf(plane: Float32Array): Float32Array {
    let copy = this.spare.pop();
    while (copy && copy.length !== plane.length) copy = this.spare.pop();
    copy ??= new Float32Array(plane.length);
    copy.set(plane);
    return copy;
  }

  private toBatch(reply: StabilizerReply): StabilizedBatch {
    if (reply.type !== 'result') throw stabilizerFailed(`unexpected ${reply.type} reply`);
    const released = reply.released.map((frame): LowResChroma => {
      const { width, height, luma, quantized: passedThrough } = this.lumas.get(frame.index)!;
      this.lumas.delete(frame.index);
      const quantized = frame.quantized ?? passedThrough;
      return { index: frame.index, width, height, luma, cb: frame.cb, cr: frame.cr, ...(quantized ? { quantized } : {}) };
    });
    for (const plane of reply.spare) if (this.spare.length < SPARE_PLANES) this.spare.push(plane);
    return { released, cuts: reply.cuts, lastEmitted: reply.lastEmitted };
  }

  async push(frame: LowResChroma): Promise<StabilizedBatch> {
    // The caller may still hold the luma (pin tracker, the released frame), so the worker gets a copy;
    // the model's chroma is handed over when it owns its buffer (as the inference IPC's does).
    const luma = this.copyOf(frame.luma);
    const cb = ownsBuffer(frame.cb) ? frame.cb : this.copyOf(frame.cb);
    const cr = ownsBuffer(frame.cr) && frame.cr.buffer !== cb.buffer ? frame.cr : this.copyOf(frame.cr);
    // Quantized chroma stays here (only 'off' takes it, and passes it through untouched).
    const wire: LowResChroma = { index: frame.index, width: frame.width, height: frame.height, luma, cb, cr };
    const { quantized } = frame;
    this.lumas.set(frame.index, { width: frame.width, height: frame.height, luma: frame.luma, ...(quantized ? { quantized } : {}) });
    const reply = await this.request({ type: 'push', frame: wire }, [luma.buffer, cb.buffer, cr.buffer] as ArrayBuffer[]);
    return this.toBatch(reply);
  }

  async flush(): Promise<StabilizedBatch> {
    return this.toBatch(await this.request({ type: 'flush' }));
  }

  async snapshot(): Promise<Uint8Array> {
    if (this.pending.length > 0) throw new Error('A stabilizer snapshot was asked for while pushes were still in flight.');
    const reply = await this.request({ type: 'snapshot' });
    if (reply.type !== 'snapshot') throw stabilizerFailed(`unexpected ${reply.type} reply`);
    return reply.bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(stabilizerFailed('closed'));
    // Asked to end, the thread's event loop empties and it exits as a program does (node --cpu-prof
    // then writes its profile; terminating it while profiled can leave the process hanging on exit).
    // Terminated when it is busy or does not end soon.
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const idle = this.pending.length === 0;
    if (idle) this.worker.postMessage({ type: 'close' } satisfies StabilizerRequest);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), idle ? CLOSE_WAIT_MS : 0)));
    if ((await Promise.race([exited, late])) === 'late') await this.worker.terminate();
    clearTimeout(timer);
  }
}

/**
 * The stabilizer for a render: on a worker thread unless CHROMAREEL_STABILIZER_THREAD=0 or the
 * worker cannot start, in-process otherwise (the same frames either way). `snapshot` restores one
 * saved at a segment's close (ChromaStabilizer.restore).
 */
export async function openRenderStabilizer(
  options: ChromaStabilizerOptions,
  snapshot?: Uint8Array | ArrayBuffer,
  { thread = process.env.CHROMAREEL_STABILIZER_THREAD !== '0' }: { thread?: boolean } = {},
): Promise<RenderStabilizer> {
  const entry = thread ? resolveStabilizerWorker() : null;
  if (entry) {
    try {
      return await ThreadStabilizer.start(entry, { options, snapshot });
    } catch {
      // No thread (or it could not restore): the in-process stabilizer does the same work, and
      // reports a bad snapshot itself.
    }
  }
  return new InProcessStabilizer(snapshot ? ChromaStabilizer.restore(snapshot, options) : new ChromaStabilizer(options));
}
