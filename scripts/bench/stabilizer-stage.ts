// CPU time of the chroma stabilizer stage alone, per frame, at the model's usual render size
// (336×192 is what the default render factor gives a 16:9 film). Runs the stage on the synthetic
// clip of the unit tests (static textured scene, moving square, hard cut, jittered "model" chroma),
// or on a colourized video (--video: its frames at the render size stand for the model's output):
// one pass to warm up the JIT, then timed passes. Speed belongs in benchmarks, not in tests.
//
//   npx tsx scripts/bench/stabilizer-stage.ts [--size 336x192] [--strength medium] [--video FILE] [--json]

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { StabilizeStrength } from '../../electron/common/types.js';
import { ChromaStabilizer } from '../../electron/engine/pipeline/stabilize.js';
import type { LowResChroma } from '../../electron/engine/pipeline/frames.js';
import { makeSyntheticClip } from '../../test/helpers/stabilize-scenes.js';
import { readRawFrames } from '../metrics/raw-video.js';

export interface StageCost {
  strength: StabilizeStrength;
  width: number;
  height: number;
  /** Frames timed (all passes together). */
  frames: number;
  /** CPU time (user + system) of this process per frame, ms. */
  msPerFrame: number;
  /** Wall-clock time per frame, ms. */
  wallMsPerFrame: number;
  /** The same for 'off' (scene-cut detection only), for reference. */
  offMsPerFrame: number;
}

function timeStage(strength: StabilizeStrength, frames: LowResChroma[], passes: number): { cpuMs: number; wallMs: number; frames: number } {
  const { width, height } = frames[0];
  const run = () => {
    const stabilizer = new ChromaStabilizer({ strength, width, height });
    for (const frame of frames) stabilizer.push(frame);
    stabilizer.flush();
  };
  run(); // warm-up
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let p = 0; p < passes; p++) run();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall, frames: passes * frames.length };
}

function costOf(strength: StabilizeStrength, frames: LowResChroma[], passes: number): StageCost {
  const on = timeStage(strength, frames, passes);
  const off = timeStage('off', frames, passes);
  return {
    strength,
    width: frames[0].width,
    height: frames[0].height,
    frames: on.frames,
    msPerFrame: on.cpuMs / on.frames,
    wallMsPerFrame: on.wallMs / on.frames,
    offMsPerFrame: off.cpuMs / off.frames,
  };
}

/** On the synthetic clip of the unit tests. */
export function measureStabilizerStage(
  options: { strength?: StabilizeStrength; width?: number; height?: number; passes?: number } = {},
): StageCost {
  const clip = makeSyntheticClip({
    width: options.width ?? 336,
    height: options.height ?? 192,
    shotAFrames: 60,
    shotBFrames: 30,
    squareSize: 28,
    squareSpeed: 4,
    seed: 3,
  });
  return costOf(
    options.strength ?? 'medium',
    clip.frames.map((f) => f.model),
    options.passes ?? 3,
  );
}

/**
 * On a colourized video's frames scaled to the render size (luma and Cb/Cr offsets as the model
 * gives them): real picture content and real model colours — the 'off' render of a film is exactly
 * what the stabilizer would have been fed, up to 8-bit rounding.
 */
export async function measureStabilizerStageOnVideo(
  file: string,
  options: { width: number; height: number; strength?: StabilizeStrength; maxFrames?: number; passes?: number },
): Promise<StageCost> {
  const { width, height } = options;
  const n = width * height;
  const frames: LowResChroma[] = [];
  for await (const raw of readRawFrames(file, {
    pixelFormat: 'yuv444p',
    size: { width, height },
    fullRange: true,
    maxFrames: options.maxFrames ?? 250,
  })) {
    const luma = new Float32Array(n);
    const cb = new Float32Array(n);
    const cr = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      luma[i] = raw[i] / 255;
      cb[i] = (raw[n + i] - 128) / 255;
      cr[i] = (raw[2 * n + i] - 128) / 255;
    }
    frames.push({ index: frames.length, width, height, luma, cb, cr });
  }
  if (frames.length === 0) throw new Error(`${file} has no frames to time the stabilizer on.`);
  return costOf(options.strength ?? 'medium', frames, options.passes ?? 2);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '336x192' },
      strength: { type: 'string', default: 'medium' },
      video: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [width, height] = values.size!.split('x').map(Number);
  const strength = values.strength as StabilizeStrength;
  const cost = values.video
    ? await measureStabilizerStageOnVideo(values.video, { width, height, strength })
    : measureStabilizerStage({ strength, width, height });
  if (values.json) console.log(JSON.stringify(cost, null, 2));
  else {
    console.log(
      `stabilizer stage, ${cost.width}×${cost.height}, ${cost.strength}: ${cost.msPerFrame.toFixed(2)} ms CPU per frame ` +
        `(wall ${cost.wallMsPerFrame.toFixed(2)} ms; 'off', scene cuts only: ${cost.offMsPerFrame.toFixed(2)} ms) over ${cost.frames} frames` +
        (values.video ? ` of ${values.video}` : ' (synthetic clip)'),
    );
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
