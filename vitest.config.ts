import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The sandbox tripwire: a test fails when a sandbox saw a request it could not handle; and a CLI child
    // a test leaves running is stopped when it ends.
    setupFiles: ['test/setup.ts'],
    projects: [
      {
        // A worker runs file after file without a fresh process for each (about 0.7 s of CPU per file on
        // a 2-core machine): no test leaves process-wide state behind (env, cwd, signal handlers, globals).
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ['test/unit/tail-journal.test.ts'], isolate: false },
      },
      {
        // tail-journal mocks node:fs, which only holds in a module graph of its own.
        extends: true,
        test: { name: 'isolated', include: ['test/unit/tail-journal.test.ts'] },
      },
    ],
  },
});
