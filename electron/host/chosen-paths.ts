// Paths that reach the host without a dialog of ours: a film dropped on the window (its path comes
// from the renderer process, which a compromised page controls) and jobs read back from the saved
// queue file. Each is accepted only as far as a dialog could have given it.

import { lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import type { QueueJob } from '../common/protocol.js';
import { FILM_EXTENSIONS } from '../common/options.js';
import { HostError } from './host-error.js';

const FILM_ENDINGS = new Set<string>(FILM_EXTENSIONS);

/** Whether a file's name ends like a film (the open dialog's and the browser listing's endings). */
export function hasFilmExtension(file: string): boolean {
  return FILM_ENDINGS.has(path.extname(file).toLowerCase());
}

/** Output endings a render may write (the engine's containers). */
const OUTPUT_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv']);

function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A dropped film: an absolute path to an existing regular file with a film ending; a HostError otherwise. */
export function assertDroppedFilm(file: string): string {
  if (!path.isAbsolute(file)) throw new HostError('bad-request', `The dropped path "${file}" is not absolute; drop the film again.`);
  if (!hasFilmExtension(file)) {
    throw new HostError(
      'bad-request',
      `"${path.basename(file)}" does not look like a film (its name ends in "${path.extname(file)}"); drop a film such as MP4, MKV or MOV.`,
    );
  }
  if (!isRegularFile(file)) throw new HostError('not-found', `"${path.basename(file)}" is not a file that exists; drop a film file.`);
  return file;
}

/** Whether a job read back from the saved queue still names a film and an output a save dialog could give. */
export function isRestorableJob(job: Pick<QueueJob, 'input' | 'output'>): boolean {
  const { input, output } = job;
  if (!path.isAbsolute(input) || !path.isAbsolute(output) || path.resolve(input) === path.resolve(output)) return false;
  if (!hasFilmExtension(input) || !isRegularFile(input)) return false;
  if (!OUTPUT_EXTENSIONS.has(path.extname(output).toLowerCase())) return false;
  try {
    if (!statSync(path.dirname(output)).isDirectory()) return false;
  } catch {
    return false;
  }
  try {
    return lstatSync(output).isFile();
  } catch {
    return true; // not written yet
  }
}
