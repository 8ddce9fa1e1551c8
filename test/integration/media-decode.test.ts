// decodeLuma against real ffmpeg: frame counts, bit-exact luma, and the resume contract (a decode
// from frame k yields exactly frames k.. of a decode from 0).

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLuma, lumaRangeOf, planLumaDecode } from '../../electron/engine/media/decode.js';
import { probe } from '../../electron/engine/media/probe.js';
import { downscaleLuma } from '../../electron/engine/pipeline/chroma-merge.js';
import type { MediaInfo } from '../../electron/common/types.js';
import { makeClip, rawVideo } from '../helpers/clips.js';
import { roomClip, sharedVideo } from '../helpers/paths.js';

async function decodeAll(info: MediaInfo, startFrame = 0, frameCount?: number, deinterlace = true): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  let expectedIndex = startFrame;
  for await (const frame of decodeLuma(info, { startFrame, frameCount, deinterlace })) {
    expect(frame.index).toBe(expectedIndex++);
    expect(frame.y.length).toBe(frame.width * frame.height);
    frames.push(Buffer.from(frame.y));
  }
  return frames;
}

/** The Y plane of every frame of ffmpeg's own decode in the source's pixel format. */
async function referenceLuma(
  file: string,
  pixFmt: string,
  width: number,
  height: number,
  bytesPerSample = 1,
  chromaFactor = 1.5,
): Promise<Buffer[]> {
  const raw = await rawVideo(file, { pixFmt });
  const frameBytes = Math.round(width * height * chromaFactor) * bytesPerSample;
  const frames: Buffer[] = [];
  for (let offset = 0; offset + frameBytes <= raw.length; offset += frameBytes)
    frames.push(raw.subarray(offset, offset + width * height * bytesPerSample));
  return frames;
}

function expectSameFrames(actual: Buffer[], expected: Buffer[]): void {
  expect(actual.length).toBe(expected.length);
  const firstDifferent = actual.findIndex((frame, i) => !frame.equals(expected[i]));
  expect(firstDifferent).toBe(-1);
}

/** Whether an ffmpeg child of this process writes to a listening Unix socket; null without /proc. */
function ffmpegChildrenListen(): boolean | null {
  if (!existsSync('/proc/self/stat')) return null;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return parent === process.pid && args.includes('-listen') && args.some((arg) => arg.startsWith('unix:'));
      } catch {
        return false; // gone meanwhile
      }
    });
}

