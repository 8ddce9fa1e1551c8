// Bundles the Node-side entry points (CLI, inference process, stabilizer thread, browser-mode server) into dist/.
// Native and heavy packages stay external and are loaded from node_modules at run time.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), 'electron'];

await build({
  entryPoints: {
    cli: 'electron/cli/index.ts',
    'inference-process': 'electron/engine/model/inference-process.ts',
    'stabilizer-worker': 'electron/engine/pipeline/stabilizer-worker.ts',
    server: 'electron/server/index.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
