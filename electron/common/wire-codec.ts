// Binary framing for messages that carry images (preview JPEGs, thumbnails) over a WebSocket, so the
// bytes travel as they are instead of as base64 or JSON number arrays.
//
// Frame layout: "CRB1" | u32 LE header length | header JSON (UTF-8) | blob 0 | blob 1 | ...
// The header is the message with every Uint8Array replaced by {"$bin": i}; header.$blobs holds the
// blob lengths. Pure TypeScript (DataView, TextEncoder): used by the Node server and by the page.

const MAGIC = [0x43, 0x52, 0x42, 0x31]; // "CRB1"
const PREFIX_BYTES = 8;

interface BlobRef {
  $bin: number;
}

function isBlobRef(value: unknown): value is BlobRef {
  return typeof value === 'object' && value !== null && typeof (value as BlobRef).$bin === 'number' && Object.keys(value).length === 1;
}

function extractBlobs(value: unknown, blobs: Uint8Array[]): unknown {
  if (value instanceof Uint8Array) {
    blobs.push(value);
    return { $bin: blobs.length - 1 };
  }
  if (Array.isArray(value)) return value.map((entry) => extractBlobs(entry, blobs));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) copy[key] = extractBlobs(entry, blobs);
    return copy;
  }
  return value;
}

function restoreBlobs(value: unknown, blobs: Uint8Array[]): unknown {
  if (isBlobRef(value)) {
    const blob = blobs[value.$bin];
    if (!blob) throw new Error(`Binary message refers to missing blob ${value.$bin}.`);
    return blob;
  }
  if (Array.isArray(value)) return value.map((entry) => restoreBlobs(entry, blobs));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) copy[key] = restoreBlobs(entry, blobs);
    return copy;
  }
  return value;
}

export function containsBinary(value: unknown): boolean {
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.some(containsBinary);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsBinary);
  return false;
}

/** A JSON string when the message holds no bytes, else one binary frame. */
export function encodeMessage(message: unknown): string | Uint8Array {
  if (!containsBinary(message)) return JSON.stringify(message);
  const blobs: Uint8Array[] = [];
  const body = extractBlobs(message, blobs) as Record<string, unknown>;
  const header = new TextEncoder().encode(JSON.stringify({ body, $blobs: blobs.map((blob) => blob.byteLength) }));
  const total = PREFIX_BYTES + header.byteLength + blobs.reduce((sum, blob) => sum + blob.byteLength, 0);
  const frame = new Uint8Array(total);
  frame.set(MAGIC, 0);
  new DataView(frame.buffer).setUint32(4, header.byteLength, true);
  frame.set(header, PREFIX_BYTES);
  let offset = PREFIX_BYTES + header.byteLength;
  for (const blob of blobs) {
    frame.set(blob, offset);
    offset += blob.byteLength;
  }
  return frame;
}

/** Decodes a text or binary message; blobs come back as views into `data` (no copy). */
export function decodeMessage(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < PREFIX_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new Error('Binary message does not start with the expected marker.');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  const headerEnd = PREFIX_BYTES + headerLength;
  if (headerEnd > bytes.byteLength) throw new Error('Binary message header is cut short.');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, headerEnd))) as {
    body: unknown;
    $blobs: number[];
  };
  const blobs: Uint8Array[] = [];
  let offset = headerEnd;
  for (const length of header.$blobs) {
    if (offset + length > bytes.byteLength) throw new Error('Binary message body is cut short.');
    blobs.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return restoreBlobs(header.body, blobs);
}
