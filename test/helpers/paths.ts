import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedVideoDir = path.resolve(repoRoot, '../shared/data/video');
export const generatedDir = path.join(repoRoot, 'test/fixtures/generated');
export const testOutputDir = path.join(repoRoot, 'test-output');
export const cliPath = path.join(repoRoot, 'bin/chromareel.js');

/** Short CC BY 4.0 cuts of real footage, committed with the repo (see test/fixtures/README.md). */
export const fixtureVideoDir = path.join(repoRoot, 'test/fixtures/video');
/** people-entering-room.mp4 0–8 s: 320x180, 10 fps, 80 frames, one long GOP with B-frames, no sound. */
export const roomClip = path.join(fixtureVideoDir, 'people-entering-room-320x180.mp4');
/** road-traffic-overhead.mp4 15.5–20 s: 320x180, 12.5 fps, 56 frames, no sound. */
export const trafficClip = path.join(fixtureVideoDir, 'road-traffic-overhead-320x180.mp4');

/**
 * A film of ../shared/data/video (the project's larger shared data, beside the checkout on CI but not
 * in a newcomer's clone) and the note a test skips with, visibly, when it is missing:
 *   const bwFilm = sharedVideo('bw-film-1950s-interior.mp4', 'real film grain; its rights are not stated');
 *   it('…', (context) => { if (bwFilm.missing) context.skip(bwFilm.missing); … });
 */
export function sharedVideo(name: string, why: string): { file: string; missing: string | null } {
  const file = path.join(sharedVideoDir, name);
  return { file, missing: existsSync(file) ? null : `needs ../shared/data/video/${name} (${why}); not beside this checkout` };
}
