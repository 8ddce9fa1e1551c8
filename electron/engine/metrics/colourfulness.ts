// Colourfulness (Hasler & Süsstrunk 2003) exactly as DDColor's basicsr metric computes it
// (basicsr/metrics/colorfulness.py): rg = |R − G|, yb = |0.5(R + G) − B| on 0–255 RGB,
// CF = sqrt(σ_rg² + σ_yb²) + 0.3·sqrt(μ_rg² + μ_yb²), population standard deviations. The paper's
// own form has no absolute values; pass { absolute: false } for it. A video's CF is the mean over
// its frames.

import type { RgbFrame } from './types.js';

export interface ColourfulnessOptions {
  /** DDColor's variant (default true) takes absolute values of rg and yb. */
  absolute?: boolean;
}

export function colourfulness(frame: RgbFrame, options: ColourfulnessOptions = {}): number {
  const absolute = options.absolute ?? true;
  const n = frame.width * frame.height;
  if (n === 0) throw new Error('Cannot measure the colourfulness of an empty frame.');
  const rgb = frame.rgb;
  let sumRg = 0;
  let sumRg2 = 0;
  let sumYb = 0;
  let sumYb2 = 0;
  for (let i = 0, k = 0; i < n; i++, k += 3) {
    const r = rgb[k];
    const g = rgb[k + 1];
    const b = rgb[k + 2];
    let rg = r - g;
    let yb = 0.5 * (r + g) - b;
    if (absolute) {
      rg = Math.abs(rg);
      yb = Math.abs(yb);
    }
    sumRg += rg;
    sumRg2 += rg * rg;
    sumYb += yb;
    sumYb2 += yb * yb;
  }
  const meanRg = sumRg / n;
  const meanYb = sumYb / n;
  const varRg = Math.max(0, sumRg2 / n - meanRg * meanRg);
  const varYb = Math.max(0, sumYb2 / n - meanYb * meanYb);
  return Math.sqrt(varRg + varYb) + 0.3 * Math.sqrt(meanRg * meanRg + meanYb * meanYb);
}

export class MeanColourfulness {
  private sum = 0;
  private frames = 0;

  constructor(private readonly options: ColourfulnessOptions = {}) {}

  push(frame: RgbFrame): void {
    this.sum += colourfulness(frame, this.options);
    this.frames++;
  }

  result(): { cf: number | null; frames: number } {
    return { cf: this.frames > 0 ? this.sum / this.frames : null, frames: this.frames };
  }
}
