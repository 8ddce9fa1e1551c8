// The trained model in native-models/fast, when it exists: its manifest is valid, its hash matches,
// and it colourizes a small frame through the inference process.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInference } from '../../electron/engine/model/inference-client.js';
import { loadManifest, renderSize } from '../../electron/engine/model/manifest.js';
import { realModelDir, sampleLuma } from '../helpers/models.js';

const present = existsSync(path.join(realModelDir, 'model.json')) && existsSync(path.join(realModelDir, 'model.onnx'));
if (!present) console.log(`Skipping the real-model test: ${realModelDir} has no model.json + model.onnx yet.`);

describe.skipIf(!present)(`the real model (${realModelDir})`, () => {
  it('loads, verifies and colourizes a 768x432 frame at its default render factor', async () => {
    const manifest = loadManifest(realModelDir);
    const { width, height } = renderSize(768, 432, manifest.renderFactor.default, manifest.sizeMultiple);
    const session = await startInference({ manifest, device: 'cpu' });
    try {
      const luma = sampleLuma(1, height, width, 5);
      const started = performance.now();
      const { cb, cr } = await session.infer(luma, 1, height, width);
      console.log(`${realModelDir}: ${width}x${height} in ${(performance.now() - started).toFixed(0)} ms on ${session.provider}`);
      expect(cb.length).toBe(width * height);
      expect(cr.length).toBe(width * height);
      for (const plane of [cb, cr]) {
        let min = Infinity;
        let max = -Infinity;
        let nonFinite = 0;
        for (const v of plane) {
          if (!Number.isFinite(v)) nonFinite++;
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        expect(nonFinite).toBe(0);
        expect(min).toBeGreaterThanOrEqual(-0.5);
        expect(max).toBeLessThanOrEqual(0.5);
        expect(max - min).toBeGreaterThan(1e-3); // not a flat (uncoloured) answer
      }
    } finally {
      await session.close();
    }
  });
});
