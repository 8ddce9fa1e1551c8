// The whole app in a real browser against the real engine: browser mode (the server + the built
// renderer) driven with Chromium, and the Electron window where an Electron binary is installed.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { _electron, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import { startServer, type RunningServer } from '../../electron/server/index.js';
import { ffprobeSummary, fixtureModelsDir, greyFilm, greyFilmClip, notAFilm, repoRoot, screenshotsDir } from '../helpers/app.js';
import { buildRenderer, openBrowserPage, playheadFrame } from '../helpers/browser.js';
import { ensureFixtureModels } from '../helpers/models.js';

const workRoot = path.join(repoRoot, 'test-output', 'e2e-work');
const rendererOut = path.join(repoRoot, 'test-output', 'e2e-renderer');
/** The server's saved render queue, kept outside the films folder (as ~/.local/state is in real use). */
const queueFile = path.join(repoRoot, 'test-output', 'e2e-state', 'queue.json');
/** A grey film of two CC BY 4.0 clips with a hard cut between them (its screenshots go into docs/). */
const FILM_NAME = greyFilm.name;

/** Mean chroma (√(Cb²+Cr²), 0–255 scale) of an <img> on the page, read back through a canvas. */
async function chromaOf(page: Page, testId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const image = document.querySelector<HTMLImageElement>(`img[data-testid="${id}"]`);
    if (!image) throw new Error(`no image ${id}`);
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
      const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
      sum += Math.hypot(cb, cr);
    }
    return sum / (data.length / 4);
  }, testId);
}

