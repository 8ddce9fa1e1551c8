// Starting the inference process. The host talks to it through `InferenceChild`, so Electron can
// pass a utilityProcess-based launcher speaking the same protocol; Node hosts use `forkLauncher`.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { EngineError } from '../errors.js';
import { entryCandidates, moduleDir } from './package-root.js';
import type { ChildMessage, HostMessage } from './protocol.js';

export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** The end of the child's stderr, when the launcher keeps it. */
  stderrTail?: string;
}

/** The host's end of one inference process. */
export interface InferenceChild {
  send(message: HostMessage): void;
  onMessage(listener: (message: ChildMessage) => void): void;
  /** Called once when the process has ended, for whatever reason. */
  onExit(listener: (exit: ChildExit) => void): void;
  kill(): void;
}

export type InferenceLauncher = () => InferenceChild;

export interface InferenceEntry {
  /** Script to run in the child. */
  entry: string;
  /** Node options the child needs (tsx's loader when running from TypeScript source). */
  execArgv: string[];
}

const ENTRY_NAME = 'inference-process';

/**
 * Where the inference process's entry is: `inference-process.js` beside this module when bundled
 * (dist/cli.js and dist/server.js sit beside dist/inference-process.js); `inference-process.ts` run
 * through tsx when running from source; else the project's dist/ (other bundles, e.g. out/main/).
 */
export function resolveInferenceEntry(fromDir = moduleDir(import.meta.url)): InferenceEntry {
  const [found] = entryCandidates(ENTRY_NAME, fromDir);
  if (found?.source) {
    const tsxLoader = createRequire(import.meta.url).resolve('tsx');
    return { entry: found.file, execArgv: ['--import', pathToFileURL(tsxLoader).href] };
  }
  if (found) return { entry: found.file, execArgv: [] };

  throw new EngineError(
    'inference-crashed',
    `The inference process's program (${ENTRY_NAME}.js) is missing; rebuild ChromaReel with "npm run build:node" or reinstall it.`,
  );
}

const STDERR_TAIL_BYTES = 8192;

/** Launches the inference process with child_process.fork (structured-clone IPC). */
export function forkLauncher(entry: InferenceEntry = resolveInferenceEntry()): InferenceLauncher {
  return () => {
    const child = fork(entry.entry, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
    });
    const exitListeners: ((exit: ChildExit) => void)[] = [];
    let exited: ChildExit | undefined;
    const reportExit = (exit: ChildExit) => {
      if (exited) return;
      exited = exit;
      for (const listener of exitListeners) listener(exit);
    };
    child.on('exit', (code, signal) => {
      // stderr may still hold unread text when 'exit' fires; 'close' follows once it is drained.
      child.once('close', () => reportExit({ code, signal, stderrTail: stderrTail.trim() || undefined }));
    });
    // Without a listener, a failed spawn or a send to a dead child would throw in the host. A send
    // to a dead child is reported by 'exit'; a spawn that failed never gets one.
    child.on('error', (error) => {
      if (child.pid === undefined) reportExit({ code: null, signal: null, stderrTail: String(error) });
    });

    return {
      send(message) {
        if (child.connected) child.send(message, (error) => void error);
      },
      onMessage(listener) {
        child.on('message', (message) => listener(message as ChildMessage));
      },
      onExit(listener) {
        if (exited) listener(exited);
        else exitListeners.push(listener);
      },
      kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };
}
