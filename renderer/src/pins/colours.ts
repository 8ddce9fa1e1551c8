// Colour arithmetic for the pin tool, all in the page: hex ⇄ RGB, BT.601 brightness, and the
// suggestions the colour chooser offers for a spot. A pin only gives its colour's chroma (the film
// keeps its own brightness), so suggestions are shown at the brightness of the spot itself: what the
// person picks is what that spot will look like.

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface Suggestion {
  color: string;
  label: string;
}

const HEX = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i;

/** "#rrggbb" (lower case) for a typed colour ("#abc", "abc", "#AABBCC"), or null when it is not one. */
export function normalizeHex(text: string): string | null {
  const match = HEX.exec(text.trim());
  if (!match) return null;
  const digits = match[1]!.length === 3 ? [...match[1]!].map((c) => c + c).join('') : match[1]!;
  return `#${digits.toLowerCase()}`;
}

function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

function rgbToHex({ r, g, b }: Rgb): string {
  const part = (v: number) =>
    Math.round(Math.min(255, Math.max(0, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${part(r)}${part(g)}${part(b)}`;
}

/** BT.601 luma, 0–255. */
export function lumaOf({ r, g, b }: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** BT.601 chroma offsets (−127.5…127.5). */
function chromaOf({ r, g, b }: Rgb): { cb: number; cr: number } {
  return { cb: -0.168736 * r - 0.331264 * g + 0.5 * b, cr: 0.5 * r - 0.418688 * g - 0.081312 * b };
}

function fromYCbCr(y: number, cb: number, cr: number): Rgb {
  return { r: y + 1.402 * cr, g: y - 0.344136 * cb - 0.714136 * cr, b: y + 1.772 * cb };
}

const inGamut = ({ r, g, b }: Rgb) => r >= -0.5 && r <= 255.5 && g >= -0.5 && g <= 255.5 && b >= -0.5 && b <= 255.5;

/** The colour's chroma at brightness `y` (as the film will show it), its strength cut back until it fits in sRGB. */
function atBrightness(color: Rgb, y: number): Rgb {
  const { cb, cr } = chromaOf(color);
  for (let scale = 1; scale > 0.01; scale *= 0.92) {
    const rgb = fromYCbCr(y, cb * scale, cr * scale);
    if (inGamut(rgb)) return rgb;
  }
  return { r: y, g: y, b: y };
}

/** Named hues people reach for, as sRGB colours (their chroma is what counts). */
const HUES: Suggestion[] = [
  { color: '#c0392b', label: 'Red' },
  { color: '#d9822b', label: 'Orange' },
  { color: '#e5c542', label: 'Yellow' },
  { color: '#d9a07a', label: 'Skin' },
  { color: '#8a5a3b', label: 'Brown' },
  { color: '#4f9a3a', label: 'Green' },
  { color: '#2f8f8a', label: 'Teal' },
  { color: '#3a6fc0', label: 'Blue' },
  { color: '#7a4bb0', label: 'Purple' },
  { color: '#c0508a', label: 'Pink' },
];

/**
 * What the chooser offers for a spot: the colour the model gives there now (and without pins, when the
 * frame was last seen so and pins have changed it since), hue alternatives at the
 * spot's brightness, no colour (neutral grey), and the colours used most recently. Each once.
 */
export function suggestColours(
  spot: { model: Rgb | null; luma: number; withoutPins?: Rgb | null },
  recent: readonly string[],
): Suggestion[] {
  const out: Suggestion[] = [];
  const seen = new Set<string>();
  const add = (color: string, label: string) => {
    if (seen.has(color)) return;
    seen.add(color);
    out.push({ color, label });
  };
  if (spot.model) add(rgbToHex(spot.model), 'As the model colours it');
  if (spot.withoutPins) add(rgbToHex(spot.withoutPins), 'As the model colours it without pins');
  for (const hue of HUES) add(rgbToHex(atBrightness(hexToRgb(hue.color), spot.luma)), hue.label);
  const grey = Math.round(spot.luma);
  add(rgbToHex({ r: grey, g: grey, b: grey }), 'No colour (grey)');
  for (const color of recent.slice(0, 6)) add(color, 'Used recently');
  return out;
}

/** Pushes `color` to the front of the recent list (most recent first, at most `max`). */
export function rememberColour(recent: readonly string[], color: string, max = 6): string[] {
  return [color, ...recent.filter((entry) => entry !== color)].slice(0, max);
}
