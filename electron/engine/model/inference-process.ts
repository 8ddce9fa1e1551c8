// Entry of the inference process (child_process.fork under Node, utilityProcess under Electron).
// onnxruntime runs here, never in the host: a crash or an out-of-memory kills this process only.
// Protocol: load → ready | load-error; infer → result | infer-error (one at a time, in order); dispose.
// Float results go over the result channel (result-channel.ts) once the host has connected to it.
import { isEngineError } from '../errors.js';
import type { ModelManifest } from './manifest.js';
import { checkContract, classifyInferError, openModel, runBatch, shortReason, type OpenedModel } from './onnx-session.js';
import { PinsGraph } from './pins-session.js';
import {
  isChromaQuantizing,
  type ChildMessage,
  type HostMessage,
  type InferRequest,
  type LoadRequest,
  type ParentPort,
} from './protocol.js';
import { quantizeChroma } from '../pipeline/chroma-merge.js';
import { isResultChannelOffer, ResultChannelServer } from './result-channel.js';

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function openParentPort(): ParentPort {
  const electronPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      send: (message) => electronPort.postMessage(message),
      onMessage: (listener) => electronPort.on('message', (event) => listener(event.data as HostMessage)),
      onDisconnect: () => {}, // Electron ends utility processes with their parent.
    };
  }
  const send = process.send?.bind(process);
  if (!send) {
    console.error('The inference process is started by ChromaReel itself and cannot run on its own.');
    process.exit(2);
  }
  return {
    send: (message) => void send(message),
    onMessage: (listener) => process.on('message', (message) => listener(message as HostMessage)),
    onDisconnect: (listener) => process.on('disconnect', listener),
  };
}

class InferenceWorker {
  #model?: OpenedModel;
  #manifest?: ModelManifest;
  /** The model's pins graph, opened on the first batch with hint planes. */
  #pins?: PinsGraph;
  #queue: Promise<void> = Promise.resolve();
  /** Where float results go once the host has connected (else through the port). */
  #results: ResultChannelServer | null = null;

  constructor(private readonly port: ParentPort) {}

  handle(message: HostMessage): void {
    switch (message.type) {
      case 'load':
        this.#enqueue(() => this.#load(message));
        break;
      case 'infer':
        this.#enqueue(() => this.#infer(message));
        break;
      case 'dispose':
        this.#enqueue(async () => {
          await this.#model?.session.release();
          await this.#pins?.release();
          process.exit(0);
        });
        break;
    }
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task);
  }

  #send(message: ChildMessage): void {
    this.port.send(message);
  }

  async #load(request: LoadRequest): Promise<void> {
    let opened: OpenedModel;
    try {
      opened = await openModel(request.manifest, request.providers, request.threads);
    } catch (error) {
      this.#send({
        type: 'load-error',
        code: 'model-invalid',
        message: isEngineError(error) ? error.message : shortReason(error),
        detail: isEngineError(error) ? error.detail : String(error),
        failures: [],
      });
      return;
    }
    try {
      checkContract(request.manifest, opened.session);
    } catch (error) {
      await opened.session.release();
      this.#send({ type: 'load-error', code: 'model-contract', message: (error as Error).message, failures: opened.failures });
      return;
    }
    this.#model = opened;
    this.#manifest = request.manifest;
    if (isResultChannelOffer(request.resultChannel)) this.#results ??= await ResultChannelServer.open(request.resultChannel);
    this.#send({
      type: 'ready',
      provider: opened.provider,
      modelId: request.manifest.id,
      inputName: request.manifest.input.name,
      outputName: request.manifest.output.name,
      threads: opened.threads,
      failures: opened.failures,
      resultChannelListening: this.#results !== null,
    });
  }

  async #infer(request: InferRequest): Promise<void> {
    const { id, batch, n, h, w, quantize } = request;
    if (!this.#model || !this.#manifest) {
      this.#send({ type: 'infer-error', id, kind: 'other', message: 'The inference process got a frame before a model was loaded.' });
      return;
    }
    if (quantize !== undefined && !isChromaQuantizing(quantize)) {
      this.#send({
        type: 'infer-error',
        id,
        kind: 'other',
        message: 'The inference process got a frame with a malformed quantize request.',
      });
      return;
    }
    try {
      const { cb, cr } = request.hints
        ? await (this.#pins ??= await PinsGraph.open(this.#manifest, this.#model.provider, this.#model.threads)).run(
            batch,
            request.hints,
            n,
            h,
            w,
          )
        : await runBatch(this.#manifest, this.#model.session, batch, n, h, w);
      if (quantize) this.#send({ type: 'result', id, chroma: quantizeChroma(cb, cr, quantize.range, quantize.saturation) });
      else if (!this.#results?.send(id, cb, cr)) this.#send({ type: 'result', id, cb, cr });
    } catch (error) {
      const kind = classifyInferError(error, this.#model.provider);
      const message = isEngineError(error) ? error.message : shortReason(error);
      this.#send({ type: 'infer-error', id, kind, message });
    }
  }
}

// A terminal's Ctrl-C reaches the whole process group. The host turns it into a cancellation and
// closes this process itself; dying here first would turn a clean stop into an inference crash.
// (Killed hosts are covered by the disconnect below: the process never outlives its host.)
process.on('SIGINT', () => undefined);

const port = openParentPort();
const worker = new InferenceWorker(port);
port.onMessage((message) => worker.handle(message));
port.onDisconnect(() => process.exit(0));
