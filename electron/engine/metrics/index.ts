// Video quality metrics for colourization: pure, streaming accumulators over decoded frames.
export type { Plane, RgbFrame, YuvPlanes } from './types.js';
export { StaticChromaFlicker, type FlickerResult } from './flicker.js';
export { ColourDistributionConsistency, jensenShannon, rgbHistograms, type CdcResult } from './cdc.js';
export { MeanColourfulness, colourfulness, type ColourfulnessOptions } from './colourfulness.js';
export { chromaFrameToRgb, chromaFrameToYuv, type ChromaPlanes } from './convert.js';
