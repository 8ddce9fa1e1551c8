// Warm inference processes, one per (model, device), shared by previews, renders and photos and
// kept between them, so the model loads once. Asking for another model or device retires the idle
// sessions of other choices; sessions in use are never closed.
import type { DeviceChoice, ExecutionProvider, NoticeEvent, PrepareOptions, PrepareResult } from '../common/types.js';
import { resolveColorizeOptions } from './colorize-options.js';
import { throwIfAborted, untilAborted } from './errors.js';
import { startInference, type InferenceLauncher, type InferenceSession } from './model/inference-client.js';
import { resolveModel, type ModelManifest } from './model/manifest.js';
import { chooseProviders, listAvailableProviders, providerLabel } from './model/providers.js';

interface WarmSession {
  manifest: ModelManifest;
  session: InferenceSession;
  notices: NoticeEvent[];
}

/** A warm session held by one preview, render or photo until it calls release(). */
export type HeldSession = WarmSession & { release: () => void };

export interface SessionPool {
  /** A warm session for (model, device), started or reused; its notices reach `onNotice`. */
  acquire(
    model: string | undefined,
    device: DeviceChoice,
    onNotice: (notice: NoticeEvent) => void,
    signal?: AbortSignal,
  ): Promise<HeldSession>;
  /** Starts (or finds warm) the session these options will use; aborting stops the wait only. */
  prepare(options: PrepareOptions, signal?: AbortSignal): Promise<PrepareResult>;
  close(): Promise<void>;
}

export function createSessionPool(options: { modelsDirs: string[]; launcher?: InferenceLauncher }): SessionPool {
  const sessions = new Map<string, Promise<WarmSession>>();
  // How many previews, renders and photos are using each warm session right now.
  const users = new Map<string, number>();
  const release = (key: string) => {
    const left = (users.get(key) ?? 1) - 1;
    if (left > 0) users.set(key, left);
    else users.delete(key);
  };
  // Trying settings in the app leaves one warm inference process, not one per choice.
  const closeIdleSessions = (except: string) => {
    for (const [key, warm] of sessions) {
      if (key === except || users.has(key)) continue;
      sessions.delete(key);
      void warm.then((idle) => idle.session.close()).catch(() => undefined);
    }
  };

  const startOrReuse = async (
    key: string,
    manifest: ModelManifest,
    device: DeviceChoice,
    onNotice: (notice: NoticeEvent) => void,
    signal?: AbortSignal,
  ): Promise<WarmSession> => {
    let warm = sessions.get(key);
    if (warm) {
      const existing = await warm.catch(() => null);
      if (existing && existing.session.alive) {
        for (const notice of existing.notices) onNotice(notice);
        return existing;
      }
      if (sessions.get(key) === warm) sessions.delete(key);
    }
    const notices: NoticeEvent[] = [];
    warm = startInference({
      manifest,
      device,
      signal,
      launcher: options.launcher,
      onNotice: (notice) => {
        notices.push(notice);
        onNotice(notice);
      },
    }).then((session) => {
      const providerNotice: NoticeEvent = {
        type: 'notice',
        level: 'info',
        code: 'provider',
        message: `Colourizing with model "${manifest.name}" on ${providerLabel(session.provider)}.`,
        provider: session.provider,
      };
      notices.push(providerNotice);
      onNotice(providerNotice);
      return { manifest, session, notices };
    });
    sessions.set(key, warm);
    warm.catch(() => sessions.delete(key));
    return warm;
  };

  const acquire: SessionPool['acquire'] = async (model, device, onNotice, signal) => {
    // The model is chosen for the provider that will really run it (a GPU model only where a GPU provider exists).
    const available = listAvailableProviders();
    const preferred: ExecutionProvider = chooseProviders(device, available).find((p) => available.includes(p)) ?? 'cpu';
    const manifest = resolveModel(model, preferred, options.modelsDirs);
    const key = `${manifest.dir}|${manifest.sha256}|${device}`;
    users.set(key, (users.get(key) ?? 0) + 1);
    closeIdleSessions(key);
    let released = false;
    const held = (warm: WarmSession): HeldSession => ({
      ...warm,
      release: () => {
        if (!released) release(key);
        released = true;
      },
    });
    try {
      return held(await startOrReuse(key, manifest, device, onNotice, signal));
    } catch (error) {
      release(key);
      throw error;
    }
  };

  return {
    acquire,

    async prepare(request, signal) {
      throwIfAborted(signal);
      const { model, device } = resolveColorizeOptions(request);
      // The start is shared with the previews and renders that follow, so this caller's signal must not
      // cancel it; it only stops this caller's wait. Notices reach the preview that reuses the session.
      const pending = acquire(model, device, () => undefined);
      // Warm, not held: the session stays for the previews and renders that follow.
      pending.then(
        (held) => held.release(),
        () => undefined,
      );
      const { manifest, session } = await untilAborted(pending, signal);
      return { provider: session.provider, model: manifest.id };
    },

    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map(async (warm) => (await warm.catch(() => null))?.session.close()));
    },
  };
}
