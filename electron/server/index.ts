// Browser mode: `npm run serve` (node dist/server.js) starts the engine and serves the app to a browser
// on this computer. Tests import startServer directly.

import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEngine } from '../engine/index.js';
import { defaultModelsDirs } from '../engine/model/manifest.js';
import { defaultStateDir } from '../engine/private-dirs.js';
import { startServer } from './server.js';

export { startServer, refuseUpgrade, type RunningServer, type ServerOptions } from './server.js';

/** Per-user folder for state that must survive a restart (the render queue and its work folders). */
export { defaultStateDir } from '../engine/private-dirs.js';

function packageVersion(here: string): string {
  for (const candidate of [path.join(here, '..', 'package.json'), path.join(here, '..', '..', 'package.json')]) {
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const program = new Command()
    .name('chromareel-serve')
    .description('Serve the ChromaReel app to a browser on this computer (127.0.0.1 only).')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '0')
    .option('-r, --root <folder...>', 'folders the app may read films from and write renders into (default: the current folder)')
    .option('--models <folder...>', 'extra folders holding models')
    .option('--static <folder>', 'the built renderer', path.join(here, 'renderer'))
    .parse();
  const opts = program.opts<{ port: string; root?: string[]; models?: string[]; static: string }>();

  const staticDir = path.resolve(opts.static);
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    console.error(`The app is not built yet (no ${path.join(staticDir, 'index.html')}); run "npm run build" first.`);
    process.exitCode = 1;
    return;
  }
  const roots = (opts.root ?? [process.cwd()]).map((root) => path.resolve(root));
  const missing = roots.filter((root) => !existsSync(root));
  if (missing.length > 0) {
    console.error(`These folders do not exist: ${missing.join(', ')}; give folders that hold your films.`);
    process.exitCode = 1;
    return;
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`"${opts.port}" is not a port number; give a number from 0 to 65535.`);
    process.exitCode = 1;
    return;
  }

  const engine = createEngine({ modelsDirs: [...(opts.models ?? []).map((folder) => path.resolve(folder)), ...defaultModelsDirs()] });
  const server = await startServer({
    port,
    engine,
    staticDir,
    allowedRoots: roots,
    queueFile: path.join(defaultStateDir(), 'queue.json'),
    version: packageVersion(here),
  });
  console.log(`ChromaReel is ready. Open this address in your browser (it holds this session's key):\n\n  ${server.url}\n`);
  console.log(`Films are read from and renders written to: ${roots.join(', ')}`);
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping; a running render is paused and resumes from the queue next time.');
    await server.close();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
