import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { EngineError, cancelledError, throwIfAborted } from '../errors.js';
import { createSegmentEncoder, type SegmentEncoder } from '../media/encode.js';
import { resolveEncoder } from '../media/encoders.js';
import { defaultCacheDir } from '../private-dirs.js';
import { existsSync } from 'node:fs';
import { BufferPool } from '../media/buffer-pool.js';
import { decodeLuma, decodeNotices, lumaRangeOf, outputSampleAspectRatio } from '../media/decode.js';
import { checkFrameSockets } from '../media/raw-frames.js';
import { containerForOutput, muxOutput } from '../media/mux.js';
import type { InferenceSession } from '../model/inference-client.js';
import type { ModelManifest } from '../model/manifest.js';
import { renderSize } from '../model/manifest.js';
import type { MediaInfo, RenderEvent, RenderOptions, RenderResult } from '../../common/types.js';
import { writeFileAtomic } from '../atomic-file.js';
import { resolveColorizeOptions } from '../colorize-options.js';
import { checkDiskSpace, checkOutput } from '../output-checks.js';
import type { SessionPool } from '../session-pool.js';
import { OUTPUT_DEFAULTS } from '../../common/options.js';
import { jobPins } from '../pins/job-pins.js';
import { PinStage } from '../pins/pin-stage.js';
import { FrameColorizer } from './colorizer.js';
import type { LowResChroma, LumaFrame, YuvFrame } from './frames.js';
import { JobStore, defaultWorkDir, jobFingerprint, type SegmentRecord } from './job.js';
import { mapOrdered } from './ordered-map.js';
import { stabilizerStateId } from './stabilize.js';
import { openRenderStabilizer, type RenderStabilizer, type StabilizedBatch } from './stabilizer-thread.js';
import { ProgressMeter } from './progress.js';

/** Frames in flight between decoder and model: enough to keep the model busy, few enough to stay small. */
const INFERENCE_IN_FLIGHT = 3;
/** The largest frame whose segments finish in the background (see closeSegment). */
const BACKGROUND_FINISH_MAX_PIXELS = 1920 * 1088;
const SEGMENT_EXTENSION = '.mp4';

/** A closed segment whose encoder is still finishing, and its recording for resume once it has. */
interface FinishingSegment {
  encoder: SegmentEncoder;
  recorded: Promise<void>;
}

interface SegmentState {
  stabilizer: Uint8Array | ArrayBuffer;
  /** Frames the stabilizer already released that belong to the next segment (only after a flush). */
  released: LowResChroma[];
  /**
   * Last frame the stabilizer emitted. The snapshot holds the state right after it, so a resumed run
   * infers and pushes every later frame again (those that were still in the look-ahead window too).
   */
  pushedThrough: number;
  sceneCuts: number[];
}

export interface RenderContext {
  info: MediaInfo;
  manifest: ModelManifest;
  session: InferenceSession;
  emit: (event: RenderEvent) => void;
  signal?: AbortSignal;
}

/** Converts a [from, to) time range to frame numbers: frame i is shown at i/fps. */
function frameRange(info: MediaInfo, from?: number, to?: number): { start: number; end: number | null } {
  const fps = info.video.frameRate.num / info.video.frameRate.den;
  const total = info.video.frameCount;
  const start = from === undefined ? 0 : Math.max(0, Math.ceil(from * fps - 1e-6));
  let end: number | null = to === undefined ? (info.video.frameCountExact ? total : null) : Math.ceil(to * fps - 1e-6);
  if (end !== null && info.video.frameCountExact) end = Math.min(end, total);
  if (start >= total && info.video.frameCountExact) {
    throw new EngineError(
      'bad-option',
      `The start time is past the end of the film (${info.durationSec.toFixed(2)} s); choose an earlier --from.`,
    );
  }
  if (end !== null && end <= start) {
    throw new EngineError('bad-option', 'The chosen range is empty; make --to later than --from.');
  }
  return { start, end };
}

