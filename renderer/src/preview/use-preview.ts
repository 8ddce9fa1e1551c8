import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ExecutionProvider, PreviewOptions } from '../../../electron/common/types.js';
import type { EngineClient } from '../client/engine-client.js';

export interface PreviewFrameView {
  frame: number;
  timeSec: number;
  width: number;
  height: number;
  beforeUrl: string;
  afterUrl: string;
  provider: ExecutionProvider;
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

/** Runs one preview at a time; frames appear as the engine finishes them. */
export function usePreview(client: EngineClient) {
  const [state, setState] = useState<PreviewState>(IDLE);
  const controllerRef = useRef<AbortController | null>(null);
  const framesRef = useRef(state.frames);

  const cancel = useCallback(() => {
    controllerRef.current?.abort();
    controllerRef.current = null;
  }, []);

  const clear = useCallback(() => {
    cancel();
    revokeAll(framesRef.current);
    framesRef.current = new Map();
    setState(IDLE);
  }, [cancel]);

  const start = useCallback(
    (options: PreviewOptions) => {
      cancel();
      revokeAll(framesRef.current);
      const frames = new Map<number, PreviewFrameView>();
      framesRef.current = frames;
      const controller = new AbortController();
      controllerRef.current = controller;
      const expected = options.frames ?? 1;
      const warnings: string[] = [];
      setState({ status: 'running', frames, expected, provider: null, warnings, error: null });
      void (async () => {
        try {
          for await (const frame of client.preview(options, controller.signal)) {
            for (const notice of frame.notices ?? []) if (notice.level === 'warning') warnings.push(notice.message);
            frames.set(frame.frame, {
              frame: frame.frame,
              timeSec: frame.timeSec,
              width: frame.width,
              height: frame.height,
              beforeUrl: toUrl(frame.before, frame.mime),
              afterUrl: toUrl(frame.after, frame.mime),
              provider: frame.provider,
            });
            setState({ status: 'running', frames: new Map(frames), expected, provider: frame.provider, warnings: [...warnings], error: null });
          }
          setState((current) => ({ ...current, frames: new Map(frames), status: controller.signal.aborted ? 'cancelled' : 'done' }));
        } catch (error) {
          setState((current) => ({ ...current, status: 'failed', error: error instanceof Error ? error.message : String(error) }));
        } finally {
          if (controllerRef.current === controller) controllerRef.current = null;
        }
      })();
    },
    [client, cancel],
  );

  useEffect(() => () => {
    controllerRef.current?.abort();
    revokeAll(framesRef.current);
  }, []);

  return useMemo(() => ({ state, start, cancel, clear }), [state, start, cancel, clear]);
}
