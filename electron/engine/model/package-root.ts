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

/** One place a separately started entry (a child process's or a worker's program) may be. */
export interface EntryFile {
  file: string;
  /** TypeScript source: it needs tsx to run. */
  source: boolean;
}

/**
 * Where the entry `name` may be, in the order to try, those that exist: `name.js` beside the
 * calling module when bundled (dist/cli.js and dist/server.js sit beside it), `name.ts` beside it
 * when running from source, else the project's dist/ (other bundles, e.g. out/main/).
 */
export function entryCandidates(name: string, fromDir: string): EntryFile[] {
  const root = findPackageRoot(fromDir);
  const candidates: EntryFile[] = [
    { file: path.join(fromDir, `${name}.js`), source: false },
    { file: path.join(fromDir, `${name}.ts`), source: true },
    ...(root ? [{ file: path.join(root, 'dist', `${name}.js`), source: false }] : []),
  ];
  return candidates.filter((candidate) => existsSync(candidate.file));
}
