import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../engine/api.js';
import { defaultStateDir, ensurePrivateDir, isPlainDir } from '../engine/private-dirs.js';
import type { NoticeEvent, RenderEvent, RenderOptions } from '../common/types.js';
import type { JobSpec, JobStatus, QueueJob } from '../common/protocol.js';
import { HostError, toWireError } from './host-error.js';
import type { QueueStore } from './queue-store.js';

const MAX_NOTICES = 12;
const PROGRESS_NOTIFY_MS = 250;
const PROGRESS_PERSIST_MS = 2000;

type StopReason = 'pause' | 'cancel' | 'shutdown';

export interface RenderQueueOptions {
  engine: Pick<Engine, 'render'>;
  store: QueueStore;
  /** Called with a fresh snapshot whenever a job changes (progress at most every 250 ms). */
  onChange?: (jobs: QueueJob[]) => void;
  now?: () => number;
  /**
   * Checks a job's paths again right before it runs (a file may have been swapped for a link while it
   * waited) and returns them resolved; throws (a HostError) to fail the job instead.
   */
  authorize?: (job: Pick<QueueJob, 'input' | 'output'>) => { input: string; output: string };
  /** Per-user folder holding one private work folder per job (default: the state folder's work/). */
  workRoot?: string;
}

export function defaultWorkRoot(): string {
  return path.join(defaultStateDir(), 'work');
}

/**
 * Renders jobs one at a time. Pausing aborts the render, which leaves its segments behind, and resuming
 * runs the same job again, which picks up where it stopped; so pause survives a restart too. The queue
 * is saved after every change of state, and a job that was running when the host closed comes back
 * paused.
 */
export class RenderQueue {
  private jobs: QueueJob[] = [];
  private running: { id: string; controller: AbortController; reason: StopReason | null; done: Promise<void> } | null = null;
  private lastNotify = 0;
  private lastPersist = 0;
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly now: () => number;
  readonly workRoot: string;

  private constructor(private readonly options: RenderQueueOptions) {
    this.now = options.now ?? Date.now;
    this.workRoot = path.resolve(options.workRoot ?? defaultWorkRoot());
  }

  static async open(options: RenderQueueOptions): Promise<RenderQueue> {
    const queue = new RenderQueue(options);
    const stored = await options.store.load();
    queue.jobs = stored.map((job) => (job.status === 'running' || job.status === 'queued' ? queue.interrupted(job) : job));
    return queue;
  }

  list(): QueueJob[] {
    return structuredClone(this.jobs);
  }

  /** Paths of jobs restored from disk, which the person chose in an earlier session. */
  paths(): { inputs: string[]; outputs: string[] } {
    return { inputs: this.jobs.map((job) => job.input), outputs: this.jobs.map((job) => job.output) };
  }

  add(spec: JobSpec): QueueJob {
    if (this.closed) throw new HostError('unavailable', 'ChromaReel is closing; add the render again after it restarts.');
    const at = this.now();
    const job: QueueJob = {
      ...structuredClone(spec),
      id: randomUUID(),
      status: 'queued',
      progress: null,
      notices: [],
      provider: null,
      sceneCuts: [],
      result: null,
      error: null,
      createdAt: at,
      updatedAt: at,
    };
    this.jobs.push(job);
    this.changed(true);
    this.pump();
    return structuredClone(job);
  }

  pause(id: string): QueueJob[] {
    const job = this.find(id);
    if (this.running?.id === id) this.stop('pause');
    else if (job.status === 'queued') this.setStatus(job, 'paused');
    return this.list();
  }

  resume(id: string): QueueJob[] {
    const job = this.find(id);
    if (job.status === 'paused' || job.status === 'failed' || job.status === 'cancelled') {
      job.error = null;
      this.setStatus(job, 'queued');
      this.pump();
    }
    return this.list();
  }

  cancel(id: string): QueueJob[] {
    const job = this.find(id);
    if (this.running?.id === id) this.stop('cancel');
    else if (job.status === 'queued' || job.status === 'paused' || job.status === 'failed') {
      this.setStatus(job, 'cancelled');
      void this.removeWorkFolder(job);
    }
    return this.list();
  }

  remove(id: string): QueueJob[] {
    const job = this.find(id);
    if (this.running?.id === id)
      throw new HostError('bad-request', 'This render is still running; cancel it before removing it from the queue.');
    this.jobs = this.jobs.filter((entry) => entry.id !== id);
    if (job.status !== 'done') void this.removeWorkFolder(job);
    this.changed(true);
    return this.list();
  }

