import { describe, expect, it } from 'vitest';
import {
  ColourDistributionConsistency,
  MeanColourfulness,
  StaticChromaFlicker,
  chromaFrameToRgb,
  chromaFrameToYuv,
  colourfulness,
  jensenShannon,
  type RgbFrame,
  type YuvPlanes,
} from '../../electron/engine/metrics/index.js';

function solid(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): RgbFrame {
  const rgb = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgb.set(paint(x, y), 3 * (y * width + x));
  }
  return { width, height, rgb };
}

describe('Jensen–Shannon divergence', () => {
  it('is 0 for identical and ln 2 for disjoint histograms', () => {
    expect(jensenShannon([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(jensenShannon([1, 0, 0], [0, 0, 1])).toBeCloseTo(Math.LN2, 12);
  });

  it('matches scipy (entropy-based, natural log) on a known pair and normalizes counts', () => {
    // 0.5·KL(p‖m) + 0.5·KL(q‖m) for p = [1, 0], q = [½, ½]: scipy gives 0.21576155433883568.
    expect(jensenShannon([1, 0], [0.5, 0.5])).toBeCloseTo(0.21576155433883568, 12);
    expect(jensenShannon([10, 0], [3, 3])).toBeCloseTo(0.21576155433883568, 12);
    expect(jensenShannon([0.5, 0.5], [1, 0])).toBeCloseTo(jensenShannon([1, 0], [0.5, 0.5]), 15);
  });
});

describe('colour-distribution consistency (CDC)', () => {
  it('is 0 for a video whose colours never change', () => {
    const cdc = new ColourDistributionConsistency();
    const frame = solid(8, 6, (x, y) => [10 * x, 20 * y, 100]);
    for (let t = 0; t < 8; t++) cdc.push(frame);
    const result = cdc.result();
    expect(result.cdc).toBe(0);
    expect(result.perDilation.map((d) => d.pairs)).toEqual([7, 6, 4]);
  });

  it('weights dilations 1, 2 and 4 by a third each', () => {
    // Pure red and pure green alternate: R and G histograms are disjoint between neighbours
    // (ln 2 each), B is always 0 (no divergence). Frames 2 and 4 apart are identical.
    const red = solid(4, 4, () => [255, 0, 0]);
    const green = solid(4, 4, () => [0, 255, 0]);
    const cdc = new ColourDistributionConsistency();
    for (let t = 0; t < 9; t++) cdc.push(t % 2 ? green : red);
    const result = cdc.result();
    expect(result.perDilation[0].meanDivergence).toBeCloseTo((2 * Math.LN2) / 3, 12);
    expect(result.perDilation[1].meanDivergence).toBe(0);
    expect(result.perDilation[2].meanDivergence).toBe(0);
    expect(result.cdc).toBeCloseTo((2 * Math.LN2) / 9, 12);
  });

  it('has no value for a video shorter than the largest dilation', () => {
    const cdc = new ColourDistributionConsistency();
    for (let t = 0; t < 4; t++) cdc.push(solid(2, 2, () => [t, t, t]));
    expect(cdc.result().cdc).toBeNull();
  });
});

describe('colourfulness (CF, DDColor / Hasler–Süsstrunk)', () => {
  it('matches hand-computed values', () => {
    // Uniform (200, 100, 50): rg = 100, yb = 100, no spread → 0.3·√(100² + 100²).
    expect(colourfulness(solid(4, 4, () => [200, 100, 50]))).toBeCloseTo(0.3 * Math.hypot(100, 100), 10);
    // Half pure red, half pure blue; numpy gives 211.50550170886038 (DDColor's |·|) and
    // 272.61869388051275 (the paper's signed form).
    const split = solid(4, 4, (x) => (x < 2 ? [255, 0, 0] : [0, 0, 255]));
    expect(colourfulness(split)).toBeCloseTo(211.50550170886038, 9);
    expect(colourfulness(split, { absolute: false })).toBeCloseTo(272.61869388051275, 9);
  });

  it('is 0 for grey and averages over frames', () => {
    expect(colourfulness(solid(3, 3, (x, y) => [40 * x + y, 40 * x + y, 40 * x + y]))).toBe(0);
    const mean = new MeanColourfulness();
    mean.push(solid(2, 2, () => [90, 90, 90]));
    mean.push(solid(2, 2, () => [200, 100, 50]));
    expect(mean.result().cf).toBeCloseTo((0.3 * Math.hypot(100, 100)) / 2, 10);
    expect(mean.result().frames).toBe(2);
    expect(new MeanColourfulness().result().cf).toBeNull();
  });
});

describe('static-region chroma flicker', () => {
  /** 8×8 luma, 4×4 chroma (yuv420p). Chroma swings ±3 levels everywhere; the top-left quarter moves. */
  function frame(t: number, movingLuma: boolean): YuvPlanes {
    const y = new Uint8Array(64).fill(100);
    const u = new Uint8Array(16).fill(t % 2 ? 131 : 125);
    const v = new Uint8Array(16).fill(t % 2 ? 125 : 131);
    for (let row = 0; row < 4; row++) {
      for (let col = 0; col < 4; col++) if (movingLuma) y[row * 8 + col] = t % 2 ? 30 : 200;
    }
    for (let row = 0; row < 2; row++) {
      for (let col = 0; col < 2; col++) if (movingLuma) u[row * 4 + col] = t % 2 ? 40 : 220;
    }
    return { width: 8, height: 8, chromaWidth: 4, chromaHeight: 4, y, u, v };
  }

  it('measures the mean chroma change where luma is still and ignores moving areas', () => {
    const meter = new StaticChromaFlicker();
    for (let t = 0; t < 5; t++) meter.push(frame(t, true));
    const result = meter.result();
    expect(result.flicker).toBe(6);
    expect(result.staticFraction).toBe(12 / 16);
    expect(result.pairs).toBe(4);
  });

  it('counts a luma change of 2 levels as movement, 1 level as still', () => {
    const still = new StaticChromaFlicker();
    const moving = new StaticChromaFlicker();
    for (let t = 0; t < 3; t++) {
      const a = frame(t, false);
      const b = frame(t, false);
      a.y = a.y.map((v) => v + (t % 2));
      b.y = b.y.map((v) => v + 2 * (t % 2));
      still.push(a);
      moving.push(b);
    }
    expect(still.result().flicker).toBe(6);
    expect(moving.result().flicker).toBeNull();
    expect(moving.result().staticFraction).toBe(0);
  });

  it('reads float planes from the pipeline as well as 8-bit ones', () => {
    const meter = new StaticChromaFlicker();
    for (let t = 0; t < 3; t++) {
      const n = 16 * 16;
      const luma = new Float32Array(n).fill(0.5);
      const cb = new Float32Array(n).fill(t % 2 ? 0.01 : -0.01);
      const cr = new Float32Array(n).fill(0);
      meter.push(chromaFrameToYuv({ width: 16, height: 16, luma, cb, cr }));
    }
    expect(meter.result().flicker).toBeCloseTo((255 * 0.02) / 2, 4);
  });
});

describe('pipeline frame conversion', () => {
  it('turns zero chroma into grey and known chroma into the JFIF colours', () => {
    const grey = chromaFrameToRgb({
      width: 2,
      height: 1,
      luma: Float32Array.of(0.2, 0.8),
      cb: new Float32Array(2),
      cr: new Float32Array(2),
    });
    expect(Array.from(grey.rgb)).toEqual([51, 51, 51, 204, 204, 204]);
    // Pure red in JFIF: Y = 76.245, Cb = −43.0, Cr = 127.5 (offsets from 128) → (255, 0, 0).
    const red = chromaFrameToRgb({
      width: 1,
      height: 1,
      luma: Float32Array.of(76.245 / 255),
      cb: Float32Array.of(-43.0 / 255),
      cr: Float32Array.of(127.5 / 255),
    });
    expect(Array.from(red.rgb)).toEqual([255, 0, 0]);
  });
});
