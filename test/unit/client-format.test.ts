import { describe, expect, it } from 'vitest';
import { baseName, formatBytes, formatDuration, formatEta, frameToTimecode, suggestOutputPath } from '../../renderer/src/film/format.js';

describe('timecodes and numbers in the UI', () => {
  it('writes frames as HH:MM:SS:FF', () => {
    expect(frameToTimecode(0, 24)).toBe('00:00:00:00');
    expect(frameToTimecode(23, 24)).toBe('00:00:00:23');
    expect(frameToTimecode(24, 24)).toBe('00:00:01:00');
    expect(frameToTimecode(24 * 3661 + 5, 24)).toBe('01:01:01:05');
  });

  it('keeps frame numbers within the second at fractional rates', () => {
    const fps = 30000 / 1001;
    for (let frame = 0; frame < 3000; frame++) {
      const ff = Number(frameToTimecode(frame, fps).slice(-2));
      expect(ff).toBeGreaterThanOrEqual(0);
      expect(ff).toBeLessThan(30);
    }
    expect(frameToTimecode(30, fps)).toBe('00:00:01:00');
  });

  it('formats durations, ETAs and sizes', () => {
    expect(formatDuration(3.5)).toBe('0:03.50');
    expect(formatDuration(3725.25)).toBe('1:02:05.25');
    expect(formatEta(null)).toBe('—');
    expect(formatEta(65)).toBe('1:05');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });

  it('suggests an output name beside or away from the film, never the film itself', () => {
    expect(suggestOutputPath('/films/old.mkv', null)).toBe('/films/old-colour.mp4');
    expect(suggestOutputPath('/films/old.mkv', '/renders/')).toBe('/renders/old-colour.mp4');
    expect(suggestOutputPath('/films/old.mp4', null, { fromSec: 61, toSec: 65.5 })).toBe('/films/old-colour-00_01_01-00_01_05.mp4');
    expect(suggestOutputPath('C:\\films\\old.mp4', null)).toBe('C:\\films\\old-colour.mp4');
    expect(baseName('C:\\films\\old.mp4')).toBe('old.mp4');
  });
});
