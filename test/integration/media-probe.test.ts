// probe() and locateFfmpeg() against real ffmpeg and generated clips: the facts the render depends
// on, and a plain EngineError for every kind of unusable input.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLuma } from '../../electron/engine/media/decode.js';
import { findFfmpeg, locateFfmpeg } from '../../electron/engine/media/ffmpeg-locate.js';
import { probe } from '../../electron/engine/media/probe.js';
import { runFfmpeg } from '../../electron/engine/media/process.js';
import type { MediaInfo } from '../../electron/common/types.js';
import {
  CLIPS_DIR,
  ffprobeJson,
  makeAudioOnly,
  makeClip,
  makeFileWithContent,
  makeStillImage,
  makeTruncatedCopy,
  makeZeroFrameClip,
} from '../helpers/clips.js';
import { roomClip, sharedVideo, trafficClip } from '../helpers/paths.js';

function sharedFilm(name: string): [string, string | null] {
  const { file, missing } = sharedVideo(name, 'the full-length shared film; only short cuts are committed');
  return [file, missing];
}

async function countDecoded(info: MediaInfo): Promise<number> {
  let count = 0;
  for await (const _frame of decodeLuma(info, { startFrame: 0, deinterlace: true })) count++;
  return count;
}

describe('locateFfmpeg', () => {
  it('finds a working ffmpeg and ffprobe and caches the answer', async () => {
    const first = await locateFfmpeg();
    expect(first.version).toMatch(/^\S+$/);
    expect(existsSync(first.ffmpeg)).toBe(true);
    expect(existsSync(first.ffprobe)).toBe(true);
    expect(await locateFfmpeg()).toBe(first);
  });

  it('takes FFMPEG_PATH/FFPROBE_PATH before PATH', async () => {
    const found = await locateFfmpeg();
    const viaEnv = await findFfmpeg({
      useStaticPackages: false,
      env: { FFMPEG_PATH: found.ffmpeg, FFPROBE_PATH: found.ffprobe, PATH: '' },
    });
    expect(viaEnv).toMatchObject({ source: 'env', ffmpeg: found.ffmpeg, ffprobe: found.ffprobe });
    const viaPath = await findFfmpeg({ useStaticPackages: false, env: { PATH: path.dirname(found.ffmpeg) } });
    expect(viaPath.source).toBe('path');
  });

  it('says what to install when there is no ffmpeg', async () => {
    const missing = findFfmpeg({
      useStaticPackages: false,
      platform: 'linux',
      env: { PATH: '/nonexistent', FFMPEG_PATH: '/nonexistent/ffmpeg' },
    });
    await expect(missing).rejects.toMatchObject({
      code: 'ffmpeg-missing',
      message: expect.stringContaining('sudo apt-get install ffmpeg'),
    });
    await expect(missing).rejects.toMatchObject({ message: expect.stringContaining('FFMPEG_PATH') });
  });
});

describe('runFfmpeg', () => {
  it('turns a failed run into an ffmpeg-failed EngineError with the stderr tail as detail', async () => {
    const failed = runFfmpeg(['-i', path.join(CLIPS_DIR, 'no-such-input.mp4'), '-f', 'null', '-'], { what: 'read a missing file' });
    await expect(failed).rejects.toMatchObject({
      code: 'ffmpeg-failed',
      message: expect.stringMatching(/^ffmpeg could not read a missing file: .*No such file/),
    });
    await expect(failed).rejects.toMatchObject({ detail: expect.stringContaining('no-such-input.mp4') });
  });

  it('passes stdin data and returns stdout', async () => {
    const { stdout } = await runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '2x2', '-i', 'pipe:0', '-f', 'rawvideo', 'pipe:1'], {
      stdinData: new Uint8Array([1, 2, 3, 4]),
    });
    expect([...stdout]).toEqual([1, 2, 3, 4]);
  });
});

