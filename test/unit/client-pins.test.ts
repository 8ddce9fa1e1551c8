// The pin tool's arithmetic in the page: typed colours, the chooser's suggestions (at the spot's own
// brightness), and shots: which pins hold on a frame and how the list groups them.
import { describe, expect, it } from 'vitest';
import { lumaOf, normalizeHex, rememberColour, suggestColours } from '../../renderer/src/pins/colours.js';
import { activePins, frameTime, pinFrame, pinsByShot, shotsOf } from '../../renderer/src/pins/shots.js';

const rgbOf = (hex: string) => {
  const value = Number.parseInt(hex.slice(1), 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
};

describe('pin colours', () => {
  it('reads typed colours the way people type them', () => {
    expect(normalizeHex('#B22222')).toBe('#b22222');
    expect(normalizeHex(' b22222 ')).toBe('#b22222');
    expect(normalizeHex('#f00')).toBe('#ff0000');
    for (const bad of ['', '#12345', 'red', '#gggggg', '#1234567']) expect(normalizeHex(bad)).toBeNull();
  });

  it('suggests the model’s colour first, hues at the spot’s brightness, grey, then recent colours, each once', () => {
    const model = { r: 168, g: 137, b: 103 };
    const luma = 144;
    const suggestions = suggestColours({ model, luma }, ['#ff0000', '#a88967']);
    expect(suggestions[0]).toEqual({ color: '#a88967', label: 'As the model colours it' });
    const hues = suggestions.filter((entry) => !['As the model colours it', 'No colour (grey)', 'Used recently'].includes(entry.label));
    expect(hues.map((entry) => entry.label)).toEqual([
      'Red',
      'Orange',
      'Yellow',
      'Skin',
      'Brown',
      'Green',
      'Teal',
      'Blue',
      'Purple',
      'Pink',
    ]);
    // Each hue keeps the spot's brightness (the film keeps its own; the swatch shows what it will look like).
    for (const hue of hues) expect(Math.abs(lumaOf(rgbOf(hue.color)) - luma)).toBeLessThan(2.5);
    expect(suggestions.find((entry) => entry.label === 'No colour (grey)')?.color).toBe('#909090');
    expect(suggestions.filter((entry) => entry.label === 'Used recently').map((entry) => entry.color)).toEqual(['#ff0000']);
    expect(new Set(suggestions.map((entry) => entry.color)).size).toBe(suggestions.length);
    // Without a colour preview there is no model colour to offer; very dark spots still get real colours.
    const dark = suggestColours({ model: null, luma: 12 }, []);
    expect(dark[0]!.label).toBe('Red');
    for (const hue of dark.slice(0, 10)) expect(Math.abs(lumaOf(rgbOf(hue.color)) - 12)).toBeLessThan(2.5);
  });

  it('offers the model’s colour without pins second, when the frame was seen so', () => {
    const suggestions = suggestColours({ model: { r: 250, g: 90, b: 90 }, withoutPins: { r: 168, g: 137, b: 103 }, luma: 144 }, []);
    expect(suggestions.slice(0, 2)).toEqual([
      { color: '#fa5a5a', label: 'As the model colours it' },
      { color: '#a88967', label: 'As the model colours it without pins' },
    ]);
  });

  it('remembers the latest colours first, each once, six at most', () => {
    let recent: string[] = [];
    for (const color of ['#000001', '#000002', '#000003', '#000001', '#000004', '#000005', '#000006', '#000007'])
      recent = rememberColour(recent, color);
    expect(recent).toEqual(['#000007', '#000006', '#000005', '#000004', '#000001', '#000003']);
  });
});

describe('shots and pins', () => {
  const fps = 25;
  const shots = shotsOf([40, 25, 25, 0, 999], 50);

  it('cuts a film into shots at its cuts (frame 0 and cuts past the end ignored)', () => {
    expect(shots).toEqual([
      { index: 0, first: 0, last: 24 },
      { index: 1, first: 25, last: 39 },
      { index: 2, first: 40, last: 49 },
    ]);
    expect(shotsOf([], 10)).toEqual([{ index: 0, first: 0, last: 9 }]);
  });

  it('puts a pin on the frame it was placed on, by the engine’s rule', () => {
    for (const frame of [0, 1, 24, 25, 1234]) expect(pinFrame(frameTime(frame, fps), fps)).toBe(frame);
    for (const frame of [0, 7, 1000]) expect(pinFrame(frameTime(frame, 30000 / 1001), 30000 / 1001)).toBe(frame);
    expect(pinFrame(undefined, fps)).toBe(0);
  });

  it('groups pins by shot in frame order, keeping their place in the document', () => {
    const pins = [
      { t: frameTime(30, fps), x: 0.1, y: 0.1, color: '#ff0000' },
      { t: frameTime(3, fps), x: 0.2, y: 0.2, color: '#00ff00' },
      { t: frameTime(26, fps), x: 0.3, y: 0.3, color: '#0000ff' },
      { x: 0.4, y: 0.4, color: '#ffffff' },
    ];
    const groups = pinsByShot(pins, shots, fps);
    expect(groups.map((group) => [group.shot.index, group.pins.map((entry) => [entry.index, entry.frame])])).toEqual([
      [
        0,
        [
          [3, 0],
          [1, 3],
        ],
      ],
      [
        1,
        [
          [2, 26],
          [0, 30],
        ],
      ],
    ]);
    // On a frame: the pins of its shot put there or earlier.
    expect(activePins(pins, shots, fps, 2).map((entry) => entry.index)).toEqual([3]);
    expect(activePins(pins, shots, fps, 24).map((entry) => entry.index)).toEqual([1, 3]);
    expect(activePins(pins, shots, fps, 25).map((entry) => entry.index)).toEqual([]);
    expect(activePins(pins, shots, fps, 30).map((entry) => entry.index)).toEqual([0, 2]);
    expect(activePins(pins, shots, fps, 45).map((entry) => entry.index)).toEqual([]);
  });
});
