// Embedded mode: `connect --sandbox` accounts are served in-process from state persisted in the config
// dir. Each call locks the state file (src/file-lock.ts: a lock file taken synchronously, broken when
// its holder died), loads, handles, saves atomically, unlocks, so concurrent commands stay consistent.
// Webhooks are attempted after the lock is released (a receiver that calls back into the sandbox must
// not wait on our lock), then the outcome is merged back. The request log lives beside the state, in
// requests.jsonl (request-log.ts): an API call appends to it; only control calls and withState read it.
// Synchronous file calls: one small state file per call, in the command's own process (and no
// node:fs/promises to load, ~2 ms of every command on the embedded sandbox).
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { stillOurs, tryLock, unlockIfOurs } from '../file-lock.js';
import type { RawRequest, RawResponse, Transport } from '../http/raw.js';
import { sleep } from '../sleep.js';
import { createSandboxHandler } from './handler.js';
import { replaceFile } from './replace-file.js';
import { appendRequestLog, readRequestLog, writeRequestLog } from './request-log.js';
import { seedWorld } from './seed.js';
import {
  EMBEDDED_API_BASE_URL,
  EMBEDDED_AUTH_URL,
  EMBEDDED_CONTROL_URL,
  type RequestLogEntry,
  STATE_VERSION,
  type SandboxState,
  type ScenarioName,
  type WebhookDelivery,
} from './types.js';
import { defaultPoster, WebhookDispatcher, type WebhookPoster } from './webhook-delivery.js';

export interface EmbeddedSandboxOptions {
  clock?: () => number;
  poster?: WebhookPoster;
  /** Scenario of the world seeded on first use. */
  scenario?: ScenarioName;
  /** Wall-clock budget for webhook attempts after a call (ms). */
  deliveryBudgetMs?: number;
  attemptTimeoutMs?: number;
}

export interface EmbeddedSandbox {
  transport: Transport;
  apiBaseUrl: string;
  authUrl: string;
  controlUrl: string;
  /** `${configDir}/sandbox/state.json` */
  statePath: string;
  /** Runs `fn` on the locked, loaded state and saves what it changed. */
  withState<T>(fn: (state: SandboxState) => T | Promise<T>): Promise<T>;
}

const DELIVERY_LEASE_MS = 30_000;

/**
 * A live holder's lock is broken only after this long: a call holds it for milliseconds, so one this old
 * is a frozen process's (a dead one's is broken at once).
 */
const LOCK_STALE_MS = 15_000;
/** How long a call waits for a busy lock before it fails (a stale one is broken well before). */
const LOCK_WAIT_MS = 24_000;

/**
 * Takes the state's lock, waiting (5 ms, growing to 60 ms, jittered) while another process holds it;
 * Ctrl-C (the call's signal) ends the wait at once.
 */
async function acquire(lock: string, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const ino = tryLock(lock, LOCK_STALE_MS);
    if (ino !== undefined) return ino;
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw Object.assign(new Error(`The embedded sandbox's state is locked by another process (${lock}).`), { code: 'ELOCKED' });
    }
    await sleep(Math.min(60, 5 * 1.2 ** attempt) * (0.5 + Math.random() / 2), signal);
  }
}

function isState(value: unknown): value is SandboxState {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { version?: unknown }).version === STATE_VERSION &&
    typeof (value as { accounts?: unknown }).accounts === 'object'
  );
}

async function load(statePath: string, clock: () => number, scenario: ScenarioName): Promise<SandboxState> {
  let text: string;
  try {
    text = readFileSync(statePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return seedWorld(clock, scenario);
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isState(parsed)) return parsed;
  } catch {
    // fall through: keep the unreadable file for inspection, start a fresh world
  }
  try {
    renameSync(statePath, `${statePath}.corrupt-${Date.now()}`);
  } catch {
    // gone already: nothing to keep
  }
  return seedWorld(clock, scenario);
}

async function save(statePath: string, state: SandboxState): Promise<void> {
  // The log is in requests.jsonl; an empty one here keeps the file readable by 0.2 and earlier.
  const { requests: _inTheirOwnFile, ...rest } = state;
  replaceFile(statePath, JSON.stringify({ ...rest, requests: [] }));
}