describe('probe', () => {
  const clips: Record<string, string> = {};
  beforeAll(async () => {
    clips.talkie = await makeClip({
      name: 'probe-talkie',
      container: 'mkv',
      durationSec: 2,
      sar: '4:3',
      audio: [
        { codec: 'aac', language: 'eng', title: 'Main' },
        { codec: 'pcm_s16le', channels: 2, sampleRate: 44100, language: 'fra' },
      ],
      subtitles: [{ language: 'eng' }],
      chapters: 3,
      tags: { title: 'A Test Film' },
    });
    clips.grey = await makeClip({ name: 'probe-grey', grey: true, durationSec: 1, fps: '30000/1001' });
    clips.rotated = await makeClip({ name: 'probe-rot270', rotation: 270, durationSec: 1 });
    // One key frame only (the first): nothing to sample at or after a third of the film.
    clips.oneGop = await makeClip({ name: 'probe-one-gop', durationSec: 3, gop: 1000 });
    clips.greyOneGop = await makeClip({ name: 'probe-grey-one-gop', grey: true, durationSec: 3, gop: 1000 });
    clips.interlaced = await makeClip({ name: 'probe-interlaced', interlaced: true, durationSec: 1 });
    clips.vfr = await makeClip({ name: 'probe-vfr', vfr: true, fps: 30, durationSec: 2 });
    clips.faststart = await makeClip({ name: 'probe-faststart', faststart: true, durationSec: 4, audio: [{ codec: 'aac' }] });
  });

  it('describes a Matroska film with two audio tracks, subtitles, chapters and tags', async () => {
    const info = await probe(clips.talkie);
    expect(info.formatName).toContain('matroska');
    expect(info.durationSec).toBeCloseTo(2, 1);
    expect(info.video).toMatchObject({
      codec: 'h264',
      width: 160,
      height: 120,
      outputWidth: 160,
      outputHeight: 120,
      sampleAspectRatio: '4:3',
      displayAspectRatio: '16:9',
      rotation: 0,
      pixelFormat: 'yuv420p',
      bitDepth: 8,
      fieldOrder: 'progressive',
      interlaced: false,
      frameRate: { num: 25, den: 1 },
      fps: 25,
      variableFrameRate: false,
      frameCount: 50,
      looksMonochrome: false,
    });
    expect(info.audio).toHaveLength(2);
    expect(info.audio[0]).toMatchObject({
      codec: 'aac',
      channels: 1,
      sampleRate: 48000,
      language: 'eng',
      title: 'Main',
      mp4Compatible: true,
    });
    expect(info.audio[1]).toMatchObject({ codec: 'pcm_s16le', channels: 2, sampleRate: 44100, language: 'fra', mp4Compatible: false });
    expect(info.subtitles).toEqual([expect.objectContaining({ codec: 'subrip', language: 'eng', mp4Compatible: true })]);
    expect(info.chapters).toBe(3);
    expect(info.tags.title).toBe('A Test Film');
    expect(await countDecoded(info)).toBe(info.video.frameCount);
  });

  it('gives an exact frame count and rational rate for NTSC-rate MP4, and notices a black-and-white picture', async () => {
    const info = await probe(clips.grey);
    expect(info.video.frameRate).toEqual({ num: 30000, den: 1001 });
    expect(info.video.frameCountExact).toBe(true);
    const nbFrames = (await ffprobeJson<{ streams: Array<{ nb_frames: string }> }>(clips.grey, ['-select_streams', 'v:0', '-show_streams']))
      .streams[0].nb_frames;
    expect(info.video.frameCount).toBe(Number(nbFrames));
    expect(info.video.looksMonochrome).toBe(true);
    expect(await countDecoded(info)).toBe(info.video.frameCount);
  });

  it('tells colour from black and white by a key frame, also in a film whose only key frame is its first', async () => {
    expect((await probe(clips.oneGop)).video.looksMonochrome).toBe(false);
    expect((await probe(clips.greyOneGop)).video.looksMonochrome).toBe(true);
  });

  it('reads the rotation clockwise and swaps the output size', async () => {
    const info = await probe(clips.rotated);
    expect(info.video.rotation).toBe(270);
    expect([info.video.width, info.video.height, info.video.outputWidth, info.video.outputHeight]).toEqual([160, 120, 120, 160]);
  });

  it('detects interlacing from the field order', async () => {
    const info = await probe(clips.interlaced);
    expect(info.video.fieldOrder).toBe('tt');
    expect(info.video.interlaced).toBe(true);
  });

  it('detects a variable frame rate, picks a sensible CFR rate and counts the frames the decoder makes', async () => {
    const info = await probe(clips.vfr);
    expect(info.video.variableFrameRate).toBe(true);
    expect(info.video.frameCountExact).toBe(false);
    // 30 frames at 1/30 s then 15 at 2/30 s: rendered at the base rate, 30 fps, so no frame is lost.
    expect(info.video.frameRate).toEqual({ num: 30, den: 1 });
    // The last frame lasts as long as the container says (1/30 or 2/30 s): 59 or 60 frames.
    expect([59, 60]).toContain(info.video.frameCount);
    expect(await countDecoded(info)).toBe(info.video.frameCount);
  });

  // Real films: the committed CC BY cuts always; the 20 s shared films when they are beside the checkout.
  it.for([
    ['people-entering-room-320x180.mp4 (committed)', roomClip, null, 80, { num: 10, den: 1 }],
    ['road-traffic-overhead-320x180.mp4 (committed)', trafficClip, null, 56, { num: 25, den: 2 }],
    ['road-traffic-overhead.mp4 (shared)', ...sharedFilm('road-traffic-overhead.mp4'), 250, { num: 25, den: 2 }],
    ['bw-film-1950s-interior.mp4 (shared)', ...sharedFilm('bw-film-1950s-interior.mp4'), 500, { num: 25, den: 1 }],
  ] as const)('describes the real film %s', async ([, file, missing, frames, rate], context) => {
    if (missing) context.skip(missing);
    const info = await probe(file);
    expect(info.video.frameRate).toEqual(rate);
    expect(info.video.frameCount).toBe(frames);
    expect(info.video.frameCountExact).toBe(true);
  });

  describe('refuses unusable input with a plain sentence and a code', () => {
    it('a missing file → input-missing', async () => {
      await expect(probe(path.join(CLIPS_DIR, 'does-not-exist.mp4'))).rejects.toMatchObject({
        code: 'input-missing',
        message: expect.stringContaining('does not exist'),
      });
    });

    it('a text file renamed .mp4 → not-a-video', async () => {
      const file = await makeFileWithContent('text-renamed.mp4', 'This is a shopping list, not a film.\nMilk\nBread\n');
      await expect(probe(file)).rejects.toMatchObject({ code: 'not-a-video', message: expect.stringContaining('not a video file') });
    });

    it('an audio-only file → no-video-stream', async () => {
      const file = await makeAudioOnly('audio-only');
      await expect(probe(file)).rejects.toMatchObject({ code: 'no-video-stream', message: expect.stringContaining('no picture') });
    });

    it('a still image → no-video-stream, pointing to the photo mode', async () => {
      const file = await makeStillImage('still', 'png');
      await expect(probe(file)).rejects.toMatchObject({ code: 'no-video-stream', message: expect.stringContaining('photo') });
    });

    it('a video stream without frames → zero-frames', async () => {
      const file = await makeZeroFrameClip('zero-frames');
      await expect(probe(file)).rejects.toMatchObject({ code: 'zero-frames' });
    });

    it('an MP4 cut in half with its index at the end → corrupt-input', async () => {
      const mp4 = await makeTruncatedCopy(await makeClip({ name: 'probe-moov-at-end', durationSec: 2 }), 'half-moov-at-end.mp4', 0.5);
      await expect(probe(mp4)).rejects.toMatchObject({ code: 'corrupt-input', message: expect.stringContaining('damaged') });
    });

    it('an MP4 cut in half with its index at the front → corrupt-input naming where the data stops', async () => {
      const file = await makeTruncatedCopy(clips.faststart, 'half-faststart.mp4', 0.5);
      await expect(probe(file)).rejects.toMatchObject({
        code: 'corrupt-input',
        message: expect.stringMatching(/cut short.*stops at about \d/),
      });
    });

    it('a Matroska file cut in half either probes to a frame count the decoder honours or raises corrupt-input', async () => {
      const file = await makeTruncatedCopy(clips.talkie, 'half-talkie.mkv', 0.5);
      const outcome = await probe(file).then(
        async (info) => ({ counted: info.video.frameCount, decoded: await countDecoded(info) }),
        (error) => ({ code: error.code as string }),
      );
      if ('code' in outcome) expect(outcome.code).toBe('corrupt-input');
      else expect(outcome.decoded).toBe(outcome.counted);
    });
  });
});
