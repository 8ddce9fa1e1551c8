// The inference process under Electron: a utilityProcess (a Node child that Electron manages and ends
// with the app) speaking the same messages as the child_process.fork launcher the CLI uses.

import type { ChildExit, InferenceChild, InferenceEntry, InferenceLauncher } from '../engine/model/launcher.js';
import type { ChildMessage, HostMessage } from '../engine/model/protocol.js';

const STDERR_TAIL_BYTES = 8192;

/** The slice of Electron's UtilityProcess this launcher uses (so it can be typed without Electron). */
export interface UtilityChild {
  readonly pid?: number | undefined;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (...args: unknown[]) => void): unknown;
  kill(): boolean;
}

export type UtilityFork = (
  modulePath: string,
  args: string[],
  options: { serviceName: string; stdio: Array<'pipe' | 'ignore' | 'inherit'>; execArgv?: string[] },
) => UtilityChild;

export function utilityProcessLauncher(fork: UtilityFork, entry: InferenceEntry): InferenceLauncher {
  return (): InferenceChild => {
    const child = fork(entry.entry, [], {
      serviceName: 'ChromaReel inference',
      stdio: ['ignore', 'ignore', 'pipe'],
      execArgv: entry.execArgv,
    });
    let stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
    });
    const exitListeners: ((exit: ChildExit) => void)[] = [];
    let exited: ChildExit | undefined;
    child.on('exit', (code: number) => {
      exited = { code, signal: null, stderrTail: stderrTail.trim() || undefined };
      for (const listener of exitListeners.splice(0)) listener(exited);
    });
    return {
      send(message: HostMessage) {
        if (!exited) child.postMessage(message);
      },
      onMessage(listener: (message: ChildMessage) => void) {
        child.on('message', (message: unknown) => listener(message as ChildMessage));
      },
      onExit(listener: (exit: ChildExit) => void) {
        if (exited) listener(exited);
        else exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill();
      },
    };
  };
}
