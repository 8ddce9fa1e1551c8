// Colour pins in the app, end to end: browser mode (the server + the built renderer) driven with
// Chromium against the real engine. A two-shot grey film (a grey square over a dark ground, then a cut
// to another scene); a pin on the square, red; the preview turns red there; the render is red on the
// square in every frame of its shot and not in the next; the pin comes back when the film is opened
// again by a new server on the same per-user data, and nothing is written beside the film.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/api.js';
import { createEngine } from '../../electron/engine/index.js';
import { startServer, type RunningServer } from '../../electron/server/index.js';
import { pinsFilm, pinsSquareCentre, pinsTwoShotClip, repoRoot, screenshotsDir } from '../helpers/app.js';
import { buildRenderer, openBrowserPage, playheadFrame } from '../helpers/browser.js';
import { ensureFixtureModels } from '../helpers/models.js';

const workRoot = path.join(repoRoot, 'test-output', 'e2e-pins-work');
const stateDir = path.join(repoRoot, 'test-output', 'e2e-pins-state');
const cacheDir = path.join(repoRoot, 'test-output', 'e2e-pins-cache');
const rendererOut = path.join(repoRoot, 'test-output', 'e2e-pins-renderer');
/** The render queue's file; the server keeps films' pins beside it (pins/), as in ~/.local/state. */
const queueFile = path.join(stateDir, 'queue.json');
const { width: W, height: H, cutFrame, frames } = pinsFilm;

interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** How red a colour is: red above the larger of green and blue (0–255). */
const redness = ({ r, g, b }: Rgb) => r - Math.max(g, b);
const show = ({ r, g, b }: Rgb) => `(${r.toFixed(0)}, ${g.toFixed(0)}, ${b.toFixed(0)})`;

/** Mean colour of a 9x9 patch of the preview's "after" image around (fx, fy), fractions of the picture. */
async function previewColourAt(page: Page, fx: number, fy: number): Promise<Rgb> {
  return page.evaluate(
    async ({ fx, fy }) => {
      const image = document.querySelector<HTMLImageElement>('img[data-testid="preview-after"]');
      if (!image) return { r: 0, g: 0, b: 0 };
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const cx = Math.round(fx * canvas.width);
      const cy = Math.round(fy * canvas.height);
      const { data } = context.getImageData(cx - 4, cy - 4, 9, 9);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = 0; i < data.length; i += 4) {
        r += data[i]!;
        g += data[i + 1]!;
        b += data[i + 2]!;
      }
      const n = data.length / 4;
      return { r: r / n, g: g / n, b: b / n };
    },
    { fx, fy },
  );
}

/** Every frame of a film as RGB (W x H), decoded by ffmpeg. */
function rgbFrames(file: string): Buffer[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, 'pipe:1'], {
    maxBuffer: 1 << 28,
  });
  const size = W * H * 3;
  const out: Buffer[] = [];
  for (let offset = 0; offset + size <= raw.length; offset += size) out.push(raw.subarray(offset, offset + size));
  return out;
}

/** Mean colour of a 13x13 patch of an RGB frame around (x, y). */
function patch(frame: Buffer, x: number, y: number): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let dy = -6; dy <= 6; dy++) {
    for (let dx = -6; dx <= 6; dx++) {
      const i = ((y + dy) * W + (x + dx)) * 3;
      r += frame[i]!;
      g += frame[i + 1]!;
      b += frame[i + 2]!;
      n++;
    }
  }
  return { r: r / n, g: g / n, b: b / n };
}

async function openFilm(page: Page, name: string): Promise<void> {
  await page
    .getByRole('list', { name: 'Films on the server' })
    .getByRole('button', { name: new RegExp(name.replace('.', '\\.')) })
    .click();
  await page.getByTestId('fact-duration').waitFor();
}

