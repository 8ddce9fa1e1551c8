import type { EngineErrorCode } from '../common/types.js';

/**
 * An error a person can act on: `message` is one plain sentence naming the problem and what to do.
 * `detail` keeps the technical cause (ffmpeg's stderr tail, a stack) for logs and --verbose.
 */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly detail?: string;

  constructor(code: EngineErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.detail = detail;
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError;
}

export function cancelledError(): EngineError {
  return new EngineError('cancelled', 'The job was cancelled; run the same command again to resume where it stopped.');
}

/** Throws the engine's 'cancelled' error when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelledError();
}

/** Waits for `work`, or rejects as cancelled as soon as `signal` aborts (the work itself goes on). */
export function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
