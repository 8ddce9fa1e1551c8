// Messages between the host and the inference process. Plain objects and typed arrays only, so they
// pass by structured clone: `child_process.fork(…, { serialization: 'advanced' })` under Node, and
// MessagePort-style postMessage under Electron's utilityProcess.
import type { ExecutionProvider } from '../../common/types.js';
import type { ModelManifest } from './manifest.js';
import type { ResultChannelOffer } from './result-channel.js';

/** How the inference process turns chroma into 8-bit codes (chroma-merge.ts quantizeChroma). */
export interface ChromaQuantizing {
  range: 'tv' | 'pc';
  saturation: number;
}

/** A `quantize` as quantizeChroma takes it, and nothing else (checked on both sides of the pipe). */
export function isChromaQuantizing(quantize: unknown): quantize is ChromaQuantizing {
  if (typeof quantize !== 'object' || quantize === null) return false;
  const { range, saturation } = quantize as Record<string, unknown>;
  return (range === 'tv' || range === 'pc') && typeof saturation === 'number' && Number.isFinite(saturation);
}

// ----- host → inference process -------------------------------------------------------------

export interface LoadRequest {
  type: 'load';
  manifest: ModelManifest;
  /** Providers to try, in order; the first that creates a session is used. */
  providers: ExecutionProvider[];
  /** Intra-op threads; default: all cores. */
  threads?: number;
  /** Where to listen for the host's reader of float results (result-channel.ts); absent: no channel. */
  resultChannel?: ResultChannelOffer;
}

export interface InferRequest {
  type: 'infer';
  id: number;
  /** Luma in [0,1], [n,1,h,w] row-major; exactly n*h*w values. */
  batch: Float32Array;
  n: number;
  h: number;
  w: number;
  /** Hint planes (Cb, Cr, mask), [n,3,h,w]: run the model's pins graph instead of its main one. */
  hints?: Float32Array;
  /**
   * Reply with the chroma as 8-bit codes (quantizeChroma with these, exactly what the host would
   * make of the float planes) instead of the float planes: a quarter of the bytes to carry back.
   */
  quantize?: ChromaQuantizing;
}

export interface DisposeRequest {
  type: 'dispose';
}

export type HostMessage = LoadRequest | InferRequest | DisposeRequest;

// ----- inference process → host -------------------------------------------------------------

export interface ProviderFailure {
  provider: ExecutionProvider;
  /** One short line from onnxruntime saying why. */
  reason: string;
}

export interface ReadyMessage {
  type: 'ready';
  provider: ExecutionProvider;
  modelId: string;
  inputName: string;
  outputName: string;
  threads: number;
  /** Providers tried before `provider` and why each failed. */
  failures: ProviderFailure[];
  /** Listening where the load request's resultChannel said: float chroma will come back there once connected. */
  resultChannelListening?: boolean;
}

export interface LoadErrorMessage {
  type: 'load-error';
  /** 'model-contract': the model does not match its manifest; 'model-invalid': no provider could load it. */
  code: 'model-contract' | 'model-invalid';
  message: string;
  detail?: string;
  failures: ProviderFailure[];
}

export interface FloatInferResult {
  type: 'result';
  id: number;
  /** Cb and Cr offsets in [-0.5, 0.5] (BT.601, JFIF), n*h*w values each. */
  cb: Float32Array;
  cr: Float32Array;
}

/** The answer to a request with `quantize`. */
export interface QuantizedInferResult {
  type: 'result';
  id: number;
  /** quantizeChroma(cb, cr, range, saturation): 8-bit Cb (n*h*w codes) then Cr (n*h*w codes). */
  chroma: Uint8Array;
}

export type InferResult = FloatInferResult | QuantizedInferResult;

/** 'oom' and 'provider' failures on a GPU provider make the host retry on CPU. */
export type InferErrorKind = 'oom' | 'provider' | 'contract' | 'other';

export interface InferErrorMessage {
  type: 'infer-error';
  id: number;
  kind: InferErrorKind;
  message: string;
}

export type ChildMessage = ReadyMessage | LoadErrorMessage | InferResult | InferErrorMessage;

// ----- transport ------------------------------------------------------------------------------

/** The child's end of the channel, whatever carries it (Node IPC or Electron's parentPort). */
export interface ParentPort {
  send(message: ChildMessage): void;
  onMessage(listener: (message: HostMessage) => void): void;
  /** Called when the host goes away; the child should exit. */
  onDisconnect(listener: () => void): void;
}
