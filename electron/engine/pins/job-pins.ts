// A job's pins, set up once: the hints checked again (they may come over IPC or WebSocket), the
// model's pins graph verified when it has one, the per-frame stage built, and what the job's
// fingerprint must hold so a resumed render never mixes old pins with new ones.
import type { ModelManifest } from '../model/manifest.js';
import { verifyPinsModelFile } from '../model/pins-model.js';
import type { HintsDocument } from '../../common/types.js';
import { hintsDigest, validateHints } from './hints-file.js';
import type { PinStage } from './pin-stage.js';

export interface JobPins {
  stage: PinStage;
  /** Goes into the job fingerprint: the hints' canonical digest and the pins graph used (if any). */
  fingerprint: { hints: string; pinsModel: string | null };
}

/** null when the job has no pins (then the model runs exactly as without the feature). */
export async function jobPins(
  hints: HintsDocument | undefined,
  manifest: ModelManifest,
  makeStage: (doc: HintsDocument, useHintInputs: boolean) => PinStage,
): Promise<JobPins | null> {
  if (hints === undefined) return null;
  const doc = validateHints(hints, 'The colour pins');
  if (doc.pins.length === 0) return null;
  if (manifest.pins) await verifyPinsModelFile(manifest);
  return {
    stage: makeStage(doc, Boolean(manifest.pins)).withPinSide(manifest.pins?.pinSide).withSpread(manifest.pins?.spread),
    fingerprint: { hints: hintsDigest(doc), pinsModel: manifest.pins?.sha256.toLowerCase() ?? null },
  };
}
