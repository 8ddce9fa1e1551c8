// The shots of a whole film, found ahead of any render: the film decoded small (about the working grid
// the stabilizer and the pin tracker detect cuts on) and fed through the same scene-cut detector with
// the same tuning. The app groups colour pins by shot with it and marks the cuts on the timeline.
import path from 'node:path';
import { COLORIZE_DEFAULTS } from '../../common/options.js';
import type { MediaInfo, SceneCutOptions, SceneCutScan } from '../../common/types.js';
import { throwIfAborted } from '../errors.js';
import { decodeLuma, lumaRangeOf } from '../media/decode.js';
import { FILM_CACHE_SIZE, fileStamp } from '../probe-cache.js';
import { SceneCutDetector } from './scene-cuts.js';
import { STABILIZE_TUNING } from './stabilize.js';

/** Pixels of the scanned frames (about the stabilizer's working grid at the default render size). */
const SCAN_PIXELS = 128 * 72;
/** Least time between two progress reports, in ms. */
const REPORT_MS = 500;

/** The scan size for a film: its aspect kept, even sides, about SCAN_PIXELS pixels, never larger than the film. */
export function scanSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, Math.sqrt(SCAN_PIXELS / (width * height)));
  const even = (value: number) => Math.max(2, 2 * Math.round((value * scale) / 2));
  return { width: Math.min(width, even(width)), height: Math.min(height, even(height)) };
}

/**
 * Scans the film for hard cuts; yields the cuts found so far (frame numbers: the first frame of each
 * new shot) about twice a second, and a last report with done: true.
 */
async function* scanSceneCuts(
  info: MediaInfo,
  options: { deinterlace?: boolean; signal?: AbortSignal; now?: () => number } = {},
): AsyncGenerator<SceneCutScan> {
  const now = options.now ?? Date.now;
  const total = info.video.frameCount;
  const size = scanSize(info.video.outputWidth, info.video.outputHeight);
  const detector = new SceneCutDetector(STABILIZE_TUNING.sceneCuts);
  const cuts: number[] = [];
  const tv = lumaRangeOf(info) === 'tv';
  const luma = new Float32Array(size.width * size.height);
  let done = 0;
  let lastReport = now();
  for await (const frame of decodeLuma(info, {
    startFrame: 0,
    deinterlace: options.deinterlace ?? COLORIZE_DEFAULTS.deinterlace,
    signal: options.signal,
    scaleTo: size,
  })) {
    const y = frame.y;
    for (let i = 0; i < luma.length; i++) luma[i] = tv ? Math.min(1, Math.max(0, (y[i] - 16) / 219)) : y[i] / 255;
    if (detector.push(luma, size.width, size.height)) cuts.push(frame.index);
    done = frame.index + 1;
    if (now() - lastReport >= REPORT_MS) {
      lastReport = now();
      yield { cuts: cuts.slice(), framesDone: done, framesTotal: total, done: false };
    }
  }
  yield { cuts, framesDone: Math.max(done, 0), framesTotal: total, done: true };
}

/** Scene-cut scans that remember finished scans by path and file stamp (the newest FILM_CACHE_SIZE). */
export function createSceneCutScans(probe: (input: string, signal?: AbortSignal) => Promise<MediaInfo>) {
  const scans = new Map<string, { stamp: string; scan: SceneCutScan }>();
  return async function* sceneCuts(options: SceneCutOptions, signal?: AbortSignal): AsyncGenerator<SceneCutScan> {
    throwIfAborted(signal);
    const file = path.resolve(options.input);
    const key = `${file}|${options.deinterlace ?? COLORIZE_DEFAULTS.deinterlace}`;
    const stamp = await fileStamp(file);
    const known = scans.get(key);
    if (known && stamp !== null && known.stamp === stamp) {
      yield structuredClone(known.scan);
      return;
    }
    const info = await probe(options.input, signal);
    for await (const report of scanSceneCuts(info, { deinterlace: options.deinterlace, signal })) {
      if (report.done && stamp !== null) {
        scans.delete(key);
        scans.set(key, { stamp, scan: structuredClone(report) });
        while (scans.size > FILM_CACHE_SIZE) scans.delete(scans.keys().next().value!);
      }
      yield report;
    }
  };
}
