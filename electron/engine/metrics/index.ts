// Video quality metrics for colourization: pure, streaming accumulators over decoded frames.
export type { RgbFrame, YuvPlanes } from './types.js';
export { StaticChromaFlicker } from './flicker.js';
export { ColourDistributionConsistency, jensenShannon } from './cdc.js';
export { MeanColourfulness, colourfulness } from './colourfulness.js';
export { chromaFrameToRgb, chromaFrameToYuv } from './convert.js';
