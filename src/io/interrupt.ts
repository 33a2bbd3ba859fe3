// A signal must never cost a token: while a critical section runs (a locked store write, which for a
// refresh includes TikTok's answer with the rotated refresh token), a forced exit waits for it to end.
// Ctrl-C is handled by the CLI (it cancels the command); SIGTERM and SIGHUP (`timeout`, a cancelled CI
// job, systemd, `docker stop`, a closed terminal) are deferred here and honoured with their usual exit
// code (128 + signal number) as soon as the section ends. Outside one they keep Node's default.

let critical = 0;
let onLeave: (() => void) | undefined;
let deferred: NodeJS.Signals | undefined;

const POLITE: Record<string, number> = { SIGTERM: 15, SIGHUP: 1 };

function defer(signal: NodeJS.Signals): void {
  if (!deferred) {
    try {
      process.stderr.write(`${signal}: finishing the token write, then stopping…\n`);
    } catch {
      // no stderr (a closed terminal): stop quietly
    }
  }
  deferred ??= signal;
}

function hold(): void {
  for (const signal of Object.keys(POLITE) as NodeJS.Signals[]) process.on(signal, defer);
}

function release(): void {
  for (const signal of Object.keys(POLITE) as NodeJS.Signals[]) process.off(signal, defer);
  if (deferred) process.exit(128 + POLITE[deferred]!);
}

export async function critically<T>(fn: () => Promise<T>): Promise<T> {
  if (critical++ === 0) hold();
  try {
    return await fn();
  } finally {
    critical--;
    if (critical === 0) {
      release();
      if (onLeave) onLeave();
    }
  }
}

export function inCriticalSection(): boolean {
  return critical > 0;
}

/** Runs `action` now, or as soon as no critical section is running. */
export function whenNotCritical(action: () => void): void {
  if (critical === 0) return action();
  onLeave = action;
}
