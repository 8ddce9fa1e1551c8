// Types for scripts/seeded-random.mjs.

/** mulberry32: a tiny seeded PRNG returning numbers in [0, 1). */
export function mulberry32(seed: number): () => number;

/** A standard normal sample (Box–Muller) drawn from `random`. */
export function gaussian(random: () => number): number;