describe('decodeLuma', () => {
  const clips: Record<string, string> = {};
  beforeAll(async () => {
    const specs = {
      plain: { name: 'dec-plain', durationSec: 2 },
      fullRange: { name: 'dec-yuvj', pixFmt: 'yuvj420p', durationSec: 1 },
      tenBit: { name: 'dec-10bit', pixFmt: 'yuv420p10le', durationSec: 1 },
      oddRotated: { name: 'dec-odd-rot90', pixFmt: 'yuv444p', width: 161, height: 121, rotation: 90 as const, durationSec: 1 },
      longGop: { name: 'dec-long-gop', gop: 250, durationSec: 6, width: 96, height: 64 },
      vfr: { name: 'dec-vfr', vfr: true, fps: 30, durationSec: 3, width: 96, height: 64 },
      interlaced: { name: 'dec-interlaced', interlaced: true, durationSec: 2 },
      // MPEG-TS has no keyframe index: its seeks land anywhere, and with 4 s GOPs usually too late.
      mpegTs: {
        name: 'dec-ts',
        container: 'ts' as const,
        gop: 100,
        durationSec: 6,
        width: 64,
        height: 48,
        audio: [{ codec: 'aac' as const }],
      },
    };
    for (const [key, spec] of Object.entries(specs)) clips[key] = await makeClip(spec);
  });

  it('yields exactly frameCount frames whose luma is the source Y plane, bit for bit (tv range)', async () => {
    const info = await probe(clips.plain);
    const frames = await decodeAll(info);
    expect(frames.length).toBe(info.video.frameCount);
    expect(frames.length).toBe(50);
    expectSameFrames(frames, await referenceLuma(clips.plain, 'yuv420p', 160, 120));
    expect(lumaRangeOf(info)).toBe('tv');
  });

  it('keeps full-range (yuvj420p) luma untouched, with no range conversion', async () => {
    const info = await probe(clips.fullRange);
    expect(lumaRangeOf(info)).toBe('pc');
    const frames = await decodeAll(info);
    expectSameFrames(frames, await referenceLuma(clips.fullRange, 'yuvj420p', 160, 120));
    // Also the same as ffmpeg's own plane extraction.
    const extracted = await rawVideo(clips.fullRange, { filters: 'extractplanes=y', pixFmt: 'gray' });
    expect(Buffer.concat(frames).equals(extracted)).toBe(true);
  });

  it('rounds 10-bit luma to 8 bits (y8 = round(y10 / 4))', async () => {
    const info = await probe(clips.tenBit);
    expect(info.video.bitDepth).toBe(10);
    const frames = await decodeAll(info);
    const reference = await referenceLuma(clips.tenBit, 'yuv420p10le', 160, 120, 2);
    expect(frames.length).toBe(reference.length);
    frames.forEach((frame, f) => {
      const expected = Buffer.alloc(frame.length);
      for (let i = 0; i < expected.length; i++) expected[i] = Math.min(255, Math.round(reference[f].readUInt16LE(2 * i) / 4));
      expect(frame.equals(expected)).toBe(true);
    });
  });

  it('rotates as ffmpeg displays the film and crops an odd size to even', async () => {
    const info = await probe(clips.oddRotated);
    expect(info.video.rotation).toBe(90);
    expect([info.video.outputWidth, info.video.outputHeight]).toEqual([120, 160]);
    const frames = await decodeAll(info);
    // ffmpeg's autorotated decode is 121x161; dropping the last column and row gives ours.
    const displayed = await referenceLuma(clips.oddRotated, 'yuv444p', 121, 161, 1, 3);
    expect(frames.length).toBe(displayed.length);
    frames.forEach((frame, f) => {
      const cropped = Buffer.alloc(120 * 160);
      for (let row = 0; row < 160; row++) displayed[f].copy(cropped, row * 120, row * 121, row * 121 + 120);
      expect(frame.equals(cropped)).toBe(true);
    });
  });

  it.each([
    ['a long-GOP clip (-g 250)', 'longGop', [80, 147]],
    ['a variable-frame-rate clip', 'vfr', [33, 61]],
    ['an interlaced clip (deinterlaced)', 'interlaced', [2, 47]],
    ['an MPEG-TS clip with long GOPs (timestamps start at 1.4 s)', 'mpegTs', [60, 140]],
  ])('decoding %s from frame k gives the same bytes as frames k.. of a full decode', async (_label, key, starts) => {
    const info = await probe(clips[key]);
    const full = await decodeAll(info);
    expect(full.length).toBe(info.video.frameCount);
    for (const k of starts as number[]) {
      const count = Math.min(3, info.video.frameCount - k);
      const part = await decodeAll(info, k, count);
      expectSameFrames(part, full.slice(k, k + count));
    }
  });

  it('seeks instead of decoding from the start for a frame far into the film', async () => {
    const info = await probe(clips.longGop);
    const plan = planLumaDecode(info, { startFrame: 140, frameCount: 2, deinterlace: true });
    const seek = plan.args.indexOf('-ss');
    expect(seek).toBeGreaterThan(-1);
    expect(Number(plan.args[seek + 1])).toBeGreaterThan(4);
    expect(plan.args.indexOf('-ss')).toBeLessThan(plan.args.indexOf('-i'));
  });

  it('deinterlaces interlaced sources only when asked, one frame per frame', async () => {
    const info = await probe(clips.interlaced);
    expect(info.video.interlaced).toBe(true);
    const woven = await decodeAll(info, 0, undefined, false);
    const deinterlaced = await decodeAll(info, 0, undefined, true);
    expect(woven.length).toBe(info.video.frameCount);
    expect(deinterlaced.length).toBe(info.video.frameCount);
    expectSameFrames(woven, await referenceLuma(clips.interlaced, 'yuv420p', 160, 120));
    expect(deinterlaced.some((frame, i) => !frame.equals(woven[i]))).toBe(true);
  });

  it('stops ffmpeg when the consumer stops early or the signal aborts', async () => {
    const info = await probe(clips.longGop);
    let taken = 0;
    for await (const frame of decodeLuma(info, { startFrame: 0, deinterlace: true })) {
      expect(frame.index).toBe(taken);
      if (++taken === 2) break;
    }
    expect(taken).toBe(2);

    const controller = new AbortController();
    const run = (async () => {
      let seen = 0;
      for await (const _frame of decodeLuma(info, { startFrame: 0, deinterlace: true, signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  });

  // Where ffmpeg can (not on Windows), the full frames come through a Unix socket in a private folder
  // instead of stdout (raw-frames.ts): the same bytes, and no folder left once connected or after.
  it.each([
    ['8-bit, with the model input', 'plain', { width: 48, height: 32 }],
    ['10-bit', 'tenBit', undefined],
  ] as const)('reads the full frames through a Unix socket with the bytes of a stdout decode (%s)', async (_label, key, modelSize) => {
    if (process.platform === 'win32') return; // ffmpeg builds for Windows have no unix protocol: stdout it is
    const info = await probe(clips[key]);
    const decode = async (transport: 'socket' | 'pipe', stopAfter = Infinity) => {
      const frames: Buffer[] = [];
      const models: Buffer[] = [];
      let listened: boolean | null = null;
      let foldersDuring = -1;
      for await (const frame of decodeLuma(info, { startFrame: 0, deinterlace: true, modelSize, transport })) {
        if (frames.length === 0) {
          listened = ffmpegChildrenListen();
          foldersDuring = readdirSync(tmpdir()).length;
        }
        frames.push(Buffer.from(frame.y));
        if (frame.model) models.push(Buffer.from(frame.model.buffer, frame.model.byteOffset, frame.model.byteLength));
        if (frames.length === stopAfter) break;
      }
      return { frames, models, listened, foldersDuring };
    };
    const savedTmp = process.env.TMPDIR;
    const privateTmp = mkdtempSync(path.join(tmpdir(), 'decode-socket-'));
    process.env.TMPDIR = privateTmp;
    try {
      const piped = await decode('pipe');
      const socketed = await decode('socket');
      expectSameFrames(socketed.frames, piped.frames);
      expect(socketed.frames.length).toBe(info.video.frameCount);
      expectSameFrames(socketed.models, piped.models);
      // ffmpeg's command line says where it wrote (where /proc shows it: Linux).
      if (piped.listened !== null) {
        expect(piped.listened).toBe(false);
        expect(socketed.listened).toBe(true);
      }
      // The socket's folder goes as soon as the host is connected.
      expect(socketed.foldersDuring).toBe(0);
      expect(readdirSync(privateTmp)).toEqual([]);
      const stopped = await decode('socket', 2);
      expect(stopped.frames.length).toBe(2);
      expect(readdirSync(privateTmp)).toEqual([]);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      rmSync(privateTmp, { recursive: true, force: true });
    }
  });

  // The model input made by the same ffmpeg (modelSize): one small frame per frame, the full-size
  // luma unchanged by asking for it, the same numbers from a decode that starts later (resume), and
  // close to the host's own area average (downscaleLuma: box edges rounded to whole pixels).
  it.each([
    ['tv range', 'plain', 'tv', 0],
    ['full range', 'fullRange', 'pc', 0],
    ['10-bit', 'tenBit', 'tv', 0],
    ['interlaced, from frame 30', 'interlaced', 'tv', 30],
  ] as const)('delivers each frame with its model input at the render size (%s)', async (_label, key, range, k) => {
    const info = await probe(clips[key]);
    expect(lumaRangeOf(info)).toBe(range);
    const modelSize = { width: 48, height: 32 };
    const plain = await decodeAll(info);
    const withModel: { y: Buffer; model: Float32Array }[] = [];
    for await (const frame of decodeLuma(info, { startFrame: 0, deinterlace: true, modelSize })) {
      withModel.push({ y: Buffer.from(frame.y), model: frame.model! });
    }
    expectSameFrames(
      withModel.map((f) => f.y),
      plain,
    );
    let worst = 0;
    let total = 0;
    withModel.forEach(({ y, model }) => {
      expect(model.length).toBe(48 * 32);
      const host = downscaleLuma(y, info.video.outputWidth, info.video.outputHeight, 48, 32, range);
      for (let i = 0; i < model.length; i++) {
        expect(model[i]).toBeGreaterThanOrEqual(0);
        expect(model[i]).toBeLessThanOrEqual(1);
        worst = Math.max(worst, Math.abs(model[i] - host[i]));
        total += Math.abs(model[i] - host[i]);
      }
    });
    // swscale's area filter is a little softer than whole-pixel boxes: close on average, not equal.
    expect(total / (withModel.length * 48 * 32)).toBeLessThan(3 / 255);
    expect(worst).toBeLessThan(0.25);
    const later: Float32Array[] = [];
    for await (const frame of decodeLuma(info, { startFrame: k + 2, frameCount: 3, deinterlace: true, modelSize }))
      later.push(frame.model!);
    expect(later.map((m) => Buffer.from(m.buffer))).toEqual(withModel.slice(k + 2, k + 5).map((f) => Buffer.from(f.model.buffer)));
  });

  it('clamps each sample to black..white before averaging it into the model input', async () => {
    const info = await probe(clips.plain);
    const modelSize = { width: 16, height: 12 };
    for await (const frame of decodeLuma(info, { startFrame: 0, frameCount: 1, deinterlace: true, modelSize })) {
      const clamped = new Uint8Array(frame.y.length);
      for (let i = 0; i < clamped.length; i++) clamped[i] = Math.min(235, Math.max(16, frame.y[i]));
      const host = downscaleLuma(clamped, frame.width, frame.height, 16, 12, 'tv');
      const mean = (values: Float32Array) => values.reduce((a, b) => a + b, 0) / values.length;
      expect(Math.abs(mean(frame.model!) - mean(host))).toBeLessThan(1 / 219);
    }
  });

  it('stops ffmpeg when the consumer stops early, also with the model-size output', async () => {
    const info = await probe(clips.longGop);
    let taken = 0;
    for await (const frame of decodeLuma(info, { startFrame: 0, deinterlace: true, modelSize: { width: 32, height: 24 } })) {
      expect(frame.model?.length).toBe(32 * 24);
      if (++taken === 2) break;
    }
    expect(taken).toBe(2);
  });

  // Real footage: the committed CC BY cut (one 80-frame GOP with B-frames) always, and the shared 1950s
  // film (GOP of 100 frames, B-frames, 500 frames) when it is beside the checkout.
  const bwFilm = sharedVideo('bw-film-1950s-interior.mp4', 'a long real film; its rights are not stated, so it is not committed');
  it.for([
    ['people-entering-room (committed cut)', roomClip, null],
    ['bw-film-1950s-interior (shared)', bwFilm.file, bwFilm.missing],
  ] as const)('resumes exactly near the end of a real film: %s', async ([, realFilm, missing], context) => {
    if (missing) context.skip(missing);
    const info = await probe(realFilm);
    expect(info.video.frameCountExact).toBe(true);
    const k = info.video.frameCount - 40;
    const started = Date.now();
    const part = await decodeAll(info, k, 3);
    const seekMs = Date.now() - started;
    const full = await decodeAll(info, 0, k + 3);
    expectSameFrames(part, full.slice(k, k + 3));
    console.info(
      `${path.basename(realFilm)}: 3 frames at ${k} took ${seekMs} ms; frames 0..${k + 2} took ${Date.now() - started - seekMs} ms`,
    );
  });
});
