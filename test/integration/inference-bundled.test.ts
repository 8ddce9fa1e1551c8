// The inference process bundled the way scripts/build-node.mjs bundles it (dist/inference-process.js):
// the host beside it finds it, and it runs a model without tsx.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { startInference } from '../../electron/engine/model/inference-client.js';
import { forkLauncher, resolveInferenceEntry } from '../../electron/engine/model/launcher.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import { ensureFixtureModels, fixtureModelDir, repoRoot, sampleLuma } from '../helpers/models.js';

const bundleDir = path.join(repoRoot, 'test/fixtures/generated/bundle-check');

beforeAll(async () => {
  ensureFixtureModels();
  mkdirSync(bundleDir, { recursive: true });
  await build({
    entryPoints: { 'inference-process': path.join(repoRoot, 'electron/engine/model/inference-process.ts') },
    outdir: bundleDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['onnxruntime-node', 'zod'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  // A stand-in for the bundled host (dist/cli.js) that sits beside it.
  writeFileSync(path.join(bundleDir, 'cli.js'), '');
});

describe('bundled inference process', () => {
  it('is the entry a bundled host finds beside itself, run by plain node', () => {
    expect(resolveInferenceEntry(bundleDir)).toEqual({ entry: path.join(bundleDir, 'inference-process.js'), execArgv: [] });
  });

  it('falls back to the source entry run through tsx when there is no bundle', () => {
    const source = resolveInferenceEntry(path.join(repoRoot, 'electron/engine/model'));
    expect(source.entry).toBe(path.join(repoRoot, 'electron/engine/model/inference-process.ts'));
    expect(source.execArgv[0]).toBe('--import');
    expect(source.execArgv[1]).toMatch(/^file:.*tsx/);
  });

  it('runs a model', async () => {
    const session = await startInference({
      manifest: loadManifest(fixtureModelDir('fixture-chroma')),
      device: 'cpu',
      threads: 1,
      launcher: forkLauncher(resolveInferenceEntry(bundleDir)),
    });
    try {
      const { cb, cr } = await session.infer(sampleLuma(1, 16, 16, 9), 1, 16, 16);
      expect(cb.length).toBe(256);
      expect(Math.max(...cb) - Math.min(...cb)).toBeGreaterThan(0.05);
      expect(Math.max(...cr) - Math.min(...cr)).toBeGreaterThan(0.05);
    } finally {
      await session.close();
    }
  });
});
