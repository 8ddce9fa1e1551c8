// Real inference of the fixture models through the forked inference process, checked against the
// same arithmetic done here in plain JS from the fixtures' known weights.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rgbToCbCr } from '../../electron/engine/model/contracts.js';
import { startInference, type InferenceSession } from '../../electron/engine/model/inference-client.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import { quantizeChroma } from '../../electron/engine/pipeline/chroma-merge.js';
import type { NoticeEvent } from '../../electron/common/types.js';
import { conv3x3, ensureFixtureModels, fixtureModelDir, fixtureWeights, maxAbsDiff, sampleLuma } from '../helpers/models.js';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const TOLERANCE = 1e-4;

function expectedChromaModel(luma: Float32Array, n: number, h: number, w: number) {
  const out = conv3x3(luma, n, h, w, fixtureWeights().chroma);
  const plane = h * w;
  const cb = new Float32Array(n * plane);
  const cr = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < plane; p++) {
      cb[i * plane + p] = 0.5 * Math.tanh(out[i * 2 * plane + p]);
      cr[i * plane + p] = 0.5 * Math.tanh(out[(i * 2 + 1) * plane + p]);
    }
  }
  return { cb, cr };
}

function expectedRgbModel(luma: Float32Array, n: number, h: number, w: number, normalizedOutput: boolean) {
  const plane = h * w;
  const input = new Float32Array(n * 3 * plane);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) input[(i * 3 + c) * plane + p] = (luma[i * plane + p] - IMAGENET.mean[c]) / IMAGENET.std[c];
    }
  }
  const weights = fixtureWeights();
  const out = conv3x3(input, n, h, w, normalizedOutput ? weights.rgbNormalized : weights.rgb);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const cb = new Float32Array(n * plane);
  const cr = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < plane; p++) {
      const rgb = [0, 1, 2].map((c) => {
        const v = out[(i * 3 + c) * plane + p];
        return clamp(normalizedOutput ? v * IMAGENET.std[c] + IMAGENET.mean[c] : 1 / (1 + Math.exp(-v)));
      });
      [cb[i * plane + p], cr[i * plane + p]] = rgbToCbCr(rgb[0], rgb[1], rgb[2]);
    }
  }
  return { cb, cr };
}

function spread(values: Float32Array): number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return max - min;
}

let session: InferenceSession | undefined;

beforeAll(() => {
  ensureFixtureModels();
});

afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe('inference through the forked process', () => {
  it('runs a chroma model and returns the Cb/Cr its weights give', async () => {
    const notices: NoticeEvent[] = [];
    session = await startInference({
      manifest: loadManifest(fixtureModelDir('fixture-chroma')),
      device: 'cpu',
      threads: 1,
      onNotice: (n) => notices.push(n),
    });
    expect(session.provider).toBe('cpu');
    expect(session.alive).toBe(true);
    expect(notices.filter((n) => n.level === 'warning')).toEqual([]);

    const [n, h, w] = [2, 16, 24];
    const luma = sampleLuma(n, h, w, 7);
    const { cb, cr } = await session.infer(luma, n, h, w);
    const expected = expectedChromaModel(luma, n, h, w);
    expect(cb).toBeInstanceOf(Float32Array);
    expect(cb.length).toBe(n * h * w);
    expect(cr.length).toBe(n * h * w);
    expect(maxAbsDiff(cb, expected.cb)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(cr, expected.cr)).toBeLessThan(TOLERANCE);
    // Real, input-dependent chroma: neither plane is flat.
    expect(spread(cb)).toBeGreaterThan(0.05);
    expect(spread(cr)).toBeGreaterThan(0.05);
  });

  it('answers concurrent batches each with its own result', async () => {
    session = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-chroma')), device: 'cpu', threads: 1 });
    const inputs = [1, 2, 3, 4].map((seed) => sampleLuma(1, 8, 16, seed));
    const results = await Promise.all(inputs.map((luma) => session!.infer(luma, 1, 8, 16)));
    results.forEach((result, i) => {
      expect(maxAbsDiff(result.cb, expectedChromaModel(inputs[i], 1, 8, 16).cb)).toBeLessThan(TOLERANCE);
    });
    expect(maxAbsDiff(results[0].cb, results[1].cb)).toBeGreaterThan(0.01);
  });

  it('runs an rgb-01 model (grey replicated, ImageNet-normalized) and converts its RGB to BT.601 chroma', async () => {
    session = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-rgb')), device: 'cpu', threads: 1 });
    const [n, h, w] = [1, 16, 16];
    const luma = sampleLuma(n, h, w, 11);
    const { cb, cr } = await session.infer(luma, n, h, w);
    const expected = expectedRgbModel(luma, n, h, w, false);
    expect(maxAbsDiff(cb, expected.cb)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(cr, expected.cr)).toBeLessThan(TOLERANCE);
    expect(spread(cb) + spread(cr)).toBeGreaterThan(0.02);
  });

  it('denormalizes an rgb-normalized model output before taking its chroma', async () => {
    session = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-rgb-normalized')), device: 'cpu', threads: 1 });
    const [n, h, w] = [2, 8, 8];
    const luma = sampleLuma(n, h, w, 5);
    const { cb, cr } = await session.infer(luma, n, h, w);
    const expected = expectedRgbModel(luma, n, h, w, true);
    expect(maxAbsDiff(cb, expected.cb)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(cr, expected.cr)).toBeLessThan(TOLERANCE);
    expect(spread(cb) + spread(cr)).toBeGreaterThan(0.02);
  });

  it('quantizes in the process exactly as the host would quantize the float planes', async () => {
    session = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-chroma')), device: 'cpu', threads: 1 });
    const [n, h, w] = [1, 16, 24];
    const luma = sampleLuma(n, h, w, 13);
    const { cb, cr } = await session.infer(luma, n, h, w);
    for (const [range, saturation] of [
      ['tv', 1],
      ['pc', 1],
      ['tv', 1.7],
      ['pc', 0.35],
      ['tv', 0],
    ] as const) {
      const codes = await session.inferQuantized(luma, n, h, w, { range, saturation });
      expect(codes).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(codes).equals(Buffer.from(quantizeChroma(cb, cr, range, saturation)))).toBe(true);
    }
    // Saturation that clips: the codes still match (clamped the same way).
    expect(new Set(await session.inferQuantized(luma, n, h, w, { range: 'pc', saturation: 9 })).has(255)).toBe(true);
  });

  it('refuses a malformed quantize request before it reaches the process', async () => {
    session = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-chroma')), device: 'cpu', threads: 1 });
    const luma = sampleLuma(1, 8, 8, 1);
    expect(() => session!.inferQuantized(luma, 1, 8, 8, { range: 'full' as 'pc', saturation: 1 })).toThrow(RangeError);
    expect(() => session!.inferQuantized(luma, 1, 8, 8, { range: 'tv', saturation: Number.NaN })).toThrow(RangeError);
    expect(() => session!.inferQuantized(new Float32Array(10), 1, 8, 8, { range: 'tv', saturation: 1 })).toThrow(RangeError);
  });

  it('refuses batches of the wrong shape before they reach the process', async () => {
    session = await startInference({ manifest: loadManifest(fixtureModelDir('fixture-chroma')), device: 'cpu', threads: 1 });
    expect(() => session!.infer(new Float32Array(10), 1, 8, 8)).toThrow(RangeError);
    expect(() => session!.infer(new Float32Array(12 * 12), 1, 12, 12)).toThrow(/multiple of the model's sizeMultiple 8/);
  });
});
