import { readFileSync, readdirSync } from 'node:fs';

/** What each process in a render's tree is, by its command line. */
export type ProcessRole = 'host' | 'inference' | 'encoding ffmpeg' | 'decoding ffmpeg' | 'other ffmpeg' | 'ffprobe' | 'other';

/**
 * Samples a process and all its descendants (Linux /proc): the peak resident memory of the tree's
 * sum and of the host process alone, and the CPU time each process had used when last seen, summed
 * by role (a process that ends between two samples loses at most one interval).
 */
export class ProcessTreeSampler {
  peakTreeBytes = 0;
  peakHostBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly seen = new Map<number, { role: ProcessRole; cpuMs: number }>();

  constructor(private readonly rootPid: number) {}

  start(intervalMs = 100): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** CPU ms by role, as last seen. */
  cpuMsByRole(): Partial<Record<ProcessRole, number>> {
    const byRole: Partial<Record<ProcessRole, number>> = {};
    for (const { role, cpuMs } of this.seen.values()) byRole[role] = (byRole[role] ?? 0) + cpuMs;
    return byRole;
  }

  private sample(): void {
    const children = childMap();
    let total = 0;
    const stack = [this.rootPid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      const rss = rssBytes(pid);
      if (pid === this.rootPid) this.peakHostBytes = Math.max(this.peakHostBytes, rss);
      total += rss;
      const cpu = cpuMs(`/proc/${pid}/stat`);
      if (cpu !== null) {
        const role = this.seen.get(pid)?.role ?? roleOf(pid, pid === this.rootPid);
        this.seen.set(pid, { role, cpuMs: cpu });
      }
      stack.push(...(children.get(pid) ?? []));
    }
    this.peakTreeBytes = Math.max(this.peakTreeBytes, total);
  }
}

function roleOf(pid: number, root: boolean): ProcessRole {
  if (root) return 'host';
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return 'other';
  }
  const program = args[0] ?? '';
  if (program.includes('ffprobe')) return 'ffprobe';
  if (program.includes('ffmpeg')) {
    // The segment encoder reads the frames on pipe:0; the decoder writes raw frames for the host.
    if (args.includes('pipe:0')) return 'encoding ffmpeg';
    if (args.includes('-listen') || (args.includes('rawvideo') && !args.includes('-frames:v'))) return 'decoding ffmpeg';
    return 'other ffmpeg';
  }
  if (args.some((arg) => arg.includes('inference-process'))) return 'inference';
  return 'other';
}

const TICK_MS = 1000 / 100; // USER_HZ: /proc times are in 1/100 s on Linux

/**
 * The fields of a /proc stat file after the command name, from the state (field 3) on; the name may
 * hold spaces and parentheses. Null once the thread or process has gone.
 */
function statFields(statPath: string): string[] | null {
  try {
    const stat = readFileSync(statPath, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime+stime of a thread or process from /proc, in ms (null once it has gone). */
export function cpuMs(statPath: string): number | null {
  const fields = statFields(statPath);
  return fields && (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * CPU ms used so far by this process's finished children and their waited-for descendants (cutime
 * + cstime): the difference around a child's life is what its whole tree used, load or not.
 */
export function childrenCpuMs(): number {
  const fields = statFields('/proc/self/stat')!;
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(`/proc/${entry}/stat`);
    if (!fields) continue; // the process ended while we looked
    const parent = Number(fields[1]);
    const list = map.get(parent) ?? [];
    list.push(Number(entry));
    map.set(parent, list);
  }
  return map;
}
