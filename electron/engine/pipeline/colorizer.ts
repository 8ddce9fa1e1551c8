import { COLORIZE_DEFAULTS } from '../../common/options.js';
import type { InferenceSession } from '../model/inference-client.js';
import type { ChromaQuantizing } from '../model/protocol.js';
import type { PinStage } from '../pins/pin-stage.js';
import { quantizeChroma, upscaleChroma, upscaleCodes, type LumaRange } from './chroma-merge.js';
import type { LowResChroma, LumaFrame, YuvFrame } from './frames.js';

export interface FrameColorizerOptions {
  frameWidth: number;
  frameHeight: number;
  renderWidth: number;
  renderHeight: number;
  lumaRange: LumaRange;
  saturation?: number;
  /** The job's colour pins (frames must then be predicted in order). */
  pins?: PinStage;
}

/**
 * The per-frame work around the model: full-resolution luma → small luma → model → small chroma,
 * and small chroma → full chroma planes joined with the untouched luma: in floats (merge: previews),
 * or quantized at its own size and then upscaled (encoderFrame: renders).
 */
export class FrameColorizer {
  constructor(
    private readonly session: InferenceSession,
    private readonly options: FrameColorizerOptions,
  ) {}

  /** The decode options that give frames their model input (frame.model), for decodeLuma. */
  get modelSize(): { width: number; height: number } {
    return { width: this.options.renderWidth, height: this.options.renderHeight };
  }

  /**
   * The frame's luma as the model sees it: render size, [0,1]. Made by the decoder (decodeLuma with
   * `modelSize`), or by the caller for a photo, never here, so that a frame always gets the same one.
   */
  modelLuma(frame: LumaFrame): Float32Array {
    const { renderWidth, renderHeight } = this.options;
    if (!frame.model || frame.model.length !== renderWidth * renderHeight) {
      throw new Error(`Frame ${frame.index} has no ${renderWidth}x${renderHeight} model input; decode it with modelSize.`);
    }
    return frame.model;
  }

  async predict(frame: LumaFrame): Promise<LowResChroma> {
    const { renderWidth, renderHeight, pins } = this.options;
    const luma = this.modelLuma(frame);
    // Synchronous up to the model call, so pins are tracked in frame order even with frames in flight.
    const pinned = pins?.prepare(frame.index, luma);
    const { cb, cr } = await this.session.infer(luma, 1, renderHeight, renderWidth, pinned?.hints);
    if (pinned) pins!.finish(pinned, cb, cr, luma);
    return { index: frame.index, width: renderWidth, height: renderHeight, luma, cb, cr };
  }

  /** How chroma becomes the encoder's 8-bit codes (encoderFrame's quantizeChroma): the render's range and saturation. */
  get quantizing(): ChromaQuantizing {
    return { range: this.options.lumaRange, saturation: this.options.saturation ?? COLORIZE_DEFAULTS.saturation };
  }

  /**
   * As predict, with the chroma quantized by the inference process (LowResChroma.quantized, cb and
   * cr empty): exactly the codes encoderFrame would make of predict's planes, for a render whose chroma goes
   * from the model to the encoder untouched (stabilize off, no pins).
   */
  async predictQuantized(frame: LumaFrame): Promise<LowResChroma> {
    const { renderWidth, renderHeight, pins } = this.options;
    if (pins) throw new Error('A render with pins needs the chroma planes themselves (predict).');
    const luma = this.modelLuma(frame);
    const quantized = await this.session.inferQuantized(luma, 1, renderHeight, renderWidth, this.quantizing);
    const empty = () => new Float32Array(0); // each its own buffer, so each can be transferred
    return { index: frame.index, width: renderWidth, height: renderHeight, luma, cb: empty(), cr: empty(), quantized };
  }

  /**
   * The frame as the encoder takes it: the luma untouched and the chroma quantized at the model's
   * size (chroma.quantized as it is when it has that), then upscaled to the 4:2:0 planes
   * (upscaleCodes), U then V into `planes` when given.
   */
  encoderFrame(frame: LumaFrame, chroma: LowResChroma, planes?: Uint8Array): YuvFrame {
    const { frameWidth, frameHeight } = this.options;
    const { range, saturation } = this.quantizing;
    const codes = chroma.quantized ?? quantizeChroma(chroma.cb, chroma.cr, range, saturation, this.#codes(chroma));
    const quarter = (frameWidth >> 1) * (frameHeight >> 1);
    const both = upscaleCodes(codes, chroma.width, chroma.height, frameWidth >> 1, frameHeight >> 1, planes);
    return {
      index: frame.index,
      width: frameWidth,
      height: frameHeight,
      y: frame.y,
      u: both.subarray(0, quarter),
      v: both.subarray(quarter),
    };
  }

  /** Scratch for one frame's codes on their way to upscaleCodes (used and done with at once). */
  #codeScratch = new Uint8Array(0);
  #codes(chroma: LowResChroma): Uint8Array {
    const size = 2 * chroma.width * chroma.height;
    if (this.#codeScratch.length !== size) this.#codeScratch = new Uint8Array(size);
    return this.#codeScratch;
  }

  /** Joins the frame's luma with its chroma upscaled (into `planes` when given: U then V, each a quarter frame). */
  merge(frame: LumaFrame, chroma: LowResChroma, planes?: Uint8Array): YuvFrame {
    const { frameWidth, frameHeight, lumaRange, saturation } = this.options;
    const quarter = (frameWidth >> 1) * (frameHeight >> 1);
    const out = planes ? { u: planes.subarray(0, quarter), v: planes.subarray(quarter, 2 * quarter) } : undefined;
    const { u, v } = upscaleChroma(
      chroma.cb,
      chroma.cr,
      chroma.width,
      chroma.height,
      frameWidth >> 1,
      frameHeight >> 1,
      lumaRange,
      saturation ?? COLORIZE_DEFAULTS.saturation,
      out,
    );
    return { index: frame.index, width: frameWidth, height: frameHeight, y: frame.y, u, v };
  }
}
