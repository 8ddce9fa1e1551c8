import { describe, expect, it } from 'vitest';
import { containsBinary, decodeMessage, encodeMessage } from '../../electron/common/wire-codec.js';

describe('wire codec (binary WebSocket frames)', () => {
  it('sends messages without bytes as JSON text', () => {
    const message = { type: 'result', id: 7, envelope: { ok: true, value: { path: '/films/a.mp4', sizes: [1, 2] } } };
    const encoded = encodeMessage(message);
    expect(typeof encoded).toBe('string');
    expect(decodeMessage(encoded)).toEqual(message);
  });

  it('carries image bytes as raw blobs, not as JSON numbers or base64', () => {
    const before = new Uint8Array(50_000).map((_, i) => (i * 7) % 256);
    const after = new Uint8Array(40_000).map((_, i) => (i * 13) % 256);
    const message = {
      type: 'stream',
      id: 3,
      message: { streamId: '3', kind: 'item', item: { frame: 12, before, after, mime: 'image/jpeg' } },
    };
    const encoded = encodeMessage(message);
    expect(encoded).toBeInstanceOf(Uint8Array);
    const bytes = encoded as Uint8Array;
    // Overhead is the small JSON header only.
    expect(bytes.byteLength).toBeLessThan(before.byteLength + after.byteLength + 400);
    const decoded = decodeMessage(bytes.slice().buffer) as typeof message;
    expect(decoded.message.item.frame).toBe(12);
    expect(decoded.message.item.before).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(decoded.message.item.before).equals(Buffer.from(before))).toBe(true);
    expect(Buffer.from(decoded.message.item.after).equals(Buffer.from(after))).toBe(true);
  });

  it('finds bytes nested in arrays', () => {
    expect(containsBinary({ a: [{ b: new Uint8Array(1) }] })).toBe(true);
    expect(containsBinary({ a: [{ b: [1, 2, 3] }] })).toBe(false);
    const decoded = decodeMessage(encodeMessage({ list: [new Uint8Array([1, 2]), new Uint8Array([3])] }) as Uint8Array) as {
      list: Uint8Array[];
    };
    expect(decoded.list.map((blob) => [...blob])).toEqual([[1, 2], [3]]);
  });

  it('refuses frames that are cut short or not its own', () => {
    const encoded = encodeMessage({ blob: new Uint8Array(100) }) as Uint8Array;
    expect(() => decodeMessage(encoded.subarray(0, encoded.byteLength - 10))).toThrow(/cut short/);
    expect(() => decodeMessage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/marker/);
  });
});
