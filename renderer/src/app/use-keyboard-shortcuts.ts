import { useEffect, useRef } from 'react';

/** What the keys do while a film is open; the handlers that may not apply say so by returning false. */
export interface Shortcuts {
  fps: number;
  playhead: number;
  last: number;
  seek(frame: number): void;
  setIn(): void;
  setOut(): void;
  clearRange(): void;
  previewFrame(): void;
  previewRange(): void;
  togglePlay(): void;
  togglePinTool(): void;
  /** Ctrl/⌘+Z takes back the last change to the pins; `again` (Ctrl/⌘+Shift+Z, Ctrl+Y) makes it again. False when there was none. */
  undo(again: boolean): boolean;
  /** Delete/Backspace: removes the chosen pin; false when none is chosen. */
  deleteSelectedPin(): boolean;
  /** Escape: leaves the pin tool and the chosen pin; false when neither is on. */
  dismiss(): boolean;
}

/**
 * Keyboard: ←/→ one frame (Shift: one second), Home/End, I/O in and out, X clears, p previews the frame
 * and P the range, Space plays, C toggles the pin tool, Delete removes the chosen pin, Escape leaves,
 * Ctrl/⌘+Z undoes a pin change. Keys typed into a field, and other keys with Ctrl, Cmd or Alt, are left
 * alone; null = no film, no keys.
 */
export function useKeyboardShortcuts(shortcuts: Shortcuts | null): void {
  const latest = useRef(shortcuts);
  useEffect(() => {
    latest.current = shortcuts;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const keys = latest.current;
      const target = event.target as HTMLElement | null;
      const typing =
        target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (typing || !keys) return;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 'z' || event.key === 'Z' || event.key === 'y')) {
        if (keys.undo(event.key === 'y' || event.shiftKey)) event.preventDefault();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const second = Math.max(1, Math.round(keys.fps));
      const handled = (() => {
        switch (event.key) {
          case 'ArrowLeft':
            keys.seek(keys.playhead - (event.shiftKey ? second : 1));
            return true;
          case 'ArrowRight':
            keys.seek(keys.playhead + (event.shiftKey ? second : 1));
            return true;
          case 'Home':
            keys.seek(0);
            return true;
          case 'End':
            keys.seek(keys.last);
            return true;
          case 'i':
          case 'I':
            keys.setIn();
            return true;
          case 'o':
          case 'O':
            keys.setOut();
            return true;
          case 'x':
          case 'X':
            keys.clearRange();
            return true;
          case 'p':
            keys.previewFrame();
            return true;
          case 'c':
          case 'C':
            keys.togglePinTool();
            return true;
          case 'Delete':
          case 'Backspace':
            return keys.deleteSelectedPin();
          case 'Escape':
            return keys.dismiss();
          case 'P':
            keys.previewRange();
            return true;
          case ' ':
            if (target?.tagName === 'BUTTON') return false;
            keys.togglePlay();
            return true;
          default:
            return false;
        }
      })();
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
