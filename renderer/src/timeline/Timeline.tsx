import { useCallback, useRef } from 'react';
import { frameToTimecode } from '../film/format.js';
import type { ThumbnailView } from './use-thumbnails.js';

export interface TimelineProps {
  frameCount: number;
  fps: number;
  playhead: number;
  inFrame: number | null;
  outFrame: number | null;
  thumbnails: ThumbnailView[];
  thumbnailCount: number;
  /** Frames that have a preview, marked under the strip. */
  previewed: number[];
  /** Scene cuts the engine reported (frame numbers: the first frame of each new shot). */
  sceneCuts: number[];
  /** Colour pins, marked at the frame each was put on. */
  pins?: { index: number; frame: number; color: string }[];
  onSeek(frame: number): void;
}

/** The strip of pictures with the playhead, the in/out range and the previewed frames. */
export function Timeline(props: TimelineProps) {
  const { frameCount, fps, playhead, inFrame, outFrame, thumbnails, thumbnailCount, previewed, sceneCuts, pins = [], onSeek } = props;
  const stripRef = useRef<HTMLDivElement>(null);
  const last = Math.max(0, frameCount - 1);
  const percent = (frame: number) => (last === 0 ? 0 : (frame / last) * 100);

  const frameAt = useCallback(
    (clientX: number) => {
      const rect = stripRef.current?.getBoundingClientRect();
      if (!rect || rect.width === 0) return playhead;
      const ratio = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
      return Math.round(ratio * last);
    },
    [last, playhead],
  );

  const onPointerDown = (event: React.PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus();
    onSeek(frameAt(event.clientX));
  };
  const onPointerMove = (event: React.PointerEvent<HTMLDivElement>) => {
    if (event.currentTarget.hasPointerCapture(event.pointerId)) onSeek(frameAt(event.clientX));
  };

  const slots = Array.from({ length: thumbnailCount }, (_, index) => thumbnails.find((thumbnail) => thumbnail.index === index));
  const rangeStart = inFrame ?? 0;
  const rangeEnd = outFrame ?? last;
  const hasRange = inFrame !== null || outFrame !== null;

  return (
    <div className="timeline">
      <div
        ref={stripRef}
        className="timeline-strip"
        role="slider"
        tabIndex={0}
        aria-label="Playhead"
        aria-valuemin={0}
        aria-valuemax={last}
        aria-valuenow={playhead}
        aria-valuetext={`Frame ${playhead}, ${frameToTimecode(playhead, fps)}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
      >
        <div className="timeline-thumbs" aria-hidden="true">
          {slots.map((thumbnail, index) =>
            thumbnail ? (
              <img key={index} className="timeline-thumb" src={thumbnail.url} alt="" draggable={false} />
            ) : (
              <div key={index} className="timeline-thumb timeline-thumb-empty" />
            ),
          )}
        </div>
        {hasRange && (
          <div
            className="timeline-range"
            data-testid="timeline-range"
            style={{ left: `${percent(rangeStart)}%`, width: `${Math.max(0.3, percent(rangeEnd) - percent(rangeStart))}%` }}
          />
        )}
        {sceneCuts.map((frame) => (
          <div
            key={`cut-${frame}`}
            className="timeline-cut"
            data-testid="timeline-cut"
            data-frame={frame}
            style={{ left: `${percent(frame)}%` }}
            title={`Scene cut at ${frameToTimecode(frame, fps)} (frame ${frame})`}
          />
        ))}
        {pins.map((pin) => (
          <div
            key={`pin-${pin.index}`}
            className="timeline-pin"
            data-testid="timeline-pin"
            data-frame={pin.frame}
            style={{ left: `${percent(pin.frame)}%`, background: pin.color }}
            title={`Colour pin ${pin.color} at ${frameToTimecode(pin.frame, fps)} (frame ${pin.frame})`}
          />
        ))}
        {inFrame !== null && (
          <div className="timeline-marker timeline-marker-in" style={{ left: `${percent(inFrame)}%` }} title="In point" />
        )}
        {outFrame !== null && (
          <div className="timeline-marker timeline-marker-out" style={{ left: `${percent(outFrame)}%` }} title="Out point" />
        )}
        <div className="timeline-playhead" style={{ left: `${percent(playhead)}%` }}>
          <div className="timeline-playhead-knob" />
        </div>
      </div>
      <div className="timeline-previewed" aria-hidden="true">
        {previewed.map((frame) => (
          <span key={frame} className="timeline-previewed-tick" style={{ left: `${percent(frame)}%` }} />
        ))}
      </div>
      {sceneCuts.length > 0 && (
        <div className="timeline-cuts" role="group" aria-label="Scene cuts">
          <span className="timeline-cuts-label muted">{sceneCuts.length === 1 ? 'Scene cut' : `${sceneCuts.length} scene cuts`}</span>
          {sceneCuts.map((frame) => (
            <button
              key={frame}
              type="button"
              className="button button-small button-quiet timecode"
              onClick={() => onSeek(frame)}
              title={`Go to the cut at frame ${frame}`}
            >
              {frameToTimecode(frame, fps)}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
