import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * The page's CSP (a meta tag in index.html) is strict. Only under the dev server, whose hot reload
 * injects inline styles and talks over its own WebSocket, is it relaxed; built pages keep it as is.
 */
export function devCspPlugin(): Plugin {
  return {
    name: 'chromareel-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:*");
    },
  };
}

// Browser-mode build: `vite build --config renderer/vite.config.ts` → dist/renderer (served by dist/server.js).
export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react(), devCspPlugin()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // No inline data: scripts or modulepreload polyfill: the CSP allows only 'self' scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
