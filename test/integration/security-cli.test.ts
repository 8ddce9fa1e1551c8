// Issue 13 through the real CLI with real ffmpeg and onnxruntime: --overwrite aimed at things that are
// not films, a work folder that is a link, and inputs and models that used to end in "something
// unexpected" or a wrong reason. Each must give one plain sentence, exit 1, write nothing, and leave
// the input as it was.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNanFixtureModel } from '../../scripts/make-fixture-models.mjs';
import { greyClip } from '../helpers/app.js';
import { makeClip, runFfmpegTool } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import { runCli, tempDir } from '../helpers/render.js';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function expectPlainFailure(result: { code: number | null; stderr: string }, words: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(/^Error: /);
  expect(lines.at(-1)).toMatch(words);
  expect(result.stderr).not.toMatch(/unexpected|\n\s+at /i);
}

describe('CLI under attack', () => {
  let work: string;
  let film: string;
  let filmSha: string;

  beforeAll(async () => {
    work = await tempDir('cli-attack');
    film = path.join(work, 'film.mp4');
    copyFileSync(greyClip(), film);
    filmSha = sha(film);
  });
  afterAll(() => {
    expect(sha(film)).toBe(filmSha);
    rmSync(work, { recursive: true, force: true });
  });

  const colorize = (output: string, ...extra: string[]) =>
    runCli(['colorize', film, '-o', output, '--model', fixtureModelDir('fixture-chroma'), '--stabilize', 'off', ...extra]);

  it('--overwrite never replaces a pipe, an extension-less file or a dotfile', async () => {
    const fifo = path.join(work, 'pipe.mp4');
    execFileSync('mkfifo', [fifo]);
    expectPlainFailure(await colorize(fifo, '--overwrite'), /not a regular file/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);

    for (const name of ['notes', '.profile']) {
      const target = path.join(work, name);
      writeFileSync(target, 'precious\n');
      expectPlainFailure(await colorize(target, '--overwrite'), /\.mp4, \.mov or \.mkv/);
      expect(readFileSync(target, 'utf8')).toBe('precious\n');
    }
    // /dev/null: refused for its name and (were it named .mp4) for being a device, also as root.
    expectPlainFailure(await colorize('/dev/null', '--overwrite'), /\.mp4, \.mov or \.mkv/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(work).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('refuses a work folder that is a link, and writes nothing through it', async () => {
    const target = path.join(work, 'elsewhere');
    mkdirSync(target);
    const link = path.join(work, 'work-link');
    symlinkSync(target, link);
    const output = path.join(work, 'through-link.mp4');
    expectPlainFailure(await colorize(output, '--work-dir', link), /link/);
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(work)).not.toContain('through-link.mp4');
  });

  it('stops a model whose output is NaN with a clear sentence instead of rendering grey frames', async () => {
    const models = path.join(work, 'models');
    const nan = makeNanFixtureModel(models);
    const output = path.join(work, 'nan.mp4');
    expectPlainFailure(
      await runCli(['colorize', film, '-o', output, '--model', nan, '--stabilize', 'off']),
      /invalid numbers \(NaN or infinity\)/,
    );
    expect(readdirSync(work).filter((name) => name.includes('nan.mp4'))).toEqual([]);

    // A normalization that overflows float32 (a tiny std) is refused when the manifest is read.
    const tiny = path.join(models, 'tiny-std');
    cpSync(fixtureModelDir('fixture-rgb-normalized'), tiny, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(tiny, 'model.json'), 'utf8'));
    manifest.input.std = [1e-300, 1e-300, 1e-300];
    writeFileSync(path.join(tiny, 'model.json'), JSON.stringify(manifest));
    expectPlainFailure(await runCli(['colorize', film, '-o', output, '--model', tiny]), /field "input\.std"/);
  });

  it('names a model whose "file" is a folder', async () => {
    const broken = path.join(work, 'models', 'folder-file');
    cpSync(fixtureModelDir('fixture-chroma'), broken, { recursive: true });
    mkdirSync(path.join(broken, 'weights'));
    const manifest = JSON.parse(readFileSync(path.join(broken, 'model.json'), 'utf8'));
    manifest.file = 'weights';
    writeFileSync(path.join(broken, 'model.json'), JSON.stringify(manifest));
    expectPlainFailure(await runCli(['colorize', film, '-o', path.join(work, 'folder-model.mp4'), '--model', broken]), /not a file/);
  });

  it('says a 1×1 film is too small and a raw H.264 stream named .mp4 has no container', async () => {
    const tiny = await makeClip({ name: 'attack-1x1', width: 1, height: 1, durationSec: 0.4, pixFmt: 'yuv444p' });
    const tinySha = sha(tiny);
    expectPlainFailure(await runCli(['colorize', tiny, '-o', path.join(work, 'tiny.mp4')]), /too small/);
    expect(sha(tiny)).toBe(tinySha);

    const raw = path.join(work, 'raw-stream.mp4');
    await runFfmpegTool('ffmpeg', [
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x48:rate=10:duration=1',
      '-c:v',
      'libx264',
      '-f',
      'h264',
      raw,
    ]);
    const rawSha = sha(raw);
    expectPlainFailure(await runCli(['colorize', raw, '-o', path.join(work, 'raw-colour.mp4')]), /raw video stream without a container/);
    expectPlainFailure(await runCli(['probe', raw]), /raw video stream without a container/);
    expect(sha(raw)).toBe(rawSha);
    expect(readdirSync(work).filter((name) => /tiny\.mp4|raw-colour/.test(name))).toEqual([]);
  });
});
