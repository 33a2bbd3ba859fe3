// The control API's world-changing verbs that are not a user's doing: account settings, time travel,
// faults, rate limits, token expiry, reset to a scenario, and the readable view of everything (/state).
import { dmRegionVerdict, MESSAGING_SCOPES, normalizeRegion } from '../tiktok/limits.js';
import * as oauth from './auth.js';
import { conversationType, windowOf } from './conversations.js';
import * as ids from './ids.js';
import { isScenarioName, resetWorld, SCENARIO_NAMES } from './seed.js';
import { ageState, type AccountRecord, type FaultKind, type FaultRecord, type ScenarioName } from './types.js';
import { setClockSkew, setRequestsPerSecond } from './metering.js';
import { ControlError, type Params, type World } from './world.js';

/** Changes an account's settings; unknown keys are refused so typos in scripts do not pass silently. */
export function updateAccount(world: World, businessId: string, patch: Params): AccountRecord {
  const account = world.account(businessId);
  const allowed = [
    'region',
    'advanced_access',
    'dm_setting',
    'media',
    'risk_control',
    'account_type',
    'display_name',
    'username',
    'is_verified',
    'comment_to_message',
  ];
  const unknown = Object.keys(patch).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new ControlError(400, `Unknown setting(s): ${unknown.join(', ')}. Known: ${allowed.join(', ')}.`);
  const bool = (key: string) => {
    if (typeof patch[key] !== 'boolean') throw new ControlError(400, `${key} must be true or false.`);
    return patch[key] as boolean;
  };
  if (patch.region !== undefined) {
    const region = typeof patch.region === 'string' ? normalizeRegion(patch.region) : undefined;
    if (!region || !/^[A-Z]{2}$/.test(region)) throw new ControlError(400, 'region must be a two-letter country code.');
    account.region = region;
  }
  if (patch.advanced_access !== undefined) account.advanced_access = bool('advanced_access');
  if (patch.media !== undefined) account.media = bool('media');
  if (patch.risk_control !== undefined) account.risk_control = bool('risk_control');
  if (patch.is_verified !== undefined) account.is_verified = bool('is_verified');
  if (patch.comment_to_message !== undefined) account.comment_to_message = bool('comment_to_message');
  if (patch.dm_setting !== undefined) {
    if (patch.dm_setting !== 'everyone' && patch.dm_setting !== 'followers') throw new ControlError(400, 'dm_setting must be "everyone" or "followers".');
    account.dm_setting = patch.dm_setting;
  }
  if (patch.account_type !== undefined) {
    if (patch.account_type !== 'business' && patch.account_type !== 'personal') throw new ControlError(400, 'account_type must be "business" or "personal".');
    account.account_type = patch.account_type;
  }
  for (const key of ['display_name', 'username'] as const) {
    if (patch[key] === undefined) continue;
    if (typeof patch[key] !== 'string' || !patch[key]) throw new ControlError(400, `${key} must be a non-empty string.`);
    account[key] = patch[key] as string;
  }
  return account;
}

/** Time travel by ageing every stored instant; the clock itself is untouched. */
export function advance(world: World, seconds: number): { advanced_seconds: number } {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new ControlError(400, 'advance_seconds must be a number ≥ 0.');
  ageState(world.state, Math.round(seconds * 1000));
  return { advanced_seconds: seconds };
}

// ---------------------------------------------------------------------------------------------------
// Faults

export function addFault(world: World, input: Params): FaultRecord {
  const path = typeof input.path === 'string' ? input.path.replace(/^\/?(open_api\/v1\.3\/)?/, '').replace(/^\/+/, '') : '';
  if (!path) throw new ControlError(400, 'path is required (e.g. "business/message/send/", "business/message/*" or "*").');
  const kind = input.kind;
  if (kind !== 'html502' && kind !== 'reset' && kind !== 'code' && kind !== 'hold' && kind !== 'omit_open_id') {
    throw new ControlError(400, 'kind must be "html502", "reset", "code", "hold" or "omit_open_id".');
  }
  if (kind === 'hold' && (typeof input.hold_ms !== 'number' || !Number.isInteger(input.hold_ms) || input.hold_ms < 1 || input.hold_ms > 120_000)) {
    throw new ControlError(400, 'hold_ms (an integer of milliseconds, 1 to 120000) is required for kind "hold".');
  }
  if (kind === 'code' && (typeof input.code !== 'number' || !Number.isInteger(input.code)))
    throw new ControlError(400, 'code (an integer) is required for kind "code".');
  const times = input.times === undefined ? 1 : input.times;
  if (typeof times !== 'number' || !Number.isInteger(times) || (times < 1 && times !== -1))
    throw new ControlError(400, 'times must be an integer ≥ 1, or -1 for "until cleared".');
  if (input.message !== undefined && typeof input.message !== 'string') throw new ControlError(400, 'message must be a string.');
  if (input.every !== undefined && (typeof input.every !== 'number' || !Number.isInteger(input.every) || input.every < 1)) {
    throw new ControlError(400, 'every must be an integer ≥ 1 (refuse every Nth matching request).');
  }
  const fault: FaultRecord = { id: ids.shortId(), path: path === '*' ? '*' : path, kind: kind as FaultKind, times };
  if (kind === 'code') fault.code = input.code as number;
  if (kind === 'hold') fault.hold_ms = input.hold_ms as number;
  if (typeof input.message === 'string') fault.message = input.message;
  if (typeof input.every === 'number' && input.every > 1) {
    fault.every = input.every;
    fault.seen = 0;
  }
  world.state.faults.push(fault);
  return fault;
}

