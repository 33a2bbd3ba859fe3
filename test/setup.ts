// Runs before every test file (vitest.config.ts setupFiles): any test during which an in-process
// sandbox (served, embedded or a bare handler) saw a request it could not handle fails, unless the
// test called expectUnhandledRequests(). Child processes are outside its reach; a CLI child a test
// started and left running (it failed first) is killed when the test ends.
import { afterEach, beforeEach } from 'vitest';
import { killLeftoverClis, markInTest } from './helpers/cli.js';
import { installTripwire, resetTripwire, unexcused } from './helpers/tripwire.js';

installTripwire();

beforeEach(() => {
  resetTripwire();
  markInTest(true);
});

// A CLI child a failed test left running is killed here, so the failure stays that test's own.
afterEach(() => {
  markInTest(false);
  killLeftoverClis();
});

afterEach(() => {
  const reports = unexcused();
  if (reports.length) {
    throw new Error(
      `the sandbox saw ${reports.length} request(s) it could not handle:\n  ${reports.join('\n  ')}\n` +
        '(a test that sends them on purpose calls expectUnhandledRequests() from test/helpers/tripwire.ts)',
    );
  }
});
