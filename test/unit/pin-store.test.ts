// Colour pins kept with the film (host/pin-store.ts) and the host methods around them: saved in the
// app's per-user data keyed by the film's content, never beside the film; bad store files ignored
// with a notice; import and export of hints files only where the person chose, atomic, replacing
// only a regular file and only when asked; pins from the page checked like every other payload.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/api.js';
import type { Envelope, QueueJob, StoredPins } from '../../electron/common/protocol.js';
import type { HintsDocument } from '../../electron/common/types.js';
import { PathAllowList } from '../../electron/host/allow-list.js';
import { createIpcHandlers, formatHints, type HostHandlers } from '../../electron/host/handlers.js';
import { createMemoryPinStore, createPinStore, filmKey, HEAD_BYTES } from '../../electron/host/pin-store.js';
import { createFileQueueStore, createMemoryQueueStore } from '../../electron/host/queue-store.js';
import { RenderQueue } from '../../electron/host/render-queue.js';

const doc: HintsDocument = {
  version: 1,
  pins: [
    { t: 0.5, x: 0.25, y: 0.75, color: '#b22222' },
    { x: 0.5, y: 0.5, color: '#3a6fc0' },
  ],
};

function errorOf(envelope: Envelope<unknown>) {
  if (envelope.ok) throw new Error(`expected an error, got ${JSON.stringify(envelope.value)}`);
  return envelope.error;
}

function valueOf<T>(envelope: Envelope<unknown>): T {
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.value as T;
}

