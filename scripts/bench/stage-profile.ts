// Runs the real CLI under `node --cpu-prof` and says where the host's milliseconds go, per frame and
// by stage (cpu-profile.ts holds the mapping), with the host's measured CPU time and the peak
// memory of its process tree. The render's stabilizer runs on a worker thread, which writes a
// profile of its own: its time is the stabilizer stage's, beside the main thread's stages.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  attributeProfile,
  attributeThreadProfile,
  bundleSourceResolver,
  perFrameCpuMs,
  profileThread,
  type CpuProfile,
  type Stage,
} from './cpu-profile.js';
import { cpuMs, ProcessTreeSampler } from './process-tree.js';

export interface StageProfile {
  frames: number;
  elapsedSec: number;
  /**
   * The host's CPU ms per frame by stage: the main thread's (sampled shares scaled to its measured
   * CPU), with the stabilizer thread's sampled busy time in `stabilizer`.
   */
  msPerFrame: Record<Stage, number>;
  /** The main thread alone, by stage (its `stabilizer` is ~0 while the stabilizer has its own thread). */
  mainThreadMsPerFrame: Record<Stage, number>;
  /**
   * The stabilizer's worker thread(s): busy ms per frame (0 when it ran in-process), sampled, at most
   * the busiest non-main thread's measured CPU.
   */
  stabilizerThreadMsPerFrame: number;
  /** All stages but startup and other (module loading, probing, muxing): the per-frame host work, all threads. */
  perFrameWorkMs: number;
  /** The same on the main thread alone: what caps a render's frame rate when the model is fast. */
  mainThreadWorkMs: number;
  /** Measured CPU of the host process per frame: its main thread, and all its threads (libuv, GC helpers). */
  hostMainThreadCpuMsPerFrame: number;
  hostAllThreadsCpuMsPerFrame: number;
  /** Measured CPU ÷ sampled busy time (below 1 where the thread waited for a core while busy). */
  sampleScale: number;
  peakTreeMiB: number;
}

export async function profileCli(repoRoot: string, input: string, extra: string[]): Promise<StageProfile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-prof-'));
  const output = path.join(dir, 'out.mp4');
  const child = spawn(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', dir, path.join(repoRoot, 'bin/chromareel.js'), 'colorize', input, '-o', output, '--json', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid!;
  const memory = new ProcessTreeSampler(pid).start(50);
  let mainCpu = 0;
  let allCpu = 0;
  /** CPU of each other thread (Linux names them all "node", so the stabilizer's is the busiest). */
  const otherCpu = new Map<string, number>();
  const cpuTimer = setInterval(() => {
    mainCpu = cpuMs(`/proc/${pid}/task/${pid}/stat`) ?? mainCpu;
    allCpu = cpuMs(`/proc/${pid}/stat`) ?? allCpu;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      // gone
    }
    for (const task of tasks) {
      if (task === String(pid)) continue;
      const ms = cpuMs(`/proc/${pid}/task/${task}/stat`);
      if (ms !== null) otherCpu.set(task, ms);
    }
  }, 50);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  clearInterval(cpuTimer);
  memory.stop();
  try {
    if (code !== 0) throw new Error(`CLI failed (${code}): ${stderr}`);
    const result = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((event) => event.type === 'result');
    // One profile per thread of the CLI's process: thread 0 is the main thread, the others workers.
    const files = (await readdir(dir)).filter((name) => profileThread(name)?.pid === pid);
    const mainFile = files.find((name) => profileThread(name)!.thread === 0);
    if (!mainFile) throw new Error('node --cpu-prof wrote no profile of the main thread');
    const load = async (name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as CpuProfile;
    const breakdown = attributeProfile(await load(mainFile), bundleSourceResolver(repoRoot));
    const frames = result.frames as number;
    const { scale, msPerFrame: mainThreadMsPerFrame } = perFrameCpuMs(breakdown, frames, mainCpu || null);
    let stabilizerThreadMs = 0;
    for (const name of files.filter((file) => file !== mainFile)) {
      stabilizerThreadMs += attributeThreadProfile(await load(name), 'stabilizer').busyMs;
    }
    // Sampled busy time counts waits for a core too: scaled to the busiest other thread's measured CPU.
    const busiestOther = Math.max(0, ...otherCpu.values());
    if (stabilizerThreadMs > busiestOther && busiestOther > 0) stabilizerThreadMs = busiestOther;
    const stabilizerThreadMsPerFrame = Math.round((stabilizerThreadMs / frames) * 100) / 100;
    const msPerFrame = {
      ...mainThreadMsPerFrame,
      stabilizer: Math.round((mainThreadMsPerFrame.stabilizer + stabilizerThreadMsPerFrame) * 100) / 100,
    };
    const workOf = (stages: Record<Stage, number>) =>
      Object.entries(stages).reduce((sum, [stage, ms]) => (stage === 'startupAndOther' ? sum : sum + ms), 0);
    const work = workOf(msPerFrame);
    return {
      frames,
      elapsedSec: Math.round(result.elapsedSec * 10) / 10,
      msPerFrame,
      mainThreadMsPerFrame,
      stabilizerThreadMsPerFrame,
      perFrameWorkMs: Math.round(work * 100) / 100,
      mainThreadWorkMs: Math.round(workOf(mainThreadMsPerFrame) * 100) / 100,
      hostMainThreadCpuMsPerFrame: Math.round((mainCpu / frames) * 100) / 100,
      hostAllThreadsCpuMsPerFrame: Math.round((allCpu / frames) * 100) / 100,
      sampleScale: scale,
      peakTreeMiB: Math.round(memory.peakTreeBytes / 1024 / 1024),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
