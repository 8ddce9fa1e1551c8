import { useCallback, useMemo, useState } from 'react';

export interface InOutRange {
  inFrame: number | null;
  outFrame: number | null;
  /** Seconds [from, to) of the marked range; null when neither end is set (the whole film). */
  range: { fromSec: number; toSec: number } | null;
  setIn(): void;
  setOut(): void;
  clearRange(): void;
}

/**
 * The in and out marks on the timeline. Setting one at the playhead clears the other when it would
 * end up on the wrong side; a missing end means the film's start or end.
 */
export function useInOutRange(hasFilm: boolean, playhead: number, fps: number, last: number): InOutRange {
  const [inFrame, setInFrame] = useState<number | null>(null);
  const [outFrame, setOutFrame] = useState<number | null>(null);
  const range = useMemo(
    () =>
      hasFilm && (inFrame !== null || outFrame !== null) ? { fromSec: (inFrame ?? 0) / fps, toSec: ((outFrame ?? last) + 1) / fps } : null,
    [hasFilm, inFrame, outFrame, fps, last],
  );
  const setIn = useCallback(() => {
    setInFrame(playhead);
    if (outFrame !== null && outFrame < playhead) setOutFrame(null);
  }, [playhead, outFrame]);
  const setOut = useCallback(() => {
    setOutFrame(playhead);
    if (inFrame !== null && inFrame > playhead) setInFrame(null);
  }, [playhead, inFrame]);
  const clearRange = useCallback(() => {
    setInFrame(null);
    setOutFrame(null);
  }, []);
  return { inFrame, outFrame, range, setIn, setOut, clearRange };
}
