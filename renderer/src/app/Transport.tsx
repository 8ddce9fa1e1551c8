import { formatDuration, frameToTimecode } from '../film/format.js';
import type { InOutRange } from './use-in-out-range.js';

export interface TransportProps {
  fps: number;
  playhead: number;
  last: number;
  durationSec: number;
  marks: InOutRange;
  onSeek(frame: number): void;
}

/** Under the timeline: the playhead's timecode, frame steps, the in/out buttons and the marked range. */
export function Transport({ fps, playhead, last, durationSec, marks, onSeek }: TransportProps) {
  const { inFrame, outFrame, range } = marks;
  return (
    <div className="transport">
      <div className="timecodes">
        <span className="timecode timecode-main" data-testid="timecode">
          {frameToTimecode(playhead, fps)}
        </span>
        <span className="muted" data-testid="frame-number">
          frame {playhead} of {last}
        </span>
      </div>
      <div className="button-row">
        <button type="button" className="button button-small" aria-label="Previous frame" onClick={() => onSeek(playhead - 1)}>
          ◀
        </button>
        <button type="button" className="button button-small" aria-label="Next frame" onClick={() => onSeek(playhead + 1)}>
          ▶
        </button>
        <button type="button" className="button button-small" onClick={marks.setIn} title="I">
          Set in
        </button>
        <button type="button" className="button button-small" onClick={marks.setOut} title="O">
          Set out
        </button>
        <button type="button" className="button button-small button-quiet" onClick={marks.clearRange} disabled={!range} title="X">
          Clear range
        </button>
      </div>
      <div className="timecodes timecodes-range">
        <span>
          In{' '}
          <span className="timecode" data-testid="in-timecode">
            {inFrame !== null ? frameToTimecode(inFrame, fps) : '—'}
          </span>
        </span>
        <span>
          Out{' '}
          <span className="timecode" data-testid="out-timecode">
            {outFrame !== null ? frameToTimecode(outFrame, fps) : '—'}
          </span>
        </span>
        <span className="muted">
          {range ? `${formatDuration(range.toSec - range.fromSec)} selected` : `${formatDuration(durationSec)} in all`}
        </span>
      </div>
    </div>
  );
}
