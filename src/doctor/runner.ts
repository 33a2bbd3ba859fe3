// Runs every check at once, each under a time limit. A check whose prerequisite failed (or was skipped,
// or asked its dependents to wait) is reported as skipped with the root cause, without waiting for its
// own run: a dead network gives one red line, not twelve. A check that throws is `error`, not a crash.
import type { Check, CheckId, CheckOutcome, CheckResult, DoctorContext } from './types.js';

/** Per-check limit: the client gives up on a silent server after 2 × 6 s; this catches anything else. */
export const CHECK_TIMEOUT_MS = 15_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const BLOCKING: Record<string, string> = { fail: 'failed', error: 'could not run', skip: 'was skipped' };

/** Why a dependent is skipped: the first blocking prerequisite, traced back to the check that started it. */
function skipReason(blocker: CheckResult & { rootCause?: string }): string {
  if (blocker.rootCause) return blocker.rootCause;
  if (blocker.blocksDependents) return `${blocker.id}: ${blocker.detail}`;
  return `${blocker.id} ${BLOCKING[blocker.status] ?? blocker.status}`;
}

export async function runChecks(checks: readonly Check[], base: Omit<DoctorContext, 'result'>, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult[]> {
  const finals = new Map<CheckId, Deferred<CheckResult & { rootCause?: string }>>(checks.map((check) => [check.id, deferred()]));
  const ctx: DoctorContext = {
    ...base,
    result: (id) => {
      const final = finals.get(id);
      if (!final) throw new Error(`doctor: no check named ${id}`);
      return final.promise;
    },
  };
  const started = performance.now();

  // Every check's own work starts now, whatever its prerequisites turn out to be.
  const own = new Map<CheckId, Promise<CheckResult>>(
    checks.map((check) => {
      const result = (outcome: CheckOutcome): CheckResult => ({
        id: check.id,
        title: check.title,
        category: check.category,
        ...outcome,
        durationMs: Math.round(performance.now() - started),
      });
      const running = (async () => result(await check.run(ctx)))().catch((error: unknown) =>
        result({
          status: 'error',
          detail: `the check stopped with an error: ${error instanceof Error ? error.message : String(error)}`,
          fix: 'Run `tiktok-channel doctor --debug` and report the output (tokens and the app secret are redacted).',
        }),
      );
      const limited = withTimeout(running, timeoutMs, () =>
        result({
          status: 'error',
          detail: `did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
          fix: 'Run `tiktok-channel doctor --debug` to see which request hangs.',
        }),
      );
      return [check.id, limited];
    }),
  );

  for (const check of checks) {
    void (async () => {
      const prerequisites = await Promise.all(check.requires.map((id) => ctx.result(id)));
      const blocker = prerequisites.find((result) => result.blocksDependents || !(result.status === 'ok' || result.status === 'warn'));
      const final = finals.get(check.id)!;
      if (blocker) {
        const reason = skipReason(blocker);
        final.resolve({
          id: check.id,
          title: check.title,
          category: check.category,
          status: 'skip',
          detail: `skipped: ${reason}`,
          rootCause: reason,
          durationMs: Math.round(performance.now() - started),
        });
        return;
      }
      final.resolve(await own.get(check.id)!);
    })();
  }
  const results = await Promise.all(checks.map((check) => finals.get(check.id)!.promise));
  return results.map(({ rootCause: _rootCause, ...result }) => result);
}
