// Types for scripts/make-fixture-models.mjs (imported by the test helpers).

export interface FixtureConv {
  inChannels: number;
  outChannels: number;
  /** outChannels × inChannels × 3 × 3, row-major (ONNX Conv weight layout). */
  weight: number[];
  bias: number[];
}

export function fixtureWeights(): {
  chroma: FixtureConv;
  rgb: FixtureConv;
  rgbNormalized: FixtureConv;
  wrongContract: FixtureConv;
};

/** Writes every fixture model into `outDir` (idempotent); returns { id: folder }. */
export function makeFixtureModels(outDir: string): Record<string, string>;

/** Writes a chroma model whose output is NaN everywhere into `outDir`/fixture-nan; returns its folder. */
export function makeNanFixtureModel(outDir: string): string;
