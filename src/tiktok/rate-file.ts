// The app's request budget shared by every tiktok-channel process on the machine (../shared/tiktok-api.md
// §1 and §6: TikTok limits per developer app, so a `tail --poll`, a CI `send` and a `doctor` running at
// once draw on one budget). One small state file per budget key under `<configDir>/rate/`, named by a
// hash of the key (a fallback key may hold a token: it never reaches the disk), holding the recent
// departures (wall-clock ms: the one clock processes share) and a 40100 hold-off.
//
// Every read-modify-write happens under an O_EXCL lock file taken and released synchronously
// (src/file-lock.ts), so the critical section is a handful of syscalls that no await can stretch; a
// process that crashed inside it (or was stopped) leaves a lock older than LOCK_STALE_MS, or one naming a
// dead pid, which the next taker breaks. proper-lockfile (src/store/lock.ts) is async and keeps a refresh
// timer per lock: too heavy for a lock taken once per request.
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { tryLock, unlockIfOurs } from '../file-lock.js';
import { nodeCrypto } from '../lazy-crypto.js';
import { join } from 'node:path';

/**
 * The state file's name for a budget key: a key that may hold a token is hashed with SHA-256 (node:crypto,
 * loaded only then); an app's client key or an account id names nothing secret, and a 64-bit hash of it
 * spares every networked command node:crypto's load (~3 ms, bench/startup.mjs).
 */
export function budgetFileName(key: string): string {
  if (key.startsWith('token:')) {
    return nodeCrypto().createHash('sha256').update(key).digest('hex').slice(0, 16);
  }
  // Two 32-bit FNV-1a lanes with different offsets.
  let high = 0x811c9dc5;
  let low = 0x050c5d1f;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x01000193) ^ (high >>> 15);
  }
  return `${(high >>> 0).toString(16).padStart(8, '0')}${(low >>> 0).toString(16).padStart(8, '0')}`;
}

/** A lock older than this is a crashed or frozen holder's: the critical section takes well under 1 ms. */
export const LOCK_STALE_MS = 1_000;
/** How long a taker waits before trying a busy lock again. */
const LOCK_RETRY_MS = 2;
const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;

export interface SharedBudgetOptions {
  /** `<configDir>/rate` */
  dir: string;
  /** The tier's per-second figure (TIKTOK_CHANNEL_MAX_RPS); the per-minute one is 60 times it on every tier. */
  rps: number;
  /** Wall-clock ms (Date.now): shared by every process. Tests inject one. */
  now?: () => number;
}

/**
 * On disk as in memory: departures as offsets from `t0` (the first), oldest first, within the last minute
 * (+ guard), at most the per-minute figure. Short numbers made a request's share ~0.1 ms instead of ~0.4;
 * kept as offsets in memory too, they stay small integers, where epoch milliseconds were a boxed number
 * each, allocated again by every claim (up to 600 of them, six claims in a `conversations`: ~300 KB of
 * the young generation and a scavenge, bench/startup.mjs).
 */
interface StateFile {
  v: 1;
  t0: number;
  d: number[];
  /** Nothing leaves before this (a 40100 seen by any process). */
  not_before?: number;
}

function encode(state: StateFile): string {
  // Rebased on the oldest departure kept, so the offsets stay within the minute.
  const first = state.d[0] ?? 0;
  if (first !== 0) for (let index = 0; index < state.d.length; index++) state.d[index]! -= first;
  const t0 = state.d.length ? state.t0 + first : 0;
  return JSON.stringify({ v: 1, t0, d: state.d, ...(state.not_before ? { not_before: state.not_before } : {}) });
}

export type Claim = { ok: true } | { ok: false; waitMs: number; busy: boolean };

export class SharedBudget {
  readonly dir: string;
  readonly perSecond: number;
  readonly perMinute: number;
  /** Set when the config dir cannot hold the file: this process then paces on its own, as before. */
  failure?: Error;
  private readonly now: () => number;
  private madeDir = false;
  private failureSaid = false;

  constructor(options: SharedBudgetOptions) {
    this.dir = options.dir;
    this.perSecond = Math.max(1, Math.floor(options.rps));
    this.perMinute = Math.max(1, Math.floor(options.rps * 60));
    this.now = options.now ?? Date.now;
  }

  /** Why sharing is off, said once per process (for --debug); undefined when it works or was said. */
  failureNotice(): string | undefined {
    if (!this.failure || this.failureSaid) return undefined;
    this.failureSaid = true;
    return `${this.dir}: ${this.failure.message}`;
  }

  /** The state file for a budget key. */
  pathFor(key: string): string {
    return join(this.dir, `${budgetFileName(key)}.json`);
  }

