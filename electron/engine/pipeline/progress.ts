/** Frames done, recent throughput and ETA for progress events (a sliding window keeps fps current). */
export class ProgressMeter {
  private done: number;
  private readonly samples: { time: number; done: number }[] = [];
  private lastReport = 0;

  constructor(
    private readonly total: number,
    alreadyDone = 0,
    private readonly windowMs = 5000,
    private readonly reportEveryMs = 250,
  ) {
    this.done = alreadyDone;
    this.samples.push({ time: performance.now(), done: alreadyDone });
  }

  advance(frames: number): void {
    this.done += frames;
    const now = performance.now();
    this.samples.push({ time: now, done: this.done });
    while (this.samples.length > 2 && now - this.samples[0].time > this.windowMs) this.samples.shift();
  }

  shouldReport(): boolean {
    const now = performance.now();
    if (now - this.lastReport < this.reportEveryMs) return false;
    this.lastReport = now;
    return true;
  }

  finish(): void {
    this.done = Math.max(this.done, this.total);
  }

  snapshot(): { framesDone: number; framesTotal: number; fps: number; etaSec: number | null } {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.time - first.time) / 1000;
    const fps = seconds > 0 ? (last.done - first.done) / seconds : 0;
    const left = Math.max(0, this.total - this.done);
    return {
      framesDone: this.done,
      framesTotal: this.total,
      fps: Math.round(fps * 10) / 10,
      etaSec: fps > 0 ? Math.round(left / fps) : left === 0 ? 0 : null,
    };
  }
}
