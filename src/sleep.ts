// The one pause of the program, shared by the CLI and the library (so not under src/io, which is the CLI's):
// it ends at once when its signal aborts (Ctrl-C, a library caller's `signal`), so no retry backoff or
// poll interval keeps a stopped process waiting.

/** An injectable sleep: tests pass one driven by their own clock. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Waits `ms` milliseconds or until `signal` aborts, whichever comes first. It never rejects: the caller
 * checks `signal.aborted` afterwards and reports the cancellation in its own terms.
 */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
