import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Engine, PhotoOptions, PhotoResult } from './api.js';
import { EngineError, cancelledError, throwIfAborted } from './errors.js';
import { decodeLuma, decodeNotices, lumaRangeOf } from './media/decode.js';
import { encodeImage, imageFormatFor, lumaToRgb, readPhotoLuma, writeYuvImage, yuvToRgb } from './media/image.js';
import { containerForOutput } from './media/mux.js';
import { probe } from './media/probe.js';
import { extractThumbnails } from './media/thumbnails.js';
import { startInference, type InferenceLauncher, type InferenceSession } from './model/inference-client.js';
import { defaultModelsDirs, listModels, renderSize, resolveModel, type ModelManifest } from './model/manifest.js';
import { chooseProviders, listAvailableProviders } from './model/providers.js';
import { upscaleChroma } from './pipeline/chroma-merge.js';
import { FrameColorizer } from './pipeline/colorizer.js';
import { jobPins } from './pins/job-pins.js';
import { PinStage } from './pins/pin-stage.js';
import { checkOutput, renderFilm } from './pipeline/render.js';
import { scanSceneCuts } from './pipeline/scene-scan.js';
import { ChromaStabilizer } from './pipeline/stabilize.js';
import { assertOutputReplaceable, temporarySibling } from './atomic-file.js';
import type { DeviceChoice, ExecutionProvider, MediaInfo, NoticeEvent, PrepareOptions, PrepareResult, PreviewFrame, PreviewOptions, RenderEvent, RenderOptions, RenderResult, SceneCutOptions, SceneCutScan, Thumbnail, ThumbnailOptions } from '../common/types.js';

export type { Engine } from './api.js';
export { isEngineError } from './errors.js';

const PROBE_CACHE_SIZE = 32;

/** Waits for `work`, or rejects as cancelled as soon as `signal` aborts (the work itself goes on). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface EngineOptions {
  /** Folders holding model folders; default: the app's native-models/ (+ CHROMAREEL_MODELS_DIR). */
  modelsDirs?: string[];
  /** Where thumbnails are cached. */
  cacheDir?: string;
  /** How inference processes are started (Electron passes a utilityProcess launcher). */
  inferenceLauncher?: InferenceLauncher;
}

interface WarmSession {
  manifest: ModelManifest;
  session: InferenceSession;
  notices: NoticeEvent[];
}

