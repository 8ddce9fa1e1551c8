// The host API as plain functions: every request from the page is validated (zod), every path checked
// against the session's allow-list, then handed to the engine or the render queue. The Electron IPC
// bridge and the browser-mode WebSocket server both route into these; neither imports Electron here.

import { rename, rm, writeFile } from 'node:fs/promises';
import nodePath from 'node:path';
import type { z } from 'zod';
import type { Engine } from '../engine/api.js';
import { assertOutputReplaceable, fileWriteError, temporarySibling } from '../engine/atomic-file.js';
import { EngineError, isEngineError } from '../engine/errors.js';
import { readHintsFile } from '../engine/pins/hints-file.js';
import type { HintsDocument } from '../common/types.js';
import type { AppInfo, Envelope, FileListing, HostMethodName, HostMethods, HostStreamName, JobSpec } from '../common/protocol.js';
import { isHostMethod, isHostStream } from '../common/protocol.js';
import type { PathAllowList } from './allow-list.js';
import { assertDroppedFilm } from './chosen-paths.js';
import { HostError, toWireError } from './host-error.js';
import { createMemoryPinStore, type PinStore } from './pin-store.js';
import type { RenderQueue } from './render-queue.js';
import {
  SENTENCE,
  chooseOutputRequestSchema,
  droppedFileSchema,
  emptyRequestSchema,
  jobIdRequestSchema,
  jobSpecSchema,
  pathRequestSchema,
  pinsExportRequestSchema,
  pinsImportRequestSchema,
  pinsLoadRequestSchema,
  pinsSaveRequestSchema,
  prepareRequestSchema,
  previewRequestSchema,
  sceneCutsRequestSchema,
  thumbnailsRequestSchema,
} from './schemas.js';

export interface HostDialogs {
  chooseFilm(): Promise<string | null>;
  chooseOutput(suggestedPath: string): Promise<string | null>;
  /** An open dialog for a hints file (.json). */
  chooseHints?(): Promise<string | null>;
  /** A save dialog for a hints file (it asks before replacing one). */
  chooseHintsOutput?(suggestedPath: string): Promise<string | null>;
}

export interface HostDependencies {
  engine: Engine;
  allowList: PathAllowList;
  queue: RenderQueue;
  appInfo: AppInfo;
  /** Electron only. */
  dialogs?: HostDialogs;
  /** Electron only: show a file in the system's file manager. */
  reveal?: (path: string) => void;
  /** Browser mode: films the page may pick from. */
  listFiles?: () => Promise<FileListing>;
  /** Where films' colour pins are kept (per user); in memory when absent. */
  pins?: PinStore;
}

/** A hints file as people read it: one pin a line, fields in the README's order. */
export function formatHints(doc: HintsDocument): string {
  const pins = doc.pins.map(
    (pin) => `    ${JSON.stringify({ ...(pin.t === undefined ? {} : { t: pin.t }), x: pin.x, y: pin.y, color: pin.color })}`,
  );
  return `{\n  "version": ${doc.version},\n  "pins": [${pins.length > 0 ? `\n${pins.join(',\n')}\n  ` : ''}]\n}\n`;
}

/** Writes a hints file the person chose: a .json name, atomically, over an existing file only when asked and only a regular one. */
async function exportHints(target: string, text: string, overwrite: boolean): Promise<void> {
  if (nodePath.extname(target).toLowerCase() !== '.json') {
    throw new HostError('bad-request', `A hints file is JSON; give "${nodePath.basename(target)}" a name ending in .json.`);
  }
  await assertOutputReplaceable(target, overwrite).catch((error: unknown) => {
    if (isEngineError(error) && error.code === 'output-exists') {
      throw new EngineError('output-exists', `${target} already exists; choose another name, or ask to replace it.`);
    }
    throw error;
  });
  const temp = temporarySibling(target, 'tmp');
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await assertOutputReplaceable(target, overwrite);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw isEngineError(error) ? error : fileWriteError(target, error);
  }
}

export interface HostHandlers {
  /** One request → one envelope; never throws. */
  call(method: string, request: unknown): Promise<Envelope<unknown>>;
  /** The items of one stream; validation and engine errors are thrown while iterating. */
  stream(name: string, request: unknown, signal: AbortSignal): AsyncIterable<unknown>;
  /** Electron: a film dropped on the window (its path comes from the preload, never typed by the page). */
  dropped(request: unknown): Envelope<string>;
}

type MethodTable = { [M in HostMethodName]: (request: unknown) => Promise<HostMethods[M]['response']> };

