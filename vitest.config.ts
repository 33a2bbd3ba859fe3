import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * vitest's order (failed first, then the longest by the last run's times, or the largest files on a
 * clean clone), except that README's end-to-end run starts first: at 60-90 s (two installs and builds)
 * it is the one file that, started late, leaves a worker running alone at the end.
 */
class LongestPoleFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (spec: TestSpecification) => spec.moduleId.endsWith('/readme-e2e.test.ts');
    return [...sorted.filter(first), ...sorted.filter((spec) => !first(spec))];
  }
}

export default defineConfig({
  test: {
    // The sandbox tripwire: a test fails when a sandbox saw a request it could not handle; and a CLI child
    // a test leaves running is stopped when it ends.
    setupFiles: ['test/setup.ts'],
    sequence: { sequencer: LongestPoleFirst },
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
