// Segment encoding and the final mux against real ffmpeg: lossless round trips, exact joins, sound
// copied bit-exact (or converted with a notice), range cuts and the output rules.

import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLuma } from '../../electron/engine/media/decode.js';
import { createSegmentEncoder } from '../../electron/engine/media/encode.js';
import { muxOutput } from '../../electron/engine/media/mux.js';
import { probe } from '../../electron/engine/media/probe.js';
import { quantizeChroma, upscaleChroma, upscaleCodes } from '../../electron/engine/pipeline/chroma-merge.js';
import type { YuvFrame } from '../../electron/engine/pipeline/frames.js';
import type { MediaInfo } from '../../electron/common/types.js';
import { audioMd5, ffprobeJson, makeClip, rawVideo, runFfmpegTool } from '../helpers/clips.js';

/** The film's own luma with made-up chroma, as the pipeline would hand it to the encoder. */
async function colourFrames(info: MediaInfo, count?: number): Promise<YuvFrame[]> {
  const frames: YuvFrame[] = [];
  for await (const luma of decodeLuma(info, { startFrame: 0, frameCount: count, deinterlace: true })) {
    const chroma = (luma.width / 2) * (luma.height / 2);
    const u = new Uint8Array(chroma).map((_, i) => (i * 7 + luma.index * 3) & 255);
    const v = new Uint8Array(chroma).map((_, i) => (255 - i * 5 + luma.index) & 255);
    frames.push({ index: luma.index, width: luma.width, height: luma.height, y: luma.y, u, v });
  }
  return frames;
}

