// The stabilizer's WebAssembly kernels: the committed module is what its C source builds to, and
// the kernels do what stabilize-kernels.ts says they do, on planes with awkward (odd) sizes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LumaPyramid, estimateMotion } from '../../electron/engine/pipeline/motion.js';
import { addDoubledCorrection, clampChroma, halve, planeMean } from '../../electron/engine/pipeline/stabilize-kernels.js';
import { quantizeChroma } from '../../electron/engine/pipeline/chroma-merge.js';
import { mulberry32 } from '../helpers/stabilize-scenes.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const generated = path.join(repoRoot, 'electron/engine/pipeline/wasm/stabilize-kernels.wasm.ts');

function haveTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

describe('stabilizer kernels (WebAssembly)', () => {
  it('are the module scripts/build-wasm.sh builds from stabilize-kernels.c', (context) => {
    if (!haveTool('clang') || !haveTool('wasm-ld'))
      context.skip('needs clang and wasm-ld to rebuild the module (apt-get install clang lld)');
    const committed = readFileSync(generated, 'utf8');
    const clangVersion = execFileSync('clang', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    // Another clang may emit other (equally valid) bytes: compare only with the compiler that built it.
    if (!committed.split('\n')[0].includes(`(${clangVersion})`)) context.skip(`the module was built by another clang than ${clangVersion}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chromareel-wasm-'));
    try {
      const rebuilt = path.join(dir, 'kernels.ts');
      execFileSync('bash', [path.join(repoRoot, 'scripts/build-wasm.sh'), rebuilt], { stdio: 'pipe' });
      expect(readFileSync(rebuilt, 'utf8') === committed, 'stabilize-kernels.wasm.ts is stale: run bash scripts/build-wasm.sh').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('halve averages 2×2 boxes, and the half boxes of an odd last column and row', () => {
    // 5×3: columns 0..4, rows 0..2; value = 10·row + column.
    const source = Float32Array.from({ length: 15 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5));
    const out = halve(source, 5, 3, new Float32Array(3 * 2));
    // Row pair (0,1): boxes over columns (0,1), (2,3) and column 4 alone; the last row pairs with itself.
    expect(Array.from(out)).toEqual([5.5, 7.5, 9, 20.5, 22.5, 24]);
  });

  it('addDoubledCorrection adds a flat correction everywhere and clamps to ±0.5', () => {
    const width = 7;
    const height = 5;
    const random = mulberry32(5);
    const base = Float32Array.from({ length: width * height }, () => random() * 0.8 - 0.4);
    const coarse = new Float32Array(4 * 3).fill(0.01);
    const stabilized = new Float32Array(4 * 3).fill(0.11); // correction 0.1 everywhere
    const out = addDoubledCorrection(base, stabilized, coarse, width, height, new Float32Array(width * height));
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(Math.min(0.5, base[i] + 0.1), 6);
    expect(clampChroma(Float32Array.of(-0.7, 0.2, 0.9))).toEqual(Float32Array.of(-0.5, 0.2, 0.5));
  });

  it('quantizeChroma gives the codes of its formula, in double precision, at every edge', () => {
    // Offsets that land on and next to code boundaries at both ranges and saturations, out of range, and not finite.
    const random = mulberry32(12);
    const offsets = [0, -0, 0.5, -0.5, 0.7, -0.7, 1e-9, -1e-9, 0.125, -0.125, 127.5 / 224, -128.5 / 224, NaN, Infinity, -Infinity];
    for (let k = -300; k <= 300; k++) offsets.push(k / 448, k / 510, Math.fround(k / 448), k / 448 + 1e-7);
    for (let i = 0; i < 2000; i++) offsets.push(random() * 1.4 - 0.7);
    const cb = Float32Array.from(offsets);
    const cr = Float32Array.from(offsets, (v) => -v);
    for (const range of ['tv', 'pc'] as const) {
      for (const saturation of [1, 1.3, 0.5, 2.7]) {
        const scale = (range === 'tv' ? 224 : 255) * saturation;
        const expected = (v: number) => {
          const value = 128.5 + v * scale;
          return value < 0 ? 0 : value > 255 ? 255 : value | 0;
        };
        const codes = quantizeChroma(cb, cr, range, saturation);
        const n = cb.length;
        let mismatches = 0;
        for (let i = 0; i < n; i++) if (codes[i] !== expected(cb[i]) || codes[n + i] !== expected(cr[i])) mismatches++;
        expect(mismatches, `${range} × ${saturation}`).toBe(0);
      }
    }
  });

  it('planeMean is the mean of a long plane to float precision', () => {
    const values = Float32Array.from({ length: 100_003 }, (_, i) => (i % 7) / 7);
    let sum = 0;
    for (const v of values) sum += v;
    expect(planeMean(values)).toBeCloseTo(sum / values.length, 5);
  });

  it('estimateMotion finds a whole-picture shift, and exactly zero on a still picture', () => {
    const width = 96;
    const height = 64;
    const random = mulberry32(9);
    // A textured canvas (noise, 3×3 box-blurred), and two crops of it: current(p) = reference(p + (3, −2)).
    const cw = width + 10;
    const ch = height + 10;
    const noise = Float32Array.from({ length: cw * ch }, () => random());
    const canvas = (x: number, y: number) => {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += noise[(y + dy) * cw + x + dx];
      return sum / 9;
    };
    const crop = (left: number, top: number) =>
      Float32Array.from({ length: width * height }, (_, i) => canvas(left + (i % width), top + Math.floor(i / width)));
    const reference = crop(5, 5);
    const current = crop(8, 3);
    const field = estimateMotion(new LumaPyramid(current, width, height), new LumaPyramid(reference, width, height));
    let inner = 0;
    for (let by = 1; by < field.blocksY - 1; by++) {
      for (let bx = 1; bx < field.blocksX - 1; bx++) {
        const k = by * field.blocksX + bx;
        expect(field.vx[k]).toBeCloseTo(3, 1);
        expect(field.vy[k]).toBeCloseTo(-2, 1);
        inner++;
      }
    }
    expect(inner).toBe((field.blocksX - 2) * (field.blocksY - 2));
    const still = estimateMotion(new LumaPyramid(reference, width, height), new LumaPyramid(reference.slice(), width, height));
    expect(still.vx.every((v) => v === 0) && still.vy.every((v) => v === 0)).toBe(true);
  });
});
