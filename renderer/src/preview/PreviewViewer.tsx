import { Fragment, type ReactNode } from 'react';
import type { PreviewFrameView } from './use-preview.js';
import type { ThumbnailView } from '../timeline/use-thumbnails.js';

export type ViewMode = 'split' | 'side-by-side';

export interface PreviewViewerProps {
  mode: ViewMode;
  split: number;
  onSplit(value: number): void;
  /** The previewed frame at the playhead, if there is one. */
  frame: PreviewFrameView | null;
  /** Shown while the playhead is on a frame that has no preview yet. */
  placeholder: ThumbnailView | null;
  aspect: number;
  busy: boolean;
  /** Drawn over the colour picture (the colour pins); given the picture's aspect. */
  overlay?: (aspect: number) => ReactNode;
}

export function PreviewViewer(props: PreviewViewerProps) {
  const { mode, split, onSplit, frame, placeholder, aspect, busy, overlay } = props;

  if (!frame) {
    return (
      <div className="viewer viewer-empty" style={{ aspectRatio: String(aspect) }}>
        {placeholder && (
          <img className="viewer-placeholder" src={placeholder.url} alt="Film at the playhead (not colourized yet)" draggable={false} />
        )}
        <p className="viewer-hint">{busy ? 'Colourizing…' : 'Press P to colourize this frame, or set a range and preview it.'}</p>
        <Fragment key="overlay">{overlay?.(aspect)}</Fragment>
      </div>
    );
  }

  if (mode === 'side-by-side') {
    return (
      <div className="viewer viewer-side-by-side">
        <figure>
          <img src={frame.beforeUrl} alt={`Before, frame ${frame.frame}`} data-testid="preview-before" draggable={false} />
          <figcaption>Before</figcaption>
        </figure>
        <figure>
          <div className="viewer-after">
            <img src={frame.afterUrl} alt={`After, frame ${frame.frame}`} data-testid="preview-after" draggable={false} />
            {overlay?.(frame.width / frame.height)}
          </div>
          <figcaption>After</figcaption>
        </figure>
      </div>
    );
  }

  return (
    <div className="viewer viewer-split" style={{ aspectRatio: `${frame.width} / ${frame.height}` }}>
      <img
        className="viewer-layer"
        src={frame.afterUrl}
        alt={`After, frame ${frame.frame}`}
        data-testid="preview-after"
        draggable={false}
      />
      <img
        className="viewer-layer"
        src={frame.beforeUrl}
        alt={`Before, frame ${frame.frame}`}
        data-testid="preview-before"
        draggable={false}
        style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }}
      />
      <div className="viewer-divider" style={{ left: `${split}%` }} aria-hidden="true" />
      <span className="viewer-tag viewer-tag-before">Before</span>
      <span className="viewer-tag viewer-tag-after">After</span>
      <input
        className="viewer-split-slider"
        type="range"
        min={0}
        max={100}
        step={0.5}
        value={split}
        aria-label="Before/after split"
        onChange={(event) => onSplit(Number(event.target.value))}
      />
      {/* Keyed: the pins overlay (and a chooser open on it) survives the switch from the placeholder to the preview. */}
      <Fragment key="overlay">{overlay?.(frame.width / frame.height)}</Fragment>
    </div>
  );
}
