// A still photo colourized with the same model and chroma merge as films, at full-resolution chroma
// (4:4:4), written atomically as PNG, JPEG, TIFF or WebP.
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RenderEvent } from '../common/types.js';
import type { PhotoOptions, PhotoResult } from './api.js';
import { assertOutputReplaceable, temporarySibling } from './atomic-file.js';
import { resolveColorizeOptions } from './colorize-options.js';
import { EngineError } from './errors.js';
import { imageFormatFor, readPhotoLuma, writeYuvImage } from './media/image.js';
import { renderSize } from './model/manifest.js';
import { checkOutput } from './output-checks.js';
import { jobPins } from './pins/job-pins.js';
import { PinStage } from './pins/pin-stage.js';
import { downscaleLuma, upscaleChroma } from './pipeline/chroma-merge.js';
import { FrameColorizer } from './pipeline/colorizer.js';
import type { SessionPool } from './session-pool.js';

export async function colorizePhoto(
  options: PhotoOptions,
  sessions: SessionPool,
  emit: (event: RenderEvent) => void,
  signal?: AbortSignal,
): Promise<PhotoResult> {
  if (!existsSync(options.input)) {
    throw new EngineError('input-missing', `The photo ${options.input} does not exist; check the path.`);
  }
  await checkOutput({ input: options.input, output: options.output, overwrite: options.overwrite });
  imageFormatFor(options.output);
  const photo = await readPhotoLuma(options.input);
  const settings = resolveColorizeOptions(options);
  const { manifest, session, release } = await sessions.acquire(settings.model, settings.device, emit, signal);
  try {
    const { renderFactor, saturation, hints } = resolveColorizeOptions(options, manifest);
    const render = renderSize(photo.width, photo.height, renderFactor, manifest.sizeMultiple);
    const pins = await jobPins(hints, manifest, (doc, hinted) => PinStage.forPhoto(doc, render.width, render.height, hinted));
    const colorizer = new FrameColorizer(session, {
      frameWidth: photo.width,
      frameHeight: photo.height,
      renderWidth: render.width,
      renderHeight: render.height,
      lumaRange: 'pc',
      saturation,
      pins: pins?.stage,
    });
    // A photo has no decoder: its model input is the area average done here (films: media/decode.ts).
    const model = downscaleLuma(photo.y, photo.width, photo.height, render.width, render.height, 'pc');
    const chroma = await colorizer.predict({ index: 0, width: photo.width, height: photo.height, y: photo.y, model });
    // Photos keep full-resolution chroma (4:4:4): no encoder forces subsampling here.
    const { u, v } = upscaleChroma(chroma.cb, chroma.cr, chroma.width, chroma.height, photo.width, photo.height, 'pc', saturation);
    const output = path.resolve(options.output);
    const temp = temporarySibling(output);
    await writeYuvImage(
      temp,
      { width: photo.width, height: photo.height, y: photo.y, u, v, chroma: '444' },
      { range: 'pc', formatFrom: output },
    );
    try {
      await assertOutputReplaceable(output, options.overwrite);
      await rename(temp, output);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
    return { output, width: photo.width, height: photo.height, provider: session.provider, model: manifest.id };
  } finally {
    release();
  }
}