describe('colour pins in the app (browser mode)', () => {
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let film: string;

  beforeAll(async () => {
    for (const dir of [workRoot, stateDir, cacheDir]) rmSync(dir, { recursive: true, force: true });
    mkdirSync(workRoot, { recursive: true });
    mkdirSync(screenshotsDir, { recursive: true });
    film = path.join(workRoot, pinsFilm.name);
    copyFileSync(pinsTwoShotClip(), film);

    await buildRenderer(rendererOut);

    // The app's own default model (the embedded fast); the fixture models only where none is installed.
    engine = createEngine({ cacheDir });
    if ((await engine.listModels()).length === 0) {
      await engine.close();
      engine = createEngine({ modelsDirs: [ensureFixtureModels()], cacheDir });
    }
    server = await startServer({ engine, staticDir: rendererOut, allowedRoots: [workRoot], queueFile });
    ({ browser, page } = await openBrowserPage());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
  });

  it('puts a red pin on a grey thing: the preview and the render turn it red for its shot only, and the pin comes back', async () => {
    await page.goto(server.url);
    await openFilm(page, pinsFilm.name);

    // The engine scans the film for its shots: the cut shows on the timeline.
    await expect
      .poll(
        () => page.getByTestId('timeline-cut').evaluateAll((markers) => markers.map((marker) => Number(marker.getAttribute('data-frame')))),
        { timeout: 60_000 },
      )
      .toEqual([cutFrame]);

    // Frame 0, coloured without pins first: the square is not red.
    const playhead = page.getByRole('slider', { name: 'Playhead' });
    await playhead.focus();
    await page.keyboard.press('Home');
    expect(await playheadFrame(page)).toBe(0);
    await page.keyboard.press('p');
    await expect.poll(() => page.getByTestId('preview-status').innerText(), { timeout: 120_000 }).toBe('Previewed 1 frame');
    const centre = pinsSquareCentre(0);
    const fx = centre.x / W;
    const fy = centre.y / H;
    const before = await previewColourAt(page, fx, fy);
    console.info(`preview at the square without pins: ${show(before)}`);
    expect(redness(before)).toBeLessThan(40);

    // The pin tool: click the square; the chooser offers colours for that spot and takes a hex colour.
    await page.getByRole('button', { name: 'Colour pins' }).click();
    expect(await page.getByRole('button', { name: 'Colour pins' }).getAttribute('aria-pressed')).toBe('true');
    const picture = (await page.locator('.viewer-split .pin-picture').boundingBox())!;
    await page.mouse.click(picture.x + fx * picture.width, picture.y + fy * picture.height);
    const chooser = page.getByRole('dialog', { name: 'Choose the colour here' });
    await chooser.waitFor();
    const swatches = chooser.getByRole('group', { name: 'Suggested colours' }).getByRole('button');
    await expect.poll(() => swatches.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
    expect(await swatches.first().getAttribute('aria-label')).toMatch(/^As the model colours it #[0-9a-f]{6}$/);
    await page.screenshot({ path: path.join(screenshotsDir, '09-pin-chooser.png') });
    await chooser.getByLabel('Hex colour').fill('#ff0000');
    const chosenAt = performance.now();
    await chooser.getByLabel('Hex colour').press('Enter');
    await expect.poll(() => chooser.count()).toBe(0);

    // The pin: on the picture, on the timeline, in the list under the first shot.
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(1);
    expect(await page.getByTestId('timeline-pin').getAttribute('data-frame')).toBe('0');
    const shots = page.getByTestId('pin-shot');
    expect(await shots.count()).toBe(1);
    expect(await shots.first().getAttribute('aria-label')).toBe('Shot 1');
    expect(await shots.first().getByTestId('pin-item').innerText()).toContain('#ff0000');

    // The preview refreshes on its own: the square turns red (a hue check on the preview's pixels).
    let after: Rgb = before;
    await expect
      .poll(
        async () => {
          after = await previewColourAt(page, fx, fy);
          return redness(after);
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBeGreaterThan(60);
    console.info(
      `preview at the square with the red pin: ${show(after)}, shown ${(performance.now() - chosenAt).toFixed(0)} ms after the colour was chosen`,
    );
    await page.screenshot({ path: path.join(screenshotsDir, '10-pin-preview.png') });

    // Render the whole film from the queue: it carries the pins.
    const output = path.join(workRoot, 'pins-colour.mp4');
    await page.getByLabel('Output file').fill(output);
    await page.getByRole('button', { name: 'Render whole film' }).click();
    const job = page.getByRole('listitem', { name: `Render ${path.basename(output)}` });
    await expect.poll(() => job.getByTestId('job-status').innerText(), { timeout: 300_000 }).toBe('Done');
    const queued = server.queue.list().find((entry) => entry.output === output)?.options.hints?.pins ?? [];
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ t: 0.02, color: '#ff0000' });
    expect(queued[0]!.x).toBeCloseTo(fx, 2);
    expect(queued[0]!.y).toBeCloseTo(fy, 2);

    // Red on the square in every frame of shot A (it moves; the pin follows), not red in shot B.
    const rendered = rgbFrames(output);
    expect(rendered).toHaveLength(frames);
    const shotA = rendered.slice(0, cutFrame).map((frame, index) => patch(frame, pinsSquareCentre(index).x, pinsSquareCentre(index).y));
    const shotB = rendered.slice(cutFrame).map((frame) => patch(frame, centre.x, centre.y));
    console.info(
      `render, square in shot A: least red ${Math.min(...shotA.map(redness)).toFixed(0)} (${show(shotA[0]!)} … ${show(shotA.at(-1)!)}); same place in shot B: most red ${Math.max(...shotB.map(redness)).toFixed(0)} (${show(shotB[0]!)})`,
    );
    for (const colour of shotA) expect(redness(colour)).toBeGreaterThan(60);
    for (const colour of shotB) expect(redness(colour)).toBeLessThan(20);

    // Opened again by a new server on the same per-user data (a restart): the pin is still there.
    await server.close();
    server = await startServer({ engine, staticDir: rendererOut, allowedRoots: [workRoot], queueFile });
    await page.goto(server.url);
    await openFilm(page, pinsFilm.name);
    await expect.poll(() => page.getByTestId('pin-item').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('pin-item').innerText()).toContain('#ff0000');
    expect(await page.getByTestId('pin-dot').getAttribute('aria-label')).toBe('Pin #ff0000');
    expect(await page.getByTestId('timeline-pin').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshotsDir, '11-pin-reopened.png') });

    // Kept in the app's data, never beside the film: the film's folder holds the film and the render only.
    expect(readdirSync(workRoot).sort()).toEqual([pinsFilm.name, 'pins-colour.mp4'].sort());
    const stored = readdirSync(path.join(stateDir, 'pins'));
    expect(stored).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(stateDir, 'pins', stored[0]!), 'utf8')).hints.pins[0].color).toBe('#ff0000');
  });

  it('moves a pin by dragging, deletes it from its menu or with Delete, and exports and imports hints files', async () => {
    // Where the first test left off: the film open again, its red pin on frame 0.
    const dot = page.getByTestId('pin-dot');
    await dot.waitFor();
    const storeFile = () => path.join(stateDir, 'pins', readdirSync(path.join(stateDir, 'pins'))[0] ?? 'none');
    const storedPins = () => {
      try {
        return (JSON.parse(readFileSync(storeFile(), 'utf8')) as { hints: { pins: { x: number; y: number }[] } }).hints.pins;
      } catch {
        return [];
      }
    };
    const startX = storedPins()[0]!.x;

    // Drag 40 px to the right: the pin moves there, and is kept.
    const picture = (await page.locator('.pin-picture').first().boundingBox())!;
    const from = (await dot.boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2 + 40, from.y + from.height / 2, { steps: 8 });
    await page.mouse.up();
    const movedX = startX + 40 / picture.width;
    await expect.poll(() => storedPins()[0]?.x ?? 0, { timeout: 10_000 }).toBeCloseTo(movedX, 2);
    expect(await page.getByTestId('pin-item').innerText()).toContain(`${Math.round(movedX * 100)} %`);
    // The drag did not open the chooser; the frame was coloured again with the pin where it is now.
    expect(await page.getByRole('dialog').count()).toBe(0);
    await expect.poll(() => page.getByTestId('preview-status').innerText(), { timeout: 60_000 }).toBe('Previewed 1 frame');

    // Export to a path in the allowed folder; a second export does not replace it unless asked.
    const exported = path.join(workRoot, 'exported-pins.json');
    await page.getByLabel('Hints file', { exact: true }).fill(exported);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByText(`Exported 1 pin to ${exported}.`).waitFor();
    const file = JSON.parse(readFileSync(exported, 'utf8')) as {
      version: number;
      pins: { t: number; x: number; y: number; color: string }[];
    };
    expect(file.version).toBe(1);
    expect(file.pins).toHaveLength(1);
    expect(file.pins[0]).toMatchObject({ t: 0.02, color: '#ff0000' });
    expect(file.pins[0]!.x).toBeCloseTo(movedX, 2);
    expect(file.pins[0]!.x).toBe(storedPins()[0]!.x);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page
      .getByText(/already exists/)
      .first()
      .waitFor();

    // Delete from the pin's menu: gone from the picture, the list and the timeline, and from the store.
    await dot.click({ button: 'right' });
    await page.getByRole('menu', { name: 'Pin' }).getByRole('menuitem', { name: 'Delete pin' }).click();
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(0);
    await page.getByTestId('pins-empty').waitFor();
    expect(await page.getByTestId('timeline-pin').count()).toBe(0);
    await expect.poll(() => readdirSync(path.join(stateDir, 'pins')).length, { timeout: 10_000 }).toBe(0);
    // The frame is coloured again without the pin: the square is no longer red there.
    const spot = pinsSquareCentre(0);
    await expect
      .poll(async () => redness(await previewColourAt(page, spot.x / W, spot.y / H)), { timeout: 60_000, interval: 100 })
      .toBeLessThan(40);

    // Import the exported file: the pin is back where it was moved to.
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported 1 pin from exported-pins.json.').waitFor();
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(1);
    await expect.poll(() => storedPins()[0]?.x ?? 0, { timeout: 10_000 }).toBe(file.pins[0]!.x);

    await expect
      .poll(async () => redness(await previewColourAt(page, spot.x / W, spot.y / H)), { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(60);

    // Click a pin: its chooser opens to change the colour; Escape closes it; Delete removes the chosen pin.
    await page.getByTestId('pin-dot').click();
    const chooser = page.getByRole('dialog', { name: 'Change the pin colour' });
    await chooser.waitFor();
    expect(await chooser.getByLabel('Hex colour').inputValue()).toBe('#ff0000');
    // Its suggestions include the model's own colour there without pins (the frame was seen so a moment ago).
    const labels = () =>
      chooser
        .getByRole('group', { name: 'Suggested colours' })
        .getByRole('button')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label') ?? ''));
    await expect
      .poll(async () => (await labels()).some((label) => label.startsWith('As the model colours it without pins')), { timeout: 10_000 })
      .toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => chooser.count()).toBe(0);
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(0);

    // Ctrl+Z takes the deletion back, Ctrl+Shift+Z makes it again; Ctrl+Z once more brings the pin back.
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(0);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('pin-dot').count()).toBe(1);

    // Arrow keys nudge a focused pin (Shift: ten pixels of the picture as shown); the change is kept.
    await expect.poll(() => storedPins().length, { timeout: 10_000 }).toBe(1);
    const beforeNudge = storedPins()[0]!.x;
    await page.getByTestId('pin-dot').focus();
    await page.keyboard.press('Shift+ArrowRight');
    const box = (await page.locator('.pin-picture').first().boundingBox())!;
    await expect.poll(() => storedPins()[0]?.x ?? 0, { timeout: 10_000 }).toBeCloseTo(beforeNudge + 10 / box.width, 3);
    expect(await playheadFrame(page)).toBe(0);

    // C turns the pin tool on and off.
    await page.getByRole('slider', { name: 'Playhead' }).focus();
    await page.keyboard.press('c');
    expect(await page.getByRole('button', { name: 'Colour pins' }).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('c');
    expect(await page.getByRole('button', { name: 'Colour pins' }).getAttribute('aria-pressed')).toBe('false');
  });
});
