import { realpathSync } from 'node:fs';
import path from 'node:path';
import { HostError } from './host-error.js';

/**
 * The paths this session may touch: files the person chose in a dialog or dropped on the window, save
 * targets they picked, and (browser mode) whole folders the server was started with. Nothing else is
 * readable or writable through the host API.
 */
export class PathAllowList {
  private readonly readableFiles = new Set<string>();
  private readonly writableFiles = new Set<string>();
  private readonly roots: string[];

  constructor(options: { roots?: string[] } = {}) {
    this.roots = (options.roots ?? []).map((root) => canonical(root));
  }

  get allowedRoots(): string[] {
    return [...this.roots];
  }

  /** A film the person chose or dropped. */
  allowRead(file: string): string {
    const resolved = canonical(file);
    this.readableFiles.add(resolved);
    return resolved;
  }

  /** A save target the person chose; they may also read it back (reveal, probe the result). */
  allowWrite(file: string): string {
    const resolved = canonical(file);
    this.writableFiles.add(resolved);
    return resolved;
  }

  canRead(file: string): boolean {
    const resolved = canonical(file);
    return this.readableFiles.has(resolved) || this.writableFiles.has(resolved) || this.insideRoots(resolved);
  }

  canWrite(file: string): boolean {
    const resolved = canonical(file);
    return this.writableFiles.has(resolved) || this.insideRoots(resolved);
  }

  /** The canonical path when readable; a 'not-allowed' HostError otherwise. */
  assertReadable(file: string): string {
    if (!path.isAbsolute(file)) throw new HostError('bad-request', `The path "${file}" is not absolute; choose the film again.`);
    if (!this.canRead(file)) {
      throw new HostError(
        'not-allowed',
        this.roots.length > 0
          ? `ChromaReel may only open films inside ${this.describeRoots()}; pick "${path.basename(file)}" from there, or start the server with its folder.`
          : `ChromaReel may only open files you chose; open "${path.basename(file)}" with the Open dialog or drop it on the window.`,
      );
    }
    return canonical(file);
  }

  assertWritable(file: string): string {
    if (!path.isAbsolute(file))
      throw new HostError('bad-request', `The output path "${file}" is not absolute; choose where to save again.`);
    if (!this.canWrite(file)) {
      throw new HostError(
        'not-allowed',
        this.roots.length > 0
          ? `ChromaReel may only write inside ${this.describeRoots()}; choose an output path there.`
          : `ChromaReel may only write where you chose; pick where to save "${path.basename(file)}" with the Save dialog.`,
      );
    }
    return canonical(file);
  }

  private describeRoots(): string {
    return this.roots.length === 1 ? `the allowed folder ${this.roots[0]}` : `the allowed folders (${this.roots.join(', ')})`;
  }

  private insideRoots(resolved: string): boolean {
    return this.roots.some((root) => resolved === root || resolved.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  }
}

/**
 * Absolute, normalized, with symlinks resolved on the longest existing prefix, so a link inside an
 * allowed folder cannot lead outside it and a file that does not exist yet (an output) still compares.
 */
function canonical(file: string): string {
  const absolute = path.resolve(file);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      const real = realpathSync.native(existing);
      return missing.length === 0 ? real : path.join(real, ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}
