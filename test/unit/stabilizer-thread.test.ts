// The render's stabilizer on its worker thread (stabilizer-thread.ts, run here from source through
// tsx) against ChromaStabilizer in-process: the same frames, cuts and snapshot bytes, restored
// mid-film too; planes handed over without touching the caller's luma; failures as EngineError.
import { afterEach, describe, expect, it } from 'vitest';
import type { StabilizeStrength } from '../../electron/common/types.js';
import { EngineError } from '../../electron/engine/errors.js';
import type { LowResChroma } from '../../electron/engine/pipeline/frames.js';
import { ChromaStabilizer } from '../../electron/engine/pipeline/stabilize.js';
import { openRenderStabilizer, type RenderStabilizer } from '../../electron/engine/pipeline/stabilizer-thread.js';
import { makeSyntheticClip } from '../helpers/stabilize-scenes.js';

const clip = makeSyntheticClip({ width: 96, height: 64, shotAFrames: 14, shotBFrames: 10, seed: 7 });
const size = { width: clip.width, height: clip.height };

/** A fresh copy of frame i's model output (the thread takes its chroma planes over). */
function frame(i: number): LowResChroma {
  const { model } = clip.frames[i];
  return { ...model, luma: model.luma.slice(), cb: model.cb.slice(), cr: model.cr.slice() };
}

const bytes = (plane: Float32Array | Uint8Array) => Buffer.from(plane.buffer, plane.byteOffset, plane.byteLength);

const open: RenderStabilizer[] = [];
async function threaded(strength: StabilizeStrength, snapshot?: Uint8Array): Promise<RenderStabilizer> {
  const stabilizer = await openRenderStabilizer({ strength, ...size }, snapshot);
  open.push(stabilizer);
  expect(stabilizer.threaded).toBe(true);
  return stabilizer;
}
afterEach(async () => {
  for (const stabilizer of open.splice(0)) await stabilizer.close();
});

describe('the render stabilizer on a worker thread', () => {
  it("passes chroma quantized elsewhere through 'off' untouched (the thread gets the luma only), with ChromaStabilizer's cuts", async () => {
    const reference = new ChromaStabilizer({ strength: 'off', ...size });
    const thread = await threaded('off');
    const gotCuts: number[] = [];
    for (let i = 0; i < clip.frames.length; i++) {
      reference.push(frame(i));
      const quantized = new Uint8Array(2 * size.width * size.height).fill(i);
      const mine = { ...frame(i), cb: new Float32Array(0), cr: new Float32Array(0), quantized };
      const batch = await thread.push(mine);
      gotCuts.push(...batch.cuts);
      expect(batch.released).toHaveLength(1);
      expect(batch.released[0].index).toBe(i);
      expect(batch.released[0].quantized).toBe(quantized);
      expect(batch.released[0].luma).toBe(mine.luma);
      expect(batch.released[0].cb.length + batch.released[0].cr.length).toBe(0);
    }
    gotCuts.push(...(await thread.flush()).cuts);
    expect(gotCuts).toEqual(reference.cuts);
    expect(gotCuts.length).toBeGreaterThan(0);
    expect(bytes(await thread.snapshot())).toEqual(bytes(reference.snapshot()));
  });

  for (const strength of ['off', 'low', 'medium', 'high'] as const) {
    it(`gives ChromaStabilizer's frames, cuts and snapshots bit for bit, and resumes from a snapshot (--stabilize ${strength})`, async () => {
      const reference = new ChromaStabilizer({ strength, ...size });
      const thread = await threaded(strength);
      const expected: LowResChroma[] = [];
      const got: LowResChroma[] = [];
      const gotCuts: number[] = [];
      const resumeAt = 9;
      let resumeSnapshot: Uint8Array | null = null;
      for (let i = 0; i < clip.frames.length; i++) {
        const mine = frame(i);
        const callerLuma = mine.luma;
        expected.push(...reference.push(frame(i)));
        const batch = await thread.push(mine);
        got.push(...batch.released);
        gotCuts.push(...batch.cuts);
        expect(batch.lastEmitted).toBe(reference.lastEmittedIndex);
        expect(callerLuma.length).toBe(size.width * size.height); // the caller's luma is never handed over
        if (i === resumeAt) {
          resumeSnapshot = await thread.snapshot();
          expect(bytes(resumeSnapshot)).toEqual(bytes(reference.snapshot()));
        }
      }
      const tail = await thread.flush();
      got.push(...tail.released);
      gotCuts.push(...tail.cuts);
      expected.push(...reference.flush());
      expect(bytes(await thread.snapshot())).toEqual(bytes(reference.snapshot()));
      expect(gotCuts).toEqual(reference.cuts);
      expect(gotCuts).toEqual([clip.cutAt]);
      expect(got.map((f) => f.index)).toEqual(expected.map((f) => f.index));
      for (let k = 0; k < got.length; k++) {
        expect(bytes(got[k].cb)).toEqual(bytes(expected[k].cb));
        expect(bytes(got[k].cr)).toEqual(bytes(expected[k].cr));
        expect(got[k].luma.length).toBe(size.width * size.height);
        expect(got[k]).toMatchObject({ width: size.width, height: size.height });
      }

      // Restored on a thread from the snapshot: the frames after the last emitted one come out the same.
      const resumed = await threaded(strength, resumeSnapshot!);
      const from = resumed.lastEmittedAtStart + 1;
      const again: LowResChroma[] = [];
      for (let i = from; i < clip.frames.length; i++) again.push(...(await resumed.push(frame(i))).released);
      again.push(...(await resumed.flush()).released);
      const rest = expected.filter((f) => f.index >= from);
      expect(again.map((f) => f.index)).toEqual(rest.map((f) => f.index));
      for (let k = 0; k < again.length; k++) expect(bytes(again[k].cb)).toEqual(bytes(rest[k].cb));
    });
  }

  it('reports a failure in the thread as an EngineError with a plain sentence, and fails every later call', async () => {
    const thread = await threaded('medium');
    const wrong: LowResChroma = { ...frame(0), width: 10, height: 10 };
    const failure = await thread.push(wrong).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure).toMatchObject({
      code: 'stabilizer-failed',
      message: expect.stringMatching(/^The colour stabilizer stopped with an error \(.*10×10/),
    });
    await expect(thread.push(frame(1))).rejects.toBe(failure);
  });

  it('refuses a snapshot while a push is in flight (it would not be the state the caller holds)', async () => {
    const thread = await threaded('medium');
    const pending = thread.push(frame(0));
    await expect(thread.snapshot()).rejects.toThrow(/in flight/);
    await pending;
  });

  it('close() ends the thread and fails calls still waiting', async () => {
    const thread = await threaded('high');
    const failed = expect(thread.push(frame(0))).rejects.toMatchObject({ code: 'stabilizer-failed' });
    await thread.close();
    await failed;
    await thread.close(); // twice is fine
  });

  it('runs in-process when asked (or when no thread starts), with the same frames', async () => {
    const inline = await openRenderStabilizer({ strength: 'medium', ...size }, undefined, { thread: false });
    expect(inline.threaded).toBe(false);
    const reference = new ChromaStabilizer({ strength: 'medium', ...size });
    for (let i = 0; i < 6; i++) {
      const batch = await inline.push(frame(i));
      const expected = reference.push(frame(i));
      expect(batch.released.map((f) => bytes(f.cb))).toEqual(expected.map((f) => bytes(f.cb)));
    }
    expect(bytes(await inline.snapshot())).toEqual(bytes(reference.snapshot()));
  });
});
