// The pieces every browser-mode e2e test needs: the renderer built into its own folder, Debian's
// Chromium with one page on it (page errors printed), and the timeline's playhead frame.
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { repoRoot } from './app.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run'];

/** Builds the renderer into `outDir` (the server's static folder for the test). */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: path.join(repoRoot, 'renderer/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
}

/** Headless Chromium with one 1440×900 page. */
export async function openBrowserPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return { browser, page };
}

export async function playheadFrame(page: Page): Promise<number> {
  return Number(await page.getByRole('slider', { name: 'Playhead' }).getAttribute('aria-valuenow'));
}
