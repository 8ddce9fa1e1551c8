import { useEffect, useState } from 'react';
import type { EngineClient } from '../client/engine-client.js';

export interface ThumbnailView {
  index: number;
  timeSec: number;
  url: string;
}

// Thumbnails stay for the whole session: reopening a film shows its strip at once.
const cache = new Map<string, ThumbnailView[]>();

/** The timeline's strip: streams in as the engine extracts the pictures, cached per film. */
export function useThumbnails(client: EngineClient, path: string | null, count: number, height: number): ThumbnailView[] {
  const key = path ? `${path}|${count}|${height}` : '';
  const [thumbnails, setThumbnails] = useState<ThumbnailView[]>(() => cache.get(key) ?? []);

  useEffect(() => {
    if (!path) {
      setThumbnails([]);
      return;
    }
    const cached = cache.get(key);
    if (cached && cached.length === count) {
      setThumbnails(cached);
      return;
    }
    const controller = new AbortController();
    const collected: ThumbnailView[] = [];
    setThumbnails([]);
    void (async () => {
      try {
        for await (const thumbnail of client.thumbnails({ input: path, count, height }, controller.signal)) {
          const url = URL.createObjectURL(new Blob([thumbnail.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
          collected.push({ index: thumbnail.index, timeSec: thumbnail.timeSec, url });
          setThumbnails([...collected].sort((a, b) => a.index - b.index));
        }
        if (!controller.signal.aborted)
          cache.set(
            key,
            [...collected].sort((a, b) => a.index - b.index),
          );
      } catch {
        // The strip is a guide only; the film still opens without it.
      }
      if (controller.signal.aborted && !cache.has(key)) for (const view of collected) URL.revokeObjectURL(view.url);
    })();
    return () => controller.abort();
  }, [client, path, key, count, height]);

  return thumbnails;
}
