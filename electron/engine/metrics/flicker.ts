// Static-region chroma flicker: how much the colour of things that do not move changes from one
// frame to the next. A chroma sample counts as static when every luma pixel it covers changed by
// less than `lumaThreshold` levels; the result is the mean of (|ΔCb| + |ΔCr|) / 2 over those
// samples, in 8-bit levels. Streaming: keeps only the previous frame.

import type { Plane, YuvPlanes } from './types.js';

export interface FlickerResult {
  /** Mean absolute frame-to-frame chroma change in static regions (8-bit levels); null without any. */
  flicker: number | null;
  /** Share of chroma samples (over all frame pairs) that counted as static. */
  staticFraction: number;
  /** Frame pairs measured. */
  pairs: number;
}

export class StaticChromaFlicker {
  private readonly lumaThreshold: number;
  private previous: { y: Float32Array; u: Float32Array; v: Float32Array } | null = null;
  private shape = '';
  private changeSum = 0;
  private staticSamples = 0;
  private totalSamples = 0;
  private pairs = 0;

  constructor(options: { lumaThreshold?: number } = {}) {
    this.lumaThreshold = options.lumaThreshold ?? 2;
  }

  push(frame: YuvPlanes): void {
    const { width, height, chromaWidth: cw, chromaHeight: ch } = frame;
    const shape = `${width}x${height}:${cw}x${ch}`;
    if (frame.y.length < width * height || frame.u.length < cw * ch || frame.v.length < cw * ch) {
      throw new Error('Frame planes are smaller than the frame size says.');
    }
    if (this.previous && shape === this.shape) this.measure(frame, this.previous);
    this.shape = shape;
    this.previous = {
      y: copyPlane(frame.y, width * height, this.previous?.y),
      u: copyPlane(frame.u, cw * ch, this.previous?.u),
      v: copyPlane(frame.v, cw * ch, this.previous?.v),
    };
  }

  result(): FlickerResult {
    return {
      flicker: this.staticSamples > 0 ? this.changeSum / this.staticSamples : null,
      staticFraction: this.totalSamples > 0 ? this.staticSamples / this.totalSamples : 0,
      pairs: this.pairs,
    };
  }

  private measure(frame: YuvPlanes, previous: { y: Float32Array; u: Float32Array; v: Float32Array }): void {
    const { width, height, chromaWidth: cw, chromaHeight: ch, y, u, v } = frame;
    const sx = Math.max(1, Math.round(width / cw));
    const sy = Math.max(1, Math.round(height / ch));
    const threshold = this.lumaThreshold;
    let changeSum = 0;
    let staticSamples = 0;
    for (let cy = 0; cy < ch; cy++) {
      const y0 = cy * sy;
      const y1 = Math.min(height, y0 + sy);
      for (let cx = 0; cx < cw; cx++) {
        const x0 = cx * sx;
        const x1 = Math.min(width, x0 + sx);
        let still = y0 < y1 && x0 < x1;
        for (let yy = y0; still && yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            const i = yy * width + xx;
            if (Math.abs(y[i] - previous.y[i]) >= threshold) {
              still = false;
              break;
            }
          }
        }
        if (!still) continue;
        const c = cy * cw + cx;
        changeSum += 0.5 * (Math.abs(u[c] - previous.u[c]) + Math.abs(v[c] - previous.v[c]));
        staticSamples++;
      }
    }
    this.changeSum += changeSum;
    this.staticSamples += staticSamples;
    this.totalSamples += cw * ch;
    this.pairs++;
  }
}

function copyPlane(source: Plane, length: number, reuse?: Float32Array): Float32Array {
  const out = reuse && reuse.length === length ? reuse : new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = source[i];
  return out;
}
