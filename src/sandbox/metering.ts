// What every API call goes through, apart from the control API that sets it up (control.ts): a fault's
// next use, the per-app rate limits (tiktok-api.md §1, §6) and the departure header tests send; and the
// host's modes set at start-up (per-second limit, clock skew, OAuth modes). Small on purpose: the
// embedded sandbox loads it in every CLI command that calls the API, control.ts only for the control verbs.
import type { FaultRecord } from './types.js';
import { ApiError, CODE, ControlError, type Params, type World } from './world.js';

function faultMatches(fault: FaultRecord, relativePath: string): boolean {
  if (fault.path === '*' || fault.path === relativePath) return true;
  return fault.path.endsWith('*') && relativePath.startsWith(fault.path.slice(0, -1));
}

/**
 * Takes one use of the first fault matching an API path (relative to the base). A fault with `every`
 * lets N-1 matching requests through, then refuses the Nth (intermittent failures, like a rollout).
 */
export function consumeFault(world: World, relativePath: string): FaultRecord | undefined {
  const faults = world.state.faults;
  for (const fault of faults) {
    if (!faultMatches(fault, relativePath)) continue;
    if (fault.every) {
      fault.seen = (fault.seen ?? 0) + 1;
      if (fault.seen % fault.every !== 0) continue;
    }
    if (fault.times > 0) {
      fault.times--;
      if (fault.times === 0) faults.splice(faults.indexOf(fault), 1);
    }
    return { ...fault };
  }
  return undefined;
}

export function setRequestsPerSecond(world: World, rps: number | null | undefined): void {
  if (rps) world.state.limits.requests_per_second = rps;
  else delete world.state.limits.requests_per_second;
}

/**
 * Charges one request to its app (the client key; for a token, the app it was issued to): the per-minute
 * budget (fixed one-minute windows), then, when set, the per-second limit (`--rps`) over a sliding
 * one-second window of accepted requests, counted across all the app's accounts, as TikTok counts.
 * Over either → 40100, like TikTok. `sentAt` (sandbox time) is when the request left its client, when it
 * said so (SENT_AT_HEADER); otherwise it is counted as it arrives.
 */
export function chargeRate(world: World, appKey: string, sentAt?: number): void {
  const rateKey = `app:${appKey}`;
  const now = world.now();
  let bucket = world.state.rate[appKey];
  if (!bucket || now - bucket.window_start >= 60_000 || now < bucket.window_start) {
    bucket = { window_start: now, count: 0 };
    world.state.rate[appKey] = bucket;
  }
  bucket.count++;
  if (bucket.count > world.state.limits.requests_per_minute) throw new ApiError(CODE.RATE_LIMIT, 'Too many requests. Please retry later.');
  const rps = world.state.limits.requests_per_second;
  if (!rps) return;
  const at = sentAt ?? now;
  const recent = (world.state.rate_recent ??= {});
  const kept = (recent[rateKey] ?? []).filter((t) => t > now - RATE_WINDOW_MS - SENT_AT_MAX_LAG_MS && t <= now);
  recent[rateKey] = kept;
  // Departure stamps come in any order (two processes, one read late): every window that would hold this
  // request is checked, not only the one ending at it.
  const heldIn = (end: number) => kept.filter((t) => t > end - RATE_WINDOW_MS && t <= end).length;
  const ends = [at, ...kept.filter((t) => t > at && t < at + RATE_WINDOW_MS)];
  if (ends.some((end) => heldIn(end) >= rps)) throw new ApiError(CODE.RATE_LIMIT, 'Too many requests. Please retry later.');
  kept.push(at);
}

const RATE_WINDOW_MS = 1_000;

/**
 * `x-sandbox-sent-at: <ms since epoch>`: when the request left its client (test/fixtures/departure-recorder.mjs
 * sends it). The per-second limit then counts the request at its departure, as TikTok's edge would see a
 * paced client, instead of when a busy sandbox host got round to reading it: on a loaded machine a
 * sandbox process that was not scheduled for a while reads several requests at once. Only a stamp from
 * the last ten seconds of this machine's clock counts; TikTok's clients never send it.
 */
export const SENT_AT_HEADER = 'x-sandbox-sent-at';
const SENT_AT_MAX_LAG_MS = 10_000;

/** The request's departure in sandbox time, when it carries a believable SENT_AT_HEADER. */
export function departureOf(world: World, header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header)) return undefined;
  const lag = Date.now() - Number(header);
  return lag >= 0 && lag <= SENT_AT_MAX_LAG_MS ? world.now() - lag : undefined;
}

/** `{require_pkce?, strict_exchange_fields?}` (tiktok-api.md §2: PKCE for Business apps is unconfirmed, so both behaviours exist). */
export function setOAuthModes(world: World, input: Params): { require_pkce: boolean; strict_exchange_fields: boolean } {
  const known = ['require_pkce', 'strict_exchange_fields'];
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length) throw new ControlError(400, `Unknown OAuth mode(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const modes = (world.state.oauth ??= {});
  for (const key of known as ('require_pkce' | 'strict_exchange_fields')[]) {
    if (input[key] === undefined) continue;
    if (typeof input[key] !== 'boolean') throw new ControlError(400, `${key} must be true or false.`);
    modes[key] = input[key] as boolean;
  }
  return { require_pkce: modes.require_pkce === true, strict_exchange_fields: modes.strict_exchange_fields === true };
}

export function setClockSkew(world: World, seconds: number | undefined): void {
  if (seconds) world.state.clock_skew_seconds = seconds;
  else delete world.state.clock_skew_seconds;
}
