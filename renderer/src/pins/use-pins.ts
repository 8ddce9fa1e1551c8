import { useCallback, useEffect, useRef, useState } from 'react';
import type { HintsDocument, Pin, SceneCutScan } from '../../../electron/common/types.js';
import type { EngineClient } from '../client/engine-client.js';

const EMPTY: HintsDocument = { version: 1, pins: [] };
/** Changes are kept this long after the last one (a drag or a run of edits saves once). */
const SAVE_DELAY_MS = 300;

export interface FilmPins {
  doc: HintsDocument;
  /** The film the pins were read for (null while they load). */
  loadedFor: string | null;
  /** Counts the person's changes (not loads): the preview refreshes when it moves. */
  version: number;
  saved: boolean;
  update(change: (pins: Pin[]) => Pin[]): void;
  replace(doc: HintsDocument): void;
  /** Takes back the last change (false when there is none). */
  undo(): boolean;
  /** Makes the last change taken back again (false when there is none). */
  redo(): boolean;
}

/** Changes that can be taken back, per film. */
const HISTORY = 100;

/** The open film's colour pins: read back when it opens, kept (debounced) after every change. */
export function useFilmPins(client: EngineClient, film: string | null, report: (message: string) => void): FilmPins {
  const [doc, setDoc] = useState<HintsDocument>(EMPTY);
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [saved, setSaved] = useState(true);
  const docRef = useRef<HintsDocument>(EMPTY);
  const past = useRef<HintsDocument[]>([]);
  const future = useRef<HintsDocument[]>([]);
  const pending = useRef<{ film: string; doc: HintsDocument; timer: ReturnType<typeof setTimeout> } | null>(null);
  const reportRef = useRef(report);
  reportRef.current = report;

  const flush = useCallback(() => {
    const waiting = pending.current;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    pending.current = null;
    client.pins.save(waiting.film, waiting.doc).then(
      () => setSaved(pending.current === null),
      (error: unknown) => reportRef.current(`The colour pins could not be kept: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, [client]);

  useEffect(() => {
    setDoc(EMPTY);
    docRef.current = EMPTY;
    past.current = [];
    future.current = [];
    setLoadedFor(null);
    setSaved(true);
    if (!film) return;
    let current = true;
    client.pins
      .load(film)
      .then(({ hints, notice }) => {
        if (!current) return;
        setDoc(hints);
        docRef.current = hints;
        setLoadedFor(film);
        if (notice) reportRef.current(notice);
      })
      .catch((error: unknown) => {
        if (!current) return;
        setLoadedFor(film);
        reportRef.current(error instanceof Error ? error.message : String(error));
      });
    return () => {
      current = false;
      flush(); // the film's last changes are kept before another film opens
    };
  }, [client, film, flush]);

  useEffect(() => () => flush(), [flush]);

  const schedule = useCallback(
    (next: HintsDocument) => {
      if (!film || loadedFor !== film) return;
      if (pending.current) clearTimeout(pending.current.timer);
      pending.current = { film, doc: next, timer: setTimeout(flush, SAVE_DELAY_MS) };
      setSaved(false);
    },
    [film, loadedFor, flush],
  );

  const commit = useCallback(
    (next: HintsDocument) => {
      docRef.current = next;
      setDoc(next);
      schedule(next);
      setVersion((value) => value + 1);
    },
    [schedule],
  );

  const replace = useCallback(
    (next: HintsDocument) => {
      if (!film || loadedFor !== film) return;
      past.current = [...past.current.slice(1 - HISTORY), docRef.current];
      future.current = [];
      commit(next);
    },
    [film, loadedFor, commit],
  );

  const update = useCallback((change: (pins: Pin[]) => Pin[]) => replace({ version: 1, pins: change(docRef.current.pins) }), [replace]);

  const undo = useCallback(() => {
    const previous = past.current.at(-1);
    if (!previous) return false;
    past.current = past.current.slice(0, -1);
    future.current = [...future.current, docRef.current];
    commit(previous);
    return true;
  }, [commit]);

  const redo = useCallback(() => {
    const next = future.current.at(-1);
    if (!next) return false;
    future.current = future.current.slice(0, -1);
    past.current = [...past.current, docRef.current];
    commit(next);
    return true;
  }, [commit]);

  return { doc: loadedFor === film ? doc : EMPTY, loadedFor, version, saved, update, replace, undo, redo };
}

const scans = new Map<string, number[]>();

/** The film's scene cuts (its shots), scanned once per film in this session. */
export function useSceneCuts(
  client: EngineClient,
  film: string | null,
): { cuts: number[]; scanning: { done: number; total: number } | null } {
  const [cuts, setCuts] = useState<number[]>(() => (film ? (scans.get(film) ?? []) : []));
  const [scanning, setScanning] = useState<{ done: number; total: number } | null>(null);
  useEffect(() => {
    if (!film) {
      setCuts([]);
      setScanning(null);
      return;
    }
    const known = scans.get(film);
    if (known) {
      setCuts(known);
      setScanning(null);
      return;
    }
    const controller = new AbortController();
    setCuts([]);
    setScanning({ done: 0, total: 0 });
    void (async () => {
      try {
        let last: SceneCutScan | null = null;
        for await (const report of client.sceneCuts({ input: film }, controller.signal)) {
          last = report;
          setCuts(report.cuts);
          setScanning(report.done ? null : { done: report.framesDone, total: report.framesTotal });
        }
        if (last?.done) scans.set(film, last.cuts);
      } catch {
        // Shots are a guide for the pin list; without them every pin is listed under one shot.
      }
      if (!controller.signal.aborted) setScanning(null);
    })();
    return () => controller.abort();
  }, [client, film]);
  return { cuts, scanning };
}

const RECENT_KEY = 'chromareel.pin-colours.v1';

/** Colours the person pinned most recently (remembered between sessions on this computer). */
export function loadRecentColours(): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(stored)
      ? stored.filter((entry): entry is string => typeof entry === 'string' && /^#[0-9a-f]{6}$/.test(entry)).slice(0, 6)
      : [];
  } catch {
    return [];
  }
}

export function saveRecentColours(colours: string[]): void {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(colours));
  } catch {
    // Only a convenience.
  }
}
