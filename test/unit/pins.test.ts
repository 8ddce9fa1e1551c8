// Colour pins, the pure parts: the hints file's schema and digest, hint planes, the edge-aware
// propagation for models without hint inputs, the tracker (motion and cuts), the manifest's pins block.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema, loadManifest } from '../../electron/engine/model/manifest.js';
import { verifyPinsModelFile } from '../../electron/engine/model/pins-model.js';
import { hintPlanes, pinChroma, PIN_SIDE } from '../../electron/engine/pins/hint-planes.js';
import {
  canonicalHints,
  hintsDigest,
  MAX_HINTS_BYTES,
  parseHints,
  readHintsFile,
  validateHints,
} from '../../electron/engine/pins/hints-file.js';
import { PinStage } from '../../electron/engine/pins/pin-stage.js';
import { PinTracker, TrackerFrames } from '../../electron/engine/pins/pin-tracker.js';
import { propagatePins } from '../../electron/engine/pins/propagate.js';
import { rgbToCbCr } from '../../electron/engine/model/contracts.js';
import { mulberry32 } from '../../scripts/seeded-random.mjs';

const problem = (json: unknown): string => {
  try {
    validateHints(json);
  } catch (error) {
    return (error as Error).message;
  }
  return 'valid';
};

describe('hints file', () => {
  const pin = { t: 1.5, x: 0.31, y: 0.62, color: '#b22222' };

  it('accepts the documented shape, film pins with or without t', () => {
    const doc = validateHints({ version: 1, pins: [pin, { x: 0, y: 1, color: '#FFFFFF' }] });
    expect(doc.pins).toEqual([pin, { x: 0, y: 1, color: '#ffffff' }]);
    expect(validateHints({ version: 1, pins: [] }).pins).toEqual([]);
  });

  it('names the problem in one plain sentence', () => {
    const pins = [pin, pin, pin, { ...pin, color: 'red' }];
    expect(problem({ version: 1, pins })).toBe('The hints file is not valid: pins[3].color must be a colour like #b22222; fix the file.');
    expect(problem({ version: 1, pins: [{ ...pin, x: 1.2 }] })).toBe(
      'The hints file is not valid: pins[0].x must be a number from 0 to 1 (a fraction of the picture); fix the file.',
    );
    expect(problem({ version: 1, pins: [{ ...pin, y: undefined }] })).toBe(
      'The hints file is not valid: pins[0].y is missing; fix the file.',
    );
    expect(problem({ version: 1, pins: [{ ...pin, t: -1 }] })).toMatch(/pins\[0\]\.t /);
    expect(problem({ version: 2, pins: [] })).toBe('The hints file is not valid: version must be 1; fix the file.');
    expect(problem({ pins: [] })).toBe('The hints file is not valid: version is missing; fix the file.');
    expect(problem({ version: 1, pins: [{ ...pin, colour: '#000000' }] })).toBe(
      'The hints file is not valid: pins[0] has an unknown field "colour"; fix the file.',
    );
    expect(problem({ version: 1, pins: Array.from({ length: 1001 }, () => pin) })).toBe(
      'The hints file is not valid: pins must hold at most 1000 pins; fix the file.',
    );
    expect(problem([1, 2])).toMatch(/^The hints file must hold a JSON object/);
    expect(() => parseHints('{"version": 1, pins: []}')).toThrow(/^The hints file is not valid JSON \(.*\); fix the file\.$/);
    for (const message of [problem({ version: 1, pins })]) expect(message.split(/\.\s/).length).toBe(1);
  });

  it('reads files with a size bound and says plainly what is wrong', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-hints-'));
    try {
      const good = path.join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ version: 1, pins: [pin] }));
      expect((await readHintsFile(good)).pins).toHaveLength(1);
      const big = path.join(dir, 'big.json');
      await writeFile(big, `{"version": 1, "pins": []}${' '.repeat(MAX_HINTS_BYTES)}`);
      await expect(readHintsFile(big)).rejects.toThrow(/is larger than 1 MiB/);
      await expect(readHintsFile(path.join(dir, 'none.json'))).rejects.toThrow(/does not exist; check the path\.$/);
      await expect(readHintsFile(dir)).rejects.toThrow(/is not a file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has a canonical digest: same pins → same digest, any change → another', () => {
    const a = validateHints(JSON.parse('{"pins": [{"color": "#B22222", "y": 0.62, "x": 0.31, "t": 1.5}], "version": 1}'));
    const b = validateHints({ version: 1, pins: [pin] });
    expect(canonicalHints(a)).toBe(canonicalHints(b));
    expect(hintsDigest(a)).toBe(hintsDigest(b));
    expect(hintsDigest(validateHints({ version: 1, pins: [{ ...pin, color: '#b22223' }] }))).not.toBe(hintsDigest(b));
    expect(hintsDigest(validateHints({ version: 1, pins: [{ ...pin, t: 1.6 }] }))).not.toBe(hintsDigest(b));
  });
});

