// The host's handle on an inference process: start it, load the model with the best provider, run
// batches, fall back to CPU loudly when a GPU provider fails, and turn a dead child into an error.
import { cancelledError, EngineError } from '../errors.js';
import { processBudget } from '../process-budget.js';
import type { DeviceChoice, ExecutionProvider, NoticeEvent } from '../../common/types.js';
import { forkLauncher, type ChildExit, type InferenceChild, type InferenceLauncher } from './launcher.js';
import { verifyModelFile, type ModelManifest } from './manifest.js';
import {
  isChromaQuantizing,
  type ChildMessage,
  type ChromaQuantizing,
  type FloatInferResult,
  type QuantizedInferResult,
  type ReadyMessage,
} from './protocol.js';
import { chooseProviders, failedProviderNotice, listAvailableProviders, unavailableProviderNotice } from './providers.js';
import { connectResultChannel, newResultChannel, type HostResultChannel } from './result-channel.js';

export type { InferenceLauncher } from './launcher.js';
export type { ChromaQuantizing } from './protocol.js';

export interface StartInferenceOptions {
  manifest: ModelManifest;
  device: DeviceChoice;
  signal?: AbortSignal;
  onNotice?: (notice: NoticeEvent) => void;
  /** How to start the inference process; default: child_process.fork of inference-process. */
  launcher?: InferenceLauncher;
  /** Intra-op threads in the inference process; default: all cores. */
  threads?: number;
  /** Providers this onnxruntime build has; default: listAvailableProviders(). */
  availableProviders?: readonly ExecutionProvider[];
}

export interface ChromaBatch {
  /** Cb and Cr offsets in [-0.5, 0.5], n*h*w values each, [n,h,w] row-major. */
  cb: Float32Array;
  cr: Float32Array;
}

export interface InferenceSession {
  /** The provider running the model now (changes to 'cpu' after a fallback). */
  readonly provider: ExecutionProvider;
  readonly manifest: ModelManifest;
  /** False once closed or once its process has died (then every call rejects). */
  readonly alive: boolean;
  /**
   * Colourizes a batch of luma images in [0,1], [n,1,h,w]; h and w multiples of the model's sizeMultiple.
   * With `hints` (Cb, Cr, mask planes, [n,3,h,w]) the model's pins graph runs instead (manifest "pins").
   * `batch` and `hints` must stay unchanged until the promise settles: a CPU fallback sends them again.
   */
  infer(batch: Float32Array, n: number, h: number, w: number, hints?: Float32Array): Promise<ChromaBatch>;
  /**
   * As infer (no hints), with the chroma turned into 8-bit codes by the inference process:
   * quantizeChroma(cb, cr, quantize.range, quantize.saturation) of what infer would give, byte for
   * byte (Cb codes of the n images, then their Cr codes).
   */
  inferQuantized(batch: Float32Array, n: number, h: number, w: number, quantize: ChromaQuantizing): Promise<Uint8Array>;
  /** Stops the inference process; pending calls are rejected as cancelled. */
  close(): Promise<void>;
}

interface PendingBatch {
  batch: Float32Array;
  n: number;
  h: number;
  w: number;
  hints?: Float32Array;
  quantize?: ChromaQuantizing;
  resolve(result: ChromaBatch | Uint8Array): void;
  reject(error: unknown): void;
}

/** Starts an inference process for `manifest`, verifying the model file first. */
export async function startInference(options: StartInferenceOptions): Promise<InferenceSession> {
  const session = new InferenceClient(options);
  await session.start();
  return session;
}

function describeExit(exit: ChildExit): string {
  if (exit.signal === 'SIGKILL') return 'was killed (SIGKILL; the system may have run out of memory)';
  if (exit.signal) return `was killed (${exit.signal})`;
  return `exited with code ${exit.code}`;
}

const CLOSE_GRACE_MS = 3000;
/** A result channel that closes while its process lives is a failure once this has passed without an exit. */
const CHANNEL_LOSS_GRACE_MS = 1000;

