import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable, measureVideo } from '../../scripts/metrics/compare.js';

// Tiny clips made with ffmpeg's test sources: a moving colour pattern, the same pattern in grey,
// and a still picture whose colour alternates every frame (maximal flicker where luma is still).
let dir = '';
const clip = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chromareel-metrics-'));
  const encode = (input: string[], output: string, filters?: string) =>
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-nostdin',
      '-y',
      ...input,
      ...(filters ? ['-vf', filters] : []),
      '-c:v',
      'libx264',
      '-qp',
      '0',
      '-pix_fmt',
      'yuv420p',
      output,
    ]);
  encode(['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10:duration=1'], clip('colour.mp4'));
  encode(['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10:duration=1'], clip('grey.mp4'), 'hue=s=0');
  // Luma stays put while the hue turns by 120° every frame.
  encode(['-f', 'lavfi', '-i', 'color=c=0xb04030:size=64x48:rate=10:duration=1'], clip('flicker.mp4'), "hue=h='120*n'");
  // Grey whose luma changes everywhere every frame (temporal noise), and a 3-frame grey clip.
  encode(['-f', 'lavfi', '-i', 'color=c=gray:size=64x48:rate=10:duration=1'], clip('noise.mp4'), 'noise=alls=40:allf=t,hue=s=0');
  encode(['-f', 'lavfi', '-i', 'color=c=gray:size=64x48:rate=10:duration=0.3'], clip('short.mp4'), 'hue=s=0');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('scripts/metrics/compare', () => {
  it('measures a colour clip, its grey twin and a flickering still with real ffmpeg decoding', async () => {
    const colour = await measureVideo(clip('colour.mp4'));
    const grey = await measureVideo(clip('grey.mp4'));
    const flicker = await measureVideo(clip('flicker.mp4'));

    expect(colour).toMatchObject({ width: 64, height: 48, frames: 10 });
    expect(colour.colourfulness!).toBeGreaterThan(30);
    expect(grey.colourfulness!).toBeLessThan(1);
    expect(grey.flicker!).toBeLessThan(0.5);
    expect(colour.cdc!).toBeGreaterThan(0);

    // The flickering still: luma never moves, so every chroma sample counts, and it changes a lot.
    expect(flicker.staticFraction).toBeGreaterThan(0.9);
    expect(flicker.flicker!).toBeGreaterThan(20);
    expect(flicker.cdc!).toBeGreaterThan(10 * grey.cdc!);

    const table = formatTable([colour, grey]);
    expect(table).toContain('grey.mp4');
    expect(table).toMatch(/CDC/);
  });

  it('takes the still-luma mask from the source video when asked (--luma-from)', async () => {
    // The colour clip's own luma and its grey twin's are the same picture: the same mask.
    const own = await measureVideo(clip('colour.mp4'));
    const fromGrey = await measureVideo(clip('colour.mp4'), { lumaFrom: clip('grey.mp4') });
    expect(fromGrey.staticFraction).toBeCloseTo(own.staticFraction, 2);
    expect(fromGrey.flicker!).toBeCloseTo(own.flicker!, 1);
    // The flickering still measured against a source whose luma moves everywhere: nothing is still.
    const still = await measureVideo(clip('flicker.mp4'));
    const againstNoise = await measureVideo(clip('flicker.mp4'), { lumaFrom: clip('noise.mp4') });
    expect(still.staticFraction).toBeGreaterThan(0.9);
    expect(againstNoise.staticFraction).toBeLessThan(0.05);
    // A source shorter than the video cannot give every frame its mask.
    await expect(measureVideo(clip('flicker.mp4'), { lumaFrom: clip('short.mp4') })).rejects.toMatchObject({ code: 'bad-option' });
  });

  it('honours --max-frames and names a missing file plainly', async () => {
    const short = await measureVideo(clip('colour.mp4'), { maxFrames: 4 });
    expect(short.frames).toBe(4);
    await expect(measureVideo(clip('missing.mp4'))).rejects.toMatchObject({ code: 'input-missing' });
  });
});
