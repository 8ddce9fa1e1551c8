import type { InferenceSession } from '../model/inference-client.js';
import { downscaleLuma, upscaleChroma, type LumaRange } from './chroma-merge.js';
import type { LowResChroma, LumaFrame, YuvFrame } from './frames.js';

export interface FrameColorizerOptions {
  frameWidth: number;
  frameHeight: number;
  renderWidth: number;
  renderHeight: number;
  lumaRange: LumaRange;
  saturation?: number;
}

/**
 * The per-frame work around the model: full-resolution luma → small luma → model → small chroma,
 * and small chroma → full chroma planes joined with the untouched luma.
 */
export class FrameColorizer {
  constructor(
    private readonly session: InferenceSession,
    private readonly options: FrameColorizerOptions,
  ) {}

  async predict(frame: LumaFrame): Promise<LowResChroma> {
    const { frameWidth, frameHeight, renderWidth, renderHeight, lumaRange } = this.options;
    const luma = downscaleLuma(frame.y, frameWidth, frameHeight, renderWidth, renderHeight, lumaRange);
    const { cb, cr } = await this.session.infer(luma, 1, renderHeight, renderWidth);
    return { index: frame.index, width: renderWidth, height: renderHeight, luma, cb, cr };
  }

  merge(frame: LumaFrame, chroma: LowResChroma): YuvFrame {
    const { frameWidth, frameHeight, lumaRange, saturation } = this.options;
    const { u, v } = upscaleChroma(
      chroma.cb,
      chroma.cr,
      chroma.width,
      chroma.height,
      frameWidth >> 1,
      frameHeight >> 1,
      lumaRange,
      saturation ?? 1,
    );
    return { index: frame.index, width: frameWidth, height: frameHeight, y: frame.y, u, v };
  }
}
