// A process-wide listener for requests the sandbox could not handle (unknown path or method, unknown
// fields, a body it could not parse). Off unless a host installs one: the test suite does, so a test
// whose client drifts from the wire fails even when the CLI recovers. Kept on globalThis under a
// registered symbol so the bundled copy (dist/) and the source copy report to the same listener.
export interface UnhandledReport {
  method: string;
  path: string;
  reason: string;
  request_id: string;
}

export type UnhandledListener = (report: UnhandledReport) => void;

const KEY = Symbol.for('tiktok-channel.sandbox.unhandled-listener');
type Holder = { [KEY]?: UnhandledListener };

export function setUnhandledListener(listener: UnhandledListener | undefined): void {
  (globalThis as Holder)[KEY] = listener;
}

export function reportUnhandled(report: UnhandledReport): void {
  (globalThis as Holder)[KEY]?.(report);
}
