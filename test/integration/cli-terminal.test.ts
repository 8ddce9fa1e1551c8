// The CLI in a real terminal: util-linux `script` gives it a pseudo-terminal, so stderr is a TTY and
// the progress bar (cli-progress) draws itself, as a person running the command sees it.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import { cliPath, decodedFrameCount, repoRoot, tempDir } from '../helpers/render.js';

const FRAMES = 75;
const haveScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const noScript = 'needs util-linux `script` (a pseudo-terminal), which is not installed';

/** `script -c` takes one shell command line: quote every argument. */
const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

function runInTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, cliPath, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: repoRoot,
    env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '140', LINES: '40' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (screen += text));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, screen }));
  });
}

describe('CLI in a terminal', () => {
  let work: string;
  let film: string;

  beforeEach((context) => {
    if (!haveScript) context.skip(noScript);
  });
  beforeAll(async () => {
    if (!haveScript) return;
    work = await tempDir('terminal');
    film = await makeClip({ name: 'terminal-film', durationSec: FRAMES / 25, audio: [{ codec: 'aac' }] });
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('draws a progress bar with frames, fps and ETA, redrawn in place, and ends at 100%', async () => {
    const output = path.join(work, 'film.mp4');
    const { code, screen } = await runInTerminal([
      'colorize',
      film,
      '-o',
      output,
      '--model',
      fixtureModelDir('fixture-chroma'),
      '--preset',
      'ultrafast',
      '--segment-seconds',
      '1',
    ]);
    expect(code, screen).toBe(0);
    expect(existsSync(output)).toBe(true);
    expect(await decodedFrameCount(output)).toBe(FRAMES);

    // cli-progress redraws the same line: carriage returns / cursor moves, not one line per update.
    const redraws = screen.split(/\r|\x1b\[\d*G/).length - 1;
    expect(redraws).toBeGreaterThan(1);
    const plain = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/\|[█░]+\| \d+% \| \d+\/75 frames \| \d+\.\d fps \| ETA (\d+:\d\d|--:--)/);
    expect(plain).toMatch(/\|█+\| 100% \| 75\/75 frames/);
    expect(plain).not.toMatch(/Error|\n\s+at /);
  });
});
