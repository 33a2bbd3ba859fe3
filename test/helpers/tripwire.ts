// The suite's tripwire for requests the sandbox could not handle. test/setup.ts installs the listener
// for every test file; a test that sends a bad request on purpose says so with expectUnhandledRequests().
import { setUnhandledListener, type UnhandledReport } from '../../src/sandbox/tripwire.js';

let seen: UnhandledReport[] = [];
let allowed: RegExp[] | 'all' | undefined;

/** Installs the listener (once per test file, from test/setup.ts). */
export function installTripwire(): void {
  setUnhandledListener((report) => seen.push(report));
}

/**
 * This test sends requests the sandbox cannot handle on purpose. With patterns, only reports whose
 * `METHOD path: reason` matches one of them are excused; any other still fails the test.
 */
export function expectUnhandledRequests(...patterns: RegExp[]): void {
  if (!patterns.length) allowed = 'all';
  else if (allowed !== 'all') allowed = [...(allowed ?? []), ...patterns];
}

/** What the sandbox reported since the last call (and clears it). */
export function takeUnhandled(): UnhandledReport[] {
  const taken = seen;
  seen = [];
  return taken;
}

export function describeReport(report: UnhandledReport): string {
  return `${report.method} ${report.path}: ${report.reason}`;
}

/** Called after each test: the reports the test did not excuse. */
export function unexcused(): string[] {
  // A browser asks any page's server for its icon: chromium's request, not the client's.
  const reports = takeUnhandled()
    .filter((report) => report.path !== '/favicon.ico')
    .map(describeReport);
  const excuse = allowed;
  allowed = undefined;
  if (excuse === 'all') return [];
  return reports.filter((line) => !(excuse ?? []).some((pattern) => pattern.test(line)));
}

export function resetTripwire(): void {
  seen = [];
  allowed = undefined;
}
