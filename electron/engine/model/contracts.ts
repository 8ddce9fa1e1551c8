// The two model contracts (native-models/README.md): what goes into the network and how its output
// becomes Cb/Cr offsets. Pure functions on typed arrays; run inside the inference process.
import { EngineError } from '../errors.js';
import type { ModelContract } from '../../common/types.js';
import type { ManifestJson } from './manifest.js';

type ContractManifest = Pick<ManifestJson, 'id' | 'contract' | 'input' | 'output'>;

export interface ModelInput {
  data: Float32Array;
  dims: [number, number, number, number];
}

export interface Chroma {
  cb: Float32Array;
  cr: Float32Array;
}

export function inputChannels(contract: ModelContract): number {
  return contract === 'chroma' ? 1 : 3;
}

export function outputChannels(contract: ModelContract): number {
  return contract === 'chroma' ? 2 : 3;
}

/** Per-channel value of a 1- or 3-value mean/std list. */
const channelValue = (values: number[], channel: number) => values[values.length === 1 ? 0 : channel];

/** Luma batch [n,1,h,w] in [0,1] → the network's input tensor data. */
export function prepareInput(manifest: ContractManifest, luma: Float32Array, n: number, h: number, w: number): ModelInput {
  const plane = h * w;
  const channels = inputChannels(manifest.contract);
  const { mean, std } = manifest.input;
  const isIdentity = channels === 1 && mean[0] === 0 && std[0] === 1;
  if (isIdentity) return { data: luma, dims: [n, 1, h, w] };

  const data = new Float32Array(n * channels * plane);
  for (let c = 0; c < channels; c++) {
    const m = channelValue(mean, c);
    const scale = 1 / channelValue(std, c);
    for (let i = 0; i < n; i++) {
      const src = i * plane;
      const dst = (i * channels + c) * plane;
      for (let p = 0; p < plane; p++) data[dst + p] = (luma[src + p] - m) * scale;
    }
  }
  return { data, dims: [n, channels, h, w] };
}

const clampOffset = (v: number) => (v > 0.5 ? 0.5 : v < -0.5 ? -0.5 : v);
const clampUnit = (v: number) => (v > 1 ? 1 : v < 0 ? 0 : v);

/** BT.601 / JFIF full-range chroma of an RGB colour in [0,1]: offsets in [-0.5, 0.5]. */
export function rgbToCbCr(r: number, g: number, b: number): [number, number] {
  return [-0.168736 * r - 0.331264 * g + 0.5 * b, 0.5 * r - 0.418688 * g - 0.081312 * b];
}

/** Throws 'model-contract' unless the output has the contract's shape for this input. */
export function checkOutputDims(manifest: ContractManifest, dims: readonly number[], n: number, h: number, w: number): void {
  const channels = outputChannels(manifest.contract);
  if (dims.length !== 4 || dims[1] !== channels) {
    throw new EngineError(
      'model-contract',
      `The model "${manifest.id}" says contract ${manifest.contract} but its output has shape [${dims.join(',')}] instead of [N,${channels},H,W]; fix its model.json or re-export the model.`,
    );
  }
  if (dims[0] !== n || dims[2] !== h || dims[3] !== w) {
    throw new EngineError(
      'model-contract',
      `The model "${manifest.id}" returned an output of ${dims[3]}x${dims[2]} (batch ${dims[0]}) for an input of ${w}x${h} (batch ${n}); its output must match its input size, so re-export the model.`,
    );
  }
}

/**
 * Throws 'model-contract' when the output holds NaN or infinity: clamping would turn them into grey
 * (or silently wrong) colour and the render would report success.
 */
function checkFinite(manifest: ContractManifest, output: Float32Array): void {
  for (let i = 0; i < output.length; i++) {
    if (!Number.isFinite(output[i])) {
      throw new EngineError(
        'model-contract',
        `The model "${manifest.id}" produced invalid numbers (NaN or infinity) instead of colours, so its frames would come out grey; check the mean and std in its model.json, or re-export the model.`,
      );
    }
  }
}

/** The network's output [n,C,h,w] → Cb/Cr offsets, n*h*w each. */
export function extractChroma(
  manifest: ContractManifest,
  output: Float32Array,
  dims: readonly number[],
  n: number,
  h: number,
  w: number,
): Chroma {
  checkOutputDims(manifest, dims, n, h, w);
  checkFinite(manifest, output);
  const plane = h * w;
  const cb = new Float32Array(n * plane);
  const cr = new Float32Array(n * plane);

  if (manifest.contract === 'chroma') {
    for (let i = 0; i < n; i++) {
      const cbSrc = i * 2 * plane;
      const crSrc = cbSrc + plane;
      const dst = i * plane;
      for (let p = 0; p < plane; p++) {
        cb[dst + p] = clampOffset(output[cbSrc + p]);
        cr[dst + p] = clampOffset(output[crSrc + p]);
      }
    }
    return { cb, cr };
  }

  // rgb: optionally undo the input normalization, then take BT.601 chroma (the model's luma is dropped).
  const denormalize = manifest.output.range === 'rgb-normalized';
  const { mean, std } = manifest.input;
  const [mr, mg, mb] = [0, 1, 2].map((c) => (denormalize ? channelValue(mean, c) : 0));
  const [sr, sg, sb] = [0, 1, 2].map((c) => (denormalize ? channelValue(std, c) : 1));
  for (let i = 0; i < n; i++) {
    const base = i * 3 * plane;
    const dst = i * plane;
    for (let p = 0; p < plane; p++) {
      const r = clampUnit(output[base + p] * sr + mr);
      const g = clampUnit(output[base + plane + p] * sg + mg);
      const b = clampUnit(output[base + 2 * plane + p] * sb + mb);
      cb[dst + p] = -0.168736 * r - 0.331264 * g + 0.5 * b;
      cr[dst + p] = 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }
  return { cb, cr };
}
