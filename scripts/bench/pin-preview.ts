// How long the preview takes to come back after a pin change (issue 16, item 6: aim ≤ 1 s on a 720p
// shared clip, CPU, model warm). The app asks the engine for a fresh preview of the shown frame with the
// film's pins; this measures that call to its first frame, median of `repeats`:
// - `samePlace`: the pin is put on the frame being shown (the usual click-then-look);
// - `earlierInShot`: the pin sits 2 s earlier in the same shot, so the engine first follows it there.
import { createEngine } from '../../electron/engine/index.js';
import type { HintsDocument } from '../../electron/common/types.js';

export interface PinPreviewResult {
  clip: string;
  size: string;
  warmNoPinsMs: number;
  samePlaceMs: number;
  earlierInShotMs: number;
  repeats: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function measurePinPreview(
  clip: string,
  options: { model?: string; device?: 'cpu'; repeats?: number; at?: number } = {},
): Promise<PinPreviewResult> {
  const engine = createEngine();
  const repeats = options.repeats ?? 3;
  const at = options.at ?? 3;
  try {
    const info = await engine.probe(clip);
    const preview = async (hints?: HintsDocument) => {
      const start = performance.now();
      for await (const frame of engine.preview({
        input: clip,
        at,
        frames: 1,
        model: options.model,
        device: options.device ?? 'cpu',
        hints,
      })) {
        void frame;
        break;
      }
      return performance.now() - start;
    };
    await preview(); // loads the model and decodes once: "the model warm"
    const warm: number[] = [];
    const same: number[] = [];
    const earlier: number[] = [];
    const colours = ['#b22222', '#2266cc', '#33aa44'];
    for (let k = 0; k < repeats; k++) {
      warm.push(await preview());
      // A different pin each time, as a person trying colours would make.
      same.push(await preview({ version: 1, pins: [{ t: at, x: 0.3 + 0.1 * k, y: 0.5, color: colours[k % colours.length] }] }));
      earlier.push(
        await preview({ version: 1, pins: [{ t: Math.max(0, at - 2), x: 0.3 + 0.1 * k, y: 0.5, color: colours[k % colours.length] }] }),
      );
    }
    return {
      clip,
      size: `${info.video.outputWidth}x${info.video.outputHeight}`,
      warmNoPinsMs: Math.round(median(warm)),
      samePlaceMs: Math.round(median(same)),
      earlierInShotMs: Math.round(median(earlier)),
      repeats,
    };
  } finally {
    await engine.close();
  }
}
