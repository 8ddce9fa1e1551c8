import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds dist/ (the CLI and inference process the tests launch) and the fixture models, once per run. */
export default function setup(): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build-node.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  const fixtureScript = path.join(repoRoot, 'scripts/make-fixture-models.mjs');
  if (existsSync(fixtureScript)) {
    execFileSync(process.execPath, [fixtureScript, path.join(repoRoot, 'test/fixtures/generated/models')], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
  }
}
