// Ctrl-C must never cost a token: while a critical section runs (a locked store write, which for a
// refresh includes TikTok's answer with the rotated refresh token), a forced exit waits for it to end.

let critical = 0;
let onLeave: (() => void) | undefined;

export async function critically<T>(fn: () => Promise<T>): Promise<T> {
  critical++;
  try {
    return await fn();
  } finally {
    critical--;
    if (critical === 0 && onLeave) onLeave();
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
