import { describe, expect, it } from 'vitest';
import { renderSize } from '../../electron/engine/model/render-size.js';

describe('renderSize', () => {
  const cases: [number, number, number, number][] = [
    [1920, 1080, 16, 16],
    [768, 432, 16, 16],
    [920, 672, 24, 16],
    [1080, 1920, 16, 16], // portrait
    [640, 480, 8, 8],
    [320, 240, 35, 32],
    [64, 48, 4, 8],
  ];

  for (const [fw, fh, factor, multiple] of cases) {
    it(`${fw}x${fh} at factor ${factor}, multiple ${multiple}: about (16r)² pixels, aspect kept`, () => {
      const { width, height } = renderSize(fw, fh, factor, multiple);
      expect(width % multiple).toBe(0);
      expect(height % multiple).toBe(0);
      const target = (16 * factor) ** 2;
      // Snapping each side to the multiple moves the area by at most about one multiple per side.
      const slack = multiple * (width + height) + multiple * multiple;
      expect(Math.abs(width * height - target)).toBeLessThanOrEqual(slack);
      const aspectError = Math.abs(width / height - fw / fh) / (fw / fh);
      expect(aspectError).toBeLessThan((multiple / Math.min(width, height)) * 1.01);
    });
  }

  it('gives 16:9 at factor 16 the expected 336x192', () => {
    expect(renderSize(1920, 1080, 16, 16)).toEqual({ width: 336, height: 192 });
  });

  it('never goes below one multiple per side', () => {
    expect(renderSize(4000, 100, 1, 16)).toEqual({ width: 96, height: 16 });
    expect(renderSize(10, 10, 0.1, 8)).toEqual({ width: 8, height: 8 });
  });

  it('rejects nonsense arguments', () => {
    expect(() => renderSize(0, 10, 16, 16)).toThrow(RangeError);
    expect(() => renderSize(10, 10, 0, 16)).toThrow(RangeError);
    expect(() => renderSize(10, 10, 16, 0)).toThrow(RangeError);
  });
});
