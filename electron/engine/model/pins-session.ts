// The pins graph inside the inference process: opened on the first batch that carries hint planes,
// with the provider the main graph runs on, checked against the manifest, run like the main graph
// with the hints as a second input.
import ort from 'onnxruntime-node';
import { EngineError } from '../errors.js';
import type { ExecutionProvider } from '../../common/types.js';
import { extractChroma, prepareInput, type Chroma } from './contracts.js';
import type { ModelManifest } from './manifest.js';
import { checkContract, openModel } from './onnx-session.js';
import { pinsModelPath } from './pins-model.js';

const HINT_CHANNELS = 3;

export class PinsGraph {
  private constructor(
    private readonly manifest: ModelManifest,
    private readonly session: ort.InferenceSession,
    private readonly hintsName: string,
  ) {}

  static async open(manifest: ModelManifest, provider: ExecutionProvider, threads: number): Promise<PinsGraph> {
    const file = pinsModelPath(manifest);
    if (!file || !manifest.pins) {
      throw new EngineError(
        'model-contract',
        `The model "${manifest.id}" got colour pins but declares no pins graph; this is a bug, please report it.`,
      );
    }
    const { session } = await openModel({ ...manifest, modelPath: file }, [provider], threads);
    try {
      checkContract(manifest, session);
      const index = session.inputNames.indexOf(manifest.pins.input);
      const fail = (what: string) => {
        throw new EngineError(
          'model-contract',
          `The pins graph of the model "${manifest.id}" ${what}; fix the "pins" block of its model.json or re-export the model.`,
        );
      };
      if (index < 0) fail(`has no input "${manifest.pins.input}" (its inputs: ${session.inputNames.join(', ')})`);
      const metadata = session.inputMetadata[index];
      if (metadata?.isTensor) {
        if (metadata.shape.length !== 4) fail(`takes hints with ${metadata.shape.length} dimensions instead of 4 ([N,3,H,W])`);
        const channels = metadata.shape[1];
        if (typeof channels === 'number' && channels !== HINT_CHANNELS)
          fail(`takes hints with ${channels} channels instead of 3 (Cb, Cr, mask)`);
      }
      return new PinsGraph(manifest, session, manifest.pins.input);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  async run(luma: Float32Array, hints: Float32Array, n: number, h: number, w: number): Promise<Chroma> {
    const input = prepareInput(this.manifest, luma, n, h, w);
    const feeds = {
      [this.manifest.input.name]: new ort.Tensor('float32', input.data, input.dims),
      [this.hintsName]: new ort.Tensor('float32', hints, [n, HINT_CHANNELS, h, w]),
    };
    const results = await this.session.run(feeds, [this.manifest.output.name]);
    const output = results[this.manifest.output.name];
    try {
      if (output.type !== 'float32') {
        throw new EngineError(
          'model-contract',
          `The pins graph of the model "${this.manifest.id}" returned ${output.type} values instead of float32; re-export the model.`,
        );
      }
      return extractChroma(this.manifest, output.data as Float32Array, output.dims, n, h, w);
    } finally {
      output.dispose();
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
