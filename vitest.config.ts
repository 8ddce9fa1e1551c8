import { defineConfig } from 'vitest/config';

// Three projects: unit (pure, fast), integration (real ffmpeg + onnxruntime), e2e (real Chromium).
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // The usual report, then every skipped test with its reason.
    reporters: ['default', './test/skip-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // 2 cores: integration tests spawn ffmpeg + an inference process each, so keep them few at a time.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
