import { useCallback, useMemo } from 'react';
import type { HintsDocument } from '../../../electron/common/types.js';
import { lumaOf } from '../pins/colours.js';
import { sampleImage } from '../pins/sample.js';
import { activePins, pinFrame, pinsByShot, shotsOf } from '../pins/shots.js';
import { pinsKeyOf, withoutPinsUrl, type PreviewFrameView } from '../preview/use-preview.js';

export interface PinViewsInput {
  doc: HintsDocument;
  /** The film's scene cuts as scanned (film frames). */
  scannedCuts: number[];
  frameCount: number;
  fps: number;
  last: number;
  playhead: number;
  /** The previewed frame at the playhead, if any. */
  currentPreview: PreviewFrameView | null;
  /** The thumbnail shown while the frame has no preview, if any. */
  placeholderUrl: string | null;
}

/** The pins as the pin list, the picture and the timeline show them, and the colour sampler for the pin chooser. */
export function usePinViews({ doc, scannedCuts, frameCount, fps, last, playhead, currentPreview, placeholderUrl }: PinViewsInput) {
  // Shots for the pins come from the scan alone, so a pin's shot does not change as renders report cuts.
  const shots = useMemo(() => shotsOf(scannedCuts, frameCount), [scannedCuts, frameCount]);
  const groups = useMemo(() => pinsByShot(doc.pins, shots, fps), [doc, shots, fps]);
  // On a previewed frame coloured with these very pins, each pin is drawn where the engine followed it to.
  const here = useMemo(() => {
    const here = activePins(doc.pins, shots, fps, playhead);
    if (!currentPreview?.pins || currentPreview.pinsKey !== pinsKeyOf(doc)) return here;
    const tracked = new Map(currentPreview.pins.map((pin) => [pin.index, pin]));
    return here.flatMap((entry) => {
      if (entry.frame === playhead) return [entry];
      const at = tracked.get(entry.index);
      return at ? [{ ...entry, pin: { ...entry.pin, x: at.x, y: at.y } }] : [];
    });
  }, [doc, shots, fps, playhead, currentPreview]);
  const timeline = useMemo(
    () => doc.pins.map((pin, index) => ({ index, frame: Math.min(last, pinFrame(pin.t, fps)), color: pin.color })),
    [doc, fps, last],
  );
  const previewAfterUrl = currentPreview?.afterUrl ?? null;
  const previewWithoutPinsUrl = currentPreview && currentPreview.pinsKey !== '' ? (withoutPinsUrl(currentPreview) ?? null) : null;
  const previewBeforeUrl = currentPreview?.beforeUrl ?? null;
  const sample = useCallback(
    async (x: number, y: number) => {
      const model = previewAfterUrl ? await sampleImage(previewAfterUrl, x, y) : null;
      const withoutPins = previewWithoutPinsUrl ? await sampleImage(previewWithoutPinsUrl, x, y) : null;
      const grey = previewBeforeUrl
        ? await sampleImage(previewBeforeUrl, x, y)
        : placeholderUrl
          ? await sampleImage(placeholderUrl, x, y)
          : null;
      return { model, withoutPins, luma: grey ? lumaOf(grey) : model ? lumaOf(model) : 128 };
    },
    [previewAfterUrl, previewWithoutPinsUrl, previewBeforeUrl, placeholderUrl],
  );
  return { shots, groups, here, timeline, sample };
}
