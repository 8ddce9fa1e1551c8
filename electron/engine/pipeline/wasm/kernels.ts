// The stabilizer's WebAssembly kernels (stabilize-kernels.c) and the memory they work in. One
// instance per thread, made on first use. A call copies its planes in, runs, and copies its outputs
// out: the copies are memcpy-fast and keep every plane an ordinary Float32Array owned by the caller.
import { Buffer } from 'node:buffer';
import { STABILIZE_KERNELS_WASM_BASE64 } from './stabilize-kernels.wasm.js';

interface KernelExports {
  warped_mismatch(current: number, reference: number, warp: number, shift: number, out: number): number;
  trust_from_mismatch(mismatch: number, width: number, height: number, tolerance: number, zeroAt: number, rows: number, out: number): void;
  luma_drift(current: number, stateLuma: number, warp: number, shift: number, rows: number, out: number): void;
  blend_state(
    out: number,
    frame: number,
    state: number,
    warp: number,
    trust: number,
    drift: number,
    limit: number,
    rise: number,
    stillTrustFrom: number,
    driftTolerance: number,
  ): void;
  finish_forward(forward: number, n: number, maxGain: number, outCb: number, outCr: number): void;
  combine_with_future(forward: number, future: number, warp: number, trust: number, maxGain: number, outCb: number, outCr: number): void;
  chroma_magnitude(cb: number, cr: number, n: number, out: number): void;
  halve(source: number, width: number, height: number, out: number): void;
  plane_sum(values: number, n: number): number;
  add_doubled_correction(
    base: number,
    stabilized: number,
    baseCoarse: number,
    width: number,
    height: number,
    rows: number,
    out: number,
  ): void;
  clamp_chroma(values: number, n: number): void;
  pyramid_half(full: number, width: number, height: number, half: number): void;
  estimate_motion(job: number): void;
  __heap_base: { value: number };
}

/** The few parts of the WebAssembly API used here (this project's Node typings do not declare them). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;

/** Scratch memory for one call at a time: taken from the heap's base, given back by `reset`. */
export class KernelCall {
  private top: number;

  constructor(
    readonly run: KernelExports,
    private readonly memory: WasmMemory,
    private readonly base: number,
  ) {
    this.top = base;
  }

  reset(): this {
    this.top = this.base;
    return this;
  }

  /** Room for `bytes` (16-byte aligned); the memory grows when needed. */
  reserve(bytes: number): number {
    const at = this.top;
    this.top = (at + bytes + 15) & ~15;
    const short = this.top - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
    return at;
  }

  /** A copy of `values` in the memory. */
  put(values: Float32Array | Int32Array): number {
    const at = this.reserve(values.byteLength);
    new Uint8Array(this.memory.buffer, at, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return at;
  }

  /** A struct of 32-bit fields: whole numbers (pointers, sizes) as i32, others as f32. */
  struct(fields: readonly number[], floatFields: readonly number[] = []): number {
    const at = this.reserve(4 * fields.length);
    const ints = new Int32Array(this.memory.buffer, at, fields.length);
    const floats = new Float32Array(this.memory.buffer, at, fields.length);
    for (let i = 0; i < fields.length; i++) {
      if (floatFields.includes(i)) floats[i] = fields[i];
      else ints[i] = fields[i];
    }
    return at;
  }

  /** Copies n floats at `at` into `out`. */
  read(at: number, out: Float32Array): Float32Array {
    out.set(new Float32Array(this.memory.buffer, at, out.length));
    return out;
  }

  readInts(at: number, out: Int32Array): Int32Array {
    out.set(new Int32Array(this.memory.buffer, at, out.length));
    return out;
  }
}

let shared: KernelCall | null = null;

/** This thread's kernels, with their scratch emptied for a new call. */
export function kernelCall(): KernelCall {
  if (!shared) {
    const bytes = Buffer.from(STABILIZE_KERNELS_WASM_BASE64, 'base64');
    const memory = new wasm.Memory({ initial: 32 });
    const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
    const run = instance.exports as unknown as KernelExports;
    shared = new KernelCall(run, memory, run.__heap_base.value);
  }
  return shared.reset();
}
