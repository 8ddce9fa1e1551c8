import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Rgb, Suggestion } from './colours.js';
import { suggestColours } from './colours.js';
import { PinChooser } from './PinChooser.js';
import type { PinLike } from './shots.js';

export interface OverlayPin {
  pin: PinLike;
  /** Place in the hints document. */
  index: number;
  /** The frame it was put on. */
  frame: number;
}

export interface PinOverlayProps {
  /** Pins that hold on the frame shown. */
  pins: OverlayPin[];
  frame: number;
  /** Width / height of the picture as displayed. */
  aspect: number;
  /** The pin tool is on: a click on the picture puts a pin there. */
  tool: boolean;
  selected: number | null;
  onSelect(index: number | null): void;
  onAdd(x: number, y: number, color: string): void;
  onChange(index: number, change: Partial<PinLike>): void;
  onDelete(index: number): void;
  onGoTo(frame: number): void;
  /** The model's colour at a spot now (null when there is no colour preview) and the spot's brightness (0–255). */
  sample(x: number, y: number): Promise<{ model: Rgb | null; withoutPins?: Rgb | null; luma: number }>;
  recent: readonly string[];
}

type Chooser = { x: number; y: number; index: number | null; suggestions: Suggestion[] | null };

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const DRAG_PIXELS = 3;
const CHOOSER_WIDTH = 244;
const CHOOSER_HEIGHT = 212;

/**
 * Pins drawn on the picture, and the pin tool: click to put a pin (a colour chooser opens there), drag
 * a pin to move it, click it to change its colour, right-click for its menu. Coordinates are fractions
 * of the picture as displayed, letterboxing excluded.
 */
