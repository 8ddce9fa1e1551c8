import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileEntry, FileListing } from '../common/protocol.js';
import { hasFilmExtension } from '../host/chosen-paths.js';

export interface FilmListingOptions {
  maxFiles?: number;
  maxDepth?: number;
}

/** Films under the allowed folders (hidden folders and the render work folders skipped), sorted by path. */
export async function listFilms(roots: string[], options: FilmListingOptions = {}): Promise<FileListing> {
  const maxFiles = options.maxFiles ?? 500;
  const maxDepth = options.maxDepth ?? 3;
  const files: FileEntry[] = [];
  let truncated = false;

  async function walk(root: string, folder: string, depth: number): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (files.length >= maxFiles) {
        truncated = true;
        return;
      }
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth) await walk(root, full, depth + 1);
      } else if (entry.isFile() && hasFilmExtension(entry.name)) {
        const info = await stat(full).catch(() => null);
        if (info) files.push({ path: full, name: path.relative(root, full), sizeBytes: info.size });
      }
    }
  }

  for (const root of roots) await walk(root, root, 0);
  return { roots, files, truncated };
}
