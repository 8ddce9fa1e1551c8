// Runs the real CLI under `node --cpu-prof` and says where the host's milliseconds go, per frame and
// by stage (cpu-profile.ts holds the mapping), with the host's measured CPU time and the peak
// memory of its process tree.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attributeProfile, bundleSourceResolver, perFrameCpuMs, type CpuProfile, type Stage } from './cpu-profile.js';
import { ProcessTreeMemory } from './process-tree-memory.js';

export interface StageProfile {
  frames: number;
  elapsedSec: number;
  /** The host's main thread: CPU ms per frame by stage (sampled shares scaled to its measured CPU). */
  msPerFrame: Record<Stage, number>;
  /** All stages but startup and other (module loading, probing, muxing): the per-frame host work. */
  perFrameWorkMs: number;
  /** Measured CPU of the host process per frame: its main thread, and all its threads (libuv, GC helpers). */
  hostMainThreadCpuMsPerFrame: number;
  hostAllThreadsCpuMsPerFrame: number;
  /** Measured CPU ÷ sampled busy time (below 1 where the thread waited for a core while busy). */
  sampleScale: number;
  peakTreeMiB: number;
}

const TICK_MS = 1000 / 100; // USER_HZ: /proc times are in 1/100 s on Linux

/** utime+stime of a thread or process from /proc, in ms (null once it has gone). */
function cpuMs(statPath: string): number | null {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
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
  const memory = new ProcessTreeMemory(pid).start(50);
  let mainCpu = 0;
  let allCpu = 0;
  const cpuTimer = setInterval(() => {
    mainCpu = cpuMs(`/proc/${pid}/task/${pid}/stat`) ?? mainCpu;
    allCpu = cpuMs(`/proc/${pid}/stat`) ?? allCpu;
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
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('node --cpu-prof wrote no profile');
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const breakdown = attributeProfile(profile, bundleSourceResolver(repoRoot));
    const frames = result.frames as number;
    const { scale, msPerFrame } = perFrameCpuMs(breakdown, frames, mainCpu || null);
    const work = Object.entries(msPerFrame).reduce((sum, [stage, ms]) => (stage === 'startupAndOther' ? sum : sum + ms), 0);
    return {
      frames,
      elapsedSec: Math.round(result.elapsedSec * 10) / 10,
      msPerFrame,
      perFrameWorkMs: Math.round(work * 100) / 100,
      hostMainThreadCpuMsPerFrame: Math.round((mainCpu / frames) * 100) / 100,
      hostAllThreadsCpuMsPerFrame: Math.round((allCpu / frames) * 100) / 100,
      sampleScale: scale,
      peakTreeMiB: Math.round(memory.peakTreeBytes / 1024 / 1024),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
