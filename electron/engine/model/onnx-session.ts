// onnxruntime sessions for one model, inside the inference process: open with the first provider
// that works, check the network against the manifest's contract, run a batch.
import os from 'node:os';
import ort from 'onnxruntime-node';
import { EngineError } from '../errors.js';
import type { ExecutionProvider } from '../../common/types.js';
import { extractChroma, inputChannels, outputChannels, prepareInput, type Chroma } from './contracts.js';
import type { ModelManifest } from './manifest.js';
import type { InferErrorKind, ProviderFailure } from './protocol.js';
import { providerLabel } from './providers.js';

export interface OpenedModel {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
  threads: number;
  failures: ProviderFailure[];
}

/** onnxruntime's messages start with source locations and assertion text; keep the readable end. */
export function shortReason(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
  const sentences = text.split(/\.\s+/).filter((s) => s.trim().length > 0);
  const last = sentences.length > 1 ? sentences[sentences.length - 1] : text;
  const readable = last.replace(/^\S+\.(cc|cpp|h):\d+\s+/, '').trim();
  return readable.length > 200 ? `${readable.slice(0, 197)}…` : readable || 'unknown error';
}

function defaultThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/** Opens the model with the first provider in `providers` that creates a session. */
export async function openModel(manifest: ModelManifest, providers: ExecutionProvider[], threads = defaultThreads()): Promise<OpenedModel> {
  const failures: ProviderFailure[] = [];
  let lastError: unknown;
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(manifest.modelPath, {
        executionProviders: [provider],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        // Idle ORT threads would otherwise spin and take CPU from ffmpeg's encoder between frames.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      return { session, provider, threads, failures };
    } catch (error) {
      lastError = error;
      failures.push({ provider, reason: shortReason(error) });
    }
  }
  const tried = failures.map((f) => `${providerLabel(f.provider)}: ${f.reason}`).join('; ');
  throw new EngineError(
    'model-invalid',
    `onnxruntime could not load the model "${manifest.id}" (${tried}); the file may not be a valid ONNX model, so reinstall or re-export it.`,
    lastError instanceof Error ? lastError.stack : String(lastError),
  );
}

/** A tensor's rank and channel count as the file declares them (a symbolic channel count is undefined). */
function declaredShape(metadata: ort.InferenceSession.ValueMetadata | undefined): { rank?: number; channels?: number } {
  if (!metadata || !metadata.isTensor) return {};
  const channels = metadata.shape[1];
  return { rank: metadata.shape.length, channels: typeof channels === 'number' ? channels : undefined };
}

/** Throws 'model-contract' when the network's names or channel counts disagree with the manifest. */
export function checkContract(manifest: ModelManifest, session: ort.InferenceSession): void {
  const fail = (what: string) => {
    throw new EngineError(
      'model-contract',
      `The model "${manifest.id}" says contract ${manifest.contract} but ${what}; fix its model.json or re-export the model.`,
    );
  };
  const inputIndex = session.inputNames.indexOf(manifest.input.name);
  if (inputIndex < 0) fail(`the network has no input "${manifest.input.name}" (its inputs: ${session.inputNames.join(', ')})`);
  const outputIndex = session.outputNames.indexOf(manifest.output.name);
  if (outputIndex < 0) fail(`the network has no output "${manifest.output.name}" (its outputs: ${session.outputNames.join(', ')})`);

  // Shapes the file leaves symbolic are checked on every run instead (checkOutputDims).
  const check = (side: 'input' | 'output', metadata: ort.InferenceSession.ValueMetadata | undefined, expected: number) => {
    const { rank, channels } = declaredShape(metadata);
    if (rank !== undefined && rank !== 4) fail(`its ${side} has ${rank} dimensions instead of 4 ([N,${expected},H,W])`);
    if (channels !== undefined && channels !== expected)
      fail(`its ${side} has ${channels} channel${channels === 1 ? '' : 's'} instead of ${expected}`);
  };
  check('input', session.inputMetadata[inputIndex], inputChannels(manifest.contract));
  check('output', session.outputMetadata[outputIndex], outputChannels(manifest.contract));
}

/** Runs one luma batch through the model and returns its Cb/Cr offsets. */
export async function runBatch(
  manifest: ModelManifest,
  session: ort.InferenceSession,
  luma: Float32Array,
  n: number,
  h: number,
  w: number,
): Promise<Chroma> {
  const input = prepareInput(manifest, luma, n, h, w);
  const feeds = { [manifest.input.name]: new ort.Tensor('float32', input.data, input.dims) };
  const results = await session.run(feeds, [manifest.output.name]);
  const output = results[manifest.output.name];
  try {
    if (output.type !== 'float32') {
      throw new EngineError(
        'model-contract',
        `The model "${manifest.id}" returned ${output.type} values instead of float32; re-export the model with a float32 output.`,
      );
    }
    return extractChroma(manifest, output.data as Float32Array, output.dims, n, h, w);
  } finally {
    output.dispose();
  }
}

const OUT_OF_MEMORY =
  /out of memory|failed to allocate|bad_alloc|cudaErrorMemoryAllocation|CUDA_ERROR_OUT_OF_MEMORY|E_OUTOFMEMORY|insufficient memory/i;

export function classifyInferError(error: unknown, provider: ExecutionProvider): InferErrorKind {
  if (error instanceof EngineError && error.code === 'model-contract') return 'contract';
  const text = error instanceof Error ? error.message : String(error);
  if (OUT_OF_MEMORY.test(text)) return 'oom';
  return provider === 'cpu' ? 'other' : 'provider';
}
