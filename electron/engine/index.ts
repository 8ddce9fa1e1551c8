// createEngine: the one object the CLI, the app, the browser-mode server and the tests all drive.
// It only wires the parts together; each lives in its own module:
//   probe-cache.ts    film facts remembered per file stamp
//   session-pool.ts   warm inference processes, one per (model, device), shared and retired
//   preview.ts        a few frames colourized as before/after images (pins/ keeps the tracker's
//                     frames of recent films between previews: PinFrameCache)
//   pipeline/render.ts  a film render (checks, segments, resume, mux); output-checks.ts its early checks
//   photo.ts          a still photo
//   pipeline/scene-scan.ts  a whole film's scene cuts, remembered per file stamp
import type { Engine } from './api.js';
import { preferAtomicMarking } from './gc-tuning.js';
import { extractThumbnails } from './media/thumbnails.js';
import type { InferenceLauncher } from './model/inference-client.js';
import { defaultModelsDirs, listModels } from './model/manifest.js';
import { colorizePhoto } from './photo.js';
import { PinFrameCache } from './pins/pin-stage.js';
import { renderJob } from './pipeline/render.js';
import { createSceneCutScans } from './pipeline/scene-scan.js';
import { previewFrames } from './preview.js';
import { createProbeCache } from './probe-cache.js';
import { createSessionPool } from './session-pool.js';

export type { Engine } from './api.js';
export { isEngineError } from './errors.js';

export interface EngineOptions {
  /** Folders holding model folders; default: the app's native-models/ (+ CHROMAREEL_MODELS_DIR). */
  modelsDirs?: string[];
  /** Where thumbnails are cached. */
  cacheDir?: string;
  /** How inference processes are started (Electron passes a utilityProcess launcher). */
  inferenceLauncher?: InferenceLauncher;
}

const ignore = () => undefined;

export function createEngine(engineOptions: EngineOptions = {}): Engine {
  preferAtomicMarking();
  const modelsDirs = engineOptions.modelsDirs ?? defaultModelsDirs();
  const probe = createProbeCache();
  const sessions = createSessionPool({ modelsDirs, launcher: engineOptions.inferenceLauncher });
  const sceneCuts = createSceneCutScans(probe);
  const pinFrames = new PinFrameCache();

  return {
    probe,
    listModels: async () => listModels(modelsDirs),
    prepare: (options, signal) => sessions.prepare(options, signal),
    thumbnails: (options, signal) =>
      (async function* () {
        const info = await probe(options.input, signal);
        yield* extractThumbnails(info, { count: options.count, height: options.height, cacheDir: engineOptions.cacheDir, signal });
      })(),
    preview: (options, signal) => previewFrames(options, { probe, sessions, pinFrames }, signal),
    sceneCuts: (options, signal) => sceneCuts(options, signal),
    render: (options, onEvent, signal) => renderJob(options, { probe, sessions }, onEvent ?? ignore, signal),
    colorizePhoto: (options, onEvent, signal) => colorizePhoto(options, sessions, onEvent ?? ignore, signal),
    close: () => sessions.close(),
  };
}
