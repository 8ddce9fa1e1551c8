// End to end through the engine (real ffmpeg, real onnxruntime with the small fixture model): every
// kind of film comes out with exactly the right frames, showing the same picture at the same time and
// the same shape as the source. Renders are lossless, so each output frame's luma can be compared
// with the source's bit for bit.

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import type { RenderEvent, RenderOptions, RenderResult } from '../../electron/common/types.js';
import { SHARED_VIDEO_DIR, makeClip, type ClipSpec } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import {
  decodedFrameCount,
  framePtsSec,
  lumaFrames,
  meanChromaDistance,
  probeStreams,
  tempDir,
  type StreamProbe,
} from '../helpers/render.js';

const CLIPS = {
  cfr: { name: 'render-cfr', durationSec: 2, audio: [{ codec: 'aac' }] },
  ntsc: { name: 'render-ntsc', durationSec: 1, fps: '30000/1001', bframes: 3 },
  // First half at 25 fps, second half at 12.5 fps; the tone runs the whole 3 s.
  vfr: { name: 'render-vfr', durationSec: 3, fps: 25, vfr: true, audio: [{ codec: 'aac' }] },
  interlaced: { name: 'render-interlaced', durationSec: 1, interlaced: true },
  odd: { name: 'render-odd', durationSec: 1, width: 161, height: 121, pixFmt: 'yuv444p' },
  rotated: { name: 'render-rot90-sar', durationSec: 1, rotation: 90, sar: '4:3' },
  rotated270: { name: 'render-rot270', durationSec: 1, rotation: 270 },
  anamorphic: { name: 'render-sar', durationSec: 1, sar: '4:3' },
} satisfies Record<string, ClipSpec>;

function videoOf(probed: { streams: StreamProbe[] }): StreamProbe {
  const video = probed.streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error('no video stream');
  return video;
}

function ratio(text: string | undefined): number {
  const [num, den] = (text && text !== '0:1' && text !== 'N/A' ? text : '1:1').split(/[:/]/).map(Number);
  return num / den;
}

function rotationOf(stream: StreamProbe): number {
  const ccw = stream.side_data_list?.find((sd) => typeof sd.rotation === 'number')?.rotation ?? 0;
  return ((-ccw % 360) + 360) % 360;
}

/** Width / height as a player shows the picture (sample aspect and rotation applied). */
function displayedAspect(stream: StreamProbe): number {
  const aspect = ((stream.width ?? 0) * ratio(stream.sample_aspect_ratio)) / (stream.height ?? 1);
  return rotationOf(stream) % 180 === 90 ? 1 / aspect : aspect;
}

function expectSameFrames(actual: Buffer[], expected: Buffer[]): void {
  expect(actual.length).toBe(expected.length);
  const firstDifferent = actual.findIndex((frame, i) => !frame.equals(expected[i]));
  expect(firstDifferent, `first frame whose luma differs`).toBe(-1);
}

