// Measures colourization quality metrics of one or more videos and prints them side by side:
//   static-region chroma flicker (8-bit levels; lower is steadier),
//   CDC, TCVC's colour-distribution consistency (lower is steadier),
//   CF, colourfulness as DDColor computes it (higher is more colourful).
//
//   npx tsx scripts/metrics/compare.ts a.mp4 b.mp4 [--json] [--max-frames N] [--luma-from source.mp4]
//
// By default the flicker mask ("luma still") comes from each video's own Y plane. With
// --luma-from it comes from the source the videos were colourized from (the definition:
// "where the source luma changed by less than 2 levels"), so encoder noise in an output's luma
// does not move the mask and every output is measured on the same pixels.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { EngineError, isEngineError } from '../../electron/engine/errors.js';
import { ColourDistributionConsistency, MeanColourfulness, StaticChromaFlicker } from '../../electron/engine/metrics/index.js';
import { probeVideoSize, readRawFrames } from './raw-video.js';

export interface VideoMetrics {
  path: string;
  width: number;
  height: number;
  frames: number;
  /** Mean |ΔCb|,|ΔCr| where luma is still, 8-bit levels; null when nothing was still. */
  flicker: number | null;
  /** Share of chroma samples that counted as still. */
  staticFraction: number;
  cdc: number | null;
  colourfulness: number | null;
}

export interface MeasureOptions {
  maxFrames?: number;
  /** Take the flicker mask's luma from this video (scaled to the measured video's size). */
  lumaFrom?: string;
  signal?: AbortSignal;
}

export async function measureVideo(path: string, options: MeasureOptions = {}): Promise<VideoMetrics> {
  const size = await probeVideoSize(path, options.signal);
  const { width, height } = size;
  const chromaWidth = Math.ceil(width / 2);
  const chromaHeight = Math.ceil(height / 2);
  const lumaBytes = width * height;
  const chromaBytes = chromaWidth * chromaHeight;

  // Flicker reads the stream's own Y/Cb/Cr; CDC and CF read RGB as ffmpeg converts it.
  const flicker = new StaticChromaFlicker();
  const sourceLuma = options.lumaFrom
    ? readRawFrames(options.lumaFrom, { pixelFormat: 'gray', size, maxFrames: options.maxFrames, signal: options.signal })[
        Symbol.asyncIterator
      ]()
    : null;
  try {
    for await (const raw of readRawFrames(path, { pixelFormat: 'yuv420p', size, maxFrames: options.maxFrames, signal: options.signal })) {
      let y = raw.subarray(0, lumaBytes);
      if (sourceLuma) {
        const next = await sourceLuma.next();
        if (next.done)
          throw new EngineError(
            'bad-option',
            `${options.lumaFrom} has fewer frames than ${path}; the luma source must be the video it was made from.`,
          );
        y = next.value;
      }
      flicker.push({
        width,
        height,
        chromaWidth,
        chromaHeight,
        y,
        u: raw.subarray(lumaBytes, lumaBytes + chromaBytes),
        v: raw.subarray(lumaBytes + chromaBytes, lumaBytes + 2 * chromaBytes),
      });
    }
  } finally {
    await sourceLuma?.return?.(undefined);
  }
  const cdc = new ColourDistributionConsistency();
  const colourfulness = new MeanColourfulness();
  for await (const rgb of readRawFrames(path, { pixelFormat: 'rgb24', size, maxFrames: options.maxFrames, signal: options.signal })) {
    const frame = { width, height, rgb };
    cdc.push(frame);
    colourfulness.push(frame);
  }
  const flickerResult = flicker.result();
  const cf = colourfulness.result();
  return {
    path,
    width,
    height,
    frames: cf.frames,
    flicker: flickerResult.flicker,
    staticFraction: flickerResult.staticFraction,
    cdc: cdc.result().cdc,
    colourfulness: cf.cf,
  };
}

function format(value: number | null, digits: number): string {
  return value === null ? '—' : value.toFixed(digits);
}

function ratio(value: number | null, reference: number | null): string {
  return value === null || reference === null || reference === 0 ? '' : ` (${(value / reference).toFixed(2)}×)`;
}

export function formatTable(results: VideoMetrics[]): string {
  const reference = results[0];
  const lines = [['video', 'frames', 'flicker', 'still %', 'CDC', 'CF']];
  for (const r of results) {
    const first = r === reference;
    lines.push([
      r.path,
      String(r.frames),
      format(r.flicker, 3) + (first ? '' : ratio(r.flicker, reference.flicker)),
      (100 * r.staticFraction).toFixed(1),
      format(r.cdc, 5) + (first ? '' : ratio(r.cdc, reference.cdc)),
      format(r.colourfulness, 2) + (first ? '' : ratio(r.colourfulness, reference.colourfulness)),
    ]);
  }
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const body = lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  return [
    ...body,
    '',
    'flicker: mean chroma change where luma is still (8-bit levels, lower is steadier); CDC: colour-distribution',
    'consistency (TCVC, lower is steadier); CF: colourfulness (DDColor). Ratios are against the first video.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'max-frames': { type: 'string' },
      'luma-from': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log('usage: npx tsx scripts/metrics/compare.ts <video>... [--json] [--max-frames N] [--luma-from SOURCE]');
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const maxFrames = values['max-frames'] === undefined ? undefined : Number(values['max-frames']);
  if (maxFrames !== undefined && (!Number.isInteger(maxFrames) || maxFrames < 1)) {
    console.error('--max-frames must be a positive whole number.');
    return 2;
  }
  const results: VideoMetrics[] = [];
  for (const path of positionals) results.push(await measureVideo(path, { maxFrames, lumaFrom: values['luma-from'] }));
  console.log(values.json ? JSON.stringify(results, null, 2) : formatTable(results));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(isEngineError(error) ? error.message : error);
      if (isEngineError(error) && error.detail) console.error(error.detail);
      process.exit(1);
    },
  );
}