/**
 * A film render from the start: the input and output checked before any work, the film probed, the
 * model's session held for the render, then renderFilm.
 */
export async function renderJob(
  options: RenderOptions,
  deps: { probe: (input: string, signal?: AbortSignal) => Promise<MediaInfo>; sessions: SessionPool },
  emit: (event: RenderEvent) => void,
  signal?: AbortSignal,
): Promise<RenderResult> {
  if (!existsSync(options.input)) {
    throw new EngineError('input-missing', `The film ${options.input} does not exist; check the path.`);
  }
  containerForOutput(options.output); // a wrong extension is found now, not after the render
  await checkOutput(options);
  void checkFrameSockets();
  emit({ type: 'progress', phase: 'probing', framesDone: 0, framesTotal: 0, fps: 0, etaSec: null, segmentsDone: 0, segmentsTotal: 0 });
  const info = await deps.probe(options.input, signal);
  const settings = resolveColorizeOptions(options);
  for (const notice of decodeNotices(info, settings.deinterlace)) emit(notice);
  emit({
    type: 'progress',
    phase: 'loading-model',
    framesDone: 0,
    framesTotal: 0,
    fps: 0,
    etaSec: null,
    segmentsDone: 0,
    segmentsTotal: 0,
  });
  const { manifest, session, release } = await deps.sessions.acquire(settings.model, settings.device, emit, signal);
  try {
    return await renderFilm(options, { info, manifest, session, emit, signal });
  } finally {
    release();
  }
}

