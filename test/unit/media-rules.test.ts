// The media layer's pure decisions: rational timestamps, frame-rate and rotation rules, the
// ffmpeg commands it builds and the notices it gives. No ffmpeg runs here.

import { describe, expect, it } from 'vitest';
import { decodeNotices, lumaRangeOf, outputSampleAspectRatio, planLumaDecode } from '../../electron/engine/media/decode.js';
import { segmentEncoderArgs } from '../../electron/engine/media/encode.js';
import { concatList, containerForOutput, planMux } from '../../electron/engine/media/mux.js';
import {
  bitDepthOf,
  chooseFrameRate,
  clockwiseRotation,
  isMp4CompatibleAudio,
  isMp4CompatibleSubtitle,
  outputSize,
} from '../../electron/engine/media/probe.js';
import { parseRational, ptsToFrameTick, rescaleRounded, sensibleFrameRate } from '../../electron/engine/media/rational.js';
import type { MediaInfo, VideoInfo } from '../../electron/common/types.js';

function film(video: Partial<VideoInfo> = {}, rest: Partial<MediaInfo> = {}): MediaInfo {
  return {
    path: '/films/test.mp4',
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSec: 10,
    sizeBytes: 1000,
    video: {
      index: 0,
      codec: 'h264',
      width: 640,
      height: 480,
      outputWidth: 640,
      outputHeight: 480,
      sampleAspectRatio: '1:1',
      displayAspectRatio: '4:3',
      rotation: 0,
      pixelFormat: 'yuv420p',
      bitDepth: 8,
      colorRange: 'tv',
      fieldOrder: 'progressive',
      interlaced: false,
      frameRate: { num: 25, den: 1 },
      fps: 25,
      variableFrameRate: false,
      frameCount: 250,
      frameCountExact: true,
      timeBase: { num: 1, den: 12800 },
      firstFramePts: 0,
      startTimeSec: 0,
      ...video,
    },
    audio: [],
    subtitles: [],
    chapters: 0,
    tags: {},
    ...rest,
  };
}

