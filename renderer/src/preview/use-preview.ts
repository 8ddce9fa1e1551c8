import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ExecutionProvider, HintsDocument, PreviewOptions, PreviewPin } from '../../../electron/common/types.js';
import type { EngineClient } from '../client/engine-client.js';

export interface PreviewFrameView {
  frame: number;
  timeSec: number;
  width: number;
  height: number;
  beforeUrl: string;
  afterUrl: string;
  provider: ExecutionProvider;
  /** Where the colour pins holding on this frame are (they follow what they were put on). */
  pins?: PreviewPin[];
  /** The pins this frame was coloured with (their canonical JSON), to tell whether `pins` is current. */
  pinsKey: string;
  /** The film and the settings it was coloured with, pins aside (see withoutPinsUrl). */
  lookKey: string;
}

/**
 * "After" pictures of recent frames coloured without pins, by film, frame and settings: the pin
 * chooser offers the model's own colour at a spot even after pins have changed the frame.
 */
const withoutPins = new Map<string, string>();
const WITHOUT_PINS_KEPT = 8;

function rememberWithoutPins(key: string, bytes: Uint8Array, mime: string): void {
  const old = withoutPins.get(key);
  if (old) URL.revokeObjectURL(old);
  withoutPins.delete(key);
  withoutPins.set(key, toUrl(bytes, mime));
  while (withoutPins.size > WITHOUT_PINS_KEPT) {
    const [first, url] = withoutPins.entries().next().value!;
    URL.revokeObjectURL(url);
    withoutPins.delete(first);
  }
}

/** The picture of this frame as the model coloured it without pins, with the same settings, if seen lately. */
export function withoutPinsUrl(view: Pick<PreviewFrameView, 'frame' | 'lookKey'>): string | undefined {
  return withoutPins.get(`${view.lookKey}|${view.frame}`);
}

export type PreviewStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface PreviewState {
  status: PreviewStatus;
  /** Previewed frames by frame number in the film. */
  frames: Map<number, PreviewFrameView>;
  expected: number;
  provider: ExecutionProvider | null;
  /** Warnings the engine gave with the preview (a GPU that fell back to the CPU, a damaged film…). */
  warnings: string[];
  error: string | null;
}

const IDLE: PreviewState = { status: 'idle', frames: new Map(), expected: 0, provider: null, warnings: [], error: null };

function toUrl(bytes: Uint8Array, mime: string): string {
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
}

function revokeAll(frames: Map<number, PreviewFrameView>): void {
  for (const view of frames.values()) {
    URL.revokeObjectURL(view.beforeUrl);
    URL.revokeObjectURL(view.afterUrl);
  }
}

/** Identifies a set of pins (the order matters: pins are known by their place in the document). */
export function pinsKeyOf(hints: HintsDocument | undefined): string {
  return hints && hints.pins.length > 0 ? JSON.stringify(hints.pins) : '';
}

/** Runs one preview at a time; frames appear as the engine finishes them. */
export function usePreview(client: EngineClient) {
  const [state, setState] = useState<PreviewState>(IDLE);
  const controllerRef = useRef<AbortController | null>(null);
  const framesRef = useRef(state.frames);
  /** Which start() is current: an earlier one that ends late must not touch the state. */
  const generation = useRef(0);

  const cancel = useCallback(() => {
    controllerRef.current?.abort();
    controllerRef.current = null;
  }, []);

  const clear = useCallback(() => {
    cancel();
    generation.current++;
    revokeAll(framesRef.current);
    framesRef.current = new Map();
    setState(IDLE);
  }, [cancel]);

  /**
   * Starts a preview. `keep`: the frames shown now stay until the first new one arrives (a refresh after
   * a pin change replaces the picture instead of blanking it).
   */
  const start = useCallback(
    (options: PreviewOptions, keep = false) => {
      cancel();
      const mine = ++generation.current;
      let shown: Map<number, PreviewFrameView> | null = keep ? framesRef.current : null;
      if (!shown) revokeAll(framesRef.current);
      const frames = new Map<number, PreviewFrameView>();
      framesRef.current = keep ? shown! : frames;
      const controller = new AbortController();
      controllerRef.current = controller;
      const expected = options.frames ?? 1;
      const warnings: string[] = [];
      const pinsKey = pinsKeyOf(options.hints);
      const { hints: _hints, at: _at, frames: _frames, ...look } = options;
      const lookKey = JSON.stringify(look);
      setState((current) => ({
        status: 'running',
        frames: shown ?? frames,
        expected,
        provider: keep ? current.provider : null,
        warnings,
        error: null,
      }));
      void (async () => {
        try {
          for await (const frame of client.preview(options, controller.signal)) {
            if (shown) {
              if (framesRef.current === shown) framesRef.current = frames;
              revokeAll(shown);
              shown = null;
            }
            for (const notice of frame.notices ?? []) if (notice.level === 'warning') warnings.push(notice.message);
            frames.set(frame.frame, {
              frame: frame.frame,
              timeSec: frame.timeSec,
              width: frame.width,
              height: frame.height,
              beforeUrl: toUrl(frame.before, frame.mime),
              afterUrl: toUrl(frame.after, frame.mime),
              provider: frame.provider,
              ...(frame.pins ? { pins: frame.pins } : {}),
              pinsKey,
              lookKey,
            });
            if (pinsKey === '') rememberWithoutPins(`${lookKey}|${frame.frame}`, frame.after, frame.mime);
            setState({
              status: 'running',
              frames: new Map(frames),
              expected,
              provider: frame.provider,
              warnings: [...warnings],
              error: null,
            });
          }
          if (generation.current !== mine) return; // a newer preview owns what is shown
          setState((current) => ({
            ...current,
            frames: new Map(shown ?? frames),
            status: controller.signal.aborted ? 'cancelled' : 'done',
          }));
        } catch (error) {
          if (generation.current !== mine) return;
          setState((current) => ({ ...current, status: 'failed', error: error instanceof Error ? error.message : String(error) }));
        } finally {
          if (controllerRef.current === controller) controllerRef.current = null;
        }
      })();
    },
    [client, cancel],
  );

  useEffect(
    () => () => {
      controllerRef.current?.abort();
      revokeAll(framesRef.current);
    },
    [],
  );

  return useMemo(() => ({ state, start, cancel, clear }), [state, start, cancel, clear]);
}
