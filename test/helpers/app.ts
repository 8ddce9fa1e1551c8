// Fixtures for the app's tests (host API, server, e2e): tiny clips made with ffmpeg on demand
// (idempotent, into test/fixtures/generated/app/), and the engine's model folders.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const appFixturesDir = path.join(repoRoot, 'test/fixtures/generated/app');
export const fixtureModelsDir = path.join(repoRoot, 'test/fixtures/generated/models');
export const screenshotsDir = path.join(repoRoot, 'test-output/screenshots');
export const bwFilmSource = path.resolve(repoRoot, '../shared/data/video/bw-film-1950s-interior.mp4');

function make(name: string, args: (output: string) => string[]): string {
  mkdirSync(appFixturesDir, { recursive: true });
  const output = path.join(appFixturesDir, name);
  if (existsSync(output)) return output;
  const temp = path.join(appFixturesDir, `.tmp-${process.pid}-${name}`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args(temp)], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(temp, output);
  return output;
}

/** 2 s of a moving grey test pattern, 160x120, 24 fps, no sound. */
export function greyClip(): string {
  return make('grey-160x120-2s.mp4', (output) => [
    '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=24:duration=2',
    '-vf', 'format=gray,format=yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-f', 'mp4', output,
  ]);
}

/** 2 s, 160x120, 24 fps, grey, no sound: 1 s of one test pattern, then a hard cut to another at frame 24. */
export function cutClip(): string {
  return make('grey-cut-160x120-2s.mp4', (output) => [
    '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=24:duration=1',
    '-f', 'lavfi', '-i', 'mandelbrot=size=160x120:rate=24',
    '-filter_complex', '[1:v]trim=end_frame=24,setpts=PTS-STARTPTS[b];[0:v][b]concat=n=2:v=1:a=0,format=gray,format=yuv420p[v]',
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-f', 'mp4', output,
  ]);
}

/**
 * The first 3 s of the 1950s black-and-white interior, scaled to 320 pixels wide, with a quiet tone
 * as its sound track (so the film has audio to report and to carry into the render).
 */
export function bwFilmClip(): string {
  if (!existsSync(bwFilmSource)) throw new Error(`The shared test film is missing: ${bwFilmSource}`);
  return make('bw-film-320-3s.mp4', (output) => [
    '-i', bwFilmSource,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=3',
    '-t', '3', '-map', '0:v:0', '-map', '1:a:0',
    '-vf', 'scale=320:-2,setsar=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-f', 'mp4', output,
  ]);
}

/** A file that is not a film at all. */
export function notAFilm(): string {
  const output = path.join(appFixturesDir, 'not-a-film.mp4');
  if (!existsSync(output)) {
    mkdirSync(appFixturesDir, { recursive: true });
    execFileSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(output)}, 'just some text, not a video')`]);
  }
  return output;
}

export interface FfprobeSummary {
  frames: number;
  durationSec: number;
  width: number;
  height: number;
  codec: string;
  audioStreams: number;
}

/** Counts the frames of a film's first video stream by decoding it (exact, not from the header). */
export function ffprobeSummary(file: string): FfprobeSummary {
  const json = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames:format=duration', '-of', 'json', file], { encoding: 'utf8' }),
  ) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string }[]; format: { duration: string } };
  const video = json.streams.find((stream) => stream.codec_type === 'video');
  if (!video) throw new Error(`${file} has no video stream`);
  return {
    frames: Number(video.nb_read_frames),
    durationSec: Number(json.format.duration),
    width: video.width ?? 0,
    height: video.height ?? 0,
    codec: video.codec_name,
    audioStreams: json.streams.filter((stream) => stream.codec_type === 'audio').length,
  };
}