  /**
   * Records a departure for `key` now if the shared windows allow it (≤ perSecond in any 1 s + guard,
   * ≤ perMinute in any 60 s + guard, none before a hold-off); otherwise says how long to wait.
   */
  claim(key: string, guardMs: number): Claim {
    if (this.failure) return { ok: true };
    const result = this.locked(key, (state, now) => {
      const wait = this.waitFor(state, now, guardMs);
      if (wait > 0) return { ok: false, waitMs: wait, busy: false } as Claim;
      if (state.d.length === 0) state.t0 = now;
      state.d.push(now - state.t0);
      if (state.d.length > this.perMinute) state.d.splice(0, state.d.length - this.perMinute);
      return { ok: true } as Claim;
    });
    return result ?? { ok: false, waitMs: LOCK_RETRY_MS + Math.random() * LOCK_RETRY_MS, busy: true };
  }

  /** After a rate-limit answer: no process leaves for `key` for `ms`. Best effort (a busy lock skips it). */
  holdOff(key: string, ms: number): void {
    if (this.failure) return;
    this.locked(key, (state, now) => {
      state.not_before = Math.max(state.not_before ?? 0, now + ms);
      return true;
    });
  }

  private waitFor(state: StateFile, now: number, guardMs: number): number {
    let slot = Math.max(now, state.not_before ?? 0);
    const { t0, d } = state;
    if (d.length >= this.perSecond) slot = Math.max(slot, t0 + d[d.length - this.perSecond]! + SECOND_MS + guardMs);
    if (d.length >= this.perMinute) slot = Math.max(slot, t0 + d[d.length - this.perMinute]! + MINUTE_MS + guardMs);
    return slot - now;
  }

  /** Runs `fn` on the key's state under the lock and writes it back; undefined when the lock is busy. */
  private locked<T>(key: string, fn: (state: StateFile, now: number) => T): T | undefined {
    const path = this.pathFor(key);
    const lock = `${path}.lock`;
    try {
      if (!this.madeDir) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        this.madeDir = true;
      }
      const held = tryLock(lock, LOCK_STALE_MS);
      if (held === undefined) return undefined;
      try {
        // One descriptor for the read and the write, and no O_TRUNC: ext4 flushes a file truncated to
        // zero and rewritten when it is closed (auto_da_alloc), which cost over 1 ms a request.
        const fd = openState(path);
        try {
          const now = this.now();
          const state = readState(fd, now);
          const result = fn(state, now);
          const bytes = Buffer.from(encode(state));
          writeSync(fd, bytes, 0, bytes.length, 0);
          ftruncateSync(fd, bytes.length);
          return result;
        } finally {
          closeSync(fd);
        }
      } finally {
        unlockIfOurs(lock, held);
      }
    } catch (error) {
      // The rate dir was removed under us (a cleaned temp dir): made again at the next turn.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && this.madeDir) {
        this.madeDir = false;
        return undefined;
      }
      // A config dir that cannot hold the file (read-only, full, permissions): sharing is off for this
      // process, which keeps its own pacing; the client says so under --debug.
      this.failure = error as Error;
      return undefined;
    }
  }
}

function openState(path: string): number {
  try {
    return openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return openSync(path, 'w+', 0o600);
  }
}

function readState(fd: number, now: number): StateFile {
  let parsed: unknown;
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.alloc(size);
    const read = size ? readSync(fd, bytes, 0, size, 0) : 0;
    parsed = JSON.parse(bytes.subarray(0, read).toString('utf8'));
  } catch {
    // Missing, or cut short by a crash mid-write: start empty (at worst one second's budget is re-used).
    parsed = undefined;
  }
  const record = parsed as Partial<StateFile> | undefined;
  const t0 = typeof record?.t0 === 'number' && Number.isFinite(record.t0) ? record.t0 : 0;
  // Offsets kept: within the last minute (+ guard) and not in the future. Entries from the future mean
  // the wall clock stepped back: dropped rather than blocking for that long. One pass, in place.
  const after = now - MINUTE_MS - 1_000 - t0;
  const until = now + SECOND_MS - t0;
  const d = Array.isArray(record?.d) ? record.d : [];
  let kept = 0;
  for (const offset of d) if (typeof offset === 'number' && offset > after && offset <= until) d[kept++] = offset;
  d.length = kept;
  const notBefore = typeof record?.not_before === 'number' && record.not_before > now && record.not_before <= now + MINUTE_MS ? record.not_before : undefined;
  return { v: 1, t0, d, ...(notBefore ? { not_before: notBefore } : {}) };
}
