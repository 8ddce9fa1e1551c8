/**
 * Frame-sized byte buffers handed out again once their last user gives them back, so a render does
 * not allocate (and the garbage collector does not reclaim) megabytes per frame. Holds at most `keep`
 * idle buffers; a buffer never given back is simply collected as usual.
 */
export class BufferPool {
  readonly #idle: Uint8Array[] = [];

  constructor(
    readonly bytes: number,
    private readonly keep = 8,
  ) {}

  /** A buffer of `bytes` bytes with unspecified contents. */
  take(): Uint8Array {
    return this.#idle.pop() ?? new Uint8Array(this.bytes);
  }

  /** Gives a buffer from take() back; nothing may read or write it afterwards. */
  give(buffer: Uint8Array): void {
    if (
      buffer.byteLength === this.bytes &&
      buffer.byteOffset === 0 &&
      buffer.buffer.byteLength === this.bytes &&
      this.#idle.length < this.keep
    ) {
      this.#idle.push(buffer);
    }
  }
}
