import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathAllowList } from '../../electron/host/allow-list.js';
import { HostError } from '../../electron/host/host-error.js';

describe('per-session allow-list of paths', () => {
  let dir: string;
  let films: string;
  let outside: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'chromareel-allow-'));
    films = path.join(dir, 'films');
    outside = path.join(dir, 'private');
    mkdirSync(films);
    mkdirSync(outside);
    writeFileSync(path.join(films, 'a.mp4'), 'a');
    writeFileSync(path.join(outside, 'secret.txt'), 's');
    symlinkSync(outside, path.join(films, 'escape'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('allows nothing until the person chooses', () => {
    const list = new PathAllowList();
    expect(list.canRead(path.join(films, 'a.mp4'))).toBe(false);
    expect(() => list.assertReadable(path.join(films, 'a.mp4'))).toThrow(HostError);
    try {
      list.assertReadable(path.join(films, 'a.mp4'));
    } catch (error) {
      expect((error as HostError).code).toBe('not-allowed');
      expect((error as HostError).message).toMatch(/Open dialog/);
    }
  });

  it('lets a chosen film be read but not written, and a chosen output be written', () => {
    const list = new PathAllowList();
    const film = list.allowRead(path.join(films, 'a.mp4'));
    expect(list.canRead(film)).toBe(true);
    expect(list.canWrite(film)).toBe(false);
    // Only the file itself: its neighbours stay closed.
    expect(list.canRead(path.join(films, 'b.mp4'))).toBe(false);
    const output = list.allowWrite(path.join(films, 'a-colour.mp4'));
    expect(list.canWrite(output)).toBe(true);
    expect(list.canRead(output)).toBe(true);
    // Spelling the same path differently does not matter; a relative path is refused.
    expect(list.canRead(path.join(films, '..', 'films', 'a.mp4'))).toBe(true);
    expect(() => list.assertReadable('films/a.mp4')).toThrow(/not absolute/);
  });

  it('opens whole folders in browser mode, but not through a link that leads outside', () => {
    const list = new PathAllowList({ roots: [films] });
    expect(list.canRead(path.join(films, 'a.mp4'))).toBe(true);
    expect(list.canWrite(path.join(films, 'new', 'out.mp4'))).toBe(true);
    expect(list.canRead(path.join(outside, 'secret.txt'))).toBe(false);
    expect(list.canRead(path.join(films, 'escape', 'secret.txt'))).toBe(false);
    expect(list.canRead(path.join(films, '..', 'private', 'secret.txt'))).toBe(false);
    // A sibling folder whose name merely starts with the root's name is outside.
    expect(list.canRead(`${films}-other/x.mp4`)).toBe(false);
    expect(() => list.assertReadable(path.join(outside, 'secret.txt'))).toThrow(/only open films inside the allowed folder/);
    expect(() => list.assertWritable(path.join(outside, 'out.mp4'))).toThrow(/only write inside the allowed folder/);
  });
});
