// node scripts/gpu/closure.mjs <package>...: the installed folders (relative to the repo) of the named
// packages and everything they need at run time, resolved the way Node resolves them. pack.sh carries
// these, and no more, to the GPU machine.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const found = new Set();

function resolveFrom(dir, name) {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (at === repoRoot || at === path.dirname(at)) return null;
  }
}

function visit(dir) {
  if (!dir || found.has(dir)) return;
  found.add(dir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
    visit(resolveFrom(dir, name));
  }
}

for (const name of process.argv.slice(2)) {
  const dir = resolveFrom(repoRoot, name);
  if (!dir) throw new Error(`${name} is not installed; run npm ci first.`);
  visit(dir);
}
for (const dir of [...found].sort()) console.log(path.relative(repoRoot, dir));
