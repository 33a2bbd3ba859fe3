import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (seconds each on a 2-core machine, measured: readme-e2e ~60-80, pacing ~30,
 * the browser and help-cache files ~15-30), longest first. Vitest orders by the durations of the last
 * run when it has them; a clean clone has none and orders by file size, which started readme-e2e when
 * the other worker had little left: about a minute of one idle core at the end of the run.
 */
const LONGEST_FIRST = [
  'integration/readme-e2e.test.ts',
  'integration/pacing.test.ts',
  'integration/sandbox-phone.test.ts',
  'integration/sandbox-phone-cli.test.ts',
  'integration/help-cache.test.ts',
  'integration/refresh-durability.test.ts',
  'integration/newcomer.test.ts',
  'fuzz/client-faults.test.ts',
  'fuzz/events-decoder.test.ts',
  'integration/library-package.test.ts',
  'integration/tail-poll.test.ts',
  'integration/sandbox-phone-layout.test.ts',
  'integration/interrupt.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((name) => file.moduleId.endsWith(`/test/${name}`));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    // Stable: the rest keep vitest's order.
    return sorted
      .map((file, index) => ({ file, index }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    // The sandbox tripwire: a test fails when a sandbox saw a request it could not handle.
    setupFiles: ['test/setup.ts'],
    sequence: { sequencer: LongestFirst },
  },
});
