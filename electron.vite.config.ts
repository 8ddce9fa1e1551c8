import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { fileURLToPath } from 'node:url';
import { devCspPlugin } from './renderer/vite.config.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

// The desktop app: `electron-vite build` → out/main (main process + inference process), out/preload
// (one CommonJS file, as sandboxed preloads require), out/renderer (the page, served as app://).
export default defineConfig({
  main: {
    build: {
      outDir: here('out/main'),
      rolldownOptions: {
        input: {
          index: here('electron/main/index.ts'),
          // Run by utilityProcess.fork; the engine finds it beside the main bundle.
          'inference-process': here('electron/engine/model/inference-process.ts'),
          // Run by worker_threads for a render's stabilizer; found beside the main bundle the same way.
          'stabilizer-worker': here('electron/engine/pipeline/stabilizer-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: here('out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: here('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: here('renderer'),
    base: './',
    plugins: [react(), devCspPlugin()],
    build: {
      outDir: here('out/renderer'),
      minify: true,
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      rolldownOptions: { input: here('renderer/index.html') },
    },
  },
});