export function openEmbeddedSandbox(configDir: string, options: EmbeddedSandboxOptions = {}): EmbeddedSandbox {
  const clock = options.clock ?? Date.now;
  const dir = join(configDir, 'sandbox');
  const statePath = join(dir, 'state.json');
  const logPath = join(dir, 'requests.jsonl');
  const poster = options.poster ?? defaultPoster;
  const scenario = options.scenario ?? 'healthy';

  /**
   * Runs `fn` on the locked, loaded state and saves it. `log: 'whole'` gives `fn` the request log and
   * saves it as `fn` left it (withState, control calls); `'append'` gives it an empty one and adds what
   * `fn` logged (API calls). A state.json from 0.2 or earlier still holding its log is read whole once.
   */
  async function locked<T>(fn: (state: SandboxState) => T | Promise<T>, log: 'whole' | 'append', signal?: AbortSignal): Promise<T> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Not `state.json.lock`: 0.2.0 and earlier kept a proper-lockfile directory by that name.
    const lock = join(dir, 'state.lock');
    const held = await acquire(lock, signal);
    try {
      const state = await load(statePath, clock, scenario);
      const legacy: RequestLogEntry[] = Array.isArray(state.requests) ? state.requests : [];
      const whole = log === 'whole' || legacy.length > 0;
      state.requests = whole ? [...readRequestLog(logPath), ...legacy] : [];
      const result = await fn(state);
      // Frozen past the stale age, our lock was broken and another process may have saved since: ours
      // would overwrite its changes.
      if (!stillOurs(lock, held))
        throw Object.assign(new Error(`The embedded sandbox's lock was taken over while this call held it (${lock}).`), { code: 'ECOMPROMISED' });
      // The log first: a state saved without its log's entries would lose them for good.
      if (whole) writeRequestLog(logPath, state.requests);
      else appendRequestLog(logPath, state.requests);
      await save(statePath, state);
      return result;
    } finally {
      unlockIfOurs(lock, held);
    }
  }

  const withState = <T>(fn: (state: SandboxState) => T | Promise<T>): Promise<T> => locked(fn, 'whole');

  /**
   * Attempts leased deliveries outside the lock on copies, then merges the outcome by delivery id:
   * delivered → removed, attempted → new backoff, not reached (budget spent) → due again at once.
   */
  async function deliver(due: WebhookDelivery[], apps: SandboxState['apps']): Promise<void> {
    const scratch = { apps, outbox: [...due], delivered: [] as WebhookDelivery[] } as unknown as SandboxState;
    const before = new Map(due.map((d) => [d.id, { attempts: d.attempts, next: d.next_attempt_at }]));
    const dispatcher = new WebhookDispatcher(poster, clock);
    await dispatcher.flush(scratch, { budgetMs: options.deliveryBudgetMs ?? 2_000, attemptTimeoutMs: options.attemptTimeoutMs ?? 1_500 });
    await locked((state) => {
      for (const copy of due) {
        const index = state.outbox.findIndex((d) => d.id === copy.id);
        // Gone already (e.g. a reset kept it elsewhere or another process finished it): nothing to merge.
        if (index < 0) continue;
        if (scratch.delivered.includes(copy)) {
          state.outbox.splice(index, 1);
          state.delivered.push(copy);
          if (state.delivered.length > 50) state.delivered.splice(0, state.delivered.length - 50);
        } else if (copy.attempts !== before.get(copy.id)!.attempts) {
          state.outbox[index] = copy;
        } else {
          state.outbox[index]!.next_attempt_at = before.get(copy.id)!.next;
        }
      }
    }, 'append');
  }

  const transport: Transport = async (request: RawRequest, transportOptions) => {
    if (transportOptions?.signal?.aborted) throw transportOptions.signal.reason ?? new Error('aborted');
    let response: RawResponse | undefined;
    let failure: unknown;
    let due: WebhookDelivery[] = [];
    let apps: SandboxState['apps'] = {};
    // Control calls (the state, a reset, the clock) see and change the whole log; API calls add to it.
    const log = request.url.startsWith(EMBEDDED_CONTROL_URL) ? 'whole' : 'append';
    await locked(
      async (state) => {
        const handler = createSandboxHandler({ state, clock, webhookDelivery: 'manual' });
        try {
          response = await handler.handle(request);
        } catch (error) {
          // A `reset` fault: the state (fault count) is still saved, then the error reaches the caller.
          failure = error;
        }
        const now = clock();
        const leased = state.outbox.filter((d) => d.next_attempt_at <= now && state.apps[d.client_key]?.webhook);
        due = leased.map((d) => structuredClone(d));
        // Lease them: other callers (another process, or a webhook receiver calling back into the
        // sandbox) skip them until this attempt is merged, or until the lease runs out after a crash.
        for (const d of leased) d.next_attempt_at = now + DELIVERY_LEASE_MS;
        apps = structuredClone(state.apps);
      },
      log,
      transportOptions?.signal,
    );
    if (due.length) await deliver(due, apps);
    if (failure) throw failure;
    return response!;
  };

  return {
    transport,
    apiBaseUrl: EMBEDDED_API_BASE_URL,
    authUrl: EMBEDDED_AUTH_URL,
    controlUrl: EMBEDDED_CONTROL_URL,
    statePath,
    withState,
  };
}
