// The render's chroma stabilizer on its own thread (worker_threads): the same ChromaStabilizer, fed
// by StabilizerThread (stabilizer-thread.ts) one message at a time, answering each in order. Planes
// cross by transfer: a frame's input planes go back to the caller once the frame has been emitted
// (the stabilizer reads them until then), and each emitted frame's new chroma planes go with them.
import { parentPort, workerData } from 'node:worker_threads';
import type { LowResChroma } from './frames.js';
import { ChromaStabilizer } from './stabilize.js';
import {
  BatchMaker,
  type StabilizerReply,
  type StabilizerRequest,
  type StabilizerWorkerData,
  type WireFrame,
} from './stabilizer-thread.js';

const port = parentPort!;
const { options, snapshot } = workerData as StabilizerWorkerData;

function post(reply: StabilizerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

function describe(error: unknown): { message: string; stack?: string } {
  return error instanceof Error ? { message: error.message, stack: error.stack } : { message: String(error) };
}

let stabilizer: ChromaStabilizer;
try {
  stabilizer = snapshot ? ChromaStabilizer.restore(snapshot, options) : new ChromaStabilizer(options);
} catch (error) {
  post({ type: 'init-failed', ...describe(error) });
  throw error;
}

/** Input planes of frames pushed and not yet emitted, by frame index. */
const held = new Map<number, LowResChroma>();
const batches = new BatchMaker(stabilizer);

/** The emitted frames' planes and the inputs they free, all transferred (each buffer once). */
function answer(frames: LowResChroma[]): void {
  const released: WireFrame[] = [];
  const transfer = new Set<ArrayBuffer>();
  const spare: Float32Array[] = [];
  for (const frame of frames) {
    const { quantized } = frame;
    released.push({ index: frame.index, cb: frame.cb, cr: frame.cr, ...(quantized ? { quantized } : {}) });
    transfer.add(frame.cb.buffer as ArrayBuffer);
    transfer.add(frame.cr.buffer as ArrayBuffer);
    if (quantized) transfer.add(quantized.buffer as ArrayBuffer);
    const input = held.get(frame.index);
    held.delete(frame.index);
    if (!input) continue;
    for (const plane of [input.luma, input.cb, input.cr]) {
      const buffer = plane.buffer as ArrayBuffer;
      if (transfer.has(buffer)) continue; // 'off' hands the input planes straight back as the output
      transfer.add(buffer);
      spare.push(plane);
    }
  }
  const { cuts, lastEmitted } = batches.of(frames);
  post({ type: 'result', released, spare, cuts, lastEmitted }, [...transfer]);
}

port.on('message', (request: StabilizerRequest) => {
  try {
    switch (request.type) {
      case 'push': {
        const { frame } = request;
        held.set(frame.index, frame);
        answer(stabilizer.push(frame));
        break;
      }
      case 'flush':
        answer(stabilizer.flush());
        break;
      case 'close':
        port.close(); // nothing else keeps this thread's event loop alive: it ends
        break;
      case 'snapshot': {
        const bytes = stabilizer.snapshot();
        post({ type: 'snapshot', bytes }, [bytes.buffer as ArrayBuffer]);
        break;
      }
    }
  } catch (error) {
    post({ type: 'failed', ...describe(error) });
  }
});

post({ type: 'ready', cuts: stabilizer.cuts, lastEmitted: stabilizer.lastEmittedIndex });
