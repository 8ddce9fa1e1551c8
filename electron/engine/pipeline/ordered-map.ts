/**
 * Maps an async source through an async function with at most `concurrency` calls in flight,
 * yielding results in source order. This is the bounded queue between pipeline stages: the source
 * is not pulled further ahead than `concurrency` items, so memory stays flat.
 */
export async function* mapOrdered<T, R>(source: AsyncIterable<T>, fn: (item: T) => Promise<R>, concurrency: number): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const inFlight: Promise<R>[] = [];
  let exhausted = false;
  try {
    while (true) {
      while (!exhausted && inFlight.length < concurrency) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const pending = fn(next.value);
        pending.catch(() => undefined); // surfaced when awaited in order below
        inFlight.push(pending);
      }
      const head = inFlight.shift();
      if (!head) return;
      yield await head;
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}
