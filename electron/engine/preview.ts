// A few frames colourized for looking at: decoded from `at`, through the model and the stabilizer as
// a render would, and returned as before/after images ready for an <img>.
import { PREVIEW_FRAMES } from '../common/options.js';
import type { MediaInfo, NoticeEvent, PreviewFrame, PreviewOptions } from '../common/types.js';
import { resolveColorizeOptions } from './colorize-options.js';
import { throwIfAborted } from './errors.js';
import { decodeLuma, decodeNotices, lumaRangeOf } from './media/decode.js';
import { encodeImage, lumaToRgb, yuvToRgb } from './media/image.js';
import { checkFrameSockets } from './media/raw-frames.js';
import { renderSize } from './model/manifest.js';
import { jobPins } from './pins/job-pins.js';
import { PinStage, type PinFrameCache } from './pins/pin-stage.js';
import { FrameColorizer } from './pipeline/colorizer.js';
import type { LowResChroma, LumaFrame } from './pipeline/frames.js';
import { ChromaStabilizer } from './pipeline/stabilize.js';
import type { SessionPool } from './session-pool.js';

/** Longest side of preview images unless asked otherwise (the film's own size up to this). */
const DEFAULT_MAX_SIZE = 1280;

export async function* previewFrames(
  options: PreviewOptions,
  deps: {
    probe: (input: string, signal?: AbortSignal) => Promise<MediaInfo>;
    sessions: SessionPool;
    /** Frames the pin tracker keeps between previews of a film (a pin change then re-tracks without decoding). */
    pinFrames?: PinFrameCache;
  },
  signal?: AbortSignal,
): AsyncGenerator<PreviewFrame> {
  void checkFrameSockets();
  const info = await deps.probe(options.input, signal);
  const settings = resolveColorizeOptions(options);
  const { deinterlace } = settings;
  const notices: NoticeEvent[] = [...decodeNotices(info, deinterlace)];
  const { manifest, session, release } = await deps.sessions.acquire(
    settings.model,
    settings.device,
    (notice) => notices.push(notice),
    signal,
  );
  let decoder: ReturnType<typeof continuingDecoder> | undefined;
  try {
    const { renderFactor, saturation, stabilize, hints } = resolveColorizeOptions(options, manifest);
    const video = info.video;
    const fps = video.frameRate.num / video.frameRate.den;
    const first = Math.min(Math.max(0, Math.floor(options.at * fps + 1e-6)), Math.max(0, video.frameCount - 1));
    const count = Math.max(1, Math.min(options.frames ?? 1, PREVIEW_FRAMES.max));
    const render = renderSize(video.outputWidth, video.outputHeight, renderFactor, manifest.sizeMultiple);
    const lumaRange = lumaRangeOf(info);
    const pins = await jobPins(hints, manifest, (doc, hinted) => {
      const kept = deps.pinFrames?.framesFor(info, `${info.path}|${deinterlace}|${lumaRange}|${render.width}x${render.height}`);
      return PinStage.forFilm(doc, fps, render.width, render.height, hinted, undefined, kept);
    });
    const colorizer = new FrameColorizer(session, {
      frameWidth: video.outputWidth,
      frameHeight: video.outputHeight,
      renderWidth: render.width,
      renderHeight: render.height,
      lumaRange,
      saturation,
      pins: pins?.stage,
    });
    // Pins put earlier in the shot: track them up to the first frame shown. The frames shown then
    // come from the same decode (no second seek and run-up from the keyframe).
    decoder = continuingDecoder(
      (startFrame, frameCount) => decodeLuma(info, { startFrame, frameCount, deinterlace, signal, modelSize: colorizer.modelSize }),
      first + count,
    );
    await pins?.stage.warmUp(first, decoder.decode, (frame) => colorizer.modelLuma(frame));
    const stabilizer = new ChromaStabilizer({ strength: stabilize, width: render.width, height: render.height });
    const pending = new Map<number, LumaFrame>();
    const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
    const format = options.format ?? 'jpeg';
    let index = 0;
    const present = async (chroma: LowResChroma): Promise<PreviewFrame> => {
      const luma = pending.get(chroma.index)!;
      pending.delete(chroma.index);
      const merged = colorizer.merge(luma, chroma);
      const before = await encodeImage(lumaToRgb(luma.y, luma.width, luma.height, lumaRange), luma.width, luma.height, { format, maxSize });
      const after = await encodeImage(yuvToRgb(merged, lumaRange), merged.width, merged.height, { format, maxSize });
      const position = index++;
      const placed = pins?.stage.placedOn(luma.index);
      return {
        index: position,
        frame: luma.index,
        timeSec: luma.index / fps,
        width: before.width,
        height: before.height,
        before: before.data,
        after: after.data,
        mime: format === 'png' ? 'image/png' : 'image/jpeg',
        provider: session.provider,
        ...(stabilizer.cuts.includes(luma.index) ? { sceneCut: true } : {}),
        ...(position === 0 && notices.length > 0 ? { notices } : {}),
        ...(placed ? { pins: placed.filter((pin) => pin.id !== undefined).map((pin) => ({ index: pin.id!, x: pin.x, y: pin.y })) } : {}),
      };
    };
    for await (const luma of decoder.decode(first, count)) {
      throwIfAborted(signal);
      pending.set(luma.index, luma);
      for (const chroma of stabilizer.push(await colorizer.predict(luma))) yield await present(chroma);
    }
    for (const chroma of stabilizer.flush()) yield await present(chroma);
  } finally {
    await decoder?.stop();
    release();
  }
}

/**
 * Film frames [start, start + count) from `open`, carrying on with the decode before when it has got
 * exactly to `start`, else from a new one; each decode is asked for frames up to `end`.
 */
function continuingDecoder(open: (start: number, count: number) => AsyncIterable<LumaFrame>, end: number) {
  let running: { frames: AsyncIterator<LumaFrame>; next: number } | null = null;
  const stop = async () => {
    const frames = running?.frames;
    running = null;
    await frames?.return?.();
  };
  return {
    async *decode(start: number, count: number): AsyncGenerator<LumaFrame> {
      if (running?.next !== start) {
        await stop();
        running = { frames: open(start, Math.max(count, end - start))[Symbol.asyncIterator](), next: start };
      }
      while (running && running.next < start + count) {
        const item = await running.frames.next();
        if (item.done) {
          running = null;
          return;
        }
        running.next = item.value.index + 1;
        yield item.value;
      }
    },
    stop,
  };
}
