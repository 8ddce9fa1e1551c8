// Loaded into the CLI by the bench (node --import): when the CLI exits, it writes its own process's
// CPU time (user + system, all its threads: main, GC helpers, libuv) to stderr. Children (ffmpeg, the
// inference process) are not in it. Worker threads load this too; only the main thread reports.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  process.on('exit', () => {
    const used = process.cpuUsage();
    process.stderr.write(`\nchromareel-bench host-cpu-ms ${(used.user + used.system) / 1000}\n`);
  });
}