describe('browser mode, end to end', () => {
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let film: string;
  let fixtureModel: string | null = null;

  beforeAll(async () => {
    rmSync(workRoot, { recursive: true, force: true });
    rmSync(path.dirname(queueFile), { recursive: true, force: true });
    mkdirSync(workRoot, { recursive: true });
    mkdirSync(screenshotsDir, { recursive: true });
    film = path.join(workRoot, FILM_NAME);
    copyFileSync(greyFilmClip(), film);
    copyFileSync(notAFilm(), path.join(workRoot, 'not-a-film.mp4'));

    await buildRenderer(rendererOut);

    // The engine's own model folders; until a trained model is installed there, the test models.
    engine = createEngine({ cacheDir: path.join(workRoot, '.cache') });
    if ((await engine.listModels()).length === 0) {
      console.info(`No model in native-models/ yet; the e2e test uses the fixture model in ${fixtureModelsDir}.`);
      await engine.close();
      engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir: path.join(workRoot, '.cache') });
      fixtureModel = 'fixture-chroma';
    }
    server = await startServer({ engine, staticDir: rendererOut, allowedRoots: [workRoot], queueFile });
    ({ browser, page } = await openBrowserPage());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
  });

  it('opens a film, scrubs, marks a range, previews it in colour and renders it', async () => {
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(server.url);
    // The session key leaves the address bar once read.
    await expect.poll(() => page.url(), { timeout: 30_000 }).not.toContain('token=');

    const filmButton = page.getByRole('list', { name: 'Films on the server' }).getByRole('button', { name: new RegExp(FILM_NAME) });
    await filmButton.waitFor();
    await page.screenshot({ path: path.join(screenshotsDir, '01-open-film.png') });
    await filmButton.click();

    // Facts.
    const probe = ffprobeSummary(film);
    expect(probe.frames).toBe(greyFilm.frames);
    await page.getByTestId('fact-duration').waitFor();
    expect(await page.getByTestId('fact-size').innerText()).toBe(`${probe.width} × ${probe.height}`);
    expect(await page.getByTestId('fact-fps').innerText()).toMatch(/^(24|25|30|23\.976|29\.97)\b/);
    expect(await page.getByTestId('fact-audio').innerText()).toBe('aac mono');
    expect(Number((await page.getByTestId('fact-frames').innerText()).replace(/\D/g, ''))).toBe(probe.frames);
    const fps = Number.parseFloat(await page.getByTestId('fact-fps').innerText());
    const second = Math.round(fps);

    // The thumbnail strip fills in.
    await expect.poll(() => page.locator('img.timeline-thumb').count(), { timeout: 60_000 }).toBe(14);
    // Meanwhile the app has asked the engine to load the model (engine:prepare), so the first preview
    // does not wait for it; the engine's answer says where it runs before any preview has run.
    await expect.poll(() => page.getByTestId('provider-used').innerText(), { timeout: 60_000 }).toBe('Running on: CPU');

    // Playhead: keyboard steps, Shift for a second, dragging on the strip.
    const playhead = page.getByRole('slider', { name: 'Playhead' });
    await playhead.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await playheadFrame(page)).toBe(3);
    await page.keyboard.press('Shift+ArrowRight');
    expect(await playheadFrame(page)).toBe(3 + second);
    await page.keyboard.press('ArrowLeft');
    expect(await playheadFrame(page)).toBe(2 + second);
    const box = (await playhead.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const middle = Math.round((probe.frames - 1) / 2);
    expect(Math.abs((await playheadFrame(page)) - middle)).toBeLessThanOrEqual(2);

    // In and out: frames 6 to 17 by keyboard, then check the timecodes.
    await page.keyboard.press('Home');
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('i');
    for (let i = 0; i < 11; i++) await page.keyboard.press('ArrowRight');
    await page.getByRole('button', { name: 'Set out' }).click();
    const timecode = (frame: number) =>
      `00:00:${String(Math.floor(frame / second)).padStart(2, '0')}:${String(frame % second).padStart(2, '0')}`;
    expect(await page.getByTestId('in-timecode').innerText()).toBe(timecode(6));
    expect(await page.getByTestId('out-timecode').innerText()).toBe(timecode(17));
    await page.getByTestId('timeline-range').waitFor();

    // Settings: the test model when no real one is installed; a small render factor keeps it quick.
    if (fixtureModel) await page.getByLabel('Model').selectOption(fixtureModel);
    await page.getByLabel('Output codec').selectOption('h264');
    await page.getByLabel('Quality (CRF)').fill('23');

    // Preview the range: frames stream in (the first shows while the rest are still colourizing);
    // the playhead jumps to the in point. The times are printed, not asserted (shared CPUs).
    const previewStarted = performance.now();
    await page.getByRole('button', { name: 'Preview range' }).click();
    await page.getByTestId('preview-after').waitFor({ timeout: 120_000 });
    const firstFrameMs = performance.now() - previewStarted;
    await expect.poll(() => page.getByTestId('preview-status').innerText(), { timeout: 180_000 }).toBe('Previewed 12 frames');
    console.info(
      `range preview: first frame shown after ${firstFrameMs.toFixed(0)} ms, all 12 after ${(performance.now() - previewStarted).toFixed(0)} ms`,
    );
    expect(await playheadFrame(page)).toBe(6);
    expect(await page.getByTestId('provider-used').innerText()).toBe('Running on: CPU');

    // The "after" picture has colour where the "before" has none.
    const beforeChroma = await chromaOf(page, 'preview-before');
    const afterChroma = await chromaOf(page, 'preview-after');
    console.info(`preview chroma: before ${beforeChroma.toFixed(2)}, after ${afterChroma.toFixed(2)}`);
    expect(beforeChroma).toBeLessThan(1.5);
    expect(afterChroma).toBeGreaterThan(beforeChroma + 2);

    // The split slider moves the boundary between before and after.
    await page.getByLabel('Before/after split').fill('30');
    expect(await page.getByTestId('preview-before').evaluate((image) => (image as HTMLElement).style.clipPath)).toBe(
      'inset(0px 70% 0px 0px)',
    );
    await page.screenshot({ path: path.join(screenshotsDir, '02-preview-split.png') });

    await page.getByRole('button', { name: 'Side by side' }).click();
    await page.getByRole('figure').first().waitFor();
    await page.screenshot({ path: path.join(screenshotsDir, '03-preview-side-by-side.png') });

    // Play the previewed range: the playhead walks through the previewed frames.
    await page.getByRole('button', { name: 'Play preview' }).click();
    await expect.poll(() => playheadFrame(page), { timeout: 10_000 }).not.toBe(6);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const stopped = await playheadFrame(page);
    expect(stopped).toBeGreaterThanOrEqual(6);
    expect(stopped).toBeLessThanOrEqual(17);

    // Render the range into the allowed folder.
    const output = path.join(workRoot, 'grey-film-range-colour.mp4');
    await page.getByLabel('Output file').fill(output);
    await page.getByRole('button', { name: 'Render range' }).click();
    const job = page.getByRole('listitem', { name: `Render ${path.basename(output)}` });
    await job.waitFor();
    await expect.poll(() => job.getByTestId('job-status').innerText(), { timeout: 240_000 }).toBe('Done');
    expect(await job.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await job.getByTestId('job-result').innerText()).toContain(output);
    await job.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshotsDir, '04-render-done.png') });

    const rendered = ffprobeSummary(output);
    expect(rendered.frames).toBe(12);
    expect(rendered.durationSec).toBeGreaterThan(12 / fps - 0.08);
    expect(rendered.durationSec).toBeLessThan(12 / fps + 0.12);
    expect(rendered.width).toBe(probe.width);
    expect(rendered.height).toBe(probe.height);
    expect(rendered.audioStreams).toBe(1);
    expect(cspViolations).toEqual([]);
  });

  it('says when the chosen device fell back to the CPU; pauses a whole-film render, resumes it after the host restarts, and shows its scene cut', async () => {
    // A GPU this machine does not have: the engine runs on the CPU and the app says so.
    await page.getByLabel('Device').selectOption('cuda');
    await page.getByRole('slider', { name: 'Playhead' }).focus();
    await page.keyboard.press('p');
    await expect.poll(() => page.getByTestId('preview-status').innerText(), { timeout: 120_000 }).toBe('Previewed 1 frame');
    await page.getByText('fell back to the CPU').waitFor();
    expect(await page.getByTestId('provider-used').innerText()).toBe('Running on: CPU');
    await page.getByLabel('Device').selectOption('auto');

    const output = path.join(workRoot, 'grey-film-whole-colour.mp4');
    await page.getByLabel('Output file').fill(output);
    await page.getByRole('button', { name: 'Render whole film' }).click();
    const job = page.getByRole('listitem', { name: `Render ${path.basename(output)}` });
    await expect.poll(() => job.getByTestId('job-status').innerText(), { timeout: 60_000 }).toBe('Rendering');
    // While colourizing: frames done of the film's frames, the speed, and the time left.
    const stats = new RegExp(`^[1-9]\\d+ / ${ffprobeSummary(film).frames} frames · \\d+\\.\\d fps · ETA \\d+:\\d\\d$`);
    await expect.poll(() => job.getByTestId('job-stats').innerText(), { timeout: 60_000 }).toMatch(stats);
    expect(Number(await job.getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await job.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshotsDir, '05-render-queue.png') });
    await job.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => job.getByTestId('job-status').innerText(), { timeout: 60_000 }).toBe('Paused');
    expect(existsSync(output)).toBe(false);

    // The host restarts (a new server on the same saved queue, a new session key): the paused
    // render is still there and resumes from the page.
    await server.close();
    server = await startServer({ engine, staticDir: rendererOut, allowedRoots: [workRoot], queueFile });
    await page.goto(server.url);
    const restored = page.getByRole('listitem', { name: `Render ${path.basename(output)}` });
    await expect.poll(() => restored.getByTestId('job-status').innerText(), { timeout: 30_000 }).toBe('Paused');
    await restored.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => restored.getByTestId('job-status').innerText(), { timeout: 300_000 }).toBe('Done');
    const probe = ffprobeSummary(film);
    const rendered = ffprobeSummary(output);
    expect(rendered.frames).toBe(probe.frames);
    expect(Math.abs(rendered.durationSec - probe.durationSec)).toBeLessThan(0.1);

    // The render found the film's one scene cut (where its second clip begins); reopened, the
    // timeline shows it where the engine said.
    const cuts = server.queue.list().find((entry) => entry.output === output)?.sceneCuts ?? [];
    console.info(`scene cuts reported by the render: ${cuts.join(', ') || 'none'}`);
    expect(cuts).toEqual([greyFilm.cutFrame]);
    await page
      .getByRole('list', { name: 'Films on the server' })
      .getByRole('button', { name: new RegExp(FILM_NAME) })
      .click();
    await expect
      .poll(
        () => page.getByTestId('timeline-cut').evaluateAll((markers) => markers.map((marker) => Number(marker.getAttribute('data-frame')))),
        { timeout: 30_000 },
      )
      .toEqual(cuts);
    await page.getByRole('group', { name: 'Scene cuts' }).getByRole('button').first().click();
    expect(await playheadFrame(page)).toBe(cuts[0]);
    // Step back off the cut so that its dashed line shows beside the playhead in the screenshot.
    await page.getByRole('slider', { name: 'Playhead' }).focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('img.timeline-thumb').count(), { timeout: 60_000 }).toBe(14);
    await page.screenshot({ path: path.join(screenshotsDir, '06-scene-cut.png') });
  });

  it('cancels a render and leaves nothing behind', async () => {
    const output = path.join(workRoot, 'grey-film-cancelled.mp4');
    // A new server is a new origin: the settings start from their defaults again.
    if (fixtureModel) await page.getByLabel('Model').selectOption(fixtureModel);
    await page.getByLabel('Output file').fill(output);
    await page.getByRole('button', { name: 'Render whole film' }).click();
    const job = page.getByRole('listitem', { name: `Render ${path.basename(output)}` });
    await expect.poll(() => job.getByTestId('job-status').innerText(), { timeout: 60_000 }).toBe('Rendering');
    await job.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => job.getByTestId('job-status').innerText(), { timeout: 60_000 }).toBe('Cancelled');
    await server.queue.whenIdle();
    expect(existsSync(output)).toBe(false);
    const id = server.queue.list().find((entry) => entry.output === output)!.id;
    expect(existsSync(path.join(workRoot, '.chromareel-work', id))).toBe(false);
    await job.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => job.count(), { timeout: 10_000 }).toBe(0);
  });

  it('says in plain words why a film cannot be opened', async () => {
    await page.goto(server.url.replace(/#.*/, ''));
    // Reload keeps the session (the tab remembers its key).
    await page.getByRole('heading', { name: 'Open a black-and-white film' }).waitFor();
    await page.getByLabel('Film path').fill('/etc/hostname');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').first().innerText(), { timeout: 30_000 })
      .toMatch(/may only open films inside the allowed folder/);

    await page
      .getByRole('list', { name: 'Films on the server' })
      .getByRole('button', { name: /not-a-film/ })
      .click();
    await expect.poll(() => page.getByRole('alert').count(), { timeout: 30_000 }).toBe(2);
    const message = await page.getByRole('alert').nth(1).locator('span').innerText();
    console.info(`error shown for a file that is not a film: ${message}`);
    // One plain sentence that names the file's problem; no stack, no ffmpeg output.
    expect(message).toMatch(/video|film/i);
    expect(message).not.toMatch(/Error:|at .*\(|stack|ffprobe version|\n/i);
    await page.screenshot({ path: path.join(screenshotsDir, '07-error.png') });
  });
});

/**
 * The Electron binary, when `npm install` could download it (never here: no network). Read from
 * electron's path.txt rather than require('electron'), which would try to download it.
 */
function electronBinary(): string | null {
  const packageDir = path.join(repoRoot, 'node_modules', 'electron');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(override ?? path.join(packageDir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const electronPath = electronBinary();
const builtMain = path.join(repoRoot, 'out/main/index.js');
const electronMissing = !electronPath
  ? 'needs the Electron binary, which electron downloads from GitHub on first start (not possible offline): run "npx install-electron" where there is network'
  : !existsSync(builtMain)
    ? 'needs the built app: run "npx electron-vite build" first'
    : null;

describe('Electron window', () => {
  it('opens one secure window on the app page', async (context) => {
    if (electronMissing) context.skip(electronMissing);
    const app = await _electron.launch({ executablePath: electronPath!, args: [builtMain], cwd: repoRoot });
    try {
      const window = await app.firstWindow();
      await window.getByRole('heading', { name: 'Open a black-and-white film' }).waitFor();
      expect(window.url()).toBe('app://chromareel/index.html');
      const preferences = await app.evaluate(({ BrowserWindow }) => {
        const win = BrowserWindow.getAllWindows()[0]!;
        const prefs = (win.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences();
        return {
          count: BrowserWindow.getAllWindows().length,
          contextIsolation: prefs?.contextIsolation,
          sandbox: prefs?.sandbox,
          nodeIntegration: prefs?.nodeIntegration,
        };
      });
      expect(preferences).toEqual({ count: 1, contextIsolation: true, sandbox: true, nodeIntegration: false });
      // The page has the bridge and no Node.
      expect(await window.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
      expect(await window.evaluate(() => typeof (window as unknown as { chromareel?: { call?: unknown } }).chromareel?.call)).toBe(
        'function',
      );
      // The CSP stops requests to other origins; new windows are refused (http: is not even sent to the browser).
      expect(
        await window.evaluate(() =>
          fetch('https://example.com/').then(
            () => 'loaded',
            () => 'blocked',
          ),
        ),
      ).toBe('blocked');
      expect(await window.evaluate(() => globalThis.open('http://example.com/') === null)).toBe(true);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
      await window.screenshot({ path: path.join(screenshotsDir, '08-electron-window.png') });
    } finally {
      await app.close();
    }
  });
});
