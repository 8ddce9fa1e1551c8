import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { validateHints } from '../engine/pins/hints-file.js';
import type { QueueJob } from '../common/protocol.js';

/** Where the render queue survives a restart. */
export interface QueueStore {
  load(): Promise<QueueJob[]>;
  save(jobs: QueueJob[]): Promise<void>;
}

const storedJobSchema = z.looseObject({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/), // names the job's work folder
  input: z.string(),
  output: z.string(),
  status: z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']),
  options: z.looseObject({}),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const storedQueueSchema = z.object({ version: z.literal(1), jobs: z.array(z.unknown()) });

/** A JSON file, replaced atomically (temp file in the same folder, then rename) on every save. */
export function createFileQueueStore(file: string): QueueStore {
  let writing: Promise<void> = Promise.resolve();
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const parsed = storedQueueSchema.safeParse(safeJson(text));
      if (!parsed.success) return [];
      // A job written by another version may lack a field: skip it rather than lose the whole queue.
      return parsed.data.jobs.filter((job) => storedJobSchema.safeParse(job).success).map((job) => withDefaults(job as QueueJob));
    },
    save(jobs) {
      const body = JSON.stringify({ version: 1, jobs }, null, 1);
      writing = writing
        .catch(() => undefined)
        .then(async () => {
          await mkdir(path.dirname(file), { recursive: true });
          const temp = `${file}.${process.pid}.tmp`;
          try {
            await writeFile(temp, body, 'utf8');
            await rename(temp, file);
          } catch (error) {
            await rm(temp, { force: true });
            throw error;
          }
        });
      return writing;
    },
  };
}

export function createMemoryQueueStore(initial: QueueJob[] = []): QueueStore {
  let saved = structuredClone(initial);
  return {
    async load() {
      return structuredClone(saved);
    },
    async save(jobs) {
      saved = structuredClone(jobs);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * A saved job's colour pins are checked again as they are read back (the file may have been edited or
 * damaged): a job whose pins fail the check cannot run, so it comes back failed, saying why.
 */
function checkedPins(job: QueueJob): Pick<QueueJob, 'status' | 'error'> {
  const hints = (job.options as { hints?: unknown }).hints;
  if (hints === undefined) return { status: job.status, error: job.error ?? null };
  try {
    validateHints(hints, 'The list of colour pins saved with this render', "add the render again with the film's pins");
    return { status: job.status, error: job.error ?? null };
  } catch (error) {
    if (job.status === 'done') return { status: job.status, error: job.error ?? null };
    return { status: 'failed', error: { code: 'bad-option', message: (error as Error).message } };
  }
}

function withDefaults(job: QueueJob): QueueJob {
  return {
    ...job,
    progress: job.progress ?? null,
    notices: Array.isArray(job.notices) ? job.notices : [],
    provider: job.provider ?? null,
    sceneCuts: Array.isArray(job.sceneCuts) ? job.sceneCuts.filter((cut) => Number.isInteger(cut) && cut >= 0) : [],
    result: job.result ?? null,
    ...checkedPins(job),
  };
}