describe('render: exact frames, timing and shape', () => {
  let engine: Engine;
  let work: string;
  const clips = {} as Record<keyof typeof CLIPS, string>;

  beforeAll(async () => {
    engine = createEngine();
    work = await tempDir('render-frames');
    for (const [key, spec] of Object.entries(CLIPS)) clips[key as keyof typeof CLIPS] = await makeClip(spec);
  });
  afterAll(async () => {
    await engine?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function render(
    input: string,
    name: string,
    extra: Partial<RenderOptions> = {},
  ): Promise<{ output: string; result: RenderResult; events: RenderEvent[] }> {
    const output = path.join(work, name);
    const events: RenderEvent[] = [];
    const result = await engine.render(
      { input, output, model: fixtureModelDir('fixture-chroma'), lossless: true, preset: 'ultrafast', segmentFrames: 12, ...extra },
      (event) => events.push(event),
    );
    // Sound films never raise the damage warning.
    expect(events.filter((e) => e.type === 'notice' && e.code === 'damaged-input')).toEqual([]);
    return { output, result, events };
  }

  const noticeCodes = (events: RenderEvent[]) => events.flatMap((e) => (e.type === 'notice' ? [e.code] : []));

  it.each([
    ['cfr', 'a 25 fps film with sound', 50, '25/1'],
    ['ntsc', 'a 29.97 fps film with B-frames', 30, '30000/1001'],
  ] as const)('%s: %s keeps every frame, in order, with the luma bit-exact', async (key, _what, frames, rate) => {
    const source = clips[key];
    expect(await decodedFrameCount(source)).toBe(frames);
    const { output, result } = await render(source, `${key}.mp4`);
    expect(result.frames).toBe(frames);

    const probed = await probeStreams(output, true);
    const video = videoOf(probed);
    expect(Number(video.nb_frames)).toBe(frames);
    expect(Number(video.nb_read_frames)).toBe(frames);
    expect(video.r_frame_rate).toBe(rate);
    expect(video.avg_frame_rate).toBe(rate);
    expectSameFrames(await lumaFrames(output, 160, 120), await lumaFrames(source, 160, 120));
  });

  it('H.265 (lossless): every frame, the luma bit-exact, tagged hvc1 for players', async () => {
    const source = clips.ntsc;
    const { output, result } = await render(source, 'ntsc-h265.mp4', { codec: 'h265' });
    expect(result.frames).toBe(30);
    const video = videoOf(await probeStreams(output, true));
    expect(video).toMatchObject({ codec_name: 'hevc', nb_read_frames: '30', r_frame_rate: '30000/1001' });
    expect((video as StreamProbe & { codec_tag_string?: string }).codec_tag_string).toBe('hvc1');
    expectSameFrames(await lumaFrames(output, 160, 120), await lumaFrames(source, 160, 120));
  });

  it('the real default model (fast) colours a black-and-white film, keeping its luma bit-exact', async () => {
    // A second of a real 1950s film when the shared films are here, else a grey test picture.
    const shared = path.join(SHARED_VIDEO_DIR, 'bw-film-1950s-interior.mp4');
    const real = existsSync(shared);
    const source = real ? shared : await makeClip({ name: 'render-grey', durationSec: 11, width: 320, height: 240, grey: true });
    const [width, height] = real ? [920, 672] : [320, 240];
    const { output, result, events } = await render(source, 'real-model.mp4', { model: undefined, from: 10, to: 10.8 });
    expect(result).toMatchObject({ model: 'fast', provider: 'cpu', frames: 20 });
    expect(events.find((e) => e.type === 'notice' && e.code === 'provider')).toMatchObject({
      message: expect.stringMatching(/ChromaReel Fast.* on CPU/),
    });
    expectSameFrames(
      await lumaFrames(output, width, height),
      await lumaFrames(source, width, height, { filters: 'select=between(n\\,250\\,269)' }),
    );
    expect(await meanChromaDistance(source, width, height, 'select=between(n\\,250\\,251)')).toBeLessThan(1);
    expect(await meanChromaDistance(output, width, height)).toBeGreaterThan(3);
  });

  it('a variable-frame-rate film becomes constant-rate: every output frame shows the source frame on screen at its time, and the sound stays in sync', async () => {
    const source = clips.vfr;
    const sourcePts = await framePtsSec(source);
    // The clip really is variable: frame gaps of 1/25 s, then of 2/25 s.
    const gaps = sourcePts.slice(1).map((t, i) => Math.round((t - sourcePts[i]) * 100) / 100);
    expect(new Set(gaps)).toEqual(new Set([0.04, 0.08]));

    // Rendered at the base rate (25 fps, the rate of the fast part), so no source frame is dropped.
    const info = await engine.probe(source);
    expect(info.video.variableFrameRate).toBe(true);
    expect(info.video.frameRate).toEqual({ num: 25, den: 1 });
    const { output, result, events } = await render(source, 'vfr.mp4');
    expect(noticeCodes(events)).toContain('vfr-to-cfr');
    // 3 s at 25 fps; the last frame lasts as long as the container says, so 74 or 75 frames.
    expect(result.frames).toBe(info.video.frameCount);
    expect([74, 75]).toContain(result.frames);

    const probed = await probeStreams(output, true);
    const video = videoOf(probed);
    const audio = probed.streams.find((s) => s.codec_type === 'audio')!;
    expect(Number(video.nb_read_frames)).toBe(result.frames);
    expect(video.avg_frame_rate).toBe('25/1');
    const frame = 1 / 25;
    expect(Math.abs(Number(video.start_time) - Number(audio.start_time))).toBeLessThan(frame);
    expect(Math.abs(Number(video.duration) - Number(audio.duration))).toBeLessThan(frame);
    expect(Math.abs(Number(video.duration) - 3)).toBeLessThan(frame / 2);

    // Frame i (shown from i/25 s) must be the source frame a player shows at that moment.
    const sourceLuma = await lumaFrames(source, 160, 120);
    const outputLuma = await lumaFrames(output, 160, 120);
    expect(outputLuma.length).toBe(result.frames);
    // Every source frame made it into the output.
    expect(new Set(outputLuma.map((luma) => sourceLuma.findIndex((f) => f.equals(luma)))).size).toBe(sourceLuma.length);
    const t0 = sourcePts[0];
    const mismatched: number[] = [];
    outputLuma.forEach((luma, i) => {
      let shown = 0;
      while (shown + 1 < sourcePts.length && sourcePts[shown + 1] - t0 <= i * frame + 1e-6) shown++;
      if (!luma.equals(sourceLuma[shown])) mismatched.push(i);
    });
    expect(mismatched).toEqual([]);
  });

  it('an interlaced film is deinterlaced by default (frame for frame), and left as it is when asked', async () => {
    const source = clips.interlaced;
    const deinterlaced = await render(source, 'interlaced-default.mp4');
    expect(noticeCodes(deinterlaced.events)).toContain('deinterlacing');
    expect(deinterlaced.result.frames).toBe(25);
    const woven = await lumaFrames(source, 160, 120);
    const out = await lumaFrames(deinterlaced.output, 160, 120);
    expect(out.length).toBe(25);
    // bwdif rebuilt the fields: the picture differs from the woven source frames...
    expect(out.filter((frame, i) => !frame.equals(woven[i])).length).toBeGreaterThan(20);
    // ...and matches ffmpeg's own bwdif frame for frame.
    expectSameFrames(out, await lumaFrames(source, 160, 120, { filters: 'bwdif=mode=send_frame:parity=auto:deint=all' }));

    expect(videoOf(await probeStreams(deinterlaced.output)).field_order).toBe('progressive');

    const kept = await render(source, 'interlaced-kept.mp4', { deinterlace: false });
    expect(noticeCodes(kept.events)).not.toContain('deinterlacing');
    expectSameFrames(await lumaFrames(kept.output, 160, 120), woven);
    // Outside lossless mode it is coded interlaced, top field first like the source, so a player
    // deinterlaces it. (Lossless output is coded progressive: x264's interlaced coding at qp 0 is not
    // bit-exact.)
    const coded = await render(source, 'interlaced-coded.mp4', { deinterlace: false, lossless: false, crf: 20 });
    expect(videoOf(await probeStreams(coded.output, true))).toMatchObject({ field_order: 'tt', nb_read_frames: '25' });
  });

  it('an odd-sized film loses its last column and row (161x121 → 160x120) with a notice, the rest bit-exact', async () => {
    const source = clips.odd;
    const { output, result, events } = await render(source, 'odd.mp4');
    expect(noticeCodes(events)).toContain('odd-size');
    expect(result.frames).toBe(25);
    const video = videoOf(await probeStreams(output));
    expect([video.width, video.height]).toEqual([160, 120]);
    expectSameFrames(await lumaFrames(output, 160, 120), await lumaFrames(source, 160, 120, { filters: 'crop=160:120:0:0' }));
  });

  it.each([
    ['rotated', '90° rotation with 4:3 pixels', [120, 160], '3:4'],
    ['rotated270', '270° rotation', [120, 160], '1:1'],
    ['anamorphic', '4:3 pixels (16:9 picture)', [160, 120], '4:3'],
  ] as const)('%s: a film with %s is shown with the same aspect as the source', async (key, _what, size, sar) => {
    const source = clips[key];
    const sourceVideo = videoOf(await probeStreams(source));
    const { output, result } = await render(source, `${key}.mp4`);
    expect(result.frames).toBe(25);
    const video = videoOf(await probeStreams(output));
    // The picture is turned upright in the pixels (no rotation flag left to honour) ...
    expect(rotationOf(video)).toBe(0);
    expect([video.width, video.height]).toEqual(size);
    expect(ratio(video.sample_aspect_ratio)).toBeCloseTo(ratio(sar), 6);
    // ... so it is displayed exactly as the source is.
    expect(displayedAspect(video)).toBeCloseTo(displayedAspect(sourceVideo), 6);
    expect(ratio(video.display_aspect_ratio)).toBeCloseTo(displayedAspect(sourceVideo), 6);
    // Turned the right way round: ffmpeg's own autorotation of the source gives the same luma.
    expectSameFrames(await lumaFrames(output, size[0], size[1]), await lumaFrames(source, size[0], size[1]));
  });
});
