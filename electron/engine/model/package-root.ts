import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The first folder at or above `fromDir` holding a package.json. The same answer whether this code
 * runs from source (electron/engine/model/*.ts) or bundled (dist/*.js, out/main/*.js).
 */
export function findPackageRoot(fromDir: string): string | undefined {
  let dir = path.resolve(fromDir);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Folder of the module whose `import.meta.url` is given. */
export function moduleDir(importMetaUrl: string): string {
  return path.dirname(fileURLToPath(importMetaUrl));
}
