import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Turns off V8's incremental marking for this process. A render keeps a small JS heap (~10 MB) but
 * streams megabytes of frame buffers a frame; with incremental marking on, V8 restarted a marking
 * cycle every few frames (40 major GCs for 200 frames of 1080p, ~3.5 ms of the main thread a frame);
 * with it off, full collections run only when the heap has really grown (4 for the same render, each
 * a ~20 ms pause on so small a heap). Measured with `node --trace-gc`; see README, "Where the host's milliseconds go".
 */
export function preferAtomicMarking(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--no-incremental-marking');
}
