// Client-side pacing (TIKTOK_CHANNEL_MAX_RPS, ../shared/tiktok-api.md §1 and §6): TikTok limits each
// developer app (Basic tier 10 requests per second, 600 per minute), and bursting past it costs 40100 and
// up to minutes of recovery. One Pacer per process holds a queue per key (the app's client key; see
// paceKey for when none is known), so every command, pool and poll loop in the process shares the budget;
// with a SharedBudget (rate-file.ts, under the config dir) every process of this tool on the machine
// shares it too.
//
// Each key is a token bucket (an idle key lets up to floor(rps) requests go at once, so one command's
// handful of calls, doctor's dozen included, never waits; then one every `interval`) with a sliding-window
// cap on real departures: never more than floor(rps) in any window of 1 s + guard. The guard absorbs
// timer and network jitter, so a server that counts arrivals over a strict one-second window at the same
// rate never sees one request too many. A request held back by the window or a 40100 hold-off leaves no
// burst credit behind: the queue resumes at the even pace. A 40100 despite all that means the jitter is
// larger than the guard: that key's guard widens (up to PACER_MAX_GUARD_MS) for the rest of the process.
// The shared file applies the same windows (and 60 × rps per minute) to the departures of all processes.
import { sleep } from '../sleep.js';
import { SharedBudget } from './rate-file.js';

export const DEFAULT_MAX_RPS = 10;
/** Slack added to the one-second window for jitter between our clock and the server's. */
export const PACER_GUARD_MS = 50;
/** How far 40100 answers can widen a key's guard. */
export const PACER_MAX_GUARD_MS = 300;
const WINDOW_MS = 1_000;

/** Anything that says when a request may leave: resolves then, rejects when `signal` aborts. */
export interface Limiter {
  acquire(signal: AbortSignal | undefined): Promise<void>;
}

export interface PacerOptions {
  rps: number;
  /** Monotonic milliseconds; tests inject a fake clock. */
  now?: () => number;
  /** Waits; rejects when the signal aborts. Tests inject one that advances their clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Requests that may leave at once from idle (default and at most: floor(rps)). */
  burst?: number;
  guardMs?: number;
  /** The budget other processes draw on too (their departures and hold-offs), consulted at each turn. */
  shared?: SharedBudget;
}

interface KeyState {
  /** GCRA's theoretical arrival time: the bucket allows a departure at tat - tolerance. */
  tat: number;
  /** Real departure times, the most recent `windowCount` of them. */
  departures: number[];
  /** Nothing leaves before this (a 40100 hold-off). */
  notBefore: number;
  /** This key's slack on the window; `interval` spreads windowCount departures over 1 s + guard. */
  guard: number;
  interval: number;
  /** The queue's tail: takers go one at a time, first come first served. */
  tail: Promise<void>;
}

export class Pacer {
  readonly rps: number;
  /** The even spacing of an untroubled key. */
  readonly interval: number;
  readonly windowCount: number;
  private readonly burst: number;
  private readonly guardMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly keys = new Map<string, KeyState>();
  readonly shared?: SharedBudget;

  constructor(options: PacerOptions) {
    if (!(options.rps > 0) || !Number.isFinite(options.rps)) throw new RangeError(`rps must be a positive number (got ${options.rps})`);
    this.rps = options.rps;
    this.guardMs = options.guardMs ?? PACER_GUARD_MS;
    this.windowCount = Math.max(1, Math.floor(options.rps));
    // Even spacing that fits windowCount departures into the guarded window.
    this.interval = (WINDOW_MS + this.guardMs) / options.rps;
    this.burst = Math.max(1, Math.min(options.burst ?? this.windowCount, this.windowCount));
    // process.hrtime, not performance.now(): the global `performance` loads node:perf_hooks (~1.5 ms).
    this.now = options.now ?? (() => Number(process.hrtime.bigint()) / 1e6);
    this.sleep = options.sleep ?? abortableSleep;
    this.shared = options.shared;
  }

  /**
   * Resolves when a request for `key` may leave (and counts it as gone) with the milliseconds it was held
   * back (0 = at once); rejects if `signal` aborts first.
   */
  take(key: string, signal?: AbortSignal): Promise<number> {
    return this.takeTurn(key, signal).then((turn) => turn.waited);
  }

