// Synthetic clips for the stabilizer tests, generated on the fly (deterministic, seeded):
// shot A, a static textured scene crossed by a bright square moving right; a hard cut; shot B, a
// different, brighter static texture in other colours. Each frame carries the ground-truth chroma and a
// "model" chroma: the truth with per-frame hue jitter (global and low-frequency regional),
// saturation jitter and pixel noise, as an independent per-frame colourizer would produce.

import type { LowResChroma } from '../../electron/engine/pipeline/frames.js';
import type { YuvPlanes } from '../../electron/engine/metrics/types.js';
import { chromaFrameToYuv } from '../../electron/engine/metrics/convert.js';
import { gaussian, mulberry32 } from '../../scripts/seeded-random.mjs';

export { mulberry32 };

export interface SceneOptions {
  width?: number;
  height?: number;
  shotAFrames?: number;
  shotBFrames?: number;
  squareSize?: number;
  /** Pixels per frame the square moves right. */
  squareSpeed?: number;
  /** Standard deviation of the per-frame global hue rotation, radians. */
  hueJitter?: number;
  /** Draw the square (default true); the model's jitter is the same either way. */
  withSquare?: boolean;
  /** A model that returns the true chroma exactly (isolates what the stabilizer itself does). */
  perfectModel?: boolean;
  seed?: number;
}

export interface SyntheticFrame {
  model: LowResChroma;
  truthCb: Float32Array;
  truthCr: Float32Array;
  /** 1 where the square covers the pixel. */
  square: Uint8Array;
  shot: 'A' | 'B';
}

export interface SyntheticClip {
  width: number;
  height: number;
  cutAt: number;
  frames: SyntheticFrame[];
  squareCb: number;
  squareCr: number;
  squareRect: (frame: number) => { x: number; y: number; size: number } | null;
}

/** Smooth value noise in [0,1] on a lattice of the given cell size. */
export function valueNoise(width: number, height: number, cell: number, random: () => number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const lattice = new Float32Array(gw * gh).map(() => random());
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const ty = gy - y0;
    const sy = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const tx = gx - x0;
      const sx = tx * tx * (3 - 2 * tx);
      const a = lattice[y0 * gw + x0];
      const b = lattice[y0 * gw + x0 + 1];
      const c = lattice[(y0 + 1) * gw + x0];
      const d = lattice[(y0 + 1) * gw + x0 + 1];
      out[y * width + x] = a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
    }
  }
  return out;
}

interface Shot {
  luma: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

function makeShot(
  width: number,
  height: number,
  random: () => number,
  palette: [number, number][],
  tone: { base: number; coarse: number; fine: number },
): Shot {
  const coarse = valueNoise(width, height, 24, random);
  const fine = valueNoise(width, height, 5, random);
  const region = valueNoise(width, height, 40, random);
  const n = width * height;
  const luma = new Float32Array(n);
  const cb = new Float32Array(n);
  const cr = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    luma[i] = tone.base + tone.coarse * coarse[i] + tone.fine * fine[i];
    // Regions of different colour, blended smoothly between palette entries.
    const t = region[i] * (palette.length - 1);
    const k = Math.min(palette.length - 2, Math.floor(t));
    const f = t - k;
    cb[i] = palette[k][0] * (1 - f) + palette[k + 1][0] * f;
    cr[i] = palette[k][1] * (1 - f) + palette[k + 1][1] * f;
  }
  return { luma, cb, cr };
}

export function makeSyntheticClip(options: SceneOptions = {}): SyntheticClip {
  const width = options.width ?? 160;
  const height = options.height ?? 96;
  const shotAFrames = options.shotAFrames ?? 30;
  const shotBFrames = options.shotBFrames ?? 20;
  const size = options.squareSize ?? 14;
  const speed = options.squareSpeed ?? 3;
  const hueJitter = options.hueJitter ?? 0.35;
  const random = mulberry32(options.seed ?? 7);
  const n = width * height;

  // Shot A warm (reds, oranges, yellow-greens), mid-tones; shot B cool (blues, cyans), brighter.
  const shotA = makeShot(
    width,
    height,
    random,
    [
      [-0.1, 0.16],
      [-0.14, 0.06],
      [-0.06, -0.04],
    ],
    { base: 0.15, coarse: 0.35, fine: 0.3 },
  );
  const shotB = makeShot(
    width,
    height,
    random,
    [
      [0.16, -0.06],
      [0.1, -0.14],
      [0.04, -0.1],
    ],
    { base: 0.3, coarse: 0.4, fine: 0.2 },
  );
  const squareCb = -0.12;
  const squareCr = 0.22;
  const squareY = Math.floor(height / 2 - size / 2);
  const withSquare = options.withSquare ?? true;
  const squareRect = (frame: number) => (withSquare && frame < shotAFrames ? { x: 6 + Math.round(speed * frame), y: squareY, size } : null);

  const frames: SyntheticFrame[] = [];
  for (let t = 0; t < shotAFrames + shotBFrames; t++) {
    const shot = t < shotAFrames ? shotA : shotB;
    const luma = Float32Array.from(shot.luma);
    const truthCb = Float32Array.from(shot.cb);
    const truthCr = Float32Array.from(shot.cr);
    const square = new Uint8Array(n);
    const rect = squareRect(t);
    if (rect) {
      for (let y = rect.y; y < Math.min(height, rect.y + size); y++) {
        for (let x = rect.x; x < Math.min(width, rect.x + size); x++) {
          const i = y * width + x;
          luma[i] = 0.95;
          truthCb[i] = squareCb;
          truthCr[i] = squareCr;
          square[i] = 1;
        }
      }
    }
    // The per-frame model: the truth, hue-rotated by a global and a regional random angle,
    // scaled by a random saturation, plus pixel noise.
    const globalAngle = hueJitter * gaussian(random);
    const saturation = 1 + 0.15 * gaussian(random);
    const regional = valueNoise(width, height, 48, random);
    const cb = new Float32Array(n);
    const cr = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const angle = globalAngle + hueJitter * 1.2 * (regional[i] - 0.5);
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const x = truthCb[i];
      const y = truthCr[i];
      const noiseCb = 0.01 * gaussian(random);
      const noiseCr = 0.01 * gaussian(random);
      cb[i] = options.perfectModel ? x : saturation * (cos * x - sin * y) + noiseCb;
      cr[i] = options.perfectModel ? y : saturation * (sin * x + cos * y) + noiseCr;
    }
    frames.push({
      model: { index: t, width, height, luma, cb, cr },
      truthCb,
      truthCr,
      square,
      shot: t < shotAFrames ? 'A' : 'B',
    });
  }
  return { width, height, cutAt: shotAFrames, frames, squareCb, squareCr, squareRect };
}

/** The frame as 8-bit-level planes (unrounded floats) for the metrics. */
export function toYuvPlanes(frame: LowResChroma): YuvPlanes {
  return chromaFrameToYuv(frame);
}
