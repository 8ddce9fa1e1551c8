// CPU time of the chroma stabilizer stage alone, per frame, at the model's usual render size
// (336×192 is what the default render factor gives a 16:9 film). Runs the stage on the synthetic
// clip of the unit tests (static textured scene, moving square, hard cut, jittered "model" chroma):
// one pass to warm up the JIT, then timed passes. Speed belongs in benchmarks, not in tests.
//
//   npx tsx scripts/bench/stabilizer-stage.ts [--size 336x192] [--strength medium] [--json]

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { StabilizeStrength } from '../../electron/engine/types.js';
import { ChromaStabilizer } from '../../electron/engine/pipeline/stabilize.js';
import { makeSyntheticClip } from '../../test/helpers/stabilize-scenes.js';

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

function timeStage(strength: StabilizeStrength, clip: ReturnType<typeof makeSyntheticClip>, passes: number): { cpuMs: number; wallMs: number; frames: number } {
  const run = () => {
    const stabilizer = new ChromaStabilizer({ strength, width: clip.width, height: clip.height });
    for (const { model } of clip.frames) stabilizer.push(model);
    stabilizer.flush();
  };
  run(); // warm-up
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let p = 0; p < passes; p++) run();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall, frames: passes * clip.frames.length };
}

export function measureStabilizerStage(options: { strength?: StabilizeStrength; width?: number; height?: number; passes?: number } = {}): StageCost {
  const strength = options.strength ?? 'medium';
  const width = options.width ?? 336;
  const height = options.height ?? 192;
  const clip = makeSyntheticClip({ width, height, shotAFrames: 60, shotBFrames: 30, squareSize: 28, squareSpeed: 4, seed: 3 });
  const passes = options.passes ?? 3;
  const on = timeStage(strength, clip, passes);
  const off = timeStage('off', clip, passes);
  return {
    strength,
    width,
    height,
    frames: on.frames,
    msPerFrame: on.cpuMs / on.frames,
    wallMsPerFrame: on.wallMs / on.frames,
    offMsPerFrame: off.cpuMs / off.frames,
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '336x192' },
      strength: { type: 'string', default: 'medium' },
      json: { type: 'boolean', default: false },
    },
  });
  const [width, height] = values.size!.split('x').map(Number);
  const cost = measureStabilizerStage({ strength: values.strength as StabilizeStrength, width, height });
  if (values.json) console.log(JSON.stringify(cost, null, 2));
  else {
    console.log(
      `stabilizer stage, ${cost.width}×${cost.height}, ${cost.strength}: ${cost.msPerFrame.toFixed(2)} ms CPU per frame ` +
        `(wall ${cost.wallMsPerFrame.toFixed(2)} ms; 'off', scene cuts only: ${cost.offMsPerFrame.toFixed(2)} ms) over ${cost.frames} frames`,
    );
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
