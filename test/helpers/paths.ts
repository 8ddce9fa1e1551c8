import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedVideoDir = path.resolve(repoRoot, '../shared/data/video');
export const generatedDir = path.join(repoRoot, 'test/fixtures/generated');
export const testOutputDir = path.join(repoRoot, 'test-output');
export const cliPath = path.join(repoRoot, 'bin/chromareel.js');