describe('hint planes', () => {
  it('paints 5-pixel squares of the pin chroma with mask 1, clipped, later pins on top', () => {
    const [w, h] = [16, 8];
    const red = pinChroma('#ff0000');
    expect(red).toEqual(rgbToCbCr(1, 0, 0));
    const blue = pinChroma('#0000ff');
    const planes = hintPlanes(
      [
        { x: 0, y: 0, cb: red[0], cr: red[1] },
        { x: 3 / 16, y: 2 / 8, cb: blue[0], cr: blue[1] },
      ],
      w,
      h,
    );
    const mask = planes.subarray(2 * w * h);
    // The corner square is clipped to 3×3; the two overlap on 2×3 pixels.
    expect(mask.reduce((s, v) => s + v, 0)).toBe(3 * 3 + PIN_SIDE * PIN_SIDE - 2 * 3);
    expect(planes[0]).toBeCloseTo(red[0]); // (0,0): only the red pin
    expect(planes[2 * w + 1]).toBeCloseTo(blue[0]); // (1,2): both; blue (later) wins
    expect(planes[w * h + 2 * w + 1]).toBeCloseTo(blue[1]);
    expect(mask[7 * w + 15]).toBe(0);
    // x = 1 is the last column, not outside.
    const edge = hintPlanes([{ x: 1, y: 1, cb: 0.1, cr: 0.1 }], w, h);
    expect(edge[2 * w * h + (h - 1) * w + (w - 1)]).toBe(1);
  });
});

describe('propagation for models without hint inputs', () => {
  it('carries the pin colour over its own region and stops at a strong edge', () => {
    const [w, h] = [96, 64];
    const luma = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) luma[y * w + x] = x < 48 ? 0.2 : 0.9;
    const [pcb, pcr] = pinChroma('#c02020');
    const run = (edgeAware: boolean) => {
      const cb = new Float32Array(w * h);
      const cr = new Float32Array(w * h);
      propagatePins(cb, cr, luma, w, h, [{ x: 40 / w, y: 0.5, cb: pcb, cr: pcr }], { edgeAware });
      return cr;
    };
    const geodesic = run(true);
    const naive = run(false);
    const at = (plane: Float32Array, x: number) => plane[32 * w + x];
    expect(at(geodesic, 40)).toBeCloseTo(pcr, 3); // weight 1 at the pin
    expect(at(geodesic, 36)).toBeGreaterThan(0.8 * pcr); // same region, near: nearly the pin colour
    expect(at(geodesic, 56)).toBeLessThan(0.05 * pcr); // across the edge: almost nothing
    expect(at(naive, 56)).toBeGreaterThan(0.25 * pcr); // the naive blend leaks across
    // No pins: the model's chroma is untouched.
    const cb = Float32Array.from({ length: w * h }, (_, i) => (i % 7) / 100);
    const copy = cb.slice();
    propagatePins(cb, cb.slice(), luma, w, h, []);
    expect(cb).toEqual(copy);
  });
});

/** A textured square moving right on flat grey; after `cutAt` a different picture. */
function movingSquare(w: number, h: number, frames: number, cutAt: number, speed: number) {
  const random = mulberry32(7);
  const texture = Float32Array.from({ length: 24 * 24 }, () => 0.3 + 0.5 * random());
  const other = Float32Array.from({ length: w * h }, (_, i) => 0.8 * ((i % w) / w) + 0.2 * random());
  return Array.from({ length: frames }, (_, f) => {
    if (f >= cutAt) return other;
    const luma = new Float32Array(w * h).fill(0.5);
    const x0 = Math.round(10 + speed * f);
    for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) if (x0 + x < w) luma[(20 + y) * w + x0 + x] = texture[y * 24 + x];
    return luma;
  });
}

