// The film's shots ahead of any render (engine.sceneCuts, what the app groups colour pins by): the
// same detector and tuning as the stabilizer, on the film decoded small. Real ffmpeg.
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import { planLumaDecode } from '../../electron/engine/media/decode.js';
import { probe } from '../../electron/engine/media/probe.js';
import { scanSize } from '../../electron/engine/pipeline/scene-scan.js';
import type { SceneCutScan } from '../../electron/common/types.js';
import { cutClip, greyClip, greyFilm, greyFilmClip } from '../helpers/app.js';

let engine: Engine;
let work: string;

async function scan(input: string, signal?: AbortSignal): Promise<SceneCutScan[]> {
  const reports: SceneCutScan[] = [];
  for await (const report of engine.sceneCuts({ input }, signal)) reports.push(report);
  return reports;
}

beforeAll(() => {
  engine = createEngine();
  work = mkdtempSync(path.join(tmpdir(), 'chromareel-scan-'));
});

afterAll(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

describe('engine.sceneCuts', () => {
  it('finds the hard cut of a two-shot film and none in a single shot', async () => {
    const reports = await scan(cutClip());
    const last = reports.at(-1)!;
    expect(last).toEqual({ cuts: [24], framesDone: 48, framesTotal: 48, done: true });
    expect((await scan(greyClip())).at(-1)!.cuts).toEqual([]);
  });

  it('finds the cut of the shared grey film (real footage, with sound)', async () => {
    const last = (await scan(greyFilmClip())).at(-1)!;
    expect(last.cuts).toEqual([greyFilm.cutFrame]);
    expect(last.framesTotal).toBe(greyFilm.frames);
  });

  it('remembers a finished scan while the file stays the same, and scans again after it changes', async () => {
    const film = path.join(work, 'cut.mp4');
    copyFileSync(cutClip(), film);
    expect((await scan(film)).at(-1)!.cuts).toEqual([24]);
    const again = await scan(film);
    expect(again).toHaveLength(1);
    expect(again[0]!.cuts).toEqual([24]);
    utimesSync(film, new Date(), new Date(Date.now() + 5000));
    expect((await scan(film)).at(-1)!.done).toBe(true);
  });

  it('decodes small: the scan size keeps the aspect and never exceeds the film', async () => {
    expect(scanSize(1920, 1080)).toEqual({ width: 128, height: 72 });
    expect(scanSize(160, 120)).toEqual({ width: 110, height: 84 });
    expect(scanSize(64, 48)).toEqual({ width: 64, height: 48 });
    const info = await probe(cutClip());
    const plan = planLumaDecode(info, { startFrame: 0, deinterlace: true, scaleTo: { width: 110, height: 82 } });
    expect(plan.args.join(' ')).toContain('scale=110:82:flags=area');
    expect([plan.width, plan.height]).toEqual([110, 82]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scan(greyClip(), controller.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});
