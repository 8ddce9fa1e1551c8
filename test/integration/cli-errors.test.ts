// Bad input through the real CLI: each problem gives one plain sentence on stderr naming it and what
// to do (no stack trace), a non-zero exit, no output or temporary file beside the output, and the
// input untouched. A film damaged in the middle is colourized with a loud warning instead.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAudioOnly, makeClip, makeFileWithContent, makeTruncatedCopy, makeZeroFrameClip } from '../helpers/clips.js';
import { fixtureModelDir } from '../helpers/models.js';
import { jsonLines, listDir, runCli, tempDir } from '../helpers/render.js';

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function canWrite(dir: string): Promise<boolean> {
  const probe = path.join(dir, '.write-probe');
  try {
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * A folder nobody may write to. chmod is enough for a normal user; root ignores permission bits,
 * so for root the folder is made immutable (chattr +i), or else /sys/kernel stands in.
 */
async function unwritableFolder(parent: string): Promise<{ dir: string; restore: () => Promise<void> }> {
  const dir = path.join(parent, 'locked');
  await mkdir(dir);
  await chmod(dir, 0o555);
  let immutable = false;
  if (await canWrite(dir)) {
    try {
      execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
      immutable = true;
    } catch {
      // no chattr or no file-system support
    }
  }
  const restore = async () => {
    if (immutable) execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    await chmod(dir, 0o755);
  };
  if (await canWrite(dir)) {
    await restore();
    return { dir: '/sys/kernel', restore: async () => undefined };
  }
  return { dir, restore };
}

describe('CLI: bad input gives one clear sentence and leaves nothing behind', () => {
  let work: string;
  let film: string;
  const inputs: Record<string, string> = {};
  let locked: { dir: string; restore: () => Promise<void> };

  beforeAll(async () => {
    work = await tempDir('cli-errors');
    film = await makeClip({ name: 'errors-film', durationSec: 1, audio: [{ codec: 'aac' }] });
    const longer = await makeClip({ name: 'errors-faststart', durationSec: 4, faststart: true });
    const moovAtEnd = await makeClip({ name: 'errors-moov-end', durationSec: 2 });
    const mkv = await makeClip({ name: 'errors-mkv', container: 'mkv', durationSec: 2, audio: [{ codec: 'flac' }] });
    inputs.notAVideo = await makeFileWithContent('errors-shopping-list.mp4', 'This is a shopping list, not a film.\nMilk\nBread\n');
    inputs.randomBytes = await makeFileWithContent(
      'errors-noise.mkv',
      new Uint8Array(64 * 1024).map((_, i) => (i * 7919 + 13) & 255),
    );
    inputs.notAPhoto = await makeFileWithContent('errors-not-a-photo.jpg', 'Not a picture at all.\n');
    inputs.folder = path.join(work, 'a-folder.mp4');
    await mkdir(inputs.folder);
    inputs.truncatedFaststart = await makeTruncatedCopy(longer, 'errors-half-faststart.mp4', 0.5);
    inputs.truncatedMoovAtEnd = await makeTruncatedCopy(moovAtEnd, 'errors-half-moov-at-end.mp4', 0.5);
    inputs.truncatedMkv = await makeTruncatedCopy(mkv, 'errors-half.mkv', 0.5);
    inputs.audioOnly = await makeAudioOnly('errors-audio-only');
    inputs.zeroFrames = await makeZeroFrameClip('errors-zero-frames');
    locked = await unwritableFolder(work);
  });
  afterAll(async () => {
    await locked?.restore();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const model = (id: Parameters<typeof fixtureModelDir>[0] = 'fixture-chroma') => ['--model', fixtureModelDir(id)];

  /**
   * Runs `colorize input -o dir/out.mp4 ...` in a fresh folder and checks the failure contract;
   * returns the one message line.
   */
  async function expectFailure(
    input: string,
    extra: string[] = [],
    options: { outputDir?: string; output?: string } = {},
  ): Promise<string> {
    const dir = options.outputDir ?? (await mkdtemp(path.join(work, 'case-')));
    const output = options.output ?? path.join(dir, 'out.mp4');
    const before = (await stat(input).catch(() => null))?.isFile() ? await sha(input) : null;
    const listing = await listDir(dir).catch(() => [] as string[]);

    const run = await runCli(['colorize', input, '-o', output, ...extra]);
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines, 'exactly one line on stderr').toHaveLength(1);
    const [line] = lines;
    expect(line).toMatch(/^Error: [A-Z"/]/);
    expect(line).toMatch(/[.!]$/);
    expect(line).not.toMatch(/\bat .*:\d+:\d+|Unexpected|undefined|\[object/);
    expect(run.stdout).toBe('');

    // Nothing new beside the output: no output, no partial file, no work folder.
    expect(await listDir(dir).catch(() => [] as string[])).toEqual(listing);
    if (before !== null) expect(await sha(input)).toBe(before);
    return line.slice('Error: '.length);
  }

  it('a missing file', async () => {
    const message = await expectFailure(path.join(work, 'no-such-film.mp4'), model());
    expect(message).toMatch(/no-such-film\.mp4 does not exist; check the path/);
  });

  it.each([
    ['a text file named .mp4', 'notAVideo', /not a video file.*; choose a film/],
    ['random bytes named .mkv', 'randomBytes', /not a video file.*; choose a film/],
    ['an MP4 cut in half (index at the end)', 'truncatedMoovAtEnd', /damaged or incomplete.*; copy or download it again/],
    [
      'an MP4 cut in half (index at the front)',
      'truncatedFaststart',
      /cut short or damaged.*stops at about \d.*; copy or download it again/,
    ],
    ['a Matroska file cut in half', 'truncatedMkv', /(cut short|damaged).*; copy or download it again/],
    ['an audio-only file', 'audioOnly', /has sound but no picture.*; choose a film/],
    ['a folder instead of a file', 'folder', /is not a file; choose a video file/],
    ['a .jpg that is not a picture', 'notAPhoto', /not a photo that can be read; use a JPEG, PNG, TIFF or WebP file/],
    ['a video stream with zero frames', 'zeroFrames', /no frames in it.*; (choose|copy)/],
  ])('%s', async (_what, key, pattern) => {
    const dir = await mkdtemp(path.join(work, 'case-'));
    const output = path.join(dir, key === 'notAPhoto' ? 'out.png' : 'out.mp4');
    expect(await expectFailure(inputs[key], model(), { outputDir: dir, output })).toMatch(pattern);
  });

  it('a model whose file does not match its sha256', async () => {
    expect(await expectFailure(film, model('fixture-bad-hash'))).toMatch(/does not match its manifest.*; reinstall the model/);
  });

  it('a model whose outputs break its contract', async () => {
    expect(await expectFailure(film, model('fixture-wrong-contract'))).toMatch(
      /says contract chroma but its output has 3 channels.*; fix its model\.json/,
    );
  });

  it('a model that does not exist', async () => {
    expect(await expectFailure(film, ['--model', 'no-such-model'])).toMatch(/no model "no-such-model".*; pick one of those/);
  });

  it('an output folder nobody can write to', async () => {
    const message = await expectFailure(film, model(), { outputDir: locked.dir });
    expect(message).toMatch(/Cannot write to the folder .*; choose an output in a folder you can write to/);
  });

  it('an output folder that does not exist', async () => {
    const missing = path.join(work, 'missing-folder');
    const message = await expectFailure(film, model(), { outputDir: work, output: path.join(missing, 'out.mp4') });
    expect(message).toMatch(/folder .*missing-folder does not exist; create it/);
  });

  it('an output name a film or photo cannot be written as, found before any work', async () => {
    for (const [input, name, pattern] of [
      [film, 'out.avi', /film can be written as \.mp4, \.mov or \.mkv, not "out\.avi"; choose an output name/],
      [film, 'out.png', /film can be written as .*not "out\.png"/],
    ] as const) {
      const dir = await mkdtemp(path.join(work, 'case-'));
      expect(await expectFailure(input, model(), { outputDir: dir, output: path.join(dir, name) })).toMatch(pattern);
    }
    const photo = path.join(work, 'photo.png');
    await sharp({ create: { width: 32, height: 24, channels: 3, background: '#777' } })
      .png()
      .toFile(photo);
    const dir = await mkdtemp(path.join(work, 'case-'));
    expect(await expectFailure(photo, model(), { outputDir: dir, output: path.join(dir, 'photo.mp4') })).toMatch(
      /photo can be written as \.jpg, \.png, \.webp or \.tif, not "photo\.mp4"/,
    );
  });

  it('an existing output without --overwrite is left alone', async () => {
    const dir = await mkdtemp(path.join(work, 'case-'));
    const output = path.join(dir, 'out.mp4');
    await writeFile(output, 'precious');
    const message = await expectFailure(film, model(), { outputDir: dir, output });
    expect(message).toMatch(/already exists; choose another name or pass --overwrite/);
    expect(await readFile(output, 'utf8')).toBe('precious');
  });

  it('the output is the input (also when spelled differently or through a link)', async () => {
    const dir = await mkdtemp(path.join(work, 'case-'));
    const input = path.join(dir, 'film.mp4');
    await copyFile(film, input);
    for (const output of [input, path.join(dir, '..', path.basename(dir), 'film.mp4')]) {
      expect(await expectFailure(input, [...model(), '--overwrite'], { outputDir: dir, output })).toMatch(
        /would replace the input film; choose another output name/,
      );
    }
    const { symlink } = await import('node:fs/promises');
    await symlink(input, path.join(dir, 'link.mp4'));
    expect(await expectFailure(input, [...model(), '--overwrite'], { outputDir: dir, output: path.join(dir, 'link.mp4') })).toMatch(
      /would replace the input film/,
    );
    expect(await sha(input)).toBe(await sha(film));
  });

  it('with --json the failure is also a JSON line on stdout', async () => {
    const run = await runCli(['colorize', inputs.audioOnly, '-o', path.join(work, 'json.mp4'), ...model(), '--json']);
    expect(run.code).toBe(1);
    const last = jsonLines(run.stdout).at(-1);
    expect(last).toMatchObject({ type: 'error', code: 'no-video-stream', message: expect.stringMatching(/no picture/) });
  });

  it('a film damaged in the middle is still colourized in full, with a loud warning naming where', async () => {
    const damaged = path.join(work, 'damaged.mp4');
    const bytes = Buffer.from(await readFile(await makeClip({ name: 'errors-damaged-source', durationSec: 2, gop: 25 })));
    // Overwrite a stretch of the picture data (the index at the end stays intact).
    for (let i = Math.floor(bytes.length * 0.3); i < Math.floor(bytes.length * 0.5); i++) bytes[i] = (i * 7919) & 255;
    await writeFile(damaged, bytes);
    const output = path.join(work, 'damaged-colour.mp4');
    const run = await runCli(['colorize', damaged, '-o', output, ...model(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    const warning = events.find((e) => e.type === 'notice' && e.code === 'damaged-input');
    expect(warning).toMatchObject({
      level: 'warning',
      message: expect.stringMatching(/damaged near \d+(\.\d)? s.*copy or download the film again/),
    });
    expect(events.at(-1)).toMatchObject({ type: 'result', frames: 50 });
  });
});
