// Frame shapes that flow between the pipeline's stages (decoder → colourizer → stabilizer → encoder).

/** One decoded frame: the source luma plane, full resolution, 8-bit, untouched. */
export interface LumaFrame {
  /** Frame number in the film (CFR numbering at the render frame rate). */
  index: number;
  width: number;
  height: number;
  /** width*height bytes, row-major, no padding. */
  y: Uint8Array;
  /**
   * The model's input for this frame: luma at the render size in [0,1], made by the decoding ffmpeg
   * (DecodeLumaOptions.modelSize) so that every consumer of a frame (render, preview, pin tracker,
   * stabilizer) sees the same numbers. Absent when the decode was not asked for it.
   */
  model?: Float32Array;
}

/**
 * Chroma at the model's render size: Cb/Cr offsets in [-0.5, 0.5] (BT.601, JPEG/JFIF full swing:
 * Cb_8bit = 128 + 255*cb). The small luma the model saw travels with it (for stabilization).
 */
export interface LowResChroma {
  index: number;
  width: number;
  height: number;
  /** Model input: luma in [0,1], width*height. */
  luma: Float32Array;
  /** Empty (length 0) when `quantized` holds the chroma instead. */
  cb: Float32Array;
  cr: Float32Array;
  /**
   * The chroma already as 8-bit codes (quantizeChroma of the model's planes), made by the inference
   * process for a render that does not stabilize (no pins): cb and cr are then empty. The
   * stabilizer's 'off' strength passes such frames through as they are.
   */
  quantized?: Uint8Array;
}

/** A colourized frame ready for the encoder: yuv420p planes, luma identical to the source. */
export interface YuvFrame {
  index: number;
  width: number;
  height: number;
  y: Uint8Array; // width*height
  u: Uint8Array; // (width/2)*(height/2)
  v: Uint8Array;
}
