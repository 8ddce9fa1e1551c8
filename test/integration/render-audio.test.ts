// Sound through a whole render (real ffmpeg, real onnxruntime, fixture model): every audio track is
// kept bit-exact where the output container can hold it, converted to AAC with a notice where it
// cannot, and a --from/--to range gets exactly its frames and the matching sound.

import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import type { NoticeEvent, RenderEvent, RenderOptions, RenderResult } from '../../electron/common/types.js';
import { audioMd5, makeClip, runFfmpegTool, type ClipSpec } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import { decodedAudioSec, jsonLines, lumaFrames, probeStreams, runCli, streamMd5, tempDir } from '../helpers/render.js';

const CLIPS = {
  // Matroska holds anything: AAC, AC-3, FLAC copy into MP4 as they are; PCM cannot and becomes AAC.
  talkie: {
    name: 'render-talkie',
    container: 'mkv',
    durationSec: 2,
    audio: [
      { codec: 'aac', freq: 440, language: 'eng', title: 'English' },
      { codec: 'ac3', freq: 550, channels: 2 },
      { codec: 'flac', freq: 660, language: 'fra' },
      { codec: 'pcm_s16le', freq: 770, sampleRate: 44100 },
    ],
  },
  mp3InMp4: {
    name: 'render-mp3-mp4',
    durationSec: 2,
    audio: [
      { codec: 'mp3', freq: 330, channels: 2 },
      { codec: 'aac', freq: 880 },
    ],
  },
  // Matroska trims MP3/Opus padding at the end with per-packet side data that MP4 has no place for.
  paddedInMkv: {
    name: 'render-mp3-opus-mkv',
    container: 'mkv',
    durationSec: 2,
    audio: [
      { codec: 'mp3', freq: 330 },
      { codec: 'opus', freq: 990 },
    ],
  },
  // 997 Hz never repeats within the clip, so a sound cut in the wrong place cannot match by chance.
  range: { name: 'render-range', durationSec: 3, gop: 12, audio: [{ codec: 'aac', freq: 997 }] },
} satisfies Record<string, ClipSpec>;