export function clearFaults(world: World): void {
  world.state.faults = [];
}

// ---------------------------------------------------------------------------------------------------
// Rate limits (charged per call in metering.ts)

/**
 * `{requests_per_minute?, requests_per_second?}`: the per-app per-minute budget, and the per-app
 * per-second limit (0 or null = off, the default).
 */
export function setLimits(world: World, input: Params): { requests_per_minute: number; requests_per_second: number } {
  const known = ['requests_per_minute', 'requests_per_second'];
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length) throw new ControlError(400, `Unknown limit(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  if (input.requests_per_minute === undefined && input.requests_per_second === undefined) {
    throw new ControlError(400, 'Give requests_per_second (0 or null = off) and/or requests_per_minute.');
  }
  const rpm = input.requests_per_minute;
  if (rpm !== undefined && (typeof rpm !== 'number' || !Number.isInteger(rpm) || rpm < 1))
    throw new ControlError(400, 'requests_per_minute must be an integer ≥ 1.');
  const rps = input.requests_per_second;
  if (rps !== undefined && rps !== null && (typeof rps !== 'number' || !Number.isInteger(rps) || rps < 0)) {
    throw new ControlError(400, 'requests_per_second must be an integer ≥ 0 (0 or null = off).');
  }
  if (typeof rpm === 'number') world.state.limits.requests_per_minute = rpm;
  if (rps !== undefined) setRequestsPerSecond(world, rps as number | null);
  world.state.rate = {};
  world.state.rate_recent = {};
  return { requests_per_minute: world.state.limits.requests_per_minute, requests_per_second: world.state.limits.requests_per_second ?? 0 };
}

// ---------------------------------------------------------------------------------------------------
// The clock (OAuth modes: metering.ts)

/**
 * `POST /sandbox/clock {advance_seconds?, skew_seconds?}`: time travel (see advance) and/or the offset
 * of every answer's Date header (a skewed server clock for doctor's clock check; nothing else changes).
 */
export function setClock(world: World, input: Params): { advanced_seconds?: number; skew_seconds?: number } {
  const known = ['advance_seconds', 'skew_seconds'];
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length) throw new ControlError(400, `Unknown field(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const out: { advanced_seconds?: number; skew_seconds?: number } = {};
  if (input.skew_seconds !== undefined) {
    const skew = input.skew_seconds;
    if (typeof skew !== 'number' || !Number.isFinite(skew)) throw new ControlError(400, 'skew_seconds must be a number (negative = behind).');
    setClockSkew(world, skew);
    out.skew_seconds = skew;
  }
  if (input.advance_seconds !== undefined || input.skew_seconds === undefined) Object.assign(out, advance(world, input.advance_seconds as number));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Tokens, reset, view

/** Expires tokens issued for an account (access by default; refresh too when asked). */
export function expireTokens(world: World, input: Params): { expired_access_tokens: number; expired_refresh_tokens: number } {
  const businessId = typeof input.business_id === 'string' ? input.business_id : world.state.default_business_id;
  const access = input.access === undefined ? true : input.access === true;
  const refresh = input.refresh === true;
  const past = world.now() - 1000;
  let a = 0;
  let r = 0;
  if (access) {
    for (const t of Object.values(world.state.access_tokens)) {
      if (t.business_id === businessId && t.expires_at > past) {
        t.expires_at = past;
        a++;
      }
    }
  }
  if (refresh) {
    for (const t of Object.values(world.state.refresh_tokens)) {
      if (t.business_id === businessId && t.expires_at > past) {
        t.expires_at = past;
        r++;
      }
    }
  }
  return { expired_access_tokens: a, expired_refresh_tokens: r };
}

export interface ResetAnswer {
  scenario: ScenarioName;
  default_business_id: string;
  /** Kept tokens that had expired and were made live again (the scenario may expire some afterwards). */
  renewed_access_tokens: number;
  renewed_refresh_tokens: number;
  /** Live access tokens of the default account after the reset (0 under expired-tokens). */
  default_account_live_tokens: number;
}

export function reset(world: World, input: Params): ResetAnswer {
  const scenario = input.scenario ?? 'healthy';
  if (!isScenarioName(scenario)) throw new ControlError(400, `Unknown scenario ${JSON.stringify(scenario)}. Known: ${SCENARIO_NAMES.join(', ')}.`);
  const renewed = resetWorld(world.state, world.clock, scenario, {
    keepTokens: input.keep_tokens === undefined ? true : input.keep_tokens === true,
    clearLog: input.clear_log === true,
    empty: input.empty === true,
  });
  const now = world.now();
  const live = Object.values(world.state.access_tokens).filter(
    (t) => t.business_id === world.state.default_business_id && t.revoked_at === undefined && t.expires_at > now,
  ).length;
  return { scenario, default_business_id: world.state.default_business_id, ...renewed, default_account_live_tokens: live };
}

/**
 * `POST /sandbox/token {business_id?}`: a live access token for an account (default: the default
 * account), as if its holder had consented: the authorize decision and the code exchange, in process.
 * `sandbox serve --json` and `sandbox token` print it so a CI job needs no consent step.
 */
export function consentedToken(world: World, input: Params = {}): { access_token: string; business_id: string; expires_in: number } {
  const businessId = input.business_id === undefined ? world.state.default_business_id : input.business_id;
  if (typeof businessId !== 'string' || !world.state.accounts[businessId]) throw new ControlError(404, `Unknown business_id ${JSON.stringify(businessId)}.`);
  const app = world.state.apps[world.state.default_client_key]!;
  const redirectUri = 'http://127.0.0.1/callback/';
  // A challenge satisfies a PKCE-demanding sandbox; the code is then issued without it, so the exchange
  // needs no verifier (which the strict-exchange mode would refuse): this is the holder's consent, not a client's request.
  const challenge = oauth.hexChallenge('sandbox-token');
  const check = oauth.checkAuthorize(world, {
    client_key: app.client_key,
    redirect_uri: redirectUri,
    scope: MESSAGING_SCOPES.join(','),
    response_type: 'code',
    state: 'sandbox-token',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const { code } = oauth.decideAuthorize(
    world,
    { ...check, code_challenge: undefined, code_challenge_method: undefined },
    { approve: true, business_id: businessId },
  );
  const tokens = oauth.exchangeCode(world, {
    client_id: app.client_key,
    client_secret: app.client_secret,
    grant_type: 'authorization_code',
    auth_code: code,
    redirect_uri: redirectUri,
  });
  return { access_token: tokens.access_token, business_id: businessId, expires_in: tokens.expires_in };
}

/** GET /sandbox/state: the whole world, readable. */
export function view(world: World): Record<string, unknown> {
  const s = world.state;
  const app = s.apps[s.default_client_key];
  const now = world.now();
  return {
    now,
    scenario: s.scenario,
    app: app ? { client_key: app.client_key, client_secret: app.client_secret, name: app.name } : null,
    apps: Object.values(s.apps),
    webhook: app?.webhook ?? null,
    default_business_id: s.default_business_id,
    accounts: Object.values(s.accounts).map((a) => ({ ...a, dm_api: dmRegionVerdict(a.region) })),
    users: Object.values(s.users),
    conversations: Object.values(s.conversations)
      .sort((a, b) => b.update_time - a.update_time)
      .map((c) => ({
        conversation_id: c.conversation_id,
        business_id: c.business_id,
        user: s.users[c.user_id] ? { id: c.user_id, username: s.users[c.user_id]!.username } : { id: c.user_id },
        type: conversationType(world, c),
        update_time: c.update_time,
        window: windowOf(world, c),
        // The phone page shows "typing…" while now < typing_until (a TYPING sender action, about 5 s).
        typing_until: c.typing_until ?? null,
        typing: c.typing_until !== undefined && now < c.typing_until,
        referral: c.referral,
        messages: c.messages,
      })),
    access_tokens: Object.values(s.access_tokens).map((t) => ({ ...t, expired: now >= t.expires_at })),
    refresh_tokens: Object.values(s.refresh_tokens).map((t) => ({ ...t, expired: now >= t.expires_at })),
    media: Object.values(s.media).map(({ data_base64: _omit, ...rest }) => rest),
    pending_deliveries: s.outbox,
    delivered: s.delivered,
    faults: s.faults,
    limits: { ...s.limits, requests_per_second: s.limits.requests_per_second ?? 0 },
    oauth: { require_pkce: s.oauth?.require_pkce === true, strict_exchange_fields: s.oauth?.strict_exchange_fields === true },
    clock_skew_seconds: s.clock_skew_seconds ?? 0,
    comments: Object.values(s.comments ?? {}),
    requests: s.requests,
    unhandled: s.unhandled,
  };
}