describe('rationals and timestamps', () => {
  it('parses ffprobe rationals and rejects non-values', () => {
    expect(parseRational('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRational('16:9')).toEqual({ num: 16, den: 9 });
    expect(parseRational('50/2')).toEqual({ num: 25, den: 1 });
    expect(parseRational('0/0')).toBeUndefined();
    expect(parseRational('N/A')).toBeUndefined();
  });

  it('rescales like av_rescale_q_rnd(NEAR_INF): halves away from zero', () => {
    expect(rescaleRounded(1, { num: 1, den: 2 }, { num: 1, den: 1 })).toBe(1);
    expect(rescaleRounded(-1, { num: 1, den: 2 }, { num: 1, den: 1 })).toBe(-1);
    expect(rescaleRounded(3003 * 1000, { num: 1, den: 90000 }, { num: 1001, den: 30000 })).toBe(1000);
    // 2 hours at 1/90000 → 24000/1001 ticks, exactly.
    expect(ptsToFrameTick(2 * 3600 * 90000, { num: 1, den: 90000 }, { num: 24000, den: 1001 })).toBe(Math.round((7200 * 24000) / 1001));
  });

  it('snaps an average rate to a broadcast rate within 1%, else to 1/100 fps', () => {
    expect(sensibleFrameRate(29.9)).toEqual({ num: 30000, den: 1001 });
    expect(sensibleFrameRate(24.1)).toEqual({ num: 24, den: 1 });
    expect(sensibleFrameRate(23.684)).toEqual({ num: 592, den: 25 });
  });
});

describe('frame rate, rotation and size rules', () => {
  const tb = { num: 1, den: 1000 };
  it('keeps a CFR rate, tolerating millisecond timestamp rounding', () => {
    const pts = Array.from({ length: 60 }, (_, i) => Math.round((i * 1001) / 30));
    expect(
      chooseFrameRate({
        rFrameRate: { num: 30000, den: 1001 },
        avgFrameRate: { num: 30000, den: 1001 },
        packetPts: pts,
        timeBase: tb,
        interlaced: false,
      }),
    ).toEqual({
      frameRate: { num: 30000, den: 1001 },
      variableFrameRate: false,
    });
  });

  it('calls a stream VFR when packet intervals vary or the rates disagree', () => {
    const pts = [...Array.from({ length: 30 }, (_, i) => i * 40), ...Array.from({ length: 10 }, (_, i) => 1200 + i * 80)];
    const byIntervals = chooseFrameRate({
      rFrameRate: { num: 25, den: 1 },
      avgFrameRate: { num: 25, den: 1 },
      packetPts: pts,
      timeBase: tb,
      interlaced: false,
    });
    expect(byIntervals.variableFrameRate).toBe(true);
    const byRates = chooseFrameRate({
      rFrameRate: { num: 30, den: 1 },
      avgFrameRate: { num: 450, den: 19 },
      packetPts: [],
      timeBase: tb,
      interlaced: false,
    });
    // Rendered at the base rate, so no frame of the full-rate parts is dropped.
    expect(byRates).toEqual({ frameRate: { num: 30, den: 1 }, variableFrameRate: true });
  });

  it('renders a VFR stream at the average rate when its base rate is implausible (millisecond timestamps)', () => {
    const vfr = chooseFrameRate({
      rFrameRate: { num: 1000, den: 1 },
      avgFrameRate: { num: 450, den: 19 },
      packetPts: [],
      timeBase: tb,
      interlaced: false,
    });
    expect(vfr).toEqual({ frameRate: { num: 592, den: 25 }, variableFrameRate: true });
  });

  it('does not mistake an interlaced field rate for VFR', () => {
    expect(
      chooseFrameRate({ rFrameRate: { num: 50, den: 1 }, avgFrameRate: { num: 25, den: 1 }, packetPts: [], interlaced: true }),
    ).toEqual({
      frameRate: { num: 25, den: 1 },
      variableFrameRate: false,
    });
  });

  it('reads rotation clockwise from the display matrix (counter-clockwise) or the legacy tag (clockwise)', () => {
    expect(clockwiseRotation({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: 90 }] })).toBe(270);
    expect(clockwiseRotation({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] })).toBe(90);
    expect(clockwiseRotation({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: 180 }] })).toBe(180);
    expect(clockwiseRotation({ tags: { rotate: '90' } })).toBe(90);
    expect(clockwiseRotation({})).toBe(0);
  });

  it('rotates the output size and crops odd sizes to even', () => {
    expect(outputSize(721, 481, 0)).toEqual({ width: 720, height: 480 });
    expect(outputSize(1920, 1081, 90)).toEqual({ width: 1080, height: 1920 });
    expect(bitDepthOf('yuv420p10le')).toBe(10);
    expect(bitDepthOf('p010le')).toBe(10);
    expect(bitDepthOf('yuvj420p')).toBe(8);
  });

  it('knows which codecs MP4 holds as they are', () => {
    expect(['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'flac'].every(isMp4CompatibleAudio)).toBe(true);
    expect(['pcm_s16le', 'pcm_s24le', 'vorbis', 'wmav2', 'dts'].some(isMp4CompatibleAudio)).toBe(false);
    expect(['mov_text', 'subrip', 'ass', 'webvtt'].every(isMp4CompatibleSubtitle)).toBe(true);
    expect(['dvd_subtitle', 'hdmv_pgs_subtitle', 'dvb_subtitle'].some(isMp4CompatibleSubtitle)).toBe(false);
  });
});

