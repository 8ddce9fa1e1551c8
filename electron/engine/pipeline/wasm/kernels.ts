// The stabilizer's WebAssembly kernels (stabilize-kernels.c) and the memory they work in: a shared
// instance per thread, made on first use, for planes that live anywhere (a call copies them in and
// its outputs out, memcpy-fast), and one instance per stabilizer whose planes live in its memory
// (KernelCall.withResidentPlanes), which kernels read and write in place.
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
  quantize_chroma(cb: number, cr: number, n: number, scale: number, out: number): void;
  upscale_codes(
    codes: number,
    width: number,
    height: number,
    out: number,
    outWidth: number,
    outHeight: number,
    geometry: number,
    across: number,
  ): void;
  luma_to_unit(samples: number, n: number, black: number, span: number, out: number): void;
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

let compiled: object | null = null;

function instantiate(pages: number): { run: KernelExports; memory: WasmMemory } {
  compiled ??= new wasm.Module(Buffer.from(STABILIZE_KERNELS_WASM_BASE64, 'base64'));
  const memory = new wasm.Memory({ initial: pages });
  const run = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as KernelExports;
  return { run, memory };
}

/** The kernels' memory that owns each resident plane's buffer. */
const owners = new WeakMap<ArrayBufferLike, KernelCall>();

/**
 * An instance of the kernels and its memory, for one call at a time: scratch is taken from above
 * the resident planes and given back by `reset`. Planes made `resident` live in the memory itself,
 * so kernels read and write them in place with no copy; such an instance never grows its memory
 * (growing would detach them), so it is made with room for its largest call.
 */
export class KernelCall {
  private top: number;
  private base: number;
  private readonly fixed: boolean;
  private readonly free: Float32Array[] = [];

  private constructor(
    readonly run: KernelExports,
    private readonly memory: WasmMemory,
    fixedSize: boolean,
  ) {
    this.base = this.top = (run.__heap_base.value + 15) & ~15;
    this.fixed = fixedSize;
  }

  /**
   * Kernels with room for `resident` planes of n floats (see take), `fixed` planes of other sizes
   * (returned in `fixedPlanes`, in order), and calls needing up to `scratchFloats`.
   */
  static withResidentPlanes(resident: number, n: number, scratchFloats: number, fixed: readonly number[] = []): KernelCall {
    // The C side's own data and stack sit below __heap_base (well under 1 MiB).
    const floats = resident * n + fixed.reduce((sum, size) => sum + size, 0) + scratchFloats;
    const bytes = 4 * floats + 16 * (resident + fixed.length + 64) + (1 << 20);
    const { run, memory } = instantiate(Math.ceil(bytes / PAGE));
    const kernels = new KernelCall(run, memory, true);
    for (let i = 0; i < resident; i++) kernels.free.push(kernels.residentPlane(n));
    kernels.fixedPlanes = fixed.map((size) => kernels.residentPlane(size));
    return kernels;
  }

  /** The resident planes of the sizes `withResidentPlanes` was given as `fixed`. */
  fixedPlanes: Float32Array[] = [];

  private static sharedKernels: KernelCall | null = null;

  /** This thread's kernels for planes that are not resident anywhere (they grow as calls need). */
  static shared(): KernelCall {
    if (!KernelCall.sharedKernels) {
      const { run, memory } = instantiate(32);
      KernelCall.sharedKernels = new KernelCall(run, memory, false);
    }
    return KernelCall.sharedKernels;
  }

  private residentPlane(n: number): Float32Array {
    const plane = new Float32Array(this.memory.buffer, this.base, n);
    this.base = this.top = (this.base + 4 * n + 15) & ~15;
    owners.set(this.memory.buffer, this);
    return plane;
  }

  /** A resident plane, or null when all are taken (the caller then uses an ordinary one). */
  take(): Float32Array | null {
    return this.free.pop() ?? null;
  }

  /** Gives a plane back; true when it was one of these resident planes. */
  give(plane: Float32Array): boolean {
    if (plane.buffer !== this.memory.buffer) return false;
    this.free.push(plane);
    return true;
  }

  reset(): this {
    this.top = this.base;
    return this;
  }

  /** Room for `bytes` (16-byte aligned). */
  reserve(bytes: number): number {
    const at = this.top;
    this.top = (at + bytes + 15) & ~15;
    const short = this.top - this.memory.buffer.byteLength;
    if (short > 0) {
      if (this.fixed) throw new Error(`Stabilizer kernels ran out of scratch memory (${bytes} bytes more wanted).`);
      this.memory.grow(Math.ceil(short / PAGE));
    }
    return at;
  }

  private resident(values: ArrayBufferView): boolean {
    return values.buffer === this.memory.buffer;
  }

  /** Where `values` is in the memory: a resident plane in place, anything else copied in. */
  put(values: Float32Array | Int32Array | Uint8Array): number {
    if (this.resident(values)) return values.byteOffset;
    const at = this.reserve(values.byteLength);
    new Uint8Array(this.memory.buffer, at, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return at;
  }

  /** Where a kernel should write `out`: in place when it is resident, else scratch for `read`. */
  target(out: Float32Array): number {
    return this.resident(out) ? out.byteOffset : this.reserve(out.byteLength);
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

  /** `out` filled with the bytes at `at`. */
  readBytes(at: number, out: Uint8Array): Uint8Array {
    out.set(new Uint8Array(this.memory.buffer, at, out.length));
    return out;
  }

  /** `out` filled from `at` (nothing to do when `at` is out's own place). */
  read(at: number, out: Float32Array): Float32Array {
    if (this.resident(out) && out.byteOffset === at) return out;
    out.set(new Float32Array(this.memory.buffer, at, out.length));
    return out;
  }
}

/** The kernels to run a call in: those whose memory holds `plane`, else this thread's shared ones. */
export function kernelCall(plane?: Float32Array): KernelCall {
  return ((plane && owners.get(plane.buffer)) ?? KernelCall.shared()).reset();
}
