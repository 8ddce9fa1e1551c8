// Colour-distribution consistency (CDC), as TCVC defines it (codes/compute_hist.py in
// lyh-18/TCVC): per frame, a 256-bin histogram of each RGB channel, normalized; for each dilation
// d in {1, 2, 4}, the Jensen–Shannon divergence (natural log, as scipy.stats.entropy) between the
// histograms of frames t and t+d, averaged over all such pairs and over the three channels; CDC is
// the weighted sum over dilations (1/3 each). Lower is steadier. Streaming: keeps the last few
// frames' histograms only.

import type { RgbFrame } from './types.js';

export interface CdcResult {
  /** Weighted CDC; null when the video is too short for the largest dilation. */
  cdc: number | null;
  /** Mean JS divergence per dilation (over pairs and channels), null where there was no pair. */
  perDilation: { dilation: number; meanDivergence: number | null; pairs: number }[];
  frames: number;
}

/** Jensen–Shannon divergence in nats (0 for identical, ln 2 for disjoint distributions). */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sumP = 0;
  let sumQ = 0;
  for (let i = 0; i < p.length; i++) {
    sumP += p[i];
    sumQ += q[i];
  }
  if (sumP <= 0 || sumQ <= 0) throw new Error('Histograms must have positive mass.');
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sumP;
    const b = q[i] / sumQ;
    const m = 0.5 * (a + b);
    if (a > 0) divergence += 0.5 * a * Math.log(a / m);
    if (b > 0) divergence += 0.5 * b * Math.log(b / m);
  }
  return divergence;
}

/** Normalized 256-bin histograms of R, G and B (values rounded and clamped to 0–255). */
function rgbHistograms(frame: RgbFrame): [Float64Array, Float64Array, Float64Array] {
  const r = new Float64Array(256);
  const g = new Float64Array(256);
  const b = new Float64Array(256);
  const n = frame.width * frame.height;
  const rgb = frame.rgb;
  for (let i = 0, k = 0; i < n; i++, k += 3) {
    r[toLevel(rgb[k])]++;
    g[toLevel(rgb[k + 1])]++;
    b[toLevel(rgb[k + 2])]++;
  }
  for (let i = 0; i < 256; i++) {
    r[i] /= n;
    g[i] /= n;
    b[i] /= n;
  }
  return [r, g, b];
}

function toLevel(value: number): number {
  const v = Math.round(value);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

export class ColourDistributionConsistency {
  private readonly dilations: number[];
  private readonly weights: number[];
  private readonly history: [Float64Array, Float64Array, Float64Array][] = [];
  private readonly sums: number[];
  private readonly counts: number[];
  private frames = 0;

  constructor(options: { dilations?: number[]; weights?: number[] } = {}) {
    this.dilations = options.dilations ?? [1, 2, 4];
    this.weights = options.weights ?? this.dilations.map(() => 1 / this.dilations.length);
    if (this.weights.length !== this.dilations.length) throw new Error('One weight per dilation is needed.');
    this.sums = this.dilations.map(() => 0);
    this.counts = this.dilations.map(() => 0);
  }

  push(frame: RgbFrame): void {
    const current = rgbHistograms(frame);
    const depth = Math.max(...this.dilations);
    for (let k = 0; k < this.dilations.length; k++) {
      const d = this.dilations[k];
      const earlier = this.history[this.history.length - d];
      if (!earlier) continue;
      let channels = 0;
      for (let c = 0; c < 3; c++) channels += jensenShannon(earlier[c], current[c]);
      this.sums[k] += channels / 3;
      this.counts[k]++;
    }
    this.history.push(current);
    if (this.history.length > depth) this.history.shift();
    this.frames++;
  }

  result(): CdcResult {
    const perDilation = this.dilations.map((dilation, k) => ({
      dilation,
      meanDivergence: this.counts[k] > 0 ? this.sums[k] / this.counts[k] : null,
      pairs: this.counts[k],
    }));
    const complete = perDilation.every((d) => d.meanDivergence !== null);
    const cdc = complete ? perDilation.reduce((sum, d, k) => sum + this.weights[k] * d.meanDivergence!, 0) : null;
    return { cdc, perDilation, frames: this.frames };
  }
}
