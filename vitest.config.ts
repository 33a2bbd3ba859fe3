import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The sandbox tripwire: a test fails when a sandbox saw a request it could not handle.
    setupFiles: ['test/setup.ts'],
  },
});
