// Fixture models for tests: written on demand by scripts/make-fixture-models.mjs (idempotent), plus a
// plain-JS reference of what they compute, so tests can check real inference against known weights.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher, type InferenceChild, type InferenceLauncher } from '../../electron/engine/model/launcher.js';
import { fixtureWeights, makeFixtureModels, type FixtureConv } from '../../scripts/make-fixture-models.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtureModelsDir = path.join(repoRoot, 'test/fixtures/generated/models');
/** The trained model, when the training work has produced it (CHROMAREEL_REAL_MODEL_DIR points elsewhere). */
export const realModelDir = process.env.CHROMAREEL_REAL_MODEL_DIR ?? path.join(repoRoot, 'native-models/fast');

export type FixtureModelId =
  'fixture-chroma' | 'fixture-rgb' | 'fixture-rgb-normalized' | 'fixture-bad-hash' | 'fixture-wrong-contract' | 'fixture-pins';

let made = false;

/** Writes the fixture models (once per test process; unchanged files are not rewritten). */
export function ensureFixtureModels(): string {
  if (!made) {
    makeFixtureModels(fixtureModelsDir);
    made = true;
  }
  return fixtureModelsDir;
}

export function fixtureModelDir(id: FixtureModelId): string {
  return path.join(ensureFixtureModels(), id);
}

export { fixtureWeights, type FixtureConv };

/** 3x3 convolution, zero padding 1, stride 1: input [n,inC,h,w] → output [n,outC,h,w]. */
export function conv3x3(input: Float32Array, n: number, h: number, w: number, conv: FixtureConv): Float32Array {
  const { inChannels, outChannels, weight, bias } = conv;
  const plane = h * w;
  const out = new Float32Array(n * outChannels * plane);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < outChannels; o++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let sum = bias[o];
          for (let c = 0; c < inChannels; c++) {
            for (let ky = 0; ky < 3; ky++) {
              const sy = y + ky - 1;
              if (sy < 0 || sy >= h) continue;
              for (let kx = 0; kx < 3; kx++) {
                const sx = x + kx - 1;
                if (sx < 0 || sx >= w) continue;
                sum += weight[((o * inChannels + c) * 3 + ky) * 3 + kx] * input[(i * inChannels + c) * plane + sy * w + sx];
              }
            }
          }
          out[(i * outChannels + o) * plane + y * w + x] = sum;
        }
      }
    }
  }
  return out;
}

/** Deterministic pseudo-random luma in [0,1] with some structure (a gradient plus noise). */
export function sampleLuma(n: number, h: number, w: number, seed = 1): Float32Array {
  const luma = new Float32Array(n * h * w);
  let state = seed >>> 0;
  for (let i = 0; i < luma.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const x = i % w;
    const y = Math.floor(i / w) % h;
    luma[i] = Math.min(1, Math.max(0, 0.6 * ((x + y) / (w + h)) + 0.4 * (state / 2 ** 32)));
  }
  return luma;
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The real fork launcher, remembering the inference processes it starts and which have ended. */
export function trackingLauncher() {
  const launch = forkLauncher();
  const children: { child: InferenceChild; exited: boolean }[] = [];
  const launcher: InferenceLauncher = () => {
    const entry = { child: launch(), exited: false };
    entry.child.onExit(() => (entry.exited = true));
    children.push(entry);
    return entry.child;
  };
  return {
    launcher,
    children,
    get launches() {
      return children.length;
    },
  };
}