/** Decoded audio of one stream as mono signed 16-bit samples. */
async function pcm(file: string, stream: string): Promise<Int16Array> {
  const bytes = await runFfmpegTool('ffmpeg', ['-i', file, '-map', stream, '-ac', '1', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1']);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

/** Per-packet MD5s of a stream copied out as it is (the compressed bytes, not the decoded sound). */
async function packetMd5s(file: string, stream: string): Promise<string[]> {
  const text = (await runFfmpegTool('ffmpeg', ['-i', file, '-map', stream, '-c', 'copy', '-f', 'framemd5', 'pipe:1'])).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',')[5].trim());
}

describe('render: sound', () => {
  let engine: Engine;
  let work: string;
  const clips = {} as Record<keyof typeof CLIPS, string>;

  beforeAll(async () => {
    engine = createEngine();
    work = await tempDir('render-audio');
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
  ): Promise<{ output: string; result: RenderResult; notices: NoticeEvent[] }> {
    const output = path.join(work, name);
    const events: RenderEvent[] = [];
    const result = await engine.render(
      { input, output, model: fixtureModelDir('fixture-chroma'), preset: 'ultrafast', stabilize: 'off', ...extra },
      (event) => events.push(event),
    );
    return { output, result, notices: events.filter((e): e is NoticeEvent => e.type === 'notice') };
  }

  it('keeps every audio track of a film in order: copied tracks decode bit-identically, PCM becomes AAC with a warning', async () => {
    const source = clips.talkie;
    const { output, notices } = await render(source, 'talkie.mp4');
    const audio = (await probeStreams(output)).streams.filter((s) => s.codec_type === 'audio');
    expect(audio.map((s) => s.codec_name)).toEqual(['aac', 'ac3', 'flac', 'aac']);
    expect(audio[0].tags?.language).toBe('eng');
    expect(audio[0].tags?.title ?? audio[0].tags?.handler_name).toBe('English');
    expect(audio[2].tags?.language).toBe('fra');

    for (const track of [0, 1, 2]) {
      expect(await audioMd5(output, `0:a:${track}`), `audio track ${track + 1}`).toBe(await audioMd5(source, `0:a:${track}`));
    }

    const transcoded = notices.filter((n) => n.code === 'audio-transcoded');
    expect(transcoded).toHaveLength(1);
    expect(transcoded[0].level).toBe('warning');
    expect(transcoded[0].message).toMatch(/track 4 \(pcm_s16le\).*AAC/);
    // The converted track plays the tone at the same moments as the original, to the millisecond.
    const sourceTrack = (await probeStreams(source)).streams.filter((s) => s.codec_type === 'audio')[3];
    const [original, converted] = await Promise.all([pcm(source, '0:a:3'), pcm(output, '0:a:3')]);
    const toneSpan = (samples: Int16Array, offsetSec: number) => {
      const loud = (i: number) => Math.abs(samples[i]) > 200;
      let first = 0;
      while (!loud(first)) first++;
      let last = samples.length - 1;
      while (!loud(last)) last--;
      return [offsetSec + first / 44100, offsetSec + last / 44100];
    };
    const [sourceStart, sourceEnd] = toneSpan(original, Number(sourceTrack.start_time));
    const [start, end] = toneSpan(converted, Number(audio[3].start_time));
    expect(Math.abs(start - sourceStart)).toBeLessThan(0.001);
    expect(Math.abs(end - sourceEnd)).toBeLessThan(0.001);
    expect(await decodedAudioSec(output, '0:a:3')).toBeGreaterThanOrEqual(original.length / 44100);
  });

  it('keeps MP3 from an MP4 film bit-identical too', async () => {
    const { output, notices } = await render(clips.mp3InMp4, 'mp3.mp4');
    expect(notices.filter((n) => n.code === 'audio-transcoded')).toEqual([]);
    for (const track of [0, 1]) expect(await audioMd5(output, `0:a:${track}`)).toBe(await audioMd5(clips.mp3InMp4, `0:a:${track}`));
  });

  it('writes an .mkv output with every track (PCM included) decoding bit-identically, no conversion', async () => {
    const { output, notices } = await render(clips.talkie, 'talkie.mkv');
    expect(notices.filter((n) => n.code === 'audio-transcoded')).toEqual([]);
    const audio = (await probeStreams(output)).streams.filter((s) => s.codec_type === 'audio');
    expect(audio.map((s) => s.codec_name)).toEqual(['aac', 'ac3', 'flac', 'pcm_s16le']);
    for (const track of [0, 1, 2, 3]) expect(await audioMd5(output, `0:a:${track}`)).toBe(await audioMd5(clips.talkie, `0:a:${track}`));
    // And MP3/Opus from Matroska stay bit-identical in Matroska, end padding trimmed as in the source.
    const padded = await render(clips.paddedInMkv, 'padded.mkv');
    for (const track of [0, 1])
      expect(await audioMd5(padded.output, `0:a:${track}`)).toBe(await audioMd5(clips.paddedInMkv, `0:a:${track}`));
  });

  it('MP3/Opus from Matroska into MP4: the packets are copied unchanged and the sound is the same up to the encoder padding MP4 cannot trim', async () => {
    const source = clips.paddedInMkv;
    const { output } = await render(source, 'padded.mp4');
    for (const [track, frameSamples] of [
      [0, 1152],
      [1, 960],
    ] as const) {
      expect(await packetMd5s(output, `0:a:${track}`)).toEqual(await packetMd5s(source, `0:a:${track}`));
      const [original, copied] = await Promise.all([pcm(source, `0:a:${track}`), pcm(output, `0:a:${track}`)]);
      expect(copied.length).toBeGreaterThanOrEqual(original.length);
      expect(copied.length - original.length).toBeLessThan(frameSamples);
      expect(
        Buffer.from(copied.buffer, copied.byteOffset, original.length * 2).equals(
          Buffer.from(original.buffer, original.byteOffset, original.byteLength),
        ),
      ).toBe(true);
    }
  });

  describe('ranges', () => {
    const fps = 25;
    const rate = 48000;
    let sourceLuma: Buffer[];
    let sourceSound: Int16Array;
    beforeAll(async () => {
      sourceLuma = await lumaFrames(clips.range, 160, 120);
      sourceSound = await pcm(clips.range, '0:a:0');
      expect(sourceLuma).toHaveLength(75);
    });

    /** Checks `output` holds source frames [first, first+count) and the sound from first/fps on. */
    async function expectRange(output: string, first: number, count: number): Promise<void> {
      const luma = await lumaFrames(output, 160, 120);
      expect(luma).toHaveLength(count);
      // The first frame is the source frame at that index; so is every later one.
      expect(sourceLuma.findIndex((frame) => frame.equals(luma[0]))).toBe(first);
      expect(luma.findIndex((frame, i) => !frame.equals(sourceLuma[first + i]))).toBe(-1);

      const video = (await probeStreams(output, true)).streams.find((s) => s.codec_type === 'video')!;
      expect(Number(video.nb_read_frames)).toBe(count);
      // The sound starts with the source's sample at the range start, to the sample. (The AAC packets
      // are copied; decoding them from another starting point may differ in the last bit, because
      // AAC's noise substitution depends on where the decoder started.)
      const sound = await pcm(output, '0:a:0');
      const start = (first / fps) * rate;
      const wanted = Math.round(((count - 1) / fps) * rate);
      expect(sound.length).toBeGreaterThanOrEqual(wanted);
      const distanceAt = (shift: number) => {
        let max = 0;
        for (let i = 0; i < wanted; i++) max = Math.max(max, Math.abs(sound[i] - sourceSound[start + shift + i]));
        return max;
      };
      expect(distanceAt(0), 'sound from the range start').toBeLessThanOrEqual(2);
      // One sample earlier or later would be far off: the alignment is exact.
      expect(distanceAt(-1)).toBeGreaterThan(100);
      expect(distanceAt(1)).toBeGreaterThan(100);
      // ... and lasts as long as the picture: within a frame, or one AAC packet (stream copy cuts between packets).
      const seconds = sound.length / rate;
      expect(seconds).toBeGreaterThan(count / fps - 1 / fps);
      expect(seconds).toBeLessThanOrEqual(count / fps + 1024 / rate + 1e-6);
    }

    it('--from/--to in seconds give exactly frames [from*fps, to*fps) with the matching sound', async () => {
      const { output, result } = await render(clips.range, 'range-seconds.mp4', { from: 0.4, to: 1.2, lossless: true });
      expect(result.frames).toBe(20);
      await expectRange(output, 10, 20);
    });

    it('a start between two frames begins at the next frame; an end past the film stops at its last frame', async () => {
      const { output, result } = await render(clips.range, 'range-late.mp4', { from: 2.01, to: 99, lossless: true });
      expect(result.frames).toBe(75 - 51);
      await expectRange(output, 51, 24);
    });

    it('the CLI takes timecodes, and gives the same film as with seconds', async () => {
      const seconds = path.join(work, 'cli-seconds.mp4');
      const timecode = path.join(work, 'cli-timecode.mp4');
      const common = ['--model', fixtureModelDir('fixture-chroma'), '--lossless', '--preset', 'ultrafast', '--stabilize', 'off', '--json'];
      const [a, b] = await Promise.all([
        runCli(['colorize', clips.range, '-o', seconds, '--from', '1.6', '--to', '2.4', ...common]),
        runCli(['colorize', clips.range, '-o', timecode, '--from', '0:00:01.600', '--to', '00:02.4', ...common]),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(jsonLines(b.stdout).at(-1)).toMatchObject({ type: 'result', frames: 20 });
      await expectRange(timecode, 40, 20);
      expect(await streamMd5(timecode, '0:v:0')).toBe(await streamMd5(seconds, '0:v:0'));
      expect(await streamMd5(timecode, '0:a:0')).toBe(await streamMd5(seconds, '0:a:0'));
    });
  });
});