export function PinOverlay(props: PinOverlayProps) {
  const { pins, frame, aspect, tool, selected, onSelect, onAdd, onChange, onDelete, onGoTo, sample, recent } = props;
  const rootRef = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<Box | null>(null);
  const [chooser, setChooser] = useState<Chooser | null>(null);
  const [menu, setMenu] = useState<{ index: number; x: number; y: number } | null>(null);
  const [drag, setDrag] = useState<{ index: number; x: number; y: number } | null>(null);
  const dragStart = useRef<{ index: number; clientX: number; clientY: number; moved: boolean; pointerId: number } | null>(null);
  /** The click that ends a drag is not a click on the pin. */
  const justDragged = useRef(false);

  // The picture's rectangle inside the overlay (object-fit: contain).
  useLayoutEffect(() => {
    const root = rootRef.current;
    if (!root) return;
    const measure = () => {
      const width = root.clientWidth;
      const height = root.clientHeight;
      if (width === 0 || height === 0) return;
      const fitWidth = Math.min(width, height * aspect);
      const fitHeight = fitWidth / aspect;
      setBox({ left: (width - fitWidth) / 2, top: (height - fitHeight) / 2, width: fitWidth, height: fitHeight });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(root);
    return () => observer.disconnect();
  }, [aspect]);

  // A different frame closes what was open for the one before.
  useEffect(() => {
    setChooser(null);
    setMenu(null);
  }, [frame]);
  useEffect(() => {
    if (!tool) setChooser((current) => (current && current.index === null ? null : current));
  }, [tool]);

  const fractionAt = useCallback(
    (clientX: number, clientY: number) => {
      const rect = rootRef.current?.getBoundingClientRect();
      if (!rect || !box) return null;
      const x = (clientX - rect.left - box.left) / box.width;
      const y = (clientY - rect.top - box.top) / box.height;
      return { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)), inside: x >= 0 && x <= 1 && y >= 0 && y <= 1 };
    },
    [box],
  );

  const openChooser = useCallback(
    (x: number, y: number, index: number | null) => {
      setMenu(null);
      const open: Chooser = { x, y, index, suggestions: null };
      setChooser(open);
      void sample(x, y).then((spot) => {
        setChooser((current) =>
          current && current.x === x && current.y === y && current.index === index
            ? { ...current, suggestions: suggestColours(spot, recent) }
            : current,
        );
      });
    },
    [sample, recent],
  );

  const onPictureDown = (event: React.PointerEvent<HTMLDivElement>) => {
    if (!tool || event.button !== 0) return;
    const at = fractionAt(event.clientX, event.clientY);
    if (!at?.inside) return;
    event.preventDefault();
    onSelect(null);
    openChooser(at.x, at.y, null);
  };

  const onPinDown = (event: React.PointerEvent<HTMLButtonElement>, entry: OverlayPin) => {
    if (event.button !== 0) return;
    event.stopPropagation();
    if (entry.frame !== frame) return; // put on an earlier frame: it is moved on its own frame
    event.currentTarget.setPointerCapture(event.pointerId);
    dragStart.current = { index: entry.index, clientX: event.clientX, clientY: event.clientY, moved: false, pointerId: event.pointerId };
  };
  const onPinMove = (event: React.PointerEvent<HTMLButtonElement>) => {
    const start = dragStart.current;
    if (!start || start.pointerId !== event.pointerId) return;
    if (!start.moved && Math.hypot(event.clientX - start.clientX, event.clientY - start.clientY) < DRAG_PIXELS) return;
    start.moved = true;
    const at = fractionAt(event.clientX, event.clientY);
    if (at) setDrag({ index: start.index, x: at.x, y: at.y });
  };
  const onPinUp = (event: React.PointerEvent<HTMLButtonElement>, entry: OverlayPin) => {
    const start = dragStart.current;
    dragStart.current = null;
    if (!start || start.pointerId !== event.pointerId) return;
    if (start.moved) {
      justDragged.current = true;
      const at = fractionAt(event.clientX, event.clientY);
      setDrag(null);
      if (at) onChange(entry.index, { x: round(at.x), y: round(at.y) });
      onSelect(entry.index);
    }
  };
  const onPinClick = (entry: OverlayPin) => {
    if (entry.frame !== frame) {
      onGoTo(entry.frame);
      onSelect(entry.index);
      return;
    }
    onSelect(entry.index);
    openChooser(entry.pin.x, entry.pin.y, entry.index);
  };

  const place = (x: number, y: number, width: number, height: number) => {
    const root = rootRef.current;
    if (!root || !box) return { left: 0, top: 0 };
    const px = box.left + x * box.width;
    const py = box.top + y * box.height;
    const left = px + 14 + width > root.clientWidth ? Math.max(4, px - 14 - width) : px + 14;
    const top = Math.min(Math.max(4, py - height / 2), Math.max(4, root.clientHeight - height - 4));
    return { left, top };
  };

  const editing = chooser?.index !== null && chooser?.index !== undefined ? pins.find((entry) => entry.index === chooser.index) : undefined;

  return (
    <div ref={rootRef} className={`pin-overlay${tool ? ' pin-overlay-tool' : ''}`} data-testid="pin-overlay" onPointerDown={onPictureDown}>
      {box && (
        <div className="pin-picture" style={{ left: box.left, top: box.top, width: box.width, height: box.height }}>
          {chooser && chooser.index === null && (
            <span
              className="pin-dot pin-dot-pending"
              style={{ left: `${chooser.x * 100}%`, top: `${chooser.y * 100}%` }}
              aria-hidden="true"
            />
          )}
          {pins.map((entry) => {
            const moving = drag?.index === entry.index ? drag : null;
            const x = moving?.x ?? entry.pin.x;
            const y = moving?.y ?? entry.pin.y;
            const earlier = entry.frame !== frame;
            return (
              <button
                key={entry.index}
                type="button"
                className={`pin-dot${earlier ? ' pin-dot-earlier' : ''}${selected === entry.index ? ' pin-dot-selected' : ''}`}
                style={{ left: `${x * 100}%`, top: `${y * 100}%`, background: entry.pin.color }}
                data-testid="pin-dot"
                data-index={entry.index}
                aria-label={earlier ? `Pin ${entry.pin.color}, put at frame ${entry.frame} (go there)` : `Pin ${entry.pin.color}`}
                title={
                  earlier
                    ? `Put at frame ${entry.frame}; it follows the thing it is on through the shot. Click to go there.`
                    : `${entry.pin.color}: drag to move, click to change, right-click for more`
                }
                onPointerDown={(event) => onPinDown(event, entry)}
                onPointerMove={onPinMove}
                onPointerUp={(event) => onPinUp(event, entry)}
                onClick={(event) => {
                  event.stopPropagation();
                  if (justDragged.current) justDragged.current = false;
                  else onPinClick(entry);
                }}
                onContextMenu={(event) => {
                  event.preventDefault();
                  event.stopPropagation();
                  onSelect(entry.index);
                  setChooser(null);
                  const rect = rootRef.current!.getBoundingClientRect();
                  setMenu({ index: entry.index, x: event.clientX - rect.left, y: event.clientY - rect.top });
                }}
                onKeyDown={(event) => {
                  if (event.key === 'Delete' || event.key === 'Backspace') {
                    event.preventDefault();
                    event.stopPropagation();
                    onDelete(entry.index);
                    return;
                  }
                  // Arrow keys move a pin put on this frame by a pixel of the picture as shown (Shift: ten).
                  const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
                  if (!step || earlier || !box) return;
                  event.preventDefault();
                  event.stopPropagation();
                  const pixels = event.shiftKey ? 10 : 1;
                  onSelect(entry.index);
                  onChange(entry.index, {
                    x: round(Math.min(1, Math.max(0, entry.pin.x + (step[0]! * pixels) / box.width))),
                    y: round(Math.min(1, Math.max(0, entry.pin.y + (step[1]! * pixels) / box.height))),
                  });
                }}
              />
            );
          })}
        </div>
      )}
      {chooser && (
        <PinChooser
          key={`${chooser.index}-${chooser.x}-${chooser.y}`}
          {...place(chooser.x, chooser.y, CHOOSER_WIDTH, CHOOSER_HEIGHT)}
          initial={editing?.pin.color ?? null}
          suggestions={chooser.suggestions}
          editing={chooser.index !== null}
          onChoose={(color) => {
            if (chooser.index === null) onAdd(round(chooser.x), round(chooser.y), color);
            else onChange(chooser.index, { color });
            setChooser(null);
          }}
          onDelete={chooser.index !== null ? () => (onDelete(chooser.index!), setChooser(null)) : undefined}
          onClose={() => setChooser(null)}
        />
      )}
      {menu && (
        <PinMenu
          left={menu.x}
          top={menu.y}
          onChange={() => {
            const entry = pins.find((candidate) => candidate.index === menu.index);
            if (entry) openChooser(entry.pin.x, entry.pin.y, entry.index);
          }}
          onDelete={() => {
            onDelete(menu.index);
            setMenu(null);
          }}
          onClose={() => setMenu(null)}
        />
      )}
    </div>
  );
}

function PinMenu(props: { left: number; top: number; onChange(): void; onDelete(): void; onClose(): void }) {
  const { left, top, onChange, onDelete, onClose } = props;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('button')?.focus();
    const onDown = (event: PointerEvent) => {
      if (ref.current && !ref.current.contains(event.target as Node)) onClose();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('pointerdown', onDown, true);
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('pointerdown', onDown, true);
      window.removeEventListener('keydown', onKey, true);
    };
  }, [onClose]);
  return (
    <div
      ref={ref}
      className="pin-menu"
      role="menu"
      aria-label="Pin"
      style={{ left, top }}
      onPointerDown={(event) => event.stopPropagation()}
    >
      <button type="button" role="menuitem" onClick={onChange}>
        Change colour…
      </button>
      <button type="button" role="menuitem" onClick={onDelete}>
        Delete pin
      </button>
    </div>
  );
}

/** Fractions kept to 5 decimals (a 100,000-pixel-wide picture's pixel): short files, stable digests. */
function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}
