// Active pins → the hint planes a pins model takes: (Cb, Cr, mask) at the model's input size,
// [n,3,h,w] float32. Each pin is a PIN_SIDE × PIN_SIDE square; later pins overwrite earlier ones.
import { rgbToCbCr } from '../model/contracts.js';

/** Side of a pin's square in the hint planes, in model-input pixels. */
export const PIN_SIDE = 5;

/** A pin where it is on one frame: position as fractions of the picture, colour as chroma offsets. */
export interface PlacedPin {
  x: number;
  y: number;
  cb: number;
  cr: number;
  /** The pin's place in the hints document (where the app draws it), when known. */
  id?: number;
}

/** BT.601 full-range chroma offsets ([-0.5, 0.5]) of an sRGB hex colour "#rrggbb". */
export function pinChroma(color: string): [number, number] {
  const value = Number.parseInt(color.slice(1), 16);
  return rgbToCbCr(((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255);
}

/** The pixel a pin's centre falls on in a width × height plane. */
function pinPixel(pin: { x: number; y: number }, width: number, height: number): [number, number] {
  return [Math.max(0, Math.min(width - 1, Math.floor(pin.x * width))), Math.max(0, Math.min(height - 1, Math.floor(pin.y * height)))];
}

/** Paints `pins` into one frame's hint planes (a zeroed [3,h,w] block when `out` is not given). */
export function hintPlanes(
  pins: readonly PlacedPin[],
  width: number,
  height: number,
  out = new Float32Array(3 * width * height),
  side = PIN_SIDE,
): Float32Array {
  const plane = width * height;
  const half = side >> 1;
  for (const pin of pins) {
    const [cx, cy] = pinPixel(pin, width, height);
    for (let y = Math.max(0, cy - half); y <= Math.min(height - 1, cy + half); y++) {
      for (let x = Math.max(0, cx - half); x <= Math.min(width - 1, cx + half); x++) {
        const i = y * width + x;
        out[i] = pin.cb;
        out[plane + i] = pin.cr;
        out[2 * plane + i] = 1;
      }
    }
  }
  return out;
}
