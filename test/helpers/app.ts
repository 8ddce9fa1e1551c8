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
/** CC BY 4.0 cuts from intel-iot-devkit/sample-videos, 320x180, committed (see test/fixtures/README.md). */
export const peopleClipSource = path.join(repoRoot, 'test/fixtures/video/people-entering-room-320x180.mp4');
export const trafficClipSource = path.join(repoRoot, 'test/fixtures/video/road-traffic-overhead-320x180.mp4');

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
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=24:duration=2',
    '-vf',
    'format=gray,format=yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '20',
    '-f',
    'mp4',
    output,
  ]);
}

/** 2 s, 160x120, 24 fps, grey, no sound: 1 s of one test pattern, then a hard cut to another at frame 24. */
export function cutClip(): string {
  return make('grey-cut-160x120-2s.mp4', (output) => [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=24:duration=1',
    '-f',
    'lavfi',
    '-i',
    'mandelbrot=size=160x120:rate=24',
    '-filter_complex',
    '[1:v]trim=end_frame=24,setpts=PTS-STARTPTS[b];[0:v][b]concat=n=2:v=1:a=0,format=gray,format=yuv420p[v]',
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '20',
    '-f',
    'mp4',
    output,
  ]);
}

/** The grey film's shape: 25 fps, 75 frames (3 s), and the frame where its second shot begins. */
export const greyFilm = { name: 'grey-film-320-3s.mp4', fps: 25, frames: 75, cutFrame: 38, width: 320, height: 180 } as const;

/**
 * A 3 s grey film, 320x180 at 25 fps, with a quiet tone (mono AAC) as its sound track (so the film
 * has audio to report and to carry into the render): frames 0–37 are a woman walking into a room
 * (people-entering-room.mp4 from 6.4 s, 10 fps), then a hard cut at frame 38 to cars seen from above
 * (road-traffic-overhead.mp4 from 15.5 s, 12.5 fps), both from the committed cuts in
 * test/fixtures/video/. Both clips are CC BY 4.0 (intel-iot-devkit/sample-videos), so screenshots of
 * this film may be published with that attribution.
 */
export function greyFilmClip(): string {
  for (const source of [peopleClipSource, trafficClipSource]) {
    if (!existsSync(source)) throw new Error(`The committed test clip is missing: ${source}`);
  }
  const { fps, frames, cutFrame, width } = greyFilm;
  const shot = (input: number, count: number, label: string) =>
    `[${input}:v]fps=${fps},scale=${width}:-2,setsar=1,trim=end_frame=${count},setpts=PTS-STARTPTS[${label}]`;
  // Cached under its own name (the film is shown as greyFilm.name): made from the committed cuts.
  return make('grey-film-320-3s-from-fixtures.mp4', (output) => [
    '-ss',
    '6.4',
    '-t',
    '2',
    '-i',
    peopleClipSource,
    '-t',
    '2',
    '-i',
    trafficClipSource,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=44100:duration=${frames / fps}`,
    '-filter_complex',
    `${shot(0, cutFrame, 'a')};${shot(1, frames - cutFrame, 'b')};[a][b]concat=n=2:v=1:a=0,format=gray,format=yuv420p[v]`,
    '-map',
    '[v]',
    '-map',
    '2:a:0',
    '-t',
    String(frames / fps),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-ac',
    '1',
    '-b:a',
    '64k',
    '-f',
    'mp4',
    output,
  ]);
}

/** The colour-pin film's shape: shot A (a grey square moving right over a dark ground), then a hard cut to shot B. */
export const pinsFilm = {
  name: 'pins-two-shot-320-2s.mp4',
  fps: 25,
  frames: 50,
  cutFrame: 25,
  width: 320,
  height: 180,
  square: { x: 100, y: 60, width: 80, height: 60, step: 2 },
} as const;

/** Centre of the grey square in frame `frame` of shot A, in pixels. */
export function pinsSquareCentre(frame: number): { x: number; y: number } {
  const { x, y, width, height, step } = pinsFilm.square;
  return { x: x + step * frame + width / 2, y: y + height / 2 };
}

/**
 * 2 s, 320x180, 25 fps, grey, no sound: frames 0–24 a mid-grey square (80x60, luma 144) moving 2 px a
 * frame to the right over a dark ground; a hard cut at frame 25 to another scene (a light ground with
 * a dark bar and a grey disc elsewhere) for frames 25–49.
 */
export function pinsTwoShotClip(): string {
  const { fps, cutFrame, frames, width, height, square } = pinsFilm;
  const a = `color=c=0x202020:s=${width}x${height}:r=${fps}:d=${cutFrame / fps}[bg];color=c=0x909090:s=${square.width}x${square.height}:r=${fps}:d=${cutFrame / fps}[sq];[bg][sq]overlay=x='${square.x}+${square.step}*n':y=${square.y}:shortest=1,format=gray[a]`;
  const b = `color=c=0xc0c0c0:s=${width}x${height}:r=${fps}:d=${(frames - cutFrame) / fps},drawbox=x=0:y=120:w=${width}:h=30:color=0x303030:t=fill,drawbox=x=20:y=20:w=60:h=60:color=0x707070:t=fill,format=gray[b]`;
  return make(pinsFilm.name, (output) => [
    '-f',
    'lavfi',
    '-i',
    `${a};${b};[a][b]concat=n=2:v=1:a=0,format=yuv420p`,
    '-frames:v',
    String(frames),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '10',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'mp4',
    output,
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
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_type,codec_name,width,height,nb_read_frames:format=duration',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  ) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string }[];
    format: { duration: string };
  };
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