describe('pin tracker', () => {
  it('follows a moving object, ends at the next cut, and starts pins at their frame', () => {
    const [w, h] = [128, 72];
    const frames = movingSquare(w, h, 40, 30, 2);
    const red = pinChroma('#c02020');
    const tracker = new PinTracker(
      [
        { frame: 0, x: 22 / w, y: 32 / h, cb: red[0], cr: red[1] },
        { frame: 35, x: 0.5, y: 0.5, cb: 0, cr: 0.1 },
      ],
      w,
      h,
    );
    const positions = frames.map((luma, f) => tracker.step(f, luma));
    for (const f of [0, 10, 20, 29]) {
      expect(positions[f]).toHaveLength(1);
      expect(positions[f][0].x * w).toBeCloseTo(22 + 2 * f, -0.5); // within ~1.5 px
      expect(positions[f][0].y * h).toBeCloseTo(32, -0.5);
    }
    expect(tracker.cuts).toEqual([30]);
    for (const f of [30, 31, 34]) expect(positions[f]).toEqual([]);
    expect(positions[35]).toEqual([{ x: 0.5, y: 0.5, cb: 0, cr: 0.1, id: 1 }]); // id: its place in the hints document
  });

  it('gives the same pins whether fed from the start or warmed up from a later frame', async () => {
    const [w, h] = [128, 72];
    const frames = movingSquare(w, h, 30, 100, 2);
    const doc = { version: 1 as const, pins: [{ t: 1.6, x: 42 / w, y: 32 / h, color: '#c02020' }] }; // frame 16 at 10 fps
    const full = PinStage.forFilm(doc, 10, w, h, true);
    const fromStart = frames.map((luma, f) => full.prepare(f, luma).pins);
    const late = PinStage.forFilm(doc, 10, w, h, true);
    expect(late.wantedFrom).toBe(0); // LEAD_IN frames before the pin, clamped at 0
    await late.warmUp(
      22,
      async function* (start, count) {
        for (let f = start; f < start + count; f++) yield { index: f, width: w, height: h, y: new Uint8Array(0) };
      },
      (frame) => frames[frame.index],
    );
    for (let f = 22; f < 30; f++) expect(late.prepare(f, frames[f]).pins).toEqual(fromStart[f]);
    expect(fromStart[16]).toHaveLength(1);
    expect(fromStart[15]).toEqual([]);
  });

  it('gives the same pins from frames kept by an earlier preview, without decoding them again', async () => {
    const [w, h] = [256, 144]; // above the tracker's halving threshold: kept frames are its half-size grid
    const frames = movingSquare(w, h, 40, 34, 2);
    const docs = [
      { version: 1 as const, pins: [{ t: 1.6, x: 42 / w, y: 32 / h, color: '#c02020' }] },
      {
        version: 1 as const,
        pins: [
          { t: 0.4, x: 24 / w, y: 30 / h, color: '#2040c0' },
          { t: 2, x: 0.7, y: 0.7, color: '#20c040' },
        ],
      },
    ];
    const kept = new TrackerFrames();
    // An earlier preview of the film (other pins) leaves frames 0-29 kept.
    const first = PinStage.forFilm(docs[1], 10, w, h, false, undefined, kept);
    await first.warmUp(
      30,
      async function* (start, count) {
        for (let f = start; f < start + count; f++) yield { index: f, width: w, height: h, y: new Uint8Array(0) };
      },
      (frame) => frames[frame.index],
    );
    for (const doc of docs) {
      const reference = PinStage.forFilm(doc, 10, w, h, false);
      const fromStart = frames.map((luma, f) => reference.prepare(f, luma).pins);
      const late = PinStage.forFilm(doc, 10, w, h, false, undefined, kept);
      await late.warmUp(
        26,
        // eslint-disable-next-line require-yield
        async function* () {
          throw new Error('kept frames are not decoded again');
        },
        () => {
          throw new Error('kept frames are not decoded again');
        },
      );
      for (let f = 26; f < 40; f++) expect(late.prepare(f, frames[f]).pins).toEqual(fromStart[f]);
      expect(late.cuts).toEqual(reference.cuts);
      expect(fromStart[30].length).toBeGreaterThan(0);
      expect(fromStart[30][0].x).not.toBe(fromStart[26][0].x); // it moved
    }
  });

  it('gives hint planes only to frames with active pins (others run the plain graph, as with no pins)', () => {
    const [w, h] = [128, 72];
    const frames = movingSquare(w, h, 30, 20, 2);
    const doc = { version: 1 as const, pins: [{ t: 1, x: 42 / w, y: 32 / h, color: '#c02020' }] }; // frame 10 at 10 fps
    const stage = PinStage.forFilm(doc, 10, w, h, true);
    const prepared = frames.map((luma, f) => stage.prepare(f, luma));
    for (const f of [0, 9, 20, 29]) expect(prepared[f]).toEqual({ pins: [] }); // before the pin; after the cut
    for (const f of [10, 19]) {
      const planes = prepared[f].hints!;
      expect(planes).toHaveLength(3 * w * h);
      const mask = planes.subarray(2 * w * h);
      expect(mask.reduce((s, v) => s + v, 0)).toBe(25); // one 5 × 5 square
    }
  });

  it('spreads the pins after a pins graph only when the manifest asks for it', () => {
    const [w, h] = [64, 36];
    const luma = new Float32Array(w * h).fill(0.5);
    const doc = { version: 1 as const, pins: [{ x: 0.5, y: 0.5, color: '#c02020' }] };
    const finished = (stage: PinStage) => {
      const [cb, cr] = [new Float32Array(w * h), new Float32Array(w * h)];
      stage.finish(stage.prepare(0, luma), cb, cr, luma);
      return cr[(h >> 1) * w + (w >> 1)];
    };
    expect(finished(PinStage.forPhoto(doc, w, h, true))).toBe(0); // the graph's output as it is
    expect(finished(PinStage.forPhoto(doc, w, h, true).withSpread(true))).toBeCloseTo(pinChroma('#c02020')[1], 2);
    expect(finished(PinStage.forPhoto(doc, w, h, false))).toBeCloseTo(pinChroma('#c02020')[1], 2); // no hint inputs
  });
});

