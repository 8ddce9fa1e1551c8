// The Electron main process's inference launcher (utilityProcessLauncher) driving the real inference
// process through its utilityProcess branch (process.parentPort). Electron's utilityProcess.fork cannot
// run here (no Electron binary), so a Node child given a parentPort (test/helpers/electron-parent-port.mjs)
// stands in for it; the launcher, the inference protocol, onnxruntime and the model are the real ones.
import { fork } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/engine/index.js';
import { startInference } from '../../electron/engine/model/inference-client.js';
import { resolveInferenceEntry } from '../../electron/engine/model/launcher.js';
import { loadManifest } from '../../electron/engine/model/manifest.js';
import { utilityProcessLauncher, type UtilityChild, type UtilityFork } from '../../electron/main/inference-launcher.js';
import { greyClip } from '../helpers/app.js';
import { ensureFixtureModels, fixtureModelDir, repoRoot, sampleLuma } from '../helpers/models.js';

const parentPortShim = pathToFileURL(path.join(repoRoot, 'test/helpers/electron-parent-port.mjs')).href;

/** utilityProcess.fork's shape over child_process.fork: postMessage, 'message', 'exit' with a code. */
const forkLikeElectron: UtilityFork & { forks: { modulePath: string; serviceName: string }[] } = Object.assign(
  (
    modulePath: string,
    args: string[],
    options: { serviceName: string; stdio: Array<'pipe' | 'ignore' | 'inherit'>; execArgv?: string[] },
  ): UtilityChild => {
    forkLikeElectron.forks.push({ modulePath, serviceName: options.serviceName });
    const child = fork(modulePath, args, {
      execArgv: ['--import', parentPortShim, ...(options.execArgv ?? [])],
      serialization: 'advanced',
      stdio: [...options.stdio, 'ipc'],
    });
    return {
      get pid() {
        return child.pid;
      },
      stderr: child.stderr,
      postMessage: (message: unknown) => void child.send(message as never),
      on: ((event: string, listener: (...args: unknown[]) => void) => {
        if (event === 'exit') child.on('exit', (code) => listener(code ?? -1));
        else child.on(event, listener);
        return child;
      }) as UtilityChild['on'],
      kill: () => child.kill('SIGKILL'),
    };
  },
  { forks: [] as { modulePath: string; serviceName: string }[] },
);

describe('inference in a utility process (the launcher Electron uses)', () => {
  it('loads a model and colourizes through process.parentPort', async () => {
    const entry = resolveInferenceEntry(path.join(repoRoot, 'electron/engine/model'));
    const session = await startInference({
      manifest: loadManifest(fixtureModelDir('fixture-chroma')),
      device: 'cpu',
      threads: 1,
      launcher: utilityProcessLauncher(forkLikeElectron, entry),
    });
    try {
      expect(session.provider).toBe('cpu');
      const { cb, cr } = await session.infer(sampleLuma(1, 16, 16, 3), 1, 16, 16);
      expect(cb.length).toBe(256);
      expect(Math.max(...cb) - Math.min(...cb)).toBeGreaterThan(0.05);
      expect(Math.max(...cr) - Math.min(...cr)).toBeGreaterThan(0.05);
    } finally {
      await session.close();
    }
    expect(forkLikeElectron.forks.at(-1)).toEqual({ modulePath: entry.entry, serviceName: 'ChromaReel inference' });
  });

  it('runs a whole engine preview over it, as the app does', async () => {
    const engine = createEngine({
      modelsDirs: [ensureFixtureModels()],
      cacheDir: path.join(repoRoot, 'test-output', 'utility-launcher-cache'),
      inferenceLauncher: utilityProcessLauncher(forkLikeElectron, resolveInferenceEntry(path.join(repoRoot, 'electron/engine/model'))),
    });
    const before = forkLikeElectron.forks.length;
    try {
      const frames = [];
      for await (const frame of engine.preview({ input: greyClip(), at: 0.5, frames: 3, model: 'fixture-chroma', maxSize: 160 }))
        frames.push(frame);
      expect(frames.map((frame) => frame.frame)).toEqual([12, 13, 14]);
      expect(frames.every((frame) => frame.provider === 'cpu' && frame.after.byteLength > 0)).toBe(true);
      expect(forkLikeElectron.forks.length).toBe(before + 1);
    } finally {
      await engine.close();
    }
  });
});