function parse<S extends z.ZodType>(schema: S, request: unknown): z.infer<S> {
  const result = schema.safeParse(request ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue?.code === 'custom' && (issue.params as Record<string, unknown> | undefined)?.[SENTENCE])
      throw new HostError('bad-request', issue.message);
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    throw new HostError('bad-request', `The request was not understood${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return result.data;
}

export function createIpcHandlers(deps: HostDependencies): HostHandlers {
  const { engine, allowList, queue } = deps;
  const pins = deps.pins ?? createMemoryPinStore();

  const methods: MethodTable = {
    'app:info': async (request) => {
      parse(emptyRequestSchema, request);
      return { ...deps.appInfo, allowedRoots: allowList.allowedRoots };
    },
    'files:list': async (request) => {
      parse(emptyRequestSchema, request);
      return deps.listFiles ? deps.listFiles() : { roots: allowList.allowedRoots, files: [], truncated: false };
    },
    'files:choose-film': async (request) => {
      parse(emptyRequestSchema, request);
      const chosen = deps.dialogs ? await deps.dialogs.chooseFilm() : null;
      return chosen ? allowList.allowRead(chosen) : null;
    },
    'files:choose-output': async (request) => {
      const { suggestedPath } = parse(chooseOutputRequestSchema, request);
      const chosen = deps.dialogs ? await deps.dialogs.chooseOutput(suggestedPath) : null;
      return chosen ? allowList.allowWrite(chosen) : null;
    },
    'files:reveal': async (request) => {
      const { path } = parse(pathRequestSchema, request);
      const target = allowList.canWrite(path) ? path : allowList.assertReadable(path);
      if (!deps.reveal) return false;
      deps.reveal(target);
      return true;
    },
    'engine:probe': async (request) => {
      const { path } = parse(pathRequestSchema, request);
      return engine.probe(allowList.assertReadable(path));
    },
    'engine:models': async (request) => {
      parse(emptyRequestSchema, request);
      return engine.listModels();
    },
    'engine:prepare': async (request) => {
      // Not tied to the page: a warm-up another page's preview may share goes on if this one leaves.
      return engine.prepare(parse(prepareRequestSchema, request));
    },
    'files:choose-hints': async (request) => {
      parse(emptyRequestSchema, request);
      const chosen = deps.dialogs?.chooseHints ? await deps.dialogs.chooseHints() : null;
      return chosen ? allowList.allowRead(chosen) : null;
    },
    'files:choose-hints-output': async (request) => {
      const { suggestedPath } = parse(chooseOutputRequestSchema, request);
      const chosen = deps.dialogs?.chooseHintsOutput ? await deps.dialogs.chooseHintsOutput(suggestedPath) : null;
      return chosen ? allowList.allowWrite(chosen) : null;
    },
    'pins:load': async (request) => {
      const { film } = parse(pinsLoadRequestSchema, request);
      return pins.load(allowList.assertReadable(film));
    },
    'pins:save': async (request) => {
      const { film, hints } = parse(pinsSaveRequestSchema, request);
      await pins.save(allowList.assertReadable(film), hints);
      return null;
    },
    'pins:import': async (request) => {
      const { path } = parse(pinsImportRequestSchema, request);
      return readHintsFile(allowList.assertReadable(path));
    },
    'pins:export': async (request) => {
      const { path, hints, overwrite } = parse(pinsExportRequestSchema, request);
      const target = allowList.assertWritable(path);
      await exportHints(target, formatHints(hints), overwrite ?? false);
      return target;
    },
    'queue:list': async (request) => {
      parse(emptyRequestSchema, request);
      return queue.list();
    },
    'queue:add': async (request) => {
      const spec = parse(jobSpecSchema, request) as JobSpec;
      const input = allowList.assertReadable(spec.input);
      const output = allowList.assertWritable(spec.output);
      if (input === output) {
        throw new HostError('bad-request', 'The output would replace the film itself; choose another name for the colour version.');
      }
      return queue.add({ ...spec, input, output });
    },
    'queue:pause': async (request) => queue.pause(parse(jobIdRequestSchema, request).id),
    'queue:resume': async (request) => {
      const { id } = parse(jobIdRequestSchema, request);
      // A job saved in an earlier session runs again only where this session may read and write.
      const job = queue.list().find((entry) => entry.id === id);
      if (job) {
        allowList.assertReadable(job.input);
        allowList.assertWritable(job.output);
      }
      return queue.resume(id);
    },
    'queue:cancel': async (request) => queue.cancel(parse(jobIdRequestSchema, request).id),
    'queue:remove': async (request) => queue.remove(parse(jobIdRequestSchema, request).id),
  };

  const streams: { [S in HostStreamName]: (request: unknown, signal: AbortSignal) => AsyncIterable<unknown> } = {
    'engine:thumbnails': (request, signal) => {
      const options = parse(thumbnailsRequestSchema, request);
      return engine.thumbnails({ ...options, input: allowList.assertReadable(options.input) }, signal);
    },
    'engine:preview': (request, signal) => {
      const options = parse(previewRequestSchema, request);
      return engine.preview({ ...options, input: allowList.assertReadable(options.input) }, signal);
    },
    'engine:scene-cuts': (request, signal) => {
      const options = parse(sceneCutsRequestSchema, request);
      return engine.sceneCuts({ ...options, input: allowList.assertReadable(options.input) }, signal);
    },
  };

  return {
    async call(method, request) {
      try {
        if (!isHostMethod(method)) throw new HostError('bad-request', `There is no host method called "${String(method)}".`);
        return { ok: true, value: await methods[method](request) };
      } catch (error) {
        return { ok: false, error: toWireError(error) };
      }
    },
    async *stream(name, request, signal) {
      if (!isHostStream(name)) throw new HostError('bad-request', `There is no host stream called "${String(name)}".`);
      yield* streams[name](request, signal);
    },
    dropped(request) {
      try {
        const { path } = parse(droppedFileSchema, request);
        return { ok: true, value: allowList.allowRead(assertDroppedFilm(path)) };
      } catch (error) {
        return { ok: false, error: toWireError(error) };
      }
    },
  };
}

/** The sink one transport gives a running stream. `item` may return a promise to apply backpressure. */
export interface StreamSink {
  item(item: unknown): void | Promise<void>;
  end(): void;
  error(error: ReturnType<typeof toWireError>): void;
}

/** Drives one stream into a sink until it ends, fails or is aborted (an abort ends it quietly). */
export async function pumpStream(
  handlers: HostHandlers,
  name: string,
  request: unknown,
  signal: AbortSignal,
  sink: StreamSink,
): Promise<void> {
  try {
    for await (const item of handlers.stream(name, request, signal)) {
      if (signal.aborted) break;
      await sink.item(item);
    }
    sink.end();
  } catch (error) {
    if (signal.aborted) sink.end();
    else sink.error(toWireError(error));
  }
}
