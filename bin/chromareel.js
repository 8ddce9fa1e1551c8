#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ by `npm run build:node` (run automatically by `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('ChromaReel is not built yet. Run "npm ci" (or "npm run build:node") in the project folder first.');
  process.exit(1);
}
await import(entry.href);
