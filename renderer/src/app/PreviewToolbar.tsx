import type { ViewMode } from '../preview/PreviewViewer.js';
import type { PreviewState } from '../preview/use-preview.js';

export interface PreviewToolbarProps {
  viewMode: ViewMode;
  onViewMode(mode: ViewMode): void;
  pinTool: boolean;
  onTogglePinTool(): void;
  preview: PreviewState;
  onPreviewFrame(): void;
  onPreviewRange(): void;
  /** A range is marked, so it can be previewed. */
  canPreviewRange: boolean;
  playing: boolean;
  /** At least two frames are previewed, so there is something to play. */
  canPlay: boolean;
  onTogglePlay(): void;
  onStopPreview(): void;
}

function statusText(preview: PreviewState): string {
  if (preview.status === 'running') return `Colourizing ${preview.frames.size} / ${preview.expected}…`;
  if (preview.status === 'done') return `Previewed ${preview.frames.size} frame${preview.frames.size === 1 ? '' : 's'}`;
  if (preview.status === 'failed') return 'Preview failed';
  return '';
}

/** Above the picture: split or side by side, the pin tool, preview frame or range, play, and the preview's status. */
export function PreviewToolbar(props: PreviewToolbarProps) {
  const { viewMode, onViewMode, preview } = props;
  return (
    <div className="stage-toolbar" role="toolbar" aria-label="Preview">
      <div className="segmented" role="group" aria-label="View">
        <button type="button" aria-pressed={viewMode === 'split'} onClick={() => onViewMode('split')}>
          Split
        </button>
        <button type="button" aria-pressed={viewMode === 'side-by-side'} onClick={() => onViewMode('side-by-side')}>
          Side by side
        </button>
      </div>
      <div className="button-row">
        <button
          type="button"
          className="button"
          aria-pressed={props.pinTool}
          onClick={props.onTogglePinTool}
          title="C: click the picture to say what colour a thing is"
        >
          Colour pins
        </button>
        <button type="button" className="button button-primary" onClick={props.onPreviewFrame} title="P">
          Preview frame
        </button>
        <button type="button" className="button" onClick={props.onPreviewRange} disabled={!props.canPreviewRange} title="Shift+P">
          Preview range
        </button>
        <button type="button" className="button" onClick={props.onTogglePlay} disabled={!props.canPlay} title="Space">
          {props.playing ? 'Stop' : 'Play preview'}
        </button>
        {preview.status === 'running' && (
          <button type="button" className="button button-quiet" onClick={props.onStopPreview}>
            Stop preview
          </button>
        )}
      </div>
      <p className="preview-status" role="status" data-testid="preview-status">
        {statusText(preview)}
      </p>
    </div>
  );
}