class InferenceClient implements InferenceSession {
  readonly manifest: ModelManifest;
  #provider: ExecutionProvider = 'cpu';
  #child?: InferenceChild;
  /** The current child's result channel: where it was asked to listen, and the connection once made. */
  #channelPlace?: HostResultChannel;
  #channel?: { close(): void };
  /** Bumped whenever a child is retired, so late messages from it are ignored. */
  #generation = 0;
  #nextId = 1;
  readonly #pending = new Map<number, PendingBatch>();
  #switching = false;
  #fatal?: EngineError;
  #closed = false;
  #exited?: Promise<void>;
  /** Gives back this session's slot of the shared process budget (held from start to close or crash). */
  #releaseSlot: () => void = () => undefined;

  constructor(private readonly options: StartInferenceOptions) {
    this.manifest = options.manifest;
  }

  get provider(): ExecutionProvider {
    return this.#provider;
  }

  get alive(): boolean {
    return !this.#closed && !this.#fatal;
  }

  async start(): Promise<void> {
    const { signal, manifest } = this.options;
    if (signal?.aborted) throw cancelledError();
    await verifyModelFile(manifest);
    this.#releaseSlot = await processBudget.acquire('inference', signal);

    // The signal cancels the start only: a started session lives until close(), so it can be kept
    // warm and shared between jobs.
    const providers = this.#plannedProviders();
    const onAbort = () => void this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#launchWithFallback(providers);
    } catch (error) {
      this.#retireChild();
      this.#releaseSlot();
      throw signal?.aborted ? cancelledError() : error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) {
      await this.close();
      throw cancelledError();
    }
  }

  infer(batch: Float32Array, n: number, h: number, w: number, hints?: Float32Array): Promise<ChromaBatch> {
    return this.#request(batch, n, h, w, hints) as Promise<ChromaBatch>;
  }

  inferQuantized(batch: Float32Array, n: number, h: number, w: number, quantize: ChromaQuantizing): Promise<Uint8Array> {
    if (!isChromaQuantizing(quantize)) {
      throw new RangeError(
        `inferQuantized: quantize must be { range: 'tv' | 'pc', saturation: a finite number }, got ${JSON.stringify(quantize)}`,
      );
    }
    const { range, saturation } = quantize;
    return this.#request(batch, n, h, w, undefined, { range, saturation }) as Promise<Uint8Array>;
  }

  #request(
    batch: Float32Array,
    n: number,
    h: number,
    w: number,
    hints: Float32Array | undefined,
    quantize?: ChromaQuantizing,
  ): Promise<ChromaBatch | Uint8Array> {
    for (const [name, value] of Object.entries({ n, h, w })) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`infer: ${name} must be a positive integer, got ${value}`);
    }
    if (batch.length !== n * h * w) throw new RangeError(`infer: batch holds ${batch.length} values, expected n*h*w = ${n * h * w}`);
    if (hints && hints.length !== 3 * n * h * w)
      throw new RangeError(`infer: hints hold ${hints.length} values, expected 3*n*h*w = ${3 * n * h * w}`);
    if (hints && !this.manifest.pins) throw new RangeError(`infer: the model "${this.manifest.id}" declares no pins graph to take hints`);
    const multiple = this.manifest.sizeMultiple;
    if (h % multiple !== 0 || w % multiple !== 0) {
      throw new RangeError(`infer: ${w}x${h} is not a multiple of the model's sizeMultiple ${multiple} (use renderSize)`);
    }
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#closed) return Promise.reject(cancelledError());

    const id = this.#nextId++;
    return new Promise<ChromaBatch | Uint8Array>((resolve, reject) => {
      // Held as they are (no copy per frame): a CPU fallback re-sends them, so the caller leaves them
      // unchanged until the call settles (see InferenceSession.infer).
      this.#pending.set(id, { batch, n, h, w, hints, quantize, resolve, reject });
      if (!this.#switching) this.#sendBatch(id);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    this.#failPending(cancelledError());
    const child = this.#child;
    if (!child) {
      this.#releaseSlot();
      return;
    }
    this.#exited = new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill(), CLOSE_GRACE_MS);
      child.onExit(() => {
        clearTimeout(timer);
        this.#closeChannel();
        this.#releaseSlot();
        resolve();
      });
    });
    this.#generation++; // its exit is expected now
    child.send({ type: 'dispose' });
    return this.#exited;
  }

  // ----- providers and (re)loading --------------------------------------------------------------

  /** A provider fallback, said loudly: `failed` could not be used, `used` runs the model instead. */
  #fallback(failed: ExecutionProvider, used: ExecutionProvider, message: string): void {
    this.options.onNotice?.({
      type: 'notice',
      level: 'warning',
      code: 'provider-fallback',
      message,
      provider: used,
      failedProvider: failed,
    });
  }

  /** The device choice as providers to try, minus (loudly) the ones this build lacks. */
  #plannedProviders(): ExecutionProvider[] {
    const available = this.options.availableProviders ?? listAvailableProviders();
    const planned = chooseProviders(this.options.device, available);
    return planned.filter((provider) => {
      if (provider === 'cpu' || available.includes(provider)) return true;
      this.#fallback(provider, 'cpu', unavailableProviderNotice(provider));
      return false;
    });
  }

  /** Loads with `providers`; a GPU process that dies while loading is retried on CPU. */
  async #launchWithFallback(providers: ExecutionProvider[]): Promise<void> {
    try {
      await this.#launch(providers);
    } catch (error) {
      const first = providers[0];
      const crashedOnGpu = error instanceof EngineError && error.code === 'inference-crashed' && first !== 'cpu' && !this.#closed;
      if (!crashedOnGpu) throw error;
      this.#fallback(first, 'cpu', failedProviderNotice(first, 'the inference process crashed while loading the model', 'cpu'));
      await this.#launch(['cpu']);
    }
  }

  async #launch(providers: ExecutionProvider[]): Promise<ReadyMessage> {
    const place = await newResultChannel();
    if (this.#closed) {
      place?.remove();
      throw cancelledError();
    }
    const launcher = this.options.launcher ?? forkLauncher();
    const child = launcher();
    const generation = ++this.#generation;
    this.#closeChannel(); // a process that died while loading leaves its place behind
    this.#child = child;
    this.#channelPlace = place ?? undefined;

    return new Promise<ReadyMessage>((resolve, reject) => {
      let loading = true;
      child.onMessage((message) => {
        if (generation !== this.#generation) return;
        if (loading && (message.type === 'ready' || message.type === 'load-error')) {
          loading = false;
          if (message.type === 'ready') {
            this.#onReady(message, generation);
            resolve(message);
          } else {
            this.#retireChild();
            reject(new EngineError(message.code, message.message, message.detail));
          }
          return;
        }
        this.#onMessage(message);
      });
      child.onExit((exit) => {
        if (loading) {
          // Settle even for a retired child, so whoever awaits this load is never left hanging.
          loading = false;
          reject(this.#closed ? cancelledError() : this.#crashError(exit, true));
          return;
        }
        if (generation !== this.#generation) return;
        this.#becomeFatal(this.#crashError(exit, false));
      });
      child.send({
        type: 'load',
        manifest: this.manifest,
        providers,
        threads: this.options.threads,
        ...(place ? { resultChannel: { path: place.path, token: place.token } } : {}),
      });
    });
  }

  #onReady(ready: ReadyMessage, generation: number): void {
    this.#provider = ready.provider;
    for (const failure of ready.failures) {
      this.#fallback(failure.provider, ready.provider, failedProviderNotice(failure.provider, failure.reason, ready.provider));
    }
    if (ready.resultChannelListening === true && this.#channelPlace) this.#openChannel(this.#channelPlace, generation);
    else this.#channelPlace?.remove();
  }

  /** Float results from `generation`'s process over its result channel (the IPC still works alone). */
  #openChannel(place: HostResultChannel, generation: number): void {
    const current = () => generation === this.#generation && !this.#closed;
    this.#channel = connectResultChannel(place, {
      expectedBytes: (id) => {
        const pending = current() ? this.#pending.get(id) : undefined;
        return pending && !pending.quantize ? 4 * pending.n * pending.h * pending.w : null;
      },
      result: (id, cb, cr) => {
        const pending = current() ? this.#pending.get(id) : undefined;
        if (!pending) return;
        this.#pending.delete(id);
        pending.resolve({ cb, cr });
      },
      malformed: () => {
        if (current())
          this.#failChild(new EngineError('inference-crashed', 'The inference process answered a frame with malformed chroma; try again.'));
      },
      closed: () => {
        // Its process crashing closes it too, and that exit says more: wait for it a moment.
        if (!current()) return;
        setTimeout(() => {
          if (current())
            this.#failChild(
              new EngineError('inference-crashed', 'The connection to the inference process broke while colourizing; try again.'),
            );
        }, CHANNEL_LOSS_GRACE_MS).unref();
      },
    });
  }

  #closeChannel(): void {
    this.#channel?.close();
    this.#channel = undefined;
    this.#channelPlace?.remove();
    this.#channelPlace = undefined;
  }

  /** From now on every call fails with `error`; the process budget's slot is given back. */
  #becomeFatal(error: EngineError): void {
    this.#fatal = error;
    this.#releaseSlot();
    this.#failPending(error);
  }

  /** The current process can no longer be trusted with frames: it goes, and every call fails with `error`. */
  #failChild(error: EngineError): void {
    this.#becomeFatal(error);
    this.#retireChild();
  }

  #crashError(exit: ChildExit, loading: boolean): EngineError {
    const what = loading ? `while loading the model "${this.manifest.id}"` : 'while colourizing';
    return new EngineError(
      'inference-crashed',
      `The inference process ${describeExit(exit)} ${what}; try again, and if it keeps happening try --device cpu or a lower render factor.`,
      exit.stderrTail,
    );
  }

  #retireChild(): void {
    this.#generation++;
    this.#closeChannel();
    this.#child?.kill();
    this.#child = undefined;
  }

  // ----- batches --------------------------------------------------------------------------------

  #sendBatch(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending || !this.#child) return;
    const { batch, n, h, w, hints, quantize } = pending;
    this.#child.send({ type: 'infer', id, batch, n, h, w, ...(hints ? { hints } : {}), ...(quantize ? { quantize } : {}) });
  }

  #onMessage(message: ChildMessage): void {
    if (message.type !== 'result' && message.type !== 'infer-error') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;

    if (message.type === 'result') {
      this.#pending.delete(message.id);
      if (!pending.quantize) {
        pending.resolve({ cb: (message as FloatInferResult).cb, cr: (message as FloatInferResult).cr });
        return;
      }
      // Written by the encoder as they are: exactly the codes asked for, or the frame fails.
      const { chroma } = message as Partial<QuantizedInferResult>;
      if (chroma instanceof Uint8Array && chroma.length === 2 * pending.n * pending.h * pending.w) pending.resolve(chroma);
      else pending.reject(new EngineError('inference-crashed', 'The inference process answered a frame with malformed chroma; try again.'));
      return;
    }

    const { kind } = message;
    if ((kind === 'oom' || kind === 'provider') && this.#provider !== 'cpu') {
      void this.#fallBackToCpu(message.message);
      return;
    }
    this.#pending.delete(message.id);
    if (kind === 'contract') {
      pending.reject(new EngineError('model-contract', message.message));
    } else if (kind === 'oom') {
      pending.reject(
        new EngineError(
          'inference-crashed',
          `The model ran out of memory at ${pending.w}x${pending.h}; lower the render factor or close other programs and try again.`,
          message.message,
        ),
      );
    } else {
      pending.reject(
        new EngineError(
          'inference-crashed',
          `The model failed on a frame (${message.message}); try again, or try --device cpu.`,
          message.message,
        ),
      );
    }
  }

  /** Replaces the GPU process by a CPU one and re-sends every unfinished batch to it. */
  async #fallBackToCpu(reason: string): Promise<void> {
    if (this.#switching || this.#closed) return;
    this.#switching = true;
    this.#fallback(this.#provider, 'cpu', failedProviderNotice(this.#provider, reason, 'cpu'));
    this.#retireChild();
    try {
      await this.#launch(['cpu']);
    } catch (error) {
      this.#becomeFatal(error instanceof EngineError ? error : new EngineError('inference-crashed', String(error)));
      return;
    } finally {
      this.#switching = false;
    }
    if (this.#closed) return;
    for (const id of [...this.#pending.keys()].sort((a, b) => a - b)) this.#sendBatch(id);
  }

  #failPending(error: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}
