import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** Plays the previewed frames in order at the film's rate, looping, by moving the playhead. */
export function usePlayback(frames: number[], fps: number, setPlayhead: (frame: number) => void) {
  const [playing, setPlaying] = useState(false);
  const framesRef = useRef(frames);
  framesRef.current = frames;
  const position = useRef(0);

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(
      () => {
        const list = framesRef.current;
        if (list.length === 0) return;
        position.current = (position.current + 1) % list.length;
        setPlayhead(list[position.current]!);
      },
      1000 / Math.max(1, fps),
    );
    return () => clearInterval(timer);
  }, [playing, fps, setPlayhead]);

  const stop = useCallback(() => setPlaying(false), []);
  const toggle = useCallback((from: number) => {
    setPlaying((current) => {
      if (current) return false;
      const list = framesRef.current;
      if (list.length < 2) return false;
      const index = list.indexOf(from);
      position.current = index >= 0 ? index : 0;
      return true;
    });
  }, []);

  return useMemo(() => ({ playing, stop, toggle }), [playing, stop, toggle]);
}