describe('decode plan', () => {
  it('numbers frames from the first frame tick and seeks well before a late start', () => {
    const info = film({ timeBase: { num: 1, den: 90000 }, firstFramePts: 126000, startTimeSec: 0 });
    const fromStart = planLumaDecode(info, { startFrame: 0, deinterlace: true });
    expect(fromStart.args).not.toContain('-ss');
    expect(fromStart.args.join(' ')).toContain('trim=start_pts=35:end_pts=285');
    const late = planLumaDecode(info, { startFrame: 200, frameCount: 10, deinterlace: true });
    expect(late.args.join(' ')).toContain('trim=start_pts=235:end_pts=245');
    expect(Number(late.args[late.args.indexOf('-ss') + 1])).toBeCloseTo(7, 5);
    expect(late.frameCount).toBe(10);
    expect(planLumaDecode(info, { startFrame: 245, frameCount: 10, deinterlace: true }).frameCount).toBe(5);
    expect(() => planLumaDecode(info, { startFrame: -1, deinterlace: true })).toThrow(expect.objectContaining({ code: 'bad-option' }));
  });

  it('deinterlaces before rotating, reads deep sources at their depth, crops odd sizes', () => {
    const info = film({
      interlaced: true,
      fieldOrder: 'tt',
      rotation: 90,
      width: 641,
      height: 480,
      outputWidth: 480,
      outputHeight: 640,
      pixelFormat: 'yuv420p10le',
      bitDepth: 10,
    });
    const plan = planLumaDecode(info, { startFrame: 0, deinterlace: true });
    const filters = plan.args[plan.args.indexOf('-vf') + 1];
    expect(filters.indexOf('bwdif')).toBeLessThan(filters.indexOf('transpose=clock'));
    expect(filters).toContain('extractplanes=y');
    expect(filters).toContain('crop=480:640:0:0');
    expect(plan.args.slice(-3)).toEqual(['-pix_fmt', 'gray10le', 'pipe:1']);
    expect(plan.bytesPerSample).toBe(2);
    expect(planLumaDecode(info, { startFrame: 0, deinterlace: false }).args.join(' ')).not.toContain('bwdif');
    expect(decodeNotices(info, true).map((n) => n.code)).toEqual(['deinterlacing', 'odd-size']);
  });

  it('tells the luma range and the displayed sample aspect ratio', () => {
    expect(lumaRangeOf(film())).toBe('tv');
    expect(lumaRangeOf(film({ pixelFormat: 'yuvj420p', colorRange: 'pc' }))).toBe('pc');
    expect(lumaRangeOf(film({ colorRange: 'pc' }))).toBe('pc');
    expect(lumaRangeOf(film({ pixelFormat: 'rgb24', colorRange: 'tv' }))).toBe('pc');
    expect(lumaRangeOf(film({ pixelFormat: 'gray', colorRange: 'unknown' }))).toBe('pc');
    expect(outputSampleAspectRatio(film({ sampleAspectRatio: '64:45', rotation: 90 }))).toEqual({ num: 45, den: 64 });
  });
});

