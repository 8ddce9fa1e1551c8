export interface RenderSize {
  width: number;
  height: number;
}

/**
 * The size the model sees for a frame: about (16·renderFactor)² pixels, the frame's aspect kept,
 * each side a multiple of `sizeMultiple` (and at least one multiple).
 */
export function renderSize(frameWidth: number, frameHeight: number, renderFactor: number, sizeMultiple: number): RenderSize {
  if (!(frameWidth > 0 && frameHeight > 0)) throw new RangeError(`renderSize: bad frame size ${frameWidth}x${frameHeight}`);
  if (!(renderFactor > 0)) throw new RangeError(`renderSize: bad render factor ${renderFactor}`);
  if (!(Number.isInteger(sizeMultiple) && sizeMultiple > 0)) throw new RangeError(`renderSize: bad size multiple ${sizeMultiple}`);

  const pixels = (16 * renderFactor) ** 2;
  const aspect = frameWidth / frameHeight;
  const height = Math.sqrt(pixels / aspect);
  const width = height * aspect;
  const snap = (side: number) => Math.max(sizeMultiple, Math.round(side / sizeMultiple) * sizeMultiple);
  return { width: snap(width), height: snap(height) };
}
