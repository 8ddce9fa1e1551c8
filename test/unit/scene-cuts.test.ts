import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SceneCutDetector } from '../../electron/engine/pipeline/scene-cuts.js';
import { roomClip, sharedVideo, trafficClip } from '../helpers/paths.js';
import { mulberry32, valueNoise } from '../helpers/stabilize-scenes.js';

const W = 160;
const H = 96;

function texture(seed: number, width = W, height = H): Float32Array {
  const random = mulberry32(seed);
  const coarse = valueNoise(width, height, 24, random);
  const fine = valueNoise(width, height, 5, random);
  return coarse.map((c, i) => 0.15 + 0.45 * c + 0.3 * fine[i]);
}

function detect(frames: Float32Array[], width = W, height = H, detector = new SceneCutDetector()): number[] {
  const cuts: number[] = [];
  frames.forEach((frame, index) => {
    if (detector.push(frame, width, height)) cuts.push(index);
  });
  return cuts;
}

/** A shot: the texture with a bright square moving across and a little grain. */
function shot(seed: number, frames: number, grainSeed = seed + 100): Float32Array[] {
  const base = texture(seed);
  const random = mulberry32(grainSeed);
  return Array.from({ length: frames }, (_, t) => {
    const frame = base.map((v) => v + 0.02 * (random() - 0.5));
    for (let y = 40; y < 56; y++) for (let x = 4 + 4 * t; x < 20 + 4 * t && x < W; x++) frame[y * W + x] = 0.95;
    return frame;
  });
}

/** Reads frames of a real clip as small luma planes with ffmpeg. */
function decodeLuma(file: string, frames: number, width = 170, height = 96): Float32Array[] {
  const result = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-i',
      file,
      '-frames:v',
      String(frames),
      '-vf',
      `scale=${width}:${height}`,
      '-pix_fmt',
      'gray',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  const size = width * height;
  const out: Float32Array[] = [];
  for (let offset = 0; offset + size <= result.stdout.length; offset += size) {
    out.push(Float32Array.from(result.stdout.subarray(offset, offset + size), (v) => v / 255));
  }
  return out;
}

describe('SceneCutDetector', () => {
  it('finds a hard cut on the frame that starts the new shot, and nothing else', () => {
    const frames = [...shot(1, 25), ...shot(2, 25), ...shot(3, 10)];
    expect(detect(frames)).toEqual([25, 50]);
  });

  it('finds a cut between two shots of nearly the same tones (shot / reverse shot)', () => {
    // Same texture statistics, different content: histograms barely differ.
    const frames = [...shot(4, 20), ...shot(5, 20)];
    expect(detect(frames)).toEqual([20]);
  });

  it('ignores a camera pan, film flicker with grain, and a fade to black', () => {
    const wide = texture(6, 3 * W, H);
    const pan = Array.from({ length: 40 }, (_, t) => {
      const frame = new Float32Array(W * H);
      for (let y = 0; y < H; y++) frame.set(wide.subarray(y * 3 * W + 3 * t, y * 3 * W + 3 * t + W), y * W);
      return frame;
    });
    expect(detect(pan)).toEqual([]);

    const random = mulberry32(9);
    const still = texture(7);
    const flicker = Array.from({ length: 40 }, () => {
      const gain = 1 + 0.12 * (random() - 0.5);
      const offset = 0.06 * (random() - 0.5);
      return still.map((v) => v * gain + offset + 0.06 * (random() - 0.5));
    });
    expect(detect(flicker)).toEqual([]);

    const fade = Array.from({ length: 30 }, (_, t) => still.map((v) => v * (1 - t / 29)));
    expect(detect(fade)).toEqual([]);
  });

  it('reports no second cut within the minimum shot length (a flash, a jump)', () => {
    const frames = [...shot(1, 10), ...shot(2, 2), ...shot(3, 10)];
    expect(detect(frames)).toEqual([10]);
    expect(detect(frames, W, H, new SceneCutDetector({ minShotFrames: 1 }))).toEqual([10, 12]);
  });

  it('continues from saved state exactly as without the break', () => {
    const frames = [...shot(1, 18), ...shot(2, 18), ...shot(3, 18)];
    const reference = new SceneCutDetector();
    const decisions = frames.map((f) => reference.push(f, W, H));
    for (const breakAt of [1, 17, 18, 19, 30]) {
      const first = new SceneCutDetector();
      const before = frames.slice(0, breakAt).map((f) => first.push(f, W, H));
      const resumed = new SceneCutDetector();
      resumed.loadState(first.saveState());
      const after = frames.slice(breakAt).map((f) => resumed.push(f, W, H));
      expect([...before, ...after]).toEqual(decisions);
    }
    expect(() => new SceneCutDetector({ gridColumns: 8 }).loadState(reference.saveState())).toThrow(/does not match/);
  });

  it('finds the cut between two real clips and none inside their shots', () => {
    // Two colour clips (committed CC BY 4.0 cuts) back to back: one cut where they meet; people walking
    // and traffic are not cuts.
    const joined = [...decodeLuma(roomClip, 60), ...decodeLuma(trafficClip, 56)];
    expect(joined).toHaveLength(116);
    expect(detect(joined, 170, 96)).toEqual([60]);
  });

  const bwFilm = sharedVideo(
    'bw-film-1950s-interior.mp4',
    'real film cuts between two actors; its rights are not stated, so it is not committed',
  );
  it('finds the cuts in a real 1950s film and none inside its shots', (context) => {
    if (bwFilm.missing) context.skip(bwFilm.missing);
    // The 1950s interior cuts between two people in one room at frames 34 and 134 (checked by eye).
    expect(detect(decodeLuma(bwFilm.file, 160), 170, 96)).toEqual([34, 134]);
  });
});