describe('encode and mux plans', () => {
  it('encodes lossless with qp 0 (x264) or lossless=1 (x265), BT.601 tags and the range, and refuses odd sizes', () => {
    const base = {
      path: '/work/seg-00001.mp4',
      width: 320,
      height: 240,
      frameRate: { num: 24000, den: 1001 },
      colorRange: 'pc' as const,
      sar: '4:3',
    };
    const x264 = segmentEncoderArgs({ ...base, lossless: true }, '/work/.tmp');
    expect(x264.join(' ')).toContain('-c:v libx264 -preset medium -qp 0');
    expect(x264.join(' ')).toContain('-colorspace smpte170m -color_primaries smpte170m -color_trc smpte170m -color_range pc');
    expect(x264.join(' ')).toContain('setsar=4/3');
    expect(x264.join(' ')).toContain('-framerate 24000/1001');
    const x265 = segmentEncoderArgs({ ...base, codec: 'h265', lossless: true }, '/work/.tmp');
    expect(x265.join(' ')).toContain('lossless=1');
    expect(x265.join(' ')).toContain('-tag:v hvc1');
    expect(() => segmentEncoderArgs({ ...base, width: 321 }, '/work/.tmp')).toThrow(expect.objectContaining({ code: 'bad-option' }));
  });

  it("caps x264's frames above 1080p so 4K stays within memory, and leaves smaller films at their preset's", () => {
    const base = { path: '/work/seg-00001.mp4', frameRate: { num: 25, den: 1 }, colorRange: 'tv' as const };
    const argsFor = (width: number, height: number, preset?: string) =>
      segmentEncoderArgs({ ...base, width, height, preset }, '/work/.tmp');
    const lookahead = (width: number, height: number, preset?: string) => {
      const args = argsFor(width, height, preset);
      const at = args.indexOf('-rc-lookahead');
      return at < 0 ? null : Number(args[at + 1]);
    };
    expect(lookahead(1920, 1080)).toBeNull();
    expect(lookahead(1920, 1088)).toBeNull();
    expect(lookahead(1280, 720, 'placebo')).toBeNull();
    expect(lookahead(3840, 2160)).toBe(5);
    expect(lookahead(3840, 2160, 'veryfast')).toBe(5); // its own is 10
    expect(lookahead(3840, 2160, 'ultrafast')).toBeNull();
    expect(lookahead(2560, 1440)).toBe(20);
    expect(lookahead(7680, 4320, 'slow')).toBe(1);
    // Capped, the threaded look-ahead's extra frames go too; uncapped, x264 keeps its defaults.
    expect(argsFor(3840, 2160).join(' ')).toContain('-x264-params sync-lookahead=0');
    expect(argsFor(1920, 1080).join(' ')).not.toContain('sync-lookahead');
    expect(segmentEncoderArgs({ ...base, width: 3840, height: 2160, codec: 'h265' }, '/work/.tmp')).not.toContain('-rc-lookahead');
  });

  it('lists segments at exact microsecond starts and escapes quotes', () => {
    const text = concatList(["/a/it's.mp4", '/a/b.mp4', '/a/c.mp4'], [10, 10, 10], { num: 30000, den: 1001 });
    expect(text).toContain("file '/a/it'\\''s.mp4'");
    const durations = [...text.matchAll(/duration (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(durations).toEqual([0.333667, 0.333666, 0.333667]);
  });

  it('copies compatible audio, converts the rest with a notice and drops picture subtitles from MP4', () => {
    const info = film(
      {},
      {
        audio: [
          { index: 1, codec: 'aac', channels: 2, sampleRate: 48000, mp4Compatible: true },
          { index: 2, codec: 'pcm_s24le', channels: 2, sampleRate: 48000, mp4Compatible: false },
          { index: 3, codec: 'flac', channels: 1, sampleRate: 48000, mp4Compatible: true },
        ],
        subtitles: [
          { index: 4, codec: 'hdmv_pgs_subtitle', mp4Compatible: false },
          { index: 5, codec: 'subrip', mp4Compatible: true },
        ],
      },
    );
    const whole = planMux({ concatListPath: '/t/list', source: info, temp: '/out/.x.mp4', container: 'mp4', fromSec: 0, toSec: 10 });
    const args = whole.args.join(' ');
    expect(args).toContain('-map 1:1 -c:a:0 copy -map 1:2 -c:a:1 aac -b:a:1 192k -map 1:3 -c:a:2 copy');
    expect(args).toContain('-map 1:5 -c:s:0 mov_text');
    expect(args).not.toContain('1:4');
    expect(args).toContain('-strict experimental');
    expect(args).not.toContain('-ss');
    expect(whole.notices.map((n) => n.code)).toEqual(['audio-transcoded', 'subtitle-dropped']);

    const mkv = planMux({ concatListPath: '/t/list', source: info, temp: '/out/.x.mkv', container: 'matroska', fromSec: 2, toSec: 4 });
    expect(mkv.notices).toEqual([]);
    expect(mkv.args.join(' ')).toContain('-ss 2.000000 -t 2.000000 -protocol_whitelist file -format_whitelist mov,');
    expect(mkv.args.join(' ')).toContain('-i file:/films/test.mp4');
    expect(mkv.args.join(' ')).toContain('-map 1:4 -c:s:0 copy');
    expect(containerForOutput('/x/film.MKV')).toBe('matroska');
    expect(() => containerForOutput('/x/film.avi')).toThrow(expect.objectContaining({ code: 'bad-option' }));
    // No extension is no format: an extension-less name or a dotfile is refused, never guessed as MP4.
    expect(() => containerForOutput('/x/film')).toThrow(expect.objectContaining({ code: 'bad-option' }));
    expect(() => containerForOutput('/home/me/.bashrc')).toThrow(expect.objectContaining({ code: 'bad-option' }));
  });

  it('keeps the picture in sync when the sound starts before the first frame', () => {
    const info = film({ startTimeSec: 0.5 });
    const whole = planMux({ concatListPath: '/t/list', source: info, temp: '/o/.x.mp4', container: 'mp4', fromSec: 0, toSec: 10 });
    expect(whole.args.slice(0, 2)).toEqual(['-itsoffset', '0.500000']);
    const cut = planMux({ concatListPath: '/t/list', source: info, temp: '/o/.x.mp4', container: 'mp4', fromSec: 1, toSec: 3 });
    expect(cut.args.join(' ')).toContain('-ss 1.500000 -t 2.000000');
  });
});