  /** As take(), with when the turn was counted (this pacer's clock), for isLate(). */
  takeTurn(key: string, signal?: AbortSignal): Promise<{ waited: number; at: number }> {
    const state = this.state(key);
    const asked = this.now();
    // Held back = it had to sleep; then the whole wait counts, its time in the queue included.
    const turn = state.tail.then(() => this.wait(key, state, signal)).then(({ slept, at }) => ({ waited: slept > 0 ? this.now() - asked : 0, at }));
    // A taker that gave up (Ctrl-C) must not stall the ones behind it.
    state.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /**
   * Whether a turn counted at `at` is too old to use now: more than half the key's guard has passed, so
   * a request sent now would reach the server later than it was counted, and a stall that long (machine
   * load, a long GC, other requests' work run first) could crowd the next second past the limit.
   */
  isLate(key: string, at: number): boolean {
    return this.now() - at > (this.keys.get(key)?.guard ?? this.guardMs) / 2;
  }

  /** After a rate-limit answer: nothing for `key` leaves for `ms`, then the even pace resumes, a little wider. */
  holdOff(key: string, ms: number): void {
    const state = this.state(key);
    state.notBefore = Math.max(state.notBefore, this.now() + ms);
    state.guard = Math.min(PACER_MAX_GUARD_MS, state.guard * 2);
    state.interval = (WINDOW_MS + state.guard) / this.rps;
    this.shared?.holdOff(key, ms);
  }

  /** The spacing `key` keeps now (wider after 40100 answers). */
  intervalFor(key: string): number {
    return this.keys.get(key)?.interval ?? this.interval;
  }

  /** How long a request for `key` would wait if it asked now (0 = at once). */
  delayFor(key: string): number {
    const state = this.keys.get(key);
    return state ? Math.max(0, this.earliest(state, this.now()) - this.now()) : 0;
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = {
        tat: Number.NEGATIVE_INFINITY,
        departures: [],
        notBefore: Number.NEGATIVE_INFINITY,
        guard: this.guardMs,
        interval: this.interval,
        tail: Promise.resolve(),
      };
      this.keys.set(key, state);
    }
    return state;
  }

  /** The bucket's slot, or later when the window or a hold-off says so. */
  private earliest(state: KeyState, now: number): number {
    let slot = Math.max(now, state.tat - (this.burst - 1) * state.interval);
    if (state.departures.length >= this.windowCount) {
      slot = Math.max(slot, state.departures[state.departures.length - this.windowCount]! + WINDOW_MS + state.guard);
    }
    return Math.max(slot, state.notBefore);
  }

  private async wait(key: string, state: KeyState, signal?: AbortSignal): Promise<{ slept: number; at: number }> {
    let held = false;
    let slept = 0;
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const now = this.now();
      const paced = Math.max(now, state.tat - (this.burst - 1) * state.interval);
      const slot = this.earliest(state, now);
      if (slot > paced) held = true;
      if (slot <= now) {
        // Our turn here; the other processes' departures may still say no (their use of the same budget).
        const claim = this.shared?.claim(key, state.guard);
        if (claim && !claim.ok) {
          if (!claim.busy) held = true;
          slept += claim.waitMs;
          await this.sleep(claim.waitMs, signal);
          continue;
        }
        // Real departure time: a timer that fired late only delays, never crowds the window.
        state.tat = held ? now + this.burst * state.interval : Math.max(state.tat, now) + state.interval;
        state.departures.push(now);
        if (state.departures.length > this.windowCount) state.departures.shift();
        return { slept, at: now };
      }
      slept += slot - now;
      await this.sleep(slot - now, signal);
    }
  }
}

/** The program's one sleep, rejecting when the signal aborts, as `take` promises. */
async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(Math.ceil(ms), signal);
  if (signal?.aborted) throw signal.reason;
}

const shared = new Map<string, Pacer>();

/**
 * The process-wide pacer for this rate: every client in the process shares its queues; with `rateDir`
 * (`<configDir>/rate`) every process using that config dir shares the budget.
 */
export function sharedPacer(rps: number = DEFAULT_MAX_RPS, rateDir?: string): Pacer {
  const id = `${rps}\0${rateDir ?? ''}`;
  let pacer = shared.get(id);
  if (!pacer) {
    pacer = new Pacer({ rps, shared: rateDir ? new SharedBudget({ dir: rateDir, rps }) : undefined });
    shared.set(id, pacer);
  }
  return pacer;
}

/**
 * Whose budget a request spends: the developer app's (§1, §6), named by its client key: the one the client
 * was made for, else the one an app-level call carries (token exchange, refresh, token info). With no
 * client key at all (env credentials: TIKTOK_CHANNEL_ACCESS_TOKEN without TIKTOK_CHANNEL_CLIENT_KEY) the
 * account stands in for its app: exact for one account per app, and several accounts of one app run that
 * way each keep to the whole budget. Last, the token itself.
 */
export function paceKey(accessToken: string | undefined, fields: Record<string, unknown>, clientKey?: string): string {
  const carried = fields.client_id ?? fields.app_id ?? fields.client_key;
  const app = (!accessToken && typeof carried === 'string' && carried) || clientKey || (typeof carried === 'string' && carried);
  if (app) return `app:${app}`;
  if (typeof fields.business_id === 'string' && fields.business_id) return `account:${fields.business_id}`;
  return accessToken ? `token:${accessToken}` : 'app:-';
}