async function renderFilm(options: RenderOptions, context: RenderContext): Promise<RenderResult> {
  const started = performance.now();
  const { info, manifest, session, emit, signal } = context;
  const output = path.resolve(options.output);
  const { start, end } = frameRange(info, options.from, options.to);
  const fps = info.video.frameRate.num / info.video.frameRate.den;
  const segmentFrames = options.segmentFrames ?? Math.max(1, Math.round(fps * (options.segmentSeconds ?? OUTPUT_DEFAULTS.segmentSeconds)));
  const { stabilize: strength, renderFactor, deinterlace, saturation, hints } = resolveColorizeOptions(options, manifest);
  const render = renderSize(info.video.outputWidth, info.video.outputHeight, renderFactor, manifest.sizeMultiple);
  const lossless = options.lossless ?? false;
  const { encoder: videoEncoder, notice: encoderNotice } = await resolveEncoder(
    options.encoder ?? (options.codec === 'h265' ? 'x265' : 'x264'),
    {
      codec: options.codec,
      lossless,
      cacheFile: path.join(defaultCacheDir(), 'encoders.json'),
      signal,
    },
  );
  const codec = videoEncoder.codec;

  const pins = await jobPins(hints, manifest, (doc, hinted) => PinStage.forFilm(doc, fps, render.width, render.height, hinted));
  const workDir = path.resolve(options.workDir ?? defaultWorkDir(output));
  const fingerprint = jobFingerprint({
    input: path.resolve(options.input),
    inputSize: info.sizeBytes,
    model: manifest.sha256,
    // A job whose stabilizer state another build wrote starts afresh instead of failing to restore.
    stabilizer: stabilizerStateId(),
    renderFactor,
    render,
    strength,
    deinterlace,
    saturation,
    lossless,
    codec,
    crf: options.crf,
    preset: options.preset,
    start,
    end,
    segmentFrames,
    // Only with pins or a hardware encoder, so other jobs keep the fingerprints they had.
    ...(pins ? { pins: pins.fingerprint } : {}),
    ...(videoEncoder.hardware ? { encoder: videoEncoder.name } : {}),
  });
  const { job, resumed } = await JobStore.open(workDir, {
    fingerprint,
    input: path.resolve(options.input),
    output,
    startFrame: start,
    endFrame: end,
    segmentFrames,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error instanceof EngineError) throw error;
    throw new EngineError(
      'output-unwritable',
      `Cannot use the work folder ${workDir} (${error.code ?? error.message}); choose another with --work-dir.`,
      String(error),
    );
  });
  const total = (end ?? info.video.frameCount) - start;
  await checkDiskSpace(path.dirname(output), info, total - (job.nextFrame - start), lossless);
  if (encoderNotice) emit({ type: 'notice', ...encoderNotice });
  if (resumed) {
    emit({
      type: 'notice',
      level: 'info',
      code: 'resumed',
      message: `Resuming: ${job.segments.length} finished segment(s) found, continuing at frame ${job.nextFrame}.`,
    });
  }

  const lumaRange = lumaRangeOf(info);
  const colorizer = new FrameColorizer(session, {
    frameWidth: info.video.outputWidth,
    frameHeight: info.video.outputHeight,
    renderWidth: render.width,
    renderHeight: render.height,
    lumaRange,
    saturation,
    pins: pins?.stage,
  });

  // Restore the stabilizer exactly as it was when the last finished segment closed. It runs on a
  // worker thread (stabilizer-thread.ts), or in-process where no worker starts: the same frames.
  let released: LowResChroma[] = [];
  let pushedThrough = job.nextFrame - 1;
  const sceneCuts: number[] = [];
  const lastSegment = job.segments.at(-1);
  let restored: SegmentState | undefined;
  if (lastSegment?.stateFile) {
    restored = deserialize(await readFile(job.pathOf(lastSegment.stateFile))) as SegmentState;
    released = restored.released;
    pushedThrough = restored.pushedThrough;
    sceneCuts.push(...restored.sceneCuts);
  }
  const stabilizer: RenderStabilizer = await openRenderStabilizer(
    // The stabilizer's thread also makes the encoder's 8-bit chroma, where its output planes are.
    { strength, width: render.width, height: render.height, quantize: colorizer.quantizing },
    restored?.stabilizer,
  );

  const meter = new ProgressMeter(total, job.nextFrame - start);
  const segmentsTotal = end === null ? Math.ceil(total / segmentFrames) : Math.ceil((end - start) / segmentFrames);
  const progress = (phase: 'colorizing' | 'muxing' | 'done') =>
    emit({ type: 'progress', phase, ...meter.snapshot(), segmentsDone: job.segments.length, segmentsTotal });

  const pendingLuma = new Map<number, LumaFrame>();
  let encoder: SegmentEncoder | null = null;
  let segmentIndex = job.segments.length;
  let segmentStart = job.nextFrame;
  let segmentFile = '';
  let framesInSegment = 0;
  /** The last frame the stabilizer emitted in the results taken so far (what a snapshot now stores). */
  let lastEmitted = stabilizer.lastEmittedAtStart;

  const openSegment = async (firstFrame: number) => {
    segmentStart = firstFrame;
    segmentFile = `seg-${String(segmentIndex).padStart(5, '0')}${SEGMENT_EXTENSION}`;
    framesInSegment = 0;
    encoder = await createSegmentEncoder({
      path: job.pathOf(segmentFile),
      width: info.video.outputWidth,
      height: info.video.outputHeight,
      frameRate: info.video.frameRate,
      codec,
      encoder: videoEncoder,
      crf: options.crf,
      preset: options.preset,
      lossless,
      sar: outputSampleAspectRatio(info),
      colorRange: lumaRange,
      // Kept interlaced (--no-deinterlace): coded and tagged as such, so players still deinterlace
      // (field order as displayed: 'tb' is top coded, bottom shown first). Not when lossless: x264's
      // interlaced coding at qp 0 does not decode back bit-exact, and lossless promises exactly that.
      fieldOrder:
        info.video.interlaced && !deinterlace && !lossless
          ? info.video.fieldOrder === 'bb' || info.video.fieldOrder === 'tb'
            ? 'bb'
            : 'tt'
          : undefined,
      signal,
    });
  };

  // A closed segment's encoder still has to encode the frames x264 holds in its look-ahead (about a
  // second at 768x432, six at 1080p here), during which the model would wait. So the next segment
  // starts while it finishes, and the segment is recorded for resume once its file is complete; at
  // most one finishes at a time. Not above 1080p: two x264s at 4K would take the process tree past
  // 1.5 GB.
  const finishInBackground = info.video.outputWidth * info.video.outputHeight <= BACKGROUND_FINISH_MAX_PIXELS;
  let finishing: FinishingSegment | null = null;

  const settleFinishing = async () => {
    if (!finishing) return;
    const { recorded } = finishing;
    await recorded;
    finishing = null;
  };

  const recordSegment = async (closing: SegmentEncoder, state: SegmentState, segment: SegmentRecord & { stateFile: string }) => {
    await closing.finish();
    await writeFileAtomic(job.pathOf(segment.stateFile), serialize(state));
    await job.addSegment(segment);
    progress('colorizing');
  };

  const closeSegment = async () => {
    if (!encoder) return;
    await settleFinishing();
    const closing = encoder;
    encoder = null;
    // The stabilizer as it is now (no push in flight): the state a resume restores.
    const state: SegmentState = {
      stabilizer: await stabilizer.snapshot(),
      released: [...released],
      pushedThrough: lastEmitted,
      sceneCuts: sceneCuts.filter((cut) => cut <= lastEmitted),
    };
    const segment = {
      index: segmentIndex,
      startFrame: segmentStart,
      frameCount: framesInSegment,
      file: segmentFile,
      stateFile: `seg-${String(segmentIndex).padStart(5, '0')}.state`,
    };
    segmentIndex++;
    const recorded = recordSegment(closing, state, segment);
    if (finishInBackground) {
      recorded.catch(() => undefined); // thrown where it is settled
      finishing = { encoder: closing, recorded };
    } else {
      await recorded;
    }
  };

  // Full-resolution luma and 4:2:0 chroma planes go round: decoder (luma) or colorizer.encoderFrame
  // (chroma) → encoder → back here once ffmpeg has them, so the hot loop allocates nothing
  // frame-sized (pools keep a few more than are in flight).
  const lumaPool = new BufferPool(info.video.outputWidth * info.video.outputHeight, INFERENCE_IN_FLIGHT + 8);
  const chromaPool = new BufferPool(2 * (info.video.outputWidth >> 1) * (info.video.outputHeight >> 1), 8);

  const writeFrame = async (frame: YuvFrame, planes: Uint8Array) => {
    if (!encoder) await openSegment(frame.index);
    const { y } = frame;
    await encoder!.write(frame, () => {
      lumaPool.give(y);
      chromaPool.give(planes);
    });
    framesInSegment++;
    meter.advance(1);
    if (meter.shouldReport()) progress('colorizing');
    if (framesInSegment === job.segmentFrames) await closeSegment();
  };

  // Releases stabilized frames whose full-resolution luma has arrived, in order.
  const drain = async () => {
    while (released.length > 0) {
      const chroma = released[0];
      const luma = pendingLuma.get(chroma.index);
      if (!luma) return;
      released.shift();
      pendingLuma.delete(chroma.index);
      const planes = chromaPool.take();
      await writeFrame(colorizer.encoderFrame(luma, chroma, planes), planes);
    }
  };

  const take = (batch: StabilizedBatch) => {
    released.push(...batch.released);
    lastEmitted = batch.lastEmitted;
    for (const cut of batch.cuts) {
      sceneCuts.push(cut);
      emit({ type: 'scene-cut', frame: cut, timeSec: cut / fps });
    }
  };

  // The stabilizer works on frame n (on its thread) while this thread writes the frames frame n-1
  // released. A segment's close snapshots the stabilizer as it is right after the push whose
  // frames are being written, so a drain that will close a segment runs before the next push.
  let inFlight: Promise<StabilizedBatch> | null = null;
  const takeInFlight = async () => {
    if (!inFlight) return;
    const batch = await inFlight;
    inFlight = null;
    take(batch);
  };
  const drainWouldClose = () => {
    let ready = 0;
    while (ready < released.length && pendingLuma.has(released[ready].index)) ready++;
    const written = (encoder as SegmentEncoder | null) ? framesInSegment : 0;
    return ready > 0 && written + ready >= job.segmentFrames;
  };

  const nextFrame = job.nextFrame;
  const remaining = end === null ? undefined : end - nextFrame;
  try {
    if (remaining === undefined || remaining > 0) {
      progress('colorizing');
      // Pins put on earlier frames of a shot that goes on here: track them up to the first frame inferred.
      await pins?.stage.warmUp(
        pushedThrough + 1,
        (startFrame, frameCount) => decodeLuma(info, { startFrame, frameCount, deinterlace, signal, modelSize: colorizer.modelSize }),
        (frame) => colorizer.modelLuma(frame),
      );
      const decoded = decodeLuma(info, {
        startFrame: nextFrame,
        frameCount: remaining,
        deinterlace,
        signal,
        onNotice: emit,
        pool: lumaPool,
        modelSize: colorizer.modelSize,
      });
      // Unstabilized chroma goes from the model to the encoder untouched: the inference process
      // quantizes it (a quarter of the bytes to carry back, and no float planes here at all).
      const quantizeInModel = strength === 'off' && !pins;
      const predicted = mapOrdered(
        decoded,
        async (frame) => ({
          frame,
          chroma:
            frame.index <= pushedThrough
              ? null
              : quantizeInModel
                ? await colorizer.predictQuantized(frame)
                : await colorizer.predict(frame),
        }),
        INFERENCE_IN_FLIGHT,
      );
      for await (const { frame, chroma } of predicted) {
        throwIfAborted(signal);
        pendingLuma.set(frame.index, frame);
        await takeInFlight();
        if (chroma) {
          if (drainWouldClose()) await drain();
          const batch = stabilizer.push(chroma);
          batch.catch(() => undefined); // taken (and its failure thrown) by takeInFlight
          inFlight = batch;
          pushedThrough = frame.index;
        }
        await drain();
      }
      await takeInFlight();
      await drain();
      take(await stabilizer.flush());
      await drain();
      await closeSegment();
      await settleFinishing();
    }
  } catch (error) {
    const active = encoder as SegmentEncoder | null;
    const background = finishing as FinishingSegment | null;
    await active?.abort().catch(() => undefined);
    // A segment that was finishing is kept for resume unless the render was cancelled.
    if (signal?.aborted) await background?.encoder.abort().catch(() => undefined);
    await background?.recorded.catch(() => undefined);
    if (signal?.aborted) throw cancelledError();
    // Keep the work folder only when there is something to resume from: a damaged input would
    // fail the same way again, and an empty job is just litter beside the output.
    if (job.segments.length === 0 || (error instanceof EngineError && error.code === 'corrupt-input')) {
      await job.remove().catch(() => undefined);
    }
    throw error;
  } finally {
    // Ends the stabilizer's thread however the frames ended (done, failed, cancelled).
    await stabilizer.close();
  }
  throwIfAborted(signal);

  const segments = job.segments.map((segment) => job.pathOf(segment.file));
  if (segments.length === 0) {
    throw new EngineError(
      'zero-frames',
      `No frames could be decoded from ${options.input} in the chosen range; check the file plays and the range is inside it.`,
    );
  }
  const framesRendered = job.segments.reduce((sum, segment) => sum + segment.frameCount, 0);
  const lastFrame = start + framesRendered;
  progress('muxing');
  const { notices } = await muxOutput({
    segments,
    segmentFrameCounts: job.segments.map((segment) => segment.frameCount),
    source: info,
    output,
    fromSec: start / fps,
    toSec: lastFrame / fps,
    overwrite: options.overwrite,
    signal,
  });
  for (const notice of notices) emit(notice);
  await job.markComplete();
  if (!options.keepWork) await job.remove();
  meter.finish();
  progress('done');
  return {
    output,
    frames: framesRendered,
    durationSec: framesRendered / fps,
    provider: session.provider,
    model: manifest.id,
    resumedFromFrame: resumed ? nextFrame : start,
    sceneCuts,
    elapsedSec: (performance.now() - started) / 1000,
  };
}
