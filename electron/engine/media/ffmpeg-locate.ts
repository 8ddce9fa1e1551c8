// Finds the ffmpeg and ffprobe binaries the engine runs, once per process.
// Order: binaries bundled with the packaged app, the ffmpeg-static package, FFMPEG_PATH/FFPROBE_PATH,
// then PATH. Each candidate pair is validated with `-version` before it is used.

import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError } from '../errors.js';

export type FfmpegSource = 'bundled' | 'env' | 'path';

export interface FfmpegLocation {
  ffmpeg: string;
  ffprobe: string;
  /** ffmpeg's version string, e.g. "5.1.9-0+deb12u1". */
  version: string;
  source: FfmpegSource;
}

export interface LocateOptions {
  /** Electron's process.resourcesPath in a packaged app. */
  resourcesPath?: string;
  /** Environment to read FFMPEG_PATH, FFPROBE_PATH and PATH from. */
  env?: NodeJS.ProcessEnv;
  /** Look at the ffmpeg-static / ffprobe-static packages (default true). */
  useStaticPackages?: boolean;
  platform?: NodeJS.Platform;
}

interface Candidate {
  ffmpeg: string;
  ffprobe: string;
  source: FfmpegSource;
}

let cached: Promise<FfmpegLocation> | undefined;

/** The ffmpeg pair the engine uses, located and validated once per process. */
export function locateFfmpeg(): Promise<FfmpegLocation> {
  cached ??= findFfmpeg({
    resourcesPath: (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath,
  });
  // A failed search is not cached: the person may install ffmpeg and try again without restarting.
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

/** Uncached search, for tests and diagnostics. */
export async function findFfmpeg(options: LocateOptions = {}): Promise<FfmpegLocation> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const exe = platform === 'win32' ? '.exe' : '';
  const rejected: string[] = [];

  const tryCandidate = async (candidate: Candidate | undefined): Promise<FfmpegLocation | undefined> => {
    if (!candidate) return undefined;
    const version = await validate(candidate);
    if (version) return { ...candidate, version };
    rejected.push(candidate.ffmpeg);
    return undefined;
  };

  // 1. Bundled: a packaged app ships ffmpeg in resources/ffmpeg/.
  if (options.resourcesPath) {
    const dir = path.join(options.resourcesPath, 'ffmpeg');
    const found = await tryCandidate(
      (await isExecutable(path.join(dir, `ffmpeg${exe}`)))
        ? {
            ffmpeg: path.join(dir, `ffmpeg${exe}`),
            ffprobe: (await firstExecutable([path.join(dir, `ffprobe${exe}`)])) ?? (await which('ffprobe', env, platform)) ?? '',
            source: 'bundled',
          }
        : undefined,
    );
    if (found) return found;
  }

  // 2. Bundled: the ffmpeg-static optional dependency (and ffprobe-static, or an ffprobe beside it).
  if (options.useStaticPackages !== false) {
    const staticFfmpeg = staticPackagePath('ffmpeg-static');
    if (staticFfmpeg && (await isExecutable(staticFfmpeg))) {
      const ffprobe =
        (await firstExecutable([staticPackagePath('ffprobe-static'), path.join(path.dirname(staticFfmpeg), `ffprobe${exe}`)])) ??
        (await which('ffprobe', env, platform));
      const found = await tryCandidate(ffprobe ? { ffmpeg: staticFfmpeg, ffprobe, source: 'bundled' } : undefined);
      if (found) return found;
    }
  }

  // 3. Environment variables.
  if (env.FFMPEG_PATH) {
    const ffprobe =
      env.FFPROBE_PATH ??
      (await firstExecutable([path.join(path.dirname(env.FFMPEG_PATH), `ffprobe${exe}`)])) ??
      (await which('ffprobe', env, platform));
    const found = await tryCandidate(ffprobe ? { ffmpeg: env.FFMPEG_PATH, ffprobe, source: 'env' } : undefined);
    if (found) return found;
    rejected.push(`FFMPEG_PATH=${env.FFMPEG_PATH}`);
  }

  // 4. PATH.
  const ffmpeg = await which('ffmpeg', env, platform);
  const ffprobe = env.FFPROBE_PATH ?? (await which('ffprobe', env, platform));
  const found = await tryCandidate(ffmpeg && ffprobe ? { ffmpeg, ffprobe, source: 'path' } : undefined);
  if (found) return found;

  throw new EngineError(
    'ffmpeg-missing',
    `ffmpeg and ffprobe were not found: ${installAdvice(platform)}, or set FFMPEG_PATH (and FFPROBE_PATH) to the binaries.`,
    rejected.length ? `Rejected candidates: ${rejected.join(', ')}` : undefined,
  );
}

function installAdvice(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'install them with `brew install ffmpeg`';
    case 'win32':
      return 'install them with `winget install ffmpeg`';
    default:
      return "install them with `sudo apt-get install ffmpeg` on Debian/Ubuntu (or your distribution's ffmpeg package)";
  }
}

/** The path a *-static package exports, or undefined when the optional package is not installed. */
function staticPackagePath(name: 'ffmpeg-static' | 'ffprobe-static'): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const exported = require(name) as unknown;
    const binary = typeof exported === 'string' ? exported : (exported as { path?: unknown } | null)?.path;
    if (typeof binary !== 'string' || !binary) return undefined;
    // Inside a packaged Electron app the binary lives outside the asar archive.
    return binary.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  } catch {
    return undefined;
  }
}

async function isExecutable(file: string | undefined): Promise<boolean> {
  if (!file) return false;
  try {
    await access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function firstExecutable(files: (string | undefined)[]): Promise<string | undefined> {
  for (const file of files) if (await isExecutable(file)) return file;
  return undefined;
}

async function which(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<string | undefined> {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const names = platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of dirs) {
    const found = await firstExecutable(names.map((n) => path.join(dir, n)));
    if (found) return found;
  }
  return undefined;
}

function runVersion(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ['-hide_banner', '-version'], { timeout: 15_000, windowsHide: true }, (error, stdout) => {
      if (error) return resolve(undefined);
      const match = /^ff\w+ version (\S+)/m.exec(String(stdout));
      resolve(match ? match[1] : undefined);
    });
  });
}

async function validate(candidate: Candidate): Promise<string | undefined> {
  if (!candidate.ffprobe) return undefined;
  const [ffmpegVersion, ffprobeVersion] = await Promise.all([runVersion(candidate.ffmpeg), runVersion(candidate.ffprobe)]);
  return ffmpegVersion && ffprobeVersion ? ffmpegVersion : undefined;
}
