import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../common/types.js';
import { formatDuration } from './timecode.js';

/** The terminal progress bar (cli-progress), fed by the engine's progress events. */
export class TerminalProgress {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: ' {phase} |{bar}| {percentage}% | {value}/{total} frames | {speed} fps | ETA {etaText}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  private started = false;

  update(event: ProgressEvent): void {
    const payload = {
      phase: event.phase.padEnd(10),
      speed: event.fps.toFixed(1),
      etaText: event.etaSec === null ? '--:--' : formatDuration(event.etaSec),
    };
    if (!this.started) {
      if (event.framesTotal <= 0) return;
      this.bar.start(event.framesTotal, event.framesDone, payload);
      this.started = true;
      return;
    }
    this.bar.setTotal(Math.max(event.framesTotal, event.framesDone));
    this.bar.update(event.framesDone, payload);
  }

  /** Prints a line above the bar without tearing it. */
  log(line: string): void {
    if (this.started) {
      // cli-progress has no log(): clear the bar's line, print, and redraw it.
      process.stderr.write(`\r\x1b[K${line}\n`);
      this.bar.render();
    } else process.stderr.write(`${line}\n`);
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}
