// Reads colours back from the pictures on the page (the preview's before and after images).
import type { Rgb } from './colours.js';

const images = new Map<string, Promise<HTMLCanvasElement>>();

function canvasOf(url: string): Promise<HTMLCanvasElement> {
  let pending = images.get(url);
  if (!pending) {
    pending = (async () => {
      const image = new Image();
      image.src = url;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      canvas.getContext('2d', { willReadFrequently: true })!.drawImage(image, 0, 0);
      return canvas;
    })();
    images.set(url, pending);
    pending.catch(() => images.delete(url));
    // A few pictures at most: previews replace their images (and revoke their URLs) often.
    while (images.size > 6) images.delete(images.keys().next().value!);
  }
  return pending;
}

/** Mean colour of a small square (radius `r` pixels) around (x, y), fractions of the picture; null if unreadable. */
export async function sampleImage(url: string, x: number, y: number, r = 2): Promise<Rgb | null> {
  try {
    const canvas = await canvasOf(url);
    const cx = Math.min(canvas.width - 1, Math.max(0, Math.floor(x * canvas.width)));
    const cy = Math.min(canvas.height - 1, Math.max(0, Math.floor(y * canvas.height)));
    const left = Math.max(0, cx - r);
    const top = Math.max(0, cy - r);
    const width = Math.min(canvas.width, cx + r + 1) - left;
    const height = Math.min(canvas.height, cy + r + 1) - top;
    const { data } = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(left, top, width, height);
    let r0 = 0;
    let g0 = 0;
    let b0 = 0;
    const count = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      r0 += data[i]!;
      g0 += data[i + 1]!;
      b0 += data[i + 2]!;
    }
    return { r: r0 / count, g: g0 / count, b: b0 / count };
  } catch {
    return null;
  }
}
