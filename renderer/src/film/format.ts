// Numbers as people read them: timecodes, durations, sizes, rates.

/** Frames per second rounded to the timecode base (23.976 → 24, 29.97 → 30). */
function timecodeBase(fps: number): number {
  return Math.max(1, Math.round(fps));
}

/** HH:MM:SS:FF (non-drop-frame) for a frame number. */
export function frameToTimecode(frame: number, fps: number): string {
  const base = timecodeBase(fps);
  const seconds = frame / fps;
  const whole = Math.floor(seconds + 1e-9);
  const ff = Math.min(base - 1, Math.floor((seconds - whole) * fps + 1e-6));
  const hh = Math.floor(whole / 3600);
  const mm = Math.floor((whole % 3600) / 60);
  const ss = whole % 60;
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}:${pad(ff)}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.round(seconds * 1000) / 1000;
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  const sText = ss.toFixed(2).padStart(5, '0');
  return hh > 0 ? `${hh}:${pad(mm)}:${sText}` : `${mm}:${sText}`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return hh > 0 ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(3).replace(/0+$/, '');
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function dirName(path: string): string {
  const index = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return index <= 0 ? path.slice(0, index + 1) : path.slice(0, index);
}

/** "film.mp4" → "film-colour.mp4" (or "film-colour-00_01_02-00_01_09.mp4" for a range) in `folder`. */
export function suggestOutputPath(input: string, folder: string | null, range?: { fromSec: number; toSec: number }): string {
  const name = baseName(input).replace(/\.[^.]+$/, '');
  const suffix = range ? `-${stamp(range.fromSec)}-${stamp(range.toSec)}` : '';
  const separator = (folder ?? dirName(input)).includes('\\') && !(folder ?? dirName(input)).includes('/') ? '\\' : '/';
  const dir = (folder ?? dirName(input)).replace(/[\\/]+$/, '');
  return `${dir}${separator}${name}-colour${suffix}.mp4`;
}

function stamp(seconds: number): string {
  const s = Math.floor(seconds);
  return `${pad(Math.floor(s / 3600))}_${pad(Math.floor((s % 3600) / 60))}_${pad(s % 60)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
