import { useEffect, useRef, useState } from 'react';
import { normalizeHex, type Suggestion } from './colours.js';

export interface PinChooserProps {
  /** Where the chooser sits, in pixels inside its positioned parent. */
  left: number;
  top: number;
  /** The pin's colour now (editing), or the first suggestion (a new pin). */
  initial: string | null;
  suggestions: Suggestion[] | null;
  editing: boolean;
  onChoose(color: string): void;
  onDelete?(): void;
  onClose(): void;
}

/** The colour chooser that opens at a spot on the picture: suggestions, a full picker and a hex field. */
export function PinChooser(props: PinChooserProps) {
  const { left, top, initial, suggestions, editing, onChoose, onDelete, onClose } = props;
  const [text, setText] = useState(initial ?? '');
  const [typedOnce, setTypedOnce] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const valid = normalizeHex(text);

  // A new pin starts from the model's colour there, once the suggestions have been read.
  useEffect(() => {
    if (!typedOnce && !initial && suggestions?.[0]) setText(suggestions[0].color);
  }, [suggestions, initial, typedOnce]);

  useEffect(() => {
    rootRef.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }
    };
    const onDown = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) onClose();
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('pointerdown', onDown, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('pointerdown', onDown, true);
    };
  }, [onClose]);

  const choose = () => {
    if (valid) onChoose(valid);
  };

  return (
    <div
      ref={rootRef}
      className="pin-chooser"
      role="dialog"
      aria-label={editing ? 'Change the pin colour' : 'Choose the colour here'}
      style={{ left, top }}
      onPointerDown={(event) => event.stopPropagation()}
    >
      <p className="pin-chooser-title">{editing ? 'Pin colour' : 'What colour is this?'}</p>
      <div className="pin-swatches" role="group" aria-label="Suggested colours">
        {suggestions === null ? (
          <span className="muted">Reading the picture…</span>
        ) : (
          suggestions.map((suggestion) => (
            <button
              key={suggestion.color}
              type="button"
              className={`pin-swatch${valid === suggestion.color ? ' pin-swatch-current' : ''}`}
              style={{ background: suggestion.color }}
              title={`${suggestion.label} (${suggestion.color})`}
              aria-label={`${suggestion.label} ${suggestion.color}`}
              onClick={() => onChoose(suggestion.color)}
            />
          ))
        )}
      </div>
      <div className="pin-chooser-row">
        <input
          type="color"
          className="pin-picker"
          aria-label="Pick any colour"
          value={valid ?? '#808080'}
          onChange={(event) => {
            setTypedOnce(true);
            setText(event.target.value);
          }}
        />
        <input
          type="text"
          className="pin-hex"
          aria-label="Hex colour"
          aria-invalid={text !== '' && !valid}
          placeholder="#b22222"
          spellCheck={false}
          maxLength={7}
          value={text}
          data-autofocus
          onChange={(event) => {
            setTypedOnce(true);
            setText(event.target.value);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              choose();
            }
          }}
        />
      </div>
      {text !== '' && !valid && <p className="pin-chooser-error">Type a colour like #b22222.</p>}
      <div className="button-row pin-chooser-actions">
        <button type="button" className="button button-primary button-small" onClick={choose} disabled={!valid}>
          {editing ? 'Use this colour' : 'Pin this colour'}
        </button>
        {editing && onDelete && (
          <button type="button" className="button button-small button-quiet" onClick={onDelete}>
            Delete pin
          </button>
        )}
        <button type="button" className="button button-small button-quiet" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
  );
}
