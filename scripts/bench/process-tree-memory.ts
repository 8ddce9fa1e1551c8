import { readFileSync, readdirSync } from 'node:fs';

/**
 * Samples the resident memory of a process and all its descendants (Linux /proc), keeping the peak
 * of the tree's sum and of the host process alone.
 */
export class ProcessTreeMemory {
  peakTreeBytes = 0;
  peakHostBytes = 0;
  private timer: NodeJS.Timeout | null = null;

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

  private sample(): void {
    const children = childMap();
    let total = 0;
    const stack = [this.rootPid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      const rss = rssBytes(pid);
      if (pid === this.rootPid) this.peakHostBytes = Math.max(this.peakHostBytes, rss);
      total += rss;
      stack.push(...(children.get(pid) ?? []));
    }
    this.peakTreeBytes = Math.max(this.peakTreeBytes, total);
  }
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
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(parent) ?? [];
      list.push(Number(entry));
      map.set(parent, list);
    } catch {
      // the process ended while we looked
    }
  }
  return map;
}