describe('manifest pins block', () => {
  let dir: string;
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const base = {
    schemaVersion: 1,
    id: 'm',
    name: 'M',
    version: '1',
    licence: 'MIT',
    contract: 'chroma',
    file: 'model.onnx',
    sha256: sha('main'),
    input: { name: 'luma', mean: [0], std: [1] },
    output: { name: 'chroma', range: 'cbcr-offset' },
    sizeMultiple: 16,
    renderFactor: { min: 8, max: 40, default: 16 },
    preferredFor: 'cpu',
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-pins-manifest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is optional, checked, and only for chroma models', () => {
    expect(manifestSchema.safeParse(base).success).toBe(true);
    const withPins = manifestSchema.parse({ ...base, pins: { file: 'model-pins.onnx', sha256: sha('pins') } });
    expect(withPins.pins).toEqual({ file: 'model-pins.onnx', sha256: sha('pins'), input: 'hints' });
    expect(manifestSchema.safeParse({ ...base, pins: { file: '../x.onnx', sha256: sha('pins') } }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, pins: { file: 'p.onnx', sha256: 'abc' } }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, pins: { file: 'p.onnx', sha256: sha('p'), input: 'luma' } }).success).toBe(false);
    const rgb = { ...base, contract: 'rgb', input: { name: 'image', mean: [0], std: [1] }, output: { name: 'rgb', range: 'rgb-01' } };
    expect(manifestSchema.safeParse(rgb).success).toBe(true);
    expect(manifestSchema.safeParse({ ...rgb, pins: { file: 'p.onnx', sha256: sha('p') } }).success).toBe(false);
  });

  it('verifies the pins graph: sha256, a regular file, inside the model folder', async () => {
    const model = path.join(dir, 'model');
    await mkdir(model);
    await writeFile(path.join(model, 'model.onnx'), 'main');
    await writeFile(path.join(model, 'model-pins.onnx'), 'pins');
    await writeFile(path.join(dir, 'outside.onnx'), 'pins');
    await mkdir(path.join(model, 'folder.onnx'));
    await symlink(path.join(dir, 'outside.onnx'), path.join(model, 'link.onnx'));
    const write = (pins: object) => writeFile(path.join(model, 'model.json'), JSON.stringify({ ...base, pins }));
    await write({ file: 'model-pins.onnx', sha256: sha('pins') });
    await expect(verifyPinsModelFile(loadManifest(model))).resolves.toBeUndefined();
    await write({ file: 'model-pins.onnx', sha256: sha('other') });
    await expect(verifyPinsModelFile(loadManifest(model))).rejects.toMatchObject({ code: 'model-hash-mismatch' });
    await write({ file: 'link.onnx', sha256: sha('pins') });
    await expect(verifyPinsModelFile(loadManifest(model))).rejects.toThrow(/lies outside its folder/);
    await write({ file: 'folder.onnx', sha256: sha('pins') });
    await expect(verifyPinsModelFile(loadManifest(model))).rejects.toThrow(/is not a file/);
    await write({ file: 'missing.onnx', sha256: sha('pins') });
    await expect(verifyPinsModelFile(loadManifest(model))).rejects.toMatchObject({ code: 'model-not-found' });
  });
});
