// Previews with colour pins tell the app where each pin is on the frame shown: a pin put on a moving
// thing is followed (the tracker the render uses), and one from another shot is not there at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import type { HintsDocument, PreviewFrame } from '../../electron/common/types.js';
import { pinsFilm, pinsSquareCentre, pinsTwoShotClip } from '../helpers/app.js';
import { ensureFixtureModels } from '../helpers/models.js';

let engine: Engine;
let film: string;
const { width: W, height: H, fps, cutFrame } = pinsFilm;

async function previewAt(frame: number, hints: HintsDocument, frames = 1): Promise<PreviewFrame[]> {
  const out: PreviewFrame[] = [];
  for await (const item of engine.preview({ input: film, at: frame / fps, frames, model: 'fixture-chroma', hints })) out.push(item);
  return out;
}

beforeAll(() => {
  film = pinsTwoShotClip();
  engine = createEngine({ modelsDirs: [ensureFixtureModels()] });
});
afterAll(() => engine.close());

describe('preview frames say where the pins are', () => {
  const start = pinsSquareCentre(0);
  const hints: HintsDocument = {
    version: 1,
    pins: [
      { t: 0.5 / fps, x: start.x / W, y: start.y / H, color: '#ff0000' },
      { t: (cutFrame + 2.5) / fps, x: 0.1, y: 0.9, color: '#00ff00' },
    ],
  };

  it('follows a pin on a moving thing through its shot', async () => {
    const [frame] = await previewAt(16, hints);
    expect(frame!.frame).toBe(16);
    expect(frame!.pins).toHaveLength(1);
    const pin = frame!.pins![0]!;
    expect(pin.index).toBe(0);
    // The square moved 32 px right since frame 0; the tracker works at the model's small size, so allow a few pixels.
    expect(Math.abs(pin.x * W - pinsSquareCentre(16).x)).toBeLessThan(6);
    expect(Math.abs(pin.y * H - start.y)).toBeLessThan(4);
  });

  it('lists only the pins of the shot shown, from their own frame on', async () => {
    const frames = await previewAt(cutFrame, hints, 4);
    expect(frames.map((frame) => frame.frame)).toEqual([cutFrame, cutFrame + 1, cutFrame + 2, cutFrame + 3]);
    expect(frames.map((frame) => (frame.pins ?? []).map((pin) => pin.index))).toEqual([[], [], [1], [1]]);
    expect(frames[2]!.pins![0]).toMatchObject({ index: 1 });
    expect(frames[2]!.pins![0]!.x).toBeCloseTo(0.1, 1);
  });

  it('says nothing about pins when there are none', async () => {
    const [frame] = await previewAt(3, { version: 1, pins: [] });
    expect(frame!.pins).toBeUndefined();
  });
});
