import { describe, expect, it } from 'vitest';
import { downscaleLuma, lumaToUnit, upscaleChroma, type LumaRange } from '../../electron/engine/pipeline/chroma-merge.js';
import { mulberry32 } from '../../scripts/seeded-random.mjs';

// Oracles written the plain way (one output sample at a time), to check the optimized passes against.
function unit(v: number, range: LumaRange): number {
  const u = range === 'tv' ? (v - 16) / 219 : v / 255;
  return Math.min(1, Math.max(0, u));
}

function boxOf(o: number, size: number, outSize: number): [number, number] {
  let a = Math.min(size, Math.round((o * size) / outSize));
  let b = Math.min(size, Math.round(((o + 1) * size) / outSize));
  if (b <= a) b = Math.min(size, a + 1);
  if (a >= size) a = size - 1;
  return [a, b];
}

function referenceDownscale(y: Uint8Array, w: number, h: number, ow: number, oh: number, range: LumaRange) {
  const out = new Float64Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const [y0, y1] = boxOf(oy, h, oh);
    for (let ox = 0; ox < ow; ox++) {
      const [x0, x1] = boxOf(ox, w, ow);
      let sum = 0;
      for (let sy = y0; sy < y1; sy++) for (let sx = x0; sx < x1; sx++) sum += unit(y[sy * w + sx], range);
      out[oy * ow + ox] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  return out;
}

function referenceUpscale(cb: Float32Array, cr: Float32Array, sw: number, sh: number, cw: number, ch: number, scale: number) {
  const u = new Uint8Array(cw * ch);
  const v = new Uint8Array(cw * ch);
  const tap = (o: number, src: number, dst: number) => {
    const pos = Math.min(src - 1, Math.max(0, (o + 0.5) * (src / dst) - 0.5));
    const a = Math.floor(pos);
    return [a, Math.min(src - 1, a + 1), pos - a] as const;
  };
  const sample = (p: Float32Array, x: number, y: number) => {
    const [x0, x1, fx] = tap(x, sw, cw);
    const [y0, y1, fy] = tap(y, sh, ch);
    const top = p[y0 * sw + x0] + (p[y0 * sw + x1] - p[y0 * sw + x0]) * fx;
    const bottom = p[y1 * sw + x0] + (p[y1 * sw + x1] - p[y1 * sw + x0]) * fx;
    return top + (bottom - top) * fy;
  };
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      u[y * cw + x] = Math.min(255, Math.max(0, 128.5 + sample(cb, x, y) * scale));
      v[y * cw + x] = Math.min(255, Math.max(0, 128.5 + sample(cr, x, y) * scale));
    }
  }
  return { u, v };
}

function randomBytes(n: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

function randomOffsets(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (random() - 0.5) * 1.2); // beyond ±0.5: the clamp is exercised
}

describe('downscaleLuma (frame luma → model input)', () => {
  const cases: Array<[number, number, number, number]> = [
    [768, 432, 336, 192],
    [1920, 1080, 448, 256],
    [723, 401, 160, 96],
    [320, 240, 320, 240],
    [100, 60, 128, 64], // enlargement (tiny film, large render size)
  ];
  for (const range of ['tv', 'pc'] as const) {
    for (const [w, h, ow, oh] of cases) {
      it(`${w}x${h} → ${ow}x${oh}, ${range} range, equals the box-average oracle`, () => {
        const y = randomBytes(w * h, w * 7 + h);
        const ours = downscaleLuma(y, w, h, ow, oh, range);
        const oracle = referenceDownscale(y, w, h, ow, oh, range);
        let worst = 0;
        for (let i = 0; i < oracle.length; i++) worst = Math.max(worst, Math.abs(ours[i] - oracle[i]));
        expect(worst).toBeLessThan(1e-6);
        expect(ours.length).toBe(ow * oh);
      });
    }
  }
  it('maps black and white of each range to 0 and 1', () => {
    const tv = Uint8Array.from([0, 16, 235, 255]);
    expect(Array.from(downscaleLuma(tv, 4, 1, 4, 1, 'tv'))).toEqual([0, 0, 1, 1]);
    const pc = Uint8Array.from([0, 255]);
    expect(Array.from(downscaleLuma(pc, 2, 1, 2, 1, 'pc'))).toEqual([0, 1]);
  });
});

describe('upscaleChroma (model chroma → 4:2:0 planes)', () => {
  const cases: Array<[number, number, number, number]> = [
    [336, 192, 384, 216],
    [448, 256, 960, 540],
    [160, 96, 361, 200],
    [64, 64, 32, 32], // reduction
  ];
  for (const [sw, sh, cw, ch] of cases) {
    for (const [range, saturation] of [
      ['tv', 1],
      ['pc', 1.3],
    ] as const) {
      it(`${sw}x${sh} → ${cw}x${ch}, ${range}, saturation ${saturation}: identical to the bilinear oracle`, () => {
        const cb = randomOffsets(sw * sh, sw + 1);
        const cr = randomOffsets(sw * sh, sh + 2);
        const ours = upscaleChroma(cb, cr, sw, sh, cw, ch, range, saturation);
        const oracle = referenceUpscale(cb, cr, sw, sh, cw, ch, (range === 'tv' ? 224 : 255) * saturation);
        expect(Buffer.from(ours.u).equals(Buffer.from(oracle.u))).toBe(true);
        expect(Buffer.from(ours.v).equals(Buffer.from(oracle.v))).toBe(true);
      });
    }
  }
  it('keeps results of one size pair intact when another size pair runs in between', () => {
    const cb = randomOffsets(32 * 16, 5);
    const cr = randomOffsets(32 * 16, 6);
    const first = upscaleChroma(cb, cr, 32, 16, 40, 20, 'tv');
    upscaleChroma(randomOffsets(64, 7), randomOffsets(64, 8), 8, 8, 16, 16, 'tv');
    const again = upscaleChroma(cb, cr, 32, 16, 40, 20, 'tv');
    expect(Buffer.from(again.u).equals(Buffer.from(first.u))).toBe(true);
    expect(Buffer.from(again.v).equals(Buffer.from(first.v))).toBe(true);
  });
});

describe('lumaToUnit', () => {
  // Its definition, sample by sample, in double and then rounded to float32 (as the kernel does).
  function reference(sample: number, range: LumaRange): number {
    const value = (sample - (range === 'tv' ? 16 * 256 : 0)) / ((range === 'tv' ? 219 : 255) * 256);
    return Math.fround(value < 0 ? 0 : value > 1 ? 1 : value);
  }

  for (const range of ['tv', 'pc'] as const) {
    it(`maps every 16-bit sample as (s - black) / span, clamped (${range}), aligned or not, any count`, () => {
      const bytes = new Uint8Array(2 * 65536 + 1);
      for (let s = 0; s < 65536; s++) {
        bytes[2 * s] = s & 0xff;
        bytes[2 * s + 1] = s >> 8;
      }
      const shifted = new Uint8Array(bytes.length);
      shifted.set(bytes.subarray(0, 2 * 65536), 1);
      // 65533 samples: the last ones after the kernel's groups of four.
      for (const input of [bytes.subarray(0, 2 * 65536), shifted.subarray(1), bytes.subarray(0, 2 * 65533)]) {
        const out = lumaToUnit(input, range);
        expect(out.length).toBe(input.length >> 1);
        let mismatches = 0;
        for (let s = 0; s < out.length; s++) if (!Object.is(out[s], reference(s, range))) mismatches++;
        expect(mismatches).toBe(0);
      }
    });
  }
});
