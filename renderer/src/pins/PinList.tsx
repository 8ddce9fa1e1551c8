import { useEffect, useState } from 'react';
import { frameToTimecode } from '../film/format.js';
import type { PinLike, Shot, ShotPins } from './shots.js';

export interface PinListProps {
  groups: ShotPins<PinLike>[];
  shotCount: number;
  fps: number;
  /** Progress of the film's scene-cut scan (null when done). */
  scanning: { done: number; total: number } | null;
  selected: number | null;
  tool: boolean;
  onTool(on: boolean): void;
  onSelect(index: number): void;
  onGoTo(frame: number): void;
  onDelete(index: number): void;
  onClear(): void;
  host: 'electron' | 'browser';
  /** Browser mode: where a hints file is suggested (typed paths must lie in an allowed folder). */
  suggestedPath: string;
  /** Electron: path undefined (a dialog asks). Browser: the typed path. */
  onImport(path?: string): void;
  onExport(path?: string, overwrite?: boolean): void;
  /** Where the pins are kept, said plainly. */
  savedNote: string | null;
}

function shotLabel(shot: Shot, fps: number): string {
  return `Shot ${shot.index + 1} · ${frameToTimecode(shot.first, fps)}–${frameToTimecode(shot.last, fps)}`;
}

/** The sidebar's list of colour pins, by shot, with import and export of hints files. */
export function PinList(props: PinListProps) {
  const {
    groups,
    shotCount,
    fps,
    scanning,
    selected,
    tool,
    onTool,
    onSelect,
    onGoTo,
    onDelete,
    onClear,
    host,
    suggestedPath,
    onImport,
    onExport,
    savedNote,
  } = props;
  const [path, setPath] = useState(suggestedPath);
  const [edited, setEdited] = useState(false);
  const [replace, setReplace] = useState(false);
  const count = groups.reduce((sum, group) => sum + group.pins.length, 0);
  useEffect(() => {
    if (!edited) setPath(suggestedPath);
  }, [suggestedPath, edited]);

  return (
    <section className="panel pins-panel" aria-labelledby="pins-title">
      <div className="panel-head">
        <h2 id="pins-title">Colour pins</h2>
        <button type="button" className="button button-small" aria-pressed={tool} onClick={() => onTool(!tool)} title="C">
          {tool ? 'Pin tool on' : 'Pin tool'}
        </button>
      </div>
      <p className="muted pins-help">
        {tool
          ? 'Click the picture where you know the colour; the pin holds to the end of its shot.'
          : 'Say what colour a thing is: turn on the pin tool (C) and click the picture.'}
      </p>
      {scanning && (
        <p className="muted" role="status" data-testid="shot-scan">
          Finding the shots… {scanning.total > 0 ? `${Math.round((100 * scanning.done) / scanning.total)} %` : ''}
        </p>
      )}
      {count === 0 ? (
        <p className="muted" data-testid="pins-empty">
          No pins yet.
        </p>
      ) : (
        <ol className="pin-shots" aria-label="Pins by shot">
          {groups.map((group) => (
            <li key={group.shot.index} className="pin-shot" aria-label={`Shot ${group.shot.index + 1}`} data-testid="pin-shot">
              <button
                type="button"
                className="pin-shot-title"
                onClick={() => onGoTo(group.shot.first)}
                title="Go to the start of this shot"
              >
                {shotLabel(group.shot, fps)}
              </button>
              <ul className="pin-items">
                {group.pins.map(({ pin, index, frame }) => (
                  <li
                    key={index}
                    className={`pin-item${selected === index ? ' pin-item-selected' : ''}`}
                    data-testid="pin-item"
                    data-index={index}
                  >
                    <span className="pin-item-swatch" style={{ background: pin.color }} aria-hidden="true" />
                    <button
                      type="button"
                      className="pin-item-go timecode"
                      onClick={() => {
                        onGoTo(frame);
                        onSelect(index);
                      }}
                      title={`Go to frame ${frame}`}
                    >
                      {frameToTimecode(frame, fps)}
                    </button>
                    <span className="pin-item-color">{pin.color}</span>
                    <span className="muted pin-item-where">
                      {Math.round(pin.x * 100)} %, {Math.round(pin.y * 100)} %
                    </span>
                    <button
                      type="button"
                      className="button button-small button-quiet"
                      aria-label={`Delete the pin ${pin.color} at ${frameToTimecode(frame, fps)}`}
                      onClick={() => onDelete(index)}
                    >
                      ✕
                    </button>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
      {count > 0 && (
        <p className="muted pins-summary" data-testid="pins-summary">
          {count === 1 ? '1 pin' : `${count} pins`} in {groups.length === 1 ? '1 shot' : `${groups.length} shots`}
          {shotCount > 1 ? ` (the film has ${shotCount})` : ''}.
        </p>
      )}
      {savedNote && <p className="muted pins-saved">{savedNote}</p>}
      <div className="pins-files">
        {host === 'browser' && (
          <>
            <div className="field">
              <label htmlFor="pins-path">Hints file</label>
              <input
                id="pins-path"
                type="text"
                value={path}
                spellCheck={false}
                onChange={(event) => {
                  setEdited(true);
                  setPath(event.target.value);
                }}
              />
            </div>
            <div className="field field-inline">
              <input id="pins-replace" type="checkbox" checked={replace} onChange={(event) => setReplace(event.target.checked)} />
              <label htmlFor="pins-replace">Replace an existing hints file</label>
            </div>
          </>
        )}
        <div className="button-row">
          <button type="button" className="button button-small" onClick={() => onImport(host === 'browser' ? path.trim() : undefined)}>
            {host === 'browser' ? 'Import' : 'Import…'}
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => onExport(host === 'browser' ? path.trim() : undefined, replace)}
            disabled={count === 0}
          >
            {host === 'browser' ? 'Export' : 'Export…'}
          </button>
          <button type="button" className="button button-small button-quiet" onClick={onClear} disabled={count === 0}>
            Remove all
          </button>
        </div>
      </div>
    </section>
  );
}
