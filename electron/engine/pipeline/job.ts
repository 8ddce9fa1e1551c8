import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { realpath, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-file.js';
import { EngineError } from '../errors.js';
import { isPlainDir, makeDirNoFollow } from '../private-dirs.js';

// A render's durable state: which segments are finished. Re-running the same render reads it and
// continues after the last finished segment.

const segmentSchema = z.object({
  index: z.number().int().min(0),
  startFrame: z.number().int().min(0),
  frameCount: z.number().int().min(1),
  file: z.string(),
  /** Stabilizer state and already-stabilized frames that belong to the next segment (v8-serialized). */
  stateFile: z.string().optional(),
});

const jobSchema = z.object({
  version: z.literal(1),
  fingerprint: z.string(),
  input: z.string(),
  output: z.string(),
  startFrame: z.number().int().min(0),
  /** Exclusive; null when the film's length is only estimated and the decoder's end decides. */
  endFrame: z.number().int().min(1).nullable(),
  segmentFrames: z.number().int().min(1),
  segments: z.array(segmentSchema),
  complete: z.boolean(),
});

export type SegmentRecord = z.infer<typeof segmentSchema>;
export type JobState = z.infer<typeof jobSchema>;

const JOB_FILE = 'job.json';

/** Default work folder: hidden, beside the output (never beside the input unless that is the same place). */
export function defaultWorkDir(output: string): string {
  return path.join(path.dirname(output), `.${path.basename(output)}.chromareel-work`);
}

/** Everything that changes the rendered frames; a job file with another fingerprint is not resumed. */
export function jobFingerprint(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export class JobStore {
  private constructor(
    readonly dir: string,
    private state: JobState,
  ) {}

  /** Opens the job in `dir` when its fingerprint matches, otherwise starts a fresh one there. */
  static async open(
    requestedDir: string,
    fresh: Omit<JobState, 'segments' | 'complete' | 'version'>,
  ): Promise<{ job: JobStore; resumed: boolean }> {
    // Never through a link: segments, and later deletions, stay in the folder that was asked for.
    makeDirNoFollow(requestedDir);
    const dir = await realpath(requestedDir);
    const existing = await readJob(dir);
    if (existing && existing.fingerprint === fresh.fingerprint && !existing.complete) {
      const usable = existing.segments.filter((segment) => existsSync(path.join(dir, segment.file)));
      // Keep only the unbroken prefix of finished segments; anything after a gap is redone.
      const prefix: SegmentRecord[] = [];
      for (const segment of usable.sort((a, b) => a.index - b.index)) {
        if (segment.index !== prefix.length) break;
        prefix.push(segment);
      }
      const job = new JobStore(dir, { ...existing, segments: prefix });
      return { job, resumed: prefix.length > 0 };
    }
    if (existing) await clearFolder(dir);
    const job = new JobStore(dir, { version: 1, ...fresh, segments: [], complete: false });
    await job.save();
    return { job, resumed: false };
  }

  get segments(): readonly SegmentRecord[] {
    return this.state.segments;
  }

  get segmentFrames(): number {
    return this.state.segmentFrames;
  }

  get startFrame(): number {
    return this.state.startFrame;
  }

  get endFrame(): number | null {
    return this.state.endFrame;
  }

  /** First frame not yet in a finished segment. */
  get nextFrame(): number {
    const last = this.state.segments.at(-1);
    return last ? last.startFrame + last.frameCount : this.state.startFrame;
  }

  pathOf(file: string): string {
    return path.join(this.dir, file);
  }

  async addSegment(segment: SegmentRecord): Promise<void> {
    this.state.segments.push(segment);
    await this.save();
  }

  async markComplete(): Promise<void> {
    this.state.complete = true;
    await this.save();
  }

  /** Deletes the job's own files, and the folder when nothing else is in it. */
  async remove(): Promise<void> {
    if (!isPlainDir(this.dir)) return;
    await removeJobFiles(this.dir);
    await rmdir(this.dir).catch(() => undefined);
  }

  private async save(): Promise<void> {
    if (!isPlainDir(this.dir)) {
      throw new EngineError(
        'output-unwritable',
        `The work folder ${this.dir} was replaced by a link or removed during the render; run the same command again.`,
      );
    }
    await writeFileAtomic(path.join(this.dir, JOB_FILE), JSON.stringify(this.state, null, 2));
  }
}

async function readJob(dir: string): Promise<JobState | null> {
  try {
    const parsed = jobSchema.safeParse(JSON.parse(await readFile(path.join(dir, JOB_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

// Only files the job itself writes are ever deleted, so a work folder the user pointed at an existing
// folder loses nothing else.
const JOB_OWNED = /^(job\.json|seg-\d+\.[a-z0-9]+|seg-\d+\.state|\..*\.(partial|tmp)-[0-9a-f]+(\.[a-z0-9]+)?)$/;

async function removeJobFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => JOB_OWNED.test(name)).map((name) => rm(path.join(dir, name), { force: true })));
}

async function clearFolder(dir: string): Promise<void> {
  await removeJobFiles(dir);
}