/** The engine: one object the CLI, the app, the browser-mode server and the tests all drive. */
export function createEngine(engineOptions: EngineOptions = {}): Engine {
  const modelsDirs = engineOptions.modelsDirs ?? defaultModelsDirs();
  // Warm inference processes, one per (model, device), reused across previews and renders.
  const sessions = new Map<string, Promise<WarmSession>>();
  // Film facts by path, valid while the file's size and modification time stay the same: the app
  // probes on open, then previews and thumbnails reuse the answer instead of running ffprobe again.
  const probes = new Map<string, { stamp: string; info: Promise<MediaInfo> }>();
  const probeCached = async (input: string, signal?: AbortSignal): Promise<MediaInfo> => {
    const file = path.resolve(input);
    const stats = await stat(file).catch(() => null);
    if (!stats) return probe(input, signal);
    const stamp = `${stats.size}:${stats.mtimeMs}:${stats.ino}`;
    const cached = probes.get(file);
    if (cached?.stamp === stamp) return untilAborted(cached.info, signal);
    // Shared by every caller, so one caller's cancel must not cancel it for the others.
    const info = probe(input);
    probes.delete(file);
    probes.set(file, { stamp, info });
    info.catch(() => probes.get(file)?.info === info && probes.delete(file));
    while (probes.size > PROBE_CACHE_SIZE) probes.delete(probes.keys().next().value!);
    return untilAborted(info, signal);
  };

  // Finished scene-cut scans by path and file stamp (size, time, inode), newest last.
  const scans = new Map<string, { stamp: string; scan: SceneCutScan }>();
  const fileStamp = async (file: string) => {
    const stats = await stat(file).catch(() => null);
    return stats ? `${stats.size}:${stats.mtimeMs}:${stats.ino}` : null;
  };

  // How many previews, renders and photos are using each warm session right now.
  const users = new Map<string, number>();
  const release = (key: string) => {
    const left = (users.get(key) ?? 1) - 1;
    if (left > 0) users.set(key, left);
    else users.delete(key);
  };
  // Asking for a model and device retires the idle sessions of other choices, so trying settings in the
  // app leaves one warm inference process, not one per choice; sessions in use are never closed.
  const closeIdleSessions = (except: string) => {
    for (const [key, warm] of sessions) {
      if (key === except || users.has(key)) continue;
      sessions.delete(key);
      void warm.then((idle) => idle.session.close()).catch(() => undefined);
    }
  };

  /** A warm session for (model, device), held until the caller calls release(). */
  const acquire = async (
    model: string | undefined,
    device: DeviceChoice,
    onNotice: (notice: NoticeEvent) => void,
    signal?: AbortSignal,
  ): Promise<WarmSession & { release: () => void }> => {
    // The model is chosen for the provider that will really run it (a GPU model only where a GPU provider exists).
    const available = listAvailableProviders();
    const preferred: ExecutionProvider = chooseProviders(device, available).find((p) => available.includes(p)) ?? 'cpu';
    const manifest = resolveModel(model, preferred, modelsDirs);
    const key = `${manifest.dir}|${manifest.sha256}|${device}`;
    users.set(key, (users.get(key) ?? 0) + 1);
    closeIdleSessions(key);
    let released = false;
    const held = (warm: WarmSession) => ({
      ...warm,
      release: () => {
        if (!released) release(key);
        released = true;
      },
    });
    try {
      return held(await startOrReuse(key, manifest, device, onNotice, signal));
    } catch (error) {
      release(key);
      throw error;
    }
  };

  const startOrReuse = async (key: string, manifest: ModelManifest, device: DeviceChoice, onNotice: (notice: NoticeEvent) => void, signal?: AbortSignal): Promise<WarmSession> => {
    let warm = sessions.get(key);
    if (warm) {
      const existing = await warm.catch(() => null);
      if (existing && existing.session.alive) {
        for (const notice of existing.notices) onNotice(notice);
        return existing;
      }
      if (sessions.get(key) === warm) sessions.delete(key);
    }
    const notices: NoticeEvent[] = [];
    warm = startInference({
      manifest,
      device,
      signal,
      launcher: engineOptions.inferenceLauncher,
      onNotice: (notice) => {
        notices.push(notice);
        onNotice(notice);
      },
    }).then((session) => {
      const providerNotice: NoticeEvent = {
        type: 'notice',
        level: 'info',
        code: 'provider',
        message: `Colourizing with model "${manifest.name}" on ${session.provider.toUpperCase()}.`,
      };
      notices.push(providerNotice);
      onNotice(providerNotice);
      return { manifest, session, notices };
    });
    sessions.set(key, warm);
    warm.catch(() => sessions.delete(key));
    return warm;
  };

  const engine: Engine = {
    probe: (input, signal) => probeCached(input, signal),

    listModels: async () => listModels(modelsDirs),

    async prepare(options: PrepareOptions, signal?: AbortSignal): Promise<PrepareResult> {
      throwIfAborted(signal);
      // The start is shared with the previews and renders that follow, so this caller's signal must not
      // cancel it; it only stops this caller's wait. Notices reach the preview that reuses the session.
      const pending = acquire(options.model, options.device ?? 'auto', () => undefined);
      // Warm, not held: the session stays for the previews and renders that follow.
      pending.then((held) => held.release(), () => undefined);
      const { manifest, session } = await untilAborted(pending, signal);
      return { provider: session.provider, model: manifest.id };
    },

    thumbnails(options: ThumbnailOptions, signal?: AbortSignal): AsyncIterable<Thumbnail> {
      return (async function* () {
        const info = await probeCached(options.input, signal);
        yield* extractThumbnails(info, { count: options.count, height: options.height, cacheDir: engineOptions.cacheDir, signal });
      })();
    },

    preview(options: PreviewOptions, signal?: AbortSignal): AsyncIterable<PreviewFrame> {
      return (async function* () {
        const info = await probeCached(options.input, signal);
        const notices: NoticeEvent[] = [...decodeNotices(info, options.deinterlace ?? true)];
        const { manifest, session, release: releaseSession } = await acquire(options.model, options.device ?? 'auto', (notice) => notices.push(notice), signal);
        try {
          const video = info.video;
          const fps = video.frameRate.num / video.frameRate.den;
          const first = Math.min(Math.max(0, Math.floor(options.at * fps + 1e-6)), Math.max(0, video.frameCount - 1));
          const count = Math.max(1, Math.min(options.frames ?? 1, 600));
          const render = renderSize(video.outputWidth, video.outputHeight, options.renderFactor ?? manifest.renderFactor.default, manifest.sizeMultiple);
          const lumaRange = lumaRangeOf(info);
          const pins = await jobPins(options.hints, manifest, (doc, hinted) => PinStage.forFilm(doc, fps, render.width, render.height, hinted));
          const colorizer = new FrameColorizer(session, {
            frameWidth: video.outputWidth,
            frameHeight: video.outputHeight,
            renderWidth: render.width,
            renderHeight: render.height,
            lumaRange,
            saturation: options.saturation,
            pins: pins?.stage,
          });
          // Pins put earlier in the shot: track them up to the first frame shown.
          await pins?.stage.warmUp(first, (startFrame, frameCount) => decodeLuma(info, { startFrame, frameCount, deinterlace: options.deinterlace ?? true, signal }), (frame) => colorizer.modelLuma(frame));
          const stabilizer = new ChromaStabilizer({ strength: options.stabilize ?? 'medium', width: render.width, height: render.height });
          const pending = new Map<number, import('./pipeline/frames.js').LumaFrame>();
          const maxSize = options.maxSize ?? 1280;
          const format = options.format ?? 'jpeg';
          let index = 0;
          const present = async (chroma: import('./pipeline/frames.js').LowResChroma): Promise<PreviewFrame> => {
            const luma = pending.get(chroma.index)!;
            pending.delete(chroma.index);
            const merged = colorizer.merge(luma, chroma);
            const before = await encodeImage(lumaToRgb(luma.y, luma.width, luma.height, lumaRange), luma.width, luma.height, { format, maxSize });
            const after = await encodeImage(yuvToRgb(merged, lumaRange), merged.width, merged.height, { format, maxSize });
            const position = index++;
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
            };
          };
          for await (const luma of decodeLuma(info, { startFrame: first, frameCount: count, deinterlace: options.deinterlace ?? true, signal })) {
            throwIfAborted(signal);
            pending.set(luma.index, luma);
            for (const chroma of stabilizer.push(await colorizer.predict(luma))) yield await present(chroma);
          }
          for (const chroma of stabilizer.flush()) yield await present(chroma);
        } finally {
          releaseSession();
        }
      })();
    },

    sceneCuts(options: SceneCutOptions, signal?: AbortSignal): AsyncIterable<SceneCutScan> {
      return (async function* () {
        throwIfAborted(signal);
        const file = path.resolve(options.input);
        const key = `${file}|${options.deinterlace ?? true}`;
        const stamp = await fileStamp(file);
        const known = scans.get(key);
        if (known && stamp !== null && known.stamp === stamp) {
          yield structuredClone(known.scan);
          return;
        }
        const info = await probeCached(options.input, signal);
        for await (const report of scanSceneCuts(info, { deinterlace: options.deinterlace, signal })) {
          if (report.done && stamp !== null) {
            scans.delete(key);
            scans.set(key, { stamp, scan: structuredClone(report) });
            while (scans.size > PROBE_CACHE_SIZE) scans.delete(scans.keys().next().value!);
          }
          yield report;
        }
      })();
    },

    async render(options: RenderOptions, onEvent?: (event: RenderEvent) => void, signal?: AbortSignal): Promise<RenderResult> {
      const emit = onEvent ?? (() => undefined);
      if (!existsSync(options.input)) {
        throw new EngineError('input-missing', `The film ${options.input} does not exist; check the path.`);
      }
      containerForOutput(options.output); // a wrong extension is found now, not after the render
      await checkOutput(options);
      emit({ type: 'progress', phase: 'probing', framesDone: 0, framesTotal: 0, fps: 0, etaSec: null, segmentsDone: 0, segmentsTotal: 0 });
      const info = await probeCached(options.input, signal);
      for (const notice of decodeNotices(info, options.deinterlace ?? true)) emit(notice);
      emit({ type: 'progress', phase: 'loading-model', framesDone: 0, framesTotal: 0, fps: 0, etaSec: null, segmentsDone: 0, segmentsTotal: 0 });
      const { manifest, session, release: releaseSession } = await acquire(options.model, options.device ?? 'auto', emit, signal);
      try {
        return await renderFilm(options, { info, manifest, session, emit, signal });
      } finally {
        releaseSession();
      }
    },

    async colorizePhoto(options: PhotoOptions, onEvent?: (event: RenderEvent) => void, signal?: AbortSignal): Promise<PhotoResult> {
      const emit = onEvent ?? (() => undefined);
      if (!existsSync(options.input)) {
        throw new EngineError('input-missing', `The photo ${options.input} does not exist; check the path.`);
      }
      await checkOutput({ input: options.input, output: options.output, overwrite: options.overwrite });
      imageFormatFor(options.output);
      const photo = await readPhotoLuma(options.input);
      const { manifest, session, release: releaseSession } = await acquire(options.model, options.device ?? 'auto', emit, signal);
      try {
        const render = renderSize(photo.width, photo.height, options.renderFactor ?? manifest.renderFactor.default, manifest.sizeMultiple);
        const pins = await jobPins(options.hints, manifest, (doc, hinted) => PinStage.forPhoto(doc, render.width, render.height, hinted));
        const colorizer = new FrameColorizer(session, {
          frameWidth: photo.width,
          frameHeight: photo.height,
          renderWidth: render.width,
          renderHeight: render.height,
          lumaRange: 'pc',
          saturation: options.saturation,
          pins: pins?.stage,
        });
        const chroma = await colorizer.predict({ index: 0, width: photo.width, height: photo.height, y: photo.y });
        // Photos keep full-resolution chroma (4:4:4): no encoder forces subsampling here.
        const { u, v } = upscaleChroma(chroma.cb, chroma.cr, chroma.width, chroma.height, photo.width, photo.height, 'pc', options.saturation ?? 1);
        const output = path.resolve(options.output);
        const temp = temporarySibling(output);
        await writeYuvImage(temp, { width: photo.width, height: photo.height, y: photo.y, u, v, chroma: '444' }, { range: 'pc', formatFrom: output });
        try {
          await assertOutputReplaceable(output, options.overwrite);
          await rename(temp, output);
        } catch (error) {
          await rm(temp, { force: true }).catch(() => undefined);
          throw error;
        }
        return { output, width: photo.width, height: photo.height, provider: session.provider, model: manifest.id };
      } finally {
        releaseSession();
      }
    },

    async close(): Promise<void> {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map(async (warm) => (await warm.catch(() => null))?.session.close()));
    },
  };
  return engine;
}