  /** Resolves when no job is running and none is waiting. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running.done;
  }

  /** Stops the running render (it comes back paused after a restart) and saves the queue. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (running) {
      this.stop('shutdown');
      await running.done;
    }
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    await this.options.store.save(this.jobs);
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.jobs.find((job) => job.status === 'queued');
    if (!next) return;
    const controller = new AbortController();
    const slot = { id: next.id, controller, reason: null as StopReason | null, done: Promise.resolve() };
    this.running = slot;
    slot.done = this.run(next, controller.signal, () => slot.reason).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(job: QueueJob, signal: AbortSignal, stopReason: () => StopReason | null): Promise<void> {
    job.progress = null;
    this.setStatus(job, 'running');
    try {
      const { input, output } = this.options.authorize ? this.options.authorize(job) : job;
      const options: RenderOptions = {
        ...job.options,
        input,
        output,
        from: job.from,
        to: job.to,
        overwrite: job.overwrite ?? false,
        workDir: path.join(ensurePrivateDir(this.workRoot), job.id),
      };
      const result = await this.options.engine.render(options, (event) => this.onEvent(job, event), signal);
      job.result = result;
      job.provider = result.provider;
      job.sceneCuts = mergeCuts(job.sceneCuts, result.sceneCuts);
      this.setStatus(job, 'done');
    } catch (error) {
      const reason = stopReason();
      if (reason === 'cancel') {
        this.setStatus(job, 'cancelled');
        await this.removeWorkFolder(job);
      } else if (reason === 'pause' || reason === 'shutdown') {
        if (reason === 'shutdown') this.addNotice(job, interruptedNotice());
        this.setStatus(job, 'paused');
      } else {
        job.error = toWireError(error);
        this.setStatus(job, 'failed');
      }
    }
  }

  private onEvent(job: QueueJob, event: RenderEvent): void {
    if (event.type === 'progress') {
      job.progress = event;
      job.updatedAt = this.now();
      this.changed(false);
    } else if (event.type === 'notice') {
      this.addNotice(job, event);
      // The provider the model runs on now (after a fallback, the one it fell back to).
      if (event.provider) job.provider = event.provider;
      this.changed(true);
    } else if (event.type === 'scene-cut') {
      job.sceneCuts = mergeCuts(job.sceneCuts, [event.frame]);
      this.changed(true);
    }
  }

  private addNotice(job: QueueJob, notice: NoticeEvent): void {
    job.notices = [...job.notices, notice].slice(-MAX_NOTICES);
  }

  private interrupted(job: QueueJob): QueueJob {
    return {
      ...job,
      status: 'paused',
      notices: job.status === 'running' ? [...job.notices, interruptedNotice()].slice(-MAX_NOTICES) : job.notices,
    };
  }

  private stop(reason: StopReason): void {
    if (!this.running) return;
    this.running.reason = reason;
    this.running.controller.abort(new Error(reason));
  }

  /** A job's work folder: private to this user, outside every folder the page may name. */
  workFolder(job: Pick<QueueJob, 'id'>): string {
    return path.join(this.workRoot, job.id);
  }

  private async removeWorkFolder(job: Pick<QueueJob, 'id'>): Promise<void> {
    const folder = this.workFolder(job);
    // rm never follows a link, and a folder that is one is not ours to empty.
    if (isPlainDir(folder)) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }

  private find(id: string): QueueJob {
    const job = this.jobs.find((entry) => entry.id === id);
    if (!job) throw new HostError('not-found', 'That render is no longer in the queue; refresh the queue and try again.');
    return job;
  }

  private setStatus(job: QueueJob, status: JobStatus): void {
    job.status = status;
    job.updatedAt = this.now();
    this.changed(true);
  }

  /** Tells listeners and saves: at once for a change of state, throttled for progress. */
  private changed(important: boolean): void {
    const at = this.now();
    if (important || at - this.lastPersist >= PROGRESS_PERSIST_MS) {
      this.lastPersist = at;
      this.options.store.save(this.jobs).catch(() => undefined);
    }
    if (important || at - this.lastNotify >= PROGRESS_NOTIFY_MS) {
      if (this.notifyTimer) {
        clearTimeout(this.notifyTimer);
        this.notifyTimer = null;
      }
      this.lastNotify = at;
      this.options.onChange?.(this.list());
    } else if (!this.notifyTimer) {
      this.notifyTimer = setTimeout(() => {
        this.notifyTimer = null;
        this.lastNotify = this.now();
        this.options.onChange?.(this.list());
      }, PROGRESS_NOTIFY_MS);
    }
  }
}

/** Scene cuts (frame numbers in the film) found so far, sorted, each once; a rerun may report a cut again. */
function mergeCuts(known: readonly number[] | undefined, found: readonly number[]): number[] {
  return [...new Set([...(known ?? []), ...found])].sort((a, b) => a - b);
}

function interruptedNotice(): NoticeEvent {
  return {
    type: 'notice',
    level: 'info',
    code: 'other',
    message: 'Paused when ChromaReel closed; press Resume to continue where it stopped.',
  };
}