/** Cb then Cr codes scaled by ffmpeg as the render's encoder once did (bilinear, rounded): U then V. */
async function ffmpegScaled(
  codes: Uint8Array,
  from: { width: number; height: number },
  to: { width: number; height: number },
): Promise<Buffer> {
  const file = path.join(os.tmpdir(), `chromareel-codes-${process.pid}.raw`);
  await writeFile(file, codes);
  try {
    const scale = `scale=${to.width}:${to.height}:flags=bilinear+accurate_rnd`;
    return await runFfmpegTool('ffmpeg', [
      ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${from.width}x${2 * from.height}`, '-i', file],
      ...[
        '-filter_complex',
        `[0:v]split=2[a][b];[a]crop=${from.width}:${from.height}:0:0,${scale}[u];[b]crop=${from.width}:${from.height}:0:${from.height},${scale}[v];[u][v]vstack`,
      ],
      ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    ]);
  } finally {
    await rm(file, { force: true });
  }
}

async function encodeSegments(
  info: MediaInfo,
  frames: YuvFrame[],
  dir: string,
  perSegment: number,
  options: { lossless?: boolean; codec?: 'h264' | 'h265'; colorRange?: 'tv' | 'pc' } = {},
): Promise<{ segments: string[]; counts: number[] }> {
  const segments: string[] = [];
  const counts: number[] = [];
  for (let start = 0; start < frames.length; start += perSegment) {
    const file = path.join(dir, `seg-${segments.length}.mp4`);
    const encoder = await createSegmentEncoder({
      path: file,
      width: info.video.outputWidth,
      height: info.video.outputHeight,
      frameRate: info.video.frameRate,
      codec: options.codec,
      crf: 23,
      preset: 'ultrafast',
      lossless: options.lossless,
      sar: info.video.sampleAspectRatio,
      colorRange: options.colorRange ?? 'tv',
    });
    const chunk = frames.slice(start, start + perSegment);
    for (const frame of chunk) await encoder.write(frame);
    await encoder.finish();
    segments.push(file);
    counts.push(chunk.length);
  }
  return { segments, counts };
}

function planes(frames: YuvFrame[]): Buffer {
  return Buffer.concat(frames.flatMap((f) => [Buffer.from(f.y), Buffer.from(f.u), Buffer.from(f.v)]));
}

interface ProbedStreams {
  streams: Array<{
    codec_type: string;
    codec_name: string;
    nb_frames?: string;
    duration?: string;
    color_range?: string;
    color_space?: string;
    tags?: Record<string, string>;
  }>;
  chapters: unknown[];
  format: { duration: string; tags?: Record<string, string> };
}

describe('segment encoder and mux', () => {
  let work: string;
  const clips: Record<string, string> = {};
  const infos: Record<string, MediaInfo> = {};
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'chromareel-media-test-'));
    clips.film = await makeClip({
      name: 'mux-film',
      durationSec: 2,
      audio: [
        { codec: 'aac', freq: 440, language: 'eng' },
        { codec: 'flac', freq: 660, channels: 2, language: 'deu' },
      ],
      subtitles: [{ language: 'eng' }],
      chapters: 2,
      tags: { title: 'Mux Test', comment: 'kept' },
    });
    clips.pcm = await makeClip({ name: 'mux-pcm', container: 'mkv', durationSec: 1, audio: [{ codec: 'pcm_s16le' }] });
    clips.ntsc = await makeClip({ name: 'mux-ntsc', fps: '30000/1001', durationSec: 2, width: 96, height: 64, audio: [{ codec: 'aac' }] });
    for (const [key, file] of Object.entries(clips)) infos[key] = await probe(file);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lossless H.264 segments give back exactly the planes written, tagged BT.601 and the chosen range', async () => {
    const dir = await mkdtemp(path.join(work, 'x264-'));
    const frames = await colourFrames(infos.film);
    const { segments } = await encodeSegments(infos.film, frames, dir, 30, { lossless: true, colorRange: 'pc' });
    expect(segments).toHaveLength(2);
    // Read back in the decoder's own format (yuvj420p for full range): no conversion on the way.
    const decoded = Buffer.concat([await rawVideo(segments[0]), await rawVideo(segments[1])]);
    expect(decoded.equals(planes(frames))).toBe(true);
    const tags = (await ffprobeJson<ProbedStreams>(segments[0], ['-show_streams'])).streams[0];
    expect(tags).toMatchObject({ color_range: 'pc', color_space: 'smpte170m' });
    // Only the finished segments are in the folder: no partial files left behind.
    expect((await readdir(dir)).sort()).toEqual(['seg-0.mp4', 'seg-1.mp4']);
  });

  it("a render's frames: the model-size chroma codes upscaled (within one code of upscaleChroma and of ffmpeg's bilinear scale), the luma exact", async () => {
    const dir = await mkdtemp(path.join(work, 'codes-'));
    const info = infos.film;
    const lumas = await colourFrames(info);
    const [width, height] = [lumas[0].width, lumas[0].height];
    const small = { width: 56, height: 34 }; // not a whole fraction of the 80x60 chroma planes
    const offsets = (seed: number) =>
      new Float32Array(small.width * small.height).map((_, i) => 0.4 * Math.sin(i * 0.37 + seed) * Math.cos((i % small.width) * 0.21));
    const file = path.join(dir, 'seg.mp4');
    const encoder = await createSegmentEncoder({
      path: file,
      width,
      height,
      frameRate: info.video.frameRate,
      lossless: true,
      preset: 'ultrafast',
      colorRange: 'pc',
    });
    const expected: Buffer[] = [];
    const quarter = (width / 2) * (height / 2);
    let worstVsFfmpeg = 0;
    let done = 0;
    for (const frame of lumas) {
      const [cb, cr] = [offsets(frame.index), offsets(frame.index + 1.5)];
      const { u, v } = upscaleChroma(cb, cr, small.width, small.height, width / 2, height / 2, 'pc', 1.2);
      expected.push(Buffer.from(frame.y), Buffer.from(u), Buffer.from(v));
      const codes = quantizeChroma(cb, cr, 'pc', 1.2);
      const planes = upscaleCodes(codes, small.width, small.height, width / 2, height / 2);
      // What the render's encoder did with the same codes before they were upscaled here.
      const scaled = await ffmpegScaled(codes, small, { width: width / 2, height: height / 2 });
      for (let i = 0; i < planes.length; i++) worstVsFfmpeg = Math.max(worstVsFfmpeg, Math.abs(planes[i] - scaled[i]));
      await encoder.write({ ...frame, u: planes.subarray(0, quarter), v: planes.subarray(quarter) }, () => done++);
    }
    await expect(encoder.write({ ...lumas[0], u: new Uint8Array(1), v: new Uint8Array(1) })).rejects.toMatchObject({ code: 'bad-option' });
    await encoder.finish();
    expect(done).toBe(lumas.length);
    expect(worstVsFfmpeg).toBeLessThanOrEqual(1);
    const decoded = await rawVideo(file);
    const want = Buffer.concat(expected);
    expect(decoded.length).toBe(want.length);
    const frameBytes = (width * height * 3) / 2;
    let worst = 0;
    for (let f = 0; f < lumas.length; f++) {
      const at = f * frameBytes;
      expect(decoded.subarray(at, at + width * height).equals(want.subarray(at, at + width * height))).toBe(true);
      for (let i = at + width * height; i < at + frameBytes; i++) worst = Math.max(worst, Math.abs(decoded[i] - want[i]));
    }
    expect(worst).toBeLessThanOrEqual(1);
    const tags = (await ffprobeJson<ProbedStreams>(file, ['-show_streams'])).streams[0];
    expect(tags).toMatchObject({ color_range: 'pc', color_space: 'smpte170m' });
  });

  it('lossless H.265 gives back exactly the luma written', async () => {
    const dir = await mkdtemp(path.join(work, 'x265-'));
    const frames = await colourFrames(infos.film, 8);
    const { segments } = await encodeSegments(infos.film, frames, dir, 8, { lossless: true, codec: 'h265' });
    const segmentInfo = await probe(segments[0]);
    expect(segmentInfo.video.codec).toBe('hevc');
    const lumas: Buffer[] = [];
    for await (const luma of decodeLuma(segmentInfo, { startFrame: 0, deinterlace: false })) lumas.push(Buffer.from(luma.y));
    expect(Buffer.concat(lumas).equals(Buffer.concat(frames.map((f) => Buffer.from(f.y))))).toBe(true);
  });

  it('abort stops ffmpeg and leaves no file; a wrong frame size is refused', async () => {
    const dir = await mkdtemp(path.join(work, 'abort-'));
    const frames = await colourFrames(infos.film, 5);
    const encoder = await createSegmentEncoder({
      path: path.join(dir, 'seg.mp4'),
      width: 160,
      height: 120,
      frameRate: { num: 25, den: 1 },
      colorRange: 'tv',
    });
    for (const frame of frames) await encoder.write(frame);
    await expect(encoder.write({ ...frames[0], width: 80 })).rejects.toMatchObject({ code: 'bad-option' });
    await encoder.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('muxes a whole film: every frame, CFR, both audio tracks bit-identical, subtitles, chapters and tags', async () => {
    const dir = await mkdtemp(path.join(work, 'whole-'));
    const info = infos.film;
    const { segments, counts } = await encodeSegments(info, await colourFrames(info), dir, 30);
    const output = path.join(dir, 'colour film.mp4');
    const { notices } = await muxOutput({
      segments,
      segmentFrameCounts: counts,
      source: info,
      output,
      fromSec: 0,
      toSec: info.video.frameCount / info.video.fps,
    });
    expect(notices).toEqual([]);

    const result = await probe(output);
    expect(result.video.frameCount).toBe(info.video.frameCount);
    expect(result.video.frameRate).toEqual(info.video.frameRate);
    expect(result.video.variableFrameRate).toBe(false);
    expect(result.audio.map((a) => [a.codec, a.language])).toEqual([
      ['aac', 'eng'],
      ['flac', 'deu'],
    ]);
    expect(await audioMd5(output, '0:a:0')).toBe(await audioMd5(clips.film, '0:a:0'));
    expect(await audioMd5(output, '0:a:1')).toBe(await audioMd5(clips.film, '0:a:1'));
    expect(result.subtitles).toEqual([expect.objectContaining({ codec: 'mov_text', language: 'eng' })]);
    expect(result.chapters).toBe(2);
    expect(result.tags).toMatchObject({ title: 'Mux Test', comment: 'kept' });
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('converts PCM audio to AAC with a notice for MP4, and keeps it as is in MKV', async () => {
    const dir = await mkdtemp(path.join(work, 'pcm-'));
    const info = infos.pcm;
    const { segments, counts } = await encodeSegments(info, await colourFrames(info), dir, 25);
    const whole = { segments, segmentFrameCounts: counts, source: info, fromSec: 0, toSec: info.video.frameCount / info.video.fps };

    const mp4 = await muxOutput({ ...whole, output: path.join(dir, 'out.mp4') });
    expect(mp4.notices).toEqual([
      expect.objectContaining({
        type: 'notice',
        code: 'audio-transcoded',
        level: 'warning',
        message: expect.stringContaining('pcm_s16le'),
      }),
    ]);
    expect((await probe(path.join(dir, 'out.mp4'))).audio.map((a) => a.codec)).toEqual(['aac']);

    const mkv = await muxOutput({ ...whole, output: path.join(dir, 'out.mkv') });
    expect(mkv.notices).toEqual([]);
    expect(await audioMd5(path.join(dir, 'out.mkv'))).toBe(await audioMd5(clips.pcm));
  });

  it('cuts the sound to the rendered range', async () => {
    const dir = await mkdtemp(path.join(work, 'range-'));
    const info = infos.ntsc;
    const first = 15;
    const last = 45; // exclusive: 30 frames = 1.001 s
    const frames = (await colourFrames(info, last)).slice(first);
    const { segments, counts } = await encodeSegments(info, frames, dir, 16);
    const output = path.join(dir, 'range.mp4');
    await muxOutput({
      segments,
      segmentFrameCounts: counts,
      source: info,
      output,
      fromSec: first / info.video.fps,
      toSec: last / info.video.fps,
    });

    const result = await probe(output);
    expect(result.video.frameCount).toBe(30);
    const audio = (await ffprobeJson<ProbedStreams>(output, ['-show_streams'])).streams.find((s) => s.codec_type === 'audio');
    expect(Number(audio?.duration)).toBeGreaterThan(1.001 - 0.05);
    expect(Number(audio?.duration)).toBeLessThan(1.001 + 0.05);
  });

  it('joins NTSC-rate segments with exact frame timestamps (no drift at the joins)', async () => {
    const dir = await mkdtemp(path.join(work, 'ntsc-'));
    const info = infos.ntsc;
    const { segments, counts } = await encodeSegments(info, await colourFrames(info), dir, 25);
    const output = path.join(dir, 'ntsc.mp4');
    await muxOutput({ segments, segmentFrameCounts: counts, source: info, output, fromSec: 0, toSec: 100 });
    const packets = await ffprobeJson<{ packets: Array<{ pts: number }> }>(output, [
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts',
    ]);
    const pts = packets.packets.map((p) => p.pts).sort((a, b) => a - b);
    expect(pts).toHaveLength(info.video.frameCount);
    const steps = new Set(pts.slice(1).map((p, i) => p - pts[i]));
    expect(steps.size).toBe(1);
    expect((await probe(output)).video.frameRate).toEqual({ num: 30000, den: 1001 });
  });

  it('refuses to overwrite unless asked, replaces atomically when asked, and never writes over the input', async () => {
    const dir = await mkdtemp(path.join(work, 'rules-'));
    const info = infos.pcm;
    const { segments, counts } = await encodeSegments(info, await colourFrames(info, 5), dir, 5);
    const output = path.join(dir, 'taken.mp4');
    await writeFile(output, 'precious');
    const base = { segments, segmentFrameCounts: counts, source: info, fromSec: 0, toSec: 5 / info.video.fps };
    await expect(muxOutput({ ...base, output })).rejects.toMatchObject({ code: 'output-exists' });
    expect((await stat(output)).size).toBe('precious'.length);
    await muxOutput({ ...base, output, overwrite: true });
    expect((await probe(output)).video.frameCount).toBe(5);
    await expect(muxOutput({ ...base, output: clips.pcm, overwrite: true })).rejects.toMatchObject({ code: 'output-is-input' });
    await expect(muxOutput({ ...base, output: path.join(dir, 'film.avi') })).rejects.toMatchObject({ code: 'bad-option' });
  });
});
