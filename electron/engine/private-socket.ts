// Unix socket paths in private folders, for a child process (ffmpeg, the inference process) to
// listen on and the host to connect to: a new folder of the temporary directory made by mkdtemp
// (mode 0700, so no other user can reach it). The host owns the folder: it removes it once
// connected (a connected socket needs no path), and on exit at the latest, so a child killed
// before anyone connected leaves nothing behind either.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PrivateSocketPath {
  readonly path: string;
  /** Removes the folder (and the socket in it, if any); safe to call again. */
  remove(): void;
}

/** sun_path holds 108 bytes on Linux, 104 on macOS. */
const MAX_SOCKET_PATH = 100;

/** Folders not yet removed, removed on exit at the latest. */
const liveFolders = new Set<string>();
let removeOnExit = false;
/** Per temporary folder: whether a Unix socket can be made there (not on every file system). */
const socketsWork = new Map<string, Promise<boolean>>();

/**
 * A path named `fileName` in a new private folder, or null where no Unix socket can be made: on
 * Windows, or where the temporary folder takes no sockets or its path is too long.
 */
export async function privateSocketPath(fileName: string): Promise<PrivateSocketPath | null> {
  if (process.platform === 'win32') return null;
  const base = tmpdir();
  let dir: string;
  try {
    dir = mkdtempSync(path.join(base, 'chromareel-'));
  } catch {
    return null;
  }
  const socket = path.join(dir, fileName);
  liveFolders.add(dir);
  if (!removeOnExit) {
    removeOnExit = true;
    process.once('exit', () => liveFolders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
  }
  const remove = () => {
    if (liveFolders.delete(dir)) rmSync(dir, { recursive: true, force: true });
  };
  let usable = Buffer.byteLength(socket) <= MAX_SOCKET_PATH;
  if (usable) {
    if (!socketsWork.has(base)) socketsWork.set(base, canListen(socket));
    usable = await socketsWork.get(base)!;
  }
  if (!usable) {
    remove();
    return null;
  }
  return { path: socket, remove };
}

/** Whether a socket can listen at `socketPath` (closing it removes the file again). */
function canListen(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(socketPath, () => server.close(() => resolve(true)));
  });
}
