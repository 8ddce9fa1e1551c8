// Hue agreement per hue family: a diagnostic of semantic colour (is grass green, is sky blue?), defined
// as in scripts/train/metrics.py. Over pixels whose true colour is clearly coloured (|Cb,Cr| ≥ 0.05),
// grouped by the true hue's family in the Cb/Cr plane, the share predicted in the same family and at
// least faintly coloured (|Cb,Cr| ≥ 0.02). Every second pixel in each direction is sampled.

import { rgbToCbCr } from '../../electron/engine/model/contracts.js';

export const HUE_FAMILIES = ['green', 'blue', 'warm'] as const;
export type HueFamily = (typeof HUE_FAMILIES)[number];

/** 0 green (foliage, grass), 1 blue (sky, water), 2 warm (skin, wood, red/orange/yellow), 3 other. */
export function hueFamily(cb: number, cr: number): number {
  const angle = (Math.atan2(cr, cb) * 180) / Math.PI;
  if (angle < -90) return 0;
  if (angle < 20) return 1;
  if (angle >= 90) return 2;
  return 3;
}

/** Counts to add up over a set of images: per family [true pixels, of those predicted in the family]. */
export function hueHits(ours: Uint8Array, truth: Uint8Array, width: number, height: number): Array<[number, number]> {
  const counts: Array<[number, number]> = HUE_FAMILIES.map(() => [0, 0]);
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      const i = (y * width + x) * 3;
      const [tcb, tcr] = cbcr(truth, i);
      if (Math.hypot(tcb, tcr) < 0.05) continue;
      const family = hueFamily(tcb, tcr);
      if (family > 2) continue;
      counts[family][0]++;
      const [ocb, ocr] = cbcr(ours, i);
      if (Math.hypot(ocb, ocr) >= 0.02 && hueFamily(ocb, ocr) === family) counts[family][1]++;
    }
  }
  return counts;
}

function cbcr(rgb: Uint8Array, i: number): [number, number] {
  return rgbToCbCr(rgb[i] / 255, rgb[i + 1] / 255, rgb[i + 2] / 255);
}
