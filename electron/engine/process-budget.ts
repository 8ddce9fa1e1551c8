// One budget for the child processes the engine starts (ffmpeg, ffprobe and inference processes), shared
// by every caller in this host: every connection, preview, thumbnail strip and render. A process starts
// only with a slot; the rest wait in order (first come, first served) until a slot is given back.
//
// Inference processes live long (a warm model) and a render or preview holds one while it waits for
// ffmpeg slots, so they may take at most `limit - RESERVED_FOR_FFMPEG` slots: ffmpeg always has slots
// left, and every ffmpeg process finishes without needing another slot, so waiting never deadlocks.

import os from 'node:os';
import { cancelledError } from './errors.js';

export type ProcessKind = 'ffmpeg' | 'inference';

const RESERVED_FOR_FFMPEG = 2;

interface Waiter {
  kind: ProcessKind;
  grant: (release: () => void) => void;
}

class ProcessBudget {
  private running = { ffmpeg: 0, inference: 0 };
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < RESERVED_FOR_FFMPEG + 1)
      throw new RangeError(`a process budget needs at least ${RESERVED_FOR_FFMPEG + 1} slots`);
  }

  /** Processes running now, by kind. */
  get inUse(): { ffmpeg: number; inference: number } {
    return { ...this.running };
  }

  /** Waits for a slot; resolves with the function that gives it back (safe to call twice). */
  acquire(kind: ProcessKind, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(cancelledError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        kind,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(cancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.dispatch();
    });
  }

  private canStart(kind: ProcessKind): boolean {
    const total = this.running.ffmpeg + this.running.inference;
    if (total >= this.limit) return false;
    return kind === 'ffmpeg' || this.running.inference < this.limit - RESERVED_FOR_FFMPEG;
  }

  private dispatch(): void {
    // In order, but a waiting inference start does not hold up ffmpeg processes behind it.
    for (let i = 0; i < this.waiting.length;) {
      const waiter = this.waiting[i];
      if (!this.canStart(waiter.kind)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running[waiter.kind]++;
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        this.running[waiter.kind]--;
        this.dispatch();
      });
    }
  }
}

/** Slots for this host: twice the cores, at least 6; CHROMAREEL_MAX_PROCESSES overrides. */
function defaultProcessLimit(): number {
  const fromEnv = Number(process.env.CHROMAREEL_MAX_PROCESSES);
  if (Number.isInteger(fromEnv) && fromEnv >= RESERVED_FOR_FFMPEG + 1) return fromEnv;
  return Math.max(6, 2 * os.availableParallelism());
}

/** The budget every engine in this process shares. */
export const processBudget = new ProcessBudget(defaultProcessLimit());
