import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The sandbox tripwire: a test fails when a sandbox saw a request it could not handle.
    setupFiles: ['test/setup.ts'],
    projects: [
      {
        // Unit tests touch no process-wide state a later file could trip on, so one worker runs many
        // files without a fresh process each (about 0.7 s of start-up per file on a 2-core machine).
        // tail-journal mocks node:fs, which only holds in a fresh module graph.
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: ['test/unit/tail-journal.test.ts'], isolate: false },
      },
      {
        extends: true,
        test: { name: 'process', include: ['test/integration/**/*.test.ts', 'test/fuzz/**/*.test.ts', 'test/unit/tail-journal.test.ts'] },
      },
    ],
  },
});