let work: string;
let films: string;
let state: string;
let film: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'chromareel-pins-store-'));
  films = path.join(work, 'films');
  state = path.join(work, 'state');
  mkdirSync(films);
  film = path.join(films, 'film.mp4');
  // Content, not a real film: the store only reads the start of the file.
  writeFileSync(film, Buffer.alloc(HEAD_BYTES + 5000, 7));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pin store', () => {
  it('keeps a film’s pins in a private folder of its own, nothing beside the film, and reads them back', async () => {
    const dir = path.join(state, 'pins-a');
    const store = createPinStore(dir);
    const beside = readdirSync(films);
    expect(await store.load(film)).toEqual({ hints: { version: 1, pins: [] }, notice: null });
    await store.save(film, doc);
    expect(readdirSync(films)).toEqual(beside);
    const files = readdirSync(dir);
    expect(files).toEqual([`${await filmKey(film)}.json`]);
    if (process.platform !== 'win32') {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dir, files[0]!)).mode & 0o777).toBe(0o600);
    }
    expect(await createPinStore(dir).load(film)).toEqual({ hints: doc, notice: null });
    // No pins left: the film's entry goes.
    await store.save(film, { version: 1, pins: [] });
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(films)).toEqual(beside);
  });

  it('knows the film by its content: a copy or a moved film keeps its pins, another film has none', async () => {
    const store = createPinStore(path.join(state, 'pins-b'));
    await store.save(film, doc);
    const copy = path.join(work, 'elsewhere.mp4');
    copyFileSync(film, copy);
    expect((await store.load(copy)).hints).toEqual(doc);
    // The same start but another length, and another start: other films.
    const longer = path.join(work, 'longer.mp4');
    writeFileSync(longer, Buffer.alloc(HEAD_BYTES + 6000, 7));
    expect((await store.load(longer)).hints.pins).toEqual([]);
    const other = path.join(work, 'other.mp4');
    writeFileSync(other, Buffer.alloc(HEAD_BYTES + 5000, 8));
    expect((await store.load(other)).hints.pins).toEqual([]);
  });

  it('ignores a saved file it cannot read back, says so in one sentence, and replaces it on the next save', async () => {
    const dir = path.join(state, 'pins-c');
    const store = createPinStore(dir);
    await store.save(film, doc);
    const file = path.join(dir, `${await filmKey(film)}.json`);
    const cases: [string, string | (() => void), RegExp][] = [
      ['not JSON', '{"version": 1, "hints": ', /not valid JSON/],
      ['another version', JSON.stringify({ version: 2, hints: doc }), /not a pins file of this version/],
      [
        'a bad colour',
        JSON.stringify({ version: 1, hints: { version: 1, pins: [{ x: 0.1, y: 0.1, color: 'red' }] } }),
        /pins\[0\]\.color must be a colour like #b22222/,
      ],
      [
        'a pin off the picture',
        JSON.stringify({ version: 1, hints: { version: 1, pins: [{ x: 1.5, y: 0.1, color: '#ff0000' }] } }),
        /pins\[0\]\.x must be a number from 0 to 1/,
      ],
      ['too large', 'x'.repeat(2 * 1024 * 1024), /too large/],
      [
        'a folder',
        () => {
          rmSync(file, { force: true });
          mkdirSync(file);
        },
        /not a regular file/,
      ],
    ];
    for (const [what, content, expected] of cases) {
      rmSync(file, { recursive: true, force: true });
      if (typeof content === 'string') writeFileSync(file, content);
      else content();
      const loaded = await store.load(film);
      expect(loaded.hints, what).toEqual({ version: 1, pins: [] });
      expect(loaded.notice, what).toMatch(expected);
      expect(loaded.notice, what).toMatch(
        /^The colour pins saved for film\.mp4 could not be read back \(.+\), so the film opens without them; pins you put now replace them\.$/,
      );
    }
    rmSync(file, { recursive: true, force: true });
    writeFileSync(file, 'garbage');
    await store.save(film, doc);
    expect(await store.load(film)).toEqual({ hints: doc, notice: null });
  });

  it('refuses to keep pins that fail the hints schema, and saves of one film land in order', async () => {
    const store = createPinStore(path.join(state, 'pins-d'));
    await expect(store.save(film, { version: 1, pins: [{ x: 2, y: 0, color: '#ffffff' }] })).rejects.toThrow(
      /pins\[0\]\.x must be a number from 0 to 1/,
    );
    const saves = Array.from({ length: 8 }, (_, i) => store.save(film, { version: 1, pins: [{ x: i / 10, y: 0, color: '#ffffff' }] }));
    await Promise.all(saves);
    expect((await store.load(film)).hints.pins[0]!.x).toBe(0.7);
  });

  it('never writes through a link put where its folder should be', async () => {
    if (process.platform === 'win32') return;
    const target = path.join(work, 'somewhere-else');
    mkdirSync(target);
    const dir = path.join(state, 'pins-link');
    symlinkSync(target, dir);
    await expect(createPinStore(dir).save(film, doc)).rejects.toThrow(/link/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('keeps pins in memory for a host without a state folder', async () => {
    const store = createMemoryPinStore();
    await store.save(film, doc);
    expect((await store.load(film)).hints).toEqual(doc);
  });
});

describe('pins through the host methods', () => {
  let handlers: HostHandlers;
  let allowList: PathAllowList;
  let queue: RenderQueue;
  let nextChoice: string | null = null;
  const rendered: unknown[] = [];

  beforeAll(async () => {
    allowList = new PathAllowList();
    const engine = {
      render: async (options: unknown) => {
        rendered.push(options);
        throw new Error('not rendering in this test');
      },
      preview: (options: unknown) => {
        rendered.push(options);
        return (async function* () {})();
      },
      sceneCuts: () => (async function* () {})(),
    } as unknown as Engine;
    queue = await RenderQueue.open({ engine, store: createMemoryQueueStore(), workRoot: path.join(state, 'work') });
    handlers = createIpcHandlers({
      engine,
      allowList,
      queue,
      appInfo: { host: 'electron', version: '1', platform: process.platform, allowedRoots: [], defaultOutputDir: null },
      dialogs: {
        chooseFilm: async () => nextChoice,
        chooseOutput: async () => nextChoice,
        chooseHints: async () => nextChoice,
        chooseHintsOutput: async () => nextChoice,
      },
      pins: createPinStore(path.join(state, 'pins-host')),
    });
  });
  afterAll(async () => queue.close());

  it('loads and saves pins only for a film the person opened', async () => {
    expect(errorOf(await handlers.call('pins:load', { film })).code).toBe('not-allowed');
    expect(errorOf(await handlers.call('pins:save', { film, hints: doc })).code).toBe('not-allowed');
    nextChoice = film;
    await handlers.call('files:choose-film', {});
    expect(valueOf<StoredPins>(await handlers.call('pins:load', { film }))).toEqual({ hints: { version: 1, pins: [] }, notice: null });
    expect(valueOf<null>(await handlers.call('pins:save', { film, hints: doc }))).toBeNull();
    expect(valueOf<StoredPins>(await handlers.call('pins:load', { film })).hints).toEqual(doc);
  });

  it('checks pins from the page with the hints schema and answers in one plain sentence', async () => {
    const bad = await handlers.call('pins:save', { film, hints: { version: 1, pins: [{ t: 1, x: 0.1, y: 0.2, color: '#12345' }] } });
    expect(errorOf(bad)).toEqual({
      code: 'bad-request',
      message: 'The list of colour pins is not valid: pins[0].color must be a colour like #b22222.',
    });
    const extra = await handlers.call('pins:save', { film, hints: { version: 1, pins: [], note: 'hi' } });
    expect(errorOf(extra).message).toBe('The list of colour pins is not valid: the file has an unknown field "note".');
    const tooMany = await handlers.call('pins:save', {
      film,
      hints: { version: 1, pins: Array.from({ length: 1001 }, () => ({ x: 0, y: 0, color: '#000000' })) },
    });
    expect(errorOf(tooMany).message).toMatch(/pins must hold at most 1000 pins/);
    // Previews and renders take the same check.
    const preview = handlers.stream(
      'engine:preview',
      { input: film, at: 0, hints: { version: 1, pins: [{ x: 0.1, y: -1, color: '#ffffff' }] } },
      new AbortController().signal,
    );
    await expect(
      (async () => {
        for await (const item of preview) void item;
      })(),
    ).rejects.toThrow(/^The list of colour pins is not valid: pins\[0\]\.y must be a number from 0 to 1/);
    const output = path.join(films, 'out.mp4');
    nextChoice = output;
    await handlers.call('files:choose-output', { suggestedPath: output });
    const job = await handlers.call('queue:add', { input: film, output, options: { hints: { version: 2, pins: [] } } });
    expect(errorOf(job).message).toBe('The list of colour pins is not valid: version must be 1.');
    const queued = valueOf<QueueJob>(await handlers.call('queue:add', { input: film, output, options: { hints: doc } }));
    expect(queued.options.hints).toEqual(doc);
    await queue.whenIdle();
    expect(rendered.at(-1)).toMatchObject({ hints: doc });
  });

  it('exports a hints file where the person chose: atomically, replacing only a regular file and only when asked', async () => {
    const target = path.join(films, 'pins.json');
    expect(errorOf(await handlers.call('pins:export', { path: target, hints: doc })).code).toBe('not-allowed');
    nextChoice = target;
    expect(valueOf<string>(await handlers.call('files:choose-hints-output', { suggestedPath: target }))).toBe(target);
    expect(valueOf<string>(await handlers.call('pins:export', { path: target, hints: doc }))).toBe(target);
    const text = readFileSync(target, 'utf8');
    expect(text).toBe(formatHints(doc));
    expect(JSON.parse(text)).toEqual(doc);
    expect(readdirSync(films).filter((name) => name.startsWith('.'))).toEqual([]);

    const exists = errorOf(await handlers.call('pins:export', { path: target, hints: { version: 1, pins: [] } }));
    expect(exists.code).toBe('output-exists');
    expect(readFileSync(target, 'utf8')).toBe(text);
    expect(valueOf<string>(await handlers.call('pins:export', { path: target, hints: { version: 1, pins: [] }, overwrite: true }))).toBe(
      target,
    );
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ version: 1, pins: [] });

    const folder = path.join(films, 'folder.json');
    mkdirSync(folder);
    nextChoice = folder;
    await handlers.call('files:choose-hints-output', { suggestedPath: folder });
    expect(errorOf(await handlers.call('pins:export', { path: folder, hints: doc, overwrite: true })).message).toMatch(/is a folder/);
    if (process.platform !== 'win32') {
      const link = path.join(films, 'link.json');
      const victim = path.join(work, 'victim.json');
      writeFileSync(victim, 'keep me');
      symlinkSync(victim, link);
      // A link chosen in the save dialog stands for the file it points to: that regular file is what is
      // written (replaced, as the dialog asked), through a temporary sibling of it, never the link's folder.
      nextChoice = link;
      await handlers.call('files:choose-hints-output', { suggestedPath: link });
      expect(valueOf<string>(await handlers.call('pins:export', { path: link, hints: doc, overwrite: true }))).toBe(victim);
      expect(readFileSync(victim, 'utf8')).toBe(formatHints(doc));
      expect(readdirSync(work).sort()).toEqual(
        ['elsewhere.mp4', 'films', 'longer.mp4', 'other.mp4', 'somewhere-else', 'state', 'victim.json'].sort(),
      );
    }
    const notJson = path.join(films, 'pins.txt');
    nextChoice = notJson;
    await handlers.call('files:choose-hints-output', { suggestedPath: notJson });
    expect(errorOf(await handlers.call('pins:export', { path: notJson, hints: doc })).message).toMatch(/name ending in \.json/);
  });

  it('imports only a hints file the person chose, with the engine’s sentence for a bad one', async () => {
    const file = path.join(films, 'import.json');
    writeFileSync(file, JSON.stringify(doc));
    expect(errorOf(await handlers.call('pins:import', { path: file })).code).toBe('not-allowed');
    nextChoice = file;
    expect(valueOf<string>(await handlers.call('files:choose-hints', {}))).toBe(file);
    expect(valueOf<HintsDocument>(await handlers.call('pins:import', { path: file }))).toEqual(doc);
    writeFileSync(file, '{"version": 1, "pins": [{"x": 0.1, "y": 0.1, "color": "#ff0000", "z": 1}]}');
    expect(errorOf(await handlers.call('pins:import', { path: file })).message).toBe(
      `The hints file ${file} is not valid: pins[0] has an unknown field "z"; fix the file.`,
    );
  });
});

describe('saved render queue', () => {
  it('brings back a job whose saved pins fail the check as failed, saying why', async () => {
    const file = path.join(state, 'queue-pins.json');
    const base = { input: film, output: path.join(films, 'x.mp4'), createdAt: 1, updatedAt: 1 };
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        jobs: [
          { ...base, id: 'good', status: 'paused', options: { hints: doc } },
          { ...base, id: 'bad', status: 'paused', options: { hints: { version: 1, pins: [{ x: 0.1, y: 0.1, color: 'crimson' }] } } },
          { ...base, id: 'done', status: 'done', options: { hints: { version: 7 } } },
        ],
      }),
    );
    chmodSync(file, 0o600);
    const jobs = await createFileQueueStore(file).load();
    expect(jobs.map((job) => [job.id, job.status])).toEqual([
      ['good', 'paused'],
      ['bad', 'failed'],
      ['done', 'done'],
    ]);
    expect(jobs[0]!.error).toBeNull();
    expect(jobs[1]!.error).toEqual({
      code: 'bad-option',
      message:
        "The list of colour pins saved with this render is not valid: pins[0].color must be a colour like #b22222; add the render again with the film's pins.",
    });
  });
});
