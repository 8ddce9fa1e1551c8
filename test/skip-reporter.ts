// Lists every skipped test at the end of a run with the reason it gave (context.skip(note)), so a
// run on a machine without ../shared, root or an Electron binary says plainly what it did not check.
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        lines.push(`  ${path.relative(process.cwd(), module.moduleId)} > ${test.fullName}\n      ${note ?? '(no reason given)'}`);
      }
    }
    if (lines.length === 0) return;
    process.stdout.write(`\nSkipped (${lines.length}):\n${lines.join('\n')}\n`);
  }
}
