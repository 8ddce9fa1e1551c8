// How a film is handed to ffmpeg and ffprobe: always a plain regular file (real path, re-checked just
// before use), through the file protocol only, and only to demuxers of self-contained containers.
// Playlists and concat lists (concat, ffconcat, hls, dash, image sequences, ...) name other files, so
// a "film" that is one could make ffmpeg read a file outside the folders the person allowed.

import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../errors.js';

/** ffmpeg's names of the demuxers a film may be read with; each opens nothing but its own file. */
const FILM_DEMUXERS = [
  'mov',
  'mp4',
  'm4a',
  '3gp',
  '3g2',
  'mj2', // MP4 / MOV (external data references stay off: enable_drefs defaults to 0)
  'matroska',
  'webm',
  'avi',
  'mpegts',
  'mpeg', // MPEG program stream (.mpg, .vob)
  'flv',
  'asf', // .wmv
  'mxf',
  'ogg',
  'nut',
  'dv',
] as const;

/** "file:" keeps a name such as "a:b.mp4" or "-x.mp4" a file name. */
export function ffmpegInput(absolutePath: string): string {
  return `file:${absolutePath}`;
}

/** The input arguments for a film: file protocol only, film demuxers only, then the file itself. */
export function filmInputArgs(absolutePath: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', FILM_DEMUXERS.join(','), '-i', ffmpegInput(absolutePath)];
}

/**
 * The real path of `file` when it is a regular file (symlinks resolved, so a check of the result is a
 * check of what ffmpeg will read); an EngineError otherwise. Called again right before each use.
 */
export async function resolveFilmFile(file: string): Promise<string> {
  const absolute = path.resolve(file);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') {
      throw new EngineError('input-missing', `The file "${absolute}" does not exist; check the path and try again.`);
    }
    throw new EngineError('input-missing', `The file "${absolute}" cannot be read (${code}); check its permissions.`, String(error));
  }
  const info = await stat(real).catch(() => null);
  if (!info) throw new EngineError('input-missing', `The file "${absolute}" does not exist any more; check the path and try again.`);
  if (!info.isFile()) {
    throw new EngineError('not-a-video', `"${absolute}" is not a file; choose a video file such as MP4, MKV, MOV or AVI.`);
  }
  return real;
}

/**
 * A sentence for files that are recognisably not films (a playlist, a concat list, a raw elementary
 * stream without a container), read from their first bytes; null otherwise. Asked only after ffprobe
 * refused a file, and never asks ffmpeg, which would follow a playlist while finding out what it is.
 */
export async function describeNonFilm(file: string): Promise<string | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    const text = bytes
      .toString('latin1')
      .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
      .trimStart();
    const name = path.basename(file);
    if (/^#EXTM3U/i.test(text) || /^<\?xml[\s\S]*<MPD/i.test(text) || /^<MPD/i.test(text)) {
      return `"${name}" is a streaming playlist, not a film; ChromaReel only opens films that hold their own pictures, so download the film itself.`;
    }
    if (/^ffconcat/i.test(text) || /^(file|duration|inpoint)\s/i.test(text)) {
      return `"${name}" is an ffmpeg concat list, not a film; ChromaReel only opens films that hold their own pictures, so join the parts into one file first.`;
    }
    // H.264/H.265 Annex B start codes; 00 00 01 BA is an MPEG program stream's pack header, a real container.
    const annexB =
      (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] !== 0xba) ||
      (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 1);
    if (annexB) {
      return `"${name}" is a raw video stream without a container (no timing), not a film file; put it into MP4 first, for example with "ffmpeg -i ${name} -c copy film.mp4".`;
    }
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Checks, right before ffmpeg opens it, that the film probed at `realPath` is still that regular file
 * and has not been replaced by a link to somewhere else (or by a folder, device or pipe) meanwhile.
 */
export async function recheckFilmFile(realPath: string): Promise<void> {
  const now = await resolveFilmFile(realPath);
  if (now !== realPath) {
    throw new EngineError(
      'input-missing',
      `The film "${realPath}" was replaced by a link to another file after it was opened, so it is not read; choose the film again.`,
    );
  }
}
