// A model's optional pins graph (manifest block "pins": file, sha256, input): the same network with
// hint planes (Cb, Cr, mask) as a second input. Checked like the main file before a job with pins
// uses it: inside the model folder, a regular file, sha256 as declared.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../errors.js';
import type { ModelManifest } from './manifest.js';

/** Absolute path of the pins graph, or null when the model has none. */
export function pinsModelPath(manifest: Pick<ModelManifest, 'dir' | 'pins'>): string | null {
  return manifest.pins ? path.join(manifest.dir, manifest.pins.file) : null;
}

const verified = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** Throws unless the model's pins graph is a regular file inside its folder with the declared sha256. */
export async function verifyPinsModelFile(manifest: ModelManifest): Promise<void> {
  const file = pinsModelPath(manifest);
  if (!file || !manifest.pins) return;
  const fix = 'reinstall the model or re-export it with a fresh model.json';
  const real = await realpath(file).catch(() => null);
  if (!real)
    throw new EngineError(
      'model-not-found',
      `The model "${manifest.id}" has no ${manifest.pins.file} (its pins graph) in ${manifest.dir}; ${fix}.`,
    );
  const dir = await realpath(manifest.dir);
  if (path.relative(dir, real).startsWith('..') || path.isAbsolute(path.relative(dir, real))) {
    throw new EngineError(
      'model-invalid',
      `The pins graph ${manifest.pins.file} of the model "${manifest.id}" lies outside its folder ${manifest.dir}; ${fix}.`,
    );
  }
  const info = await stat(real);
  if (!info.isFile())
    throw new EngineError('model-invalid', `The pins graph ${manifest.pins.file} of the model "${manifest.id}" is not a file; ${fix}.`);
  const expected = manifest.pins.sha256.toLowerCase();
  const known = verified.get(real);
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.sha256 === expected) return;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(real)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== expected) {
    throw new EngineError(
      'model-hash-mismatch',
      `The pins graph ${file} does not match its manifest (sha256 differs), so it is damaged or was replaced; ${fix}.`,
      `expected ${expected}, found ${actual}`,
    );
  }
  verified.set(real, { size: info.size, mtimeMs: info.mtimeMs, sha256: expected });
}
