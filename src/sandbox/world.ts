// What every area of the sandbox shares: the World (the state and the clock), TikTok's refusal codes
// (tiktok-api.md §6), the three kinds of refusal, and the wire-level parameter readers. Inputs arrive
// with their wire names (query strings as strings, JSON bodies as parsed), so the readers catch client
// mistakes: wrong field names, non-JSON-array `fields`, out-of-range integers.
import type { AccountRecord, SandboxState } from './types.js';

/** The shared state and clock every area works on. `state` is replaced on reset-from-disk, never mutated through a copy. */
export class World {
  constructor(
    public state: SandboxState,
    readonly clock: () => number = Date.now,
  ) {}

  now(): number {
    return this.clock();
  }

  /** An account by business_id for the control API; undefined or "default" = the default account. */
  account(businessId: string | undefined): AccountRecord {
    const id = businessId === undefined || businessId === 'default' ? this.state.default_business_id : businessId;
    const account = this.state.accounts[id];
    if (!account) throw new ControlError(404, `Unknown business_id ${id}.`);
    return account;
  }
}

export const CODE = {
  OK: 0,
  NO_PERMISSION: 40001,
  INVALID_PARAM: 40002,
  NOT_FOUND: 40007,
  DM_RULE: 40064,
  RATE_LIMIT: 40100,
  TOKEN_MISSING: 40104,
  TOKEN_INVALID: 40105,
  /** The refresh token is invalid (§6: TikTok's code table, medium confidence). */
  REFRESH_TOKEN_INVALID: 40107,
  UNSUPPORTED_FILE: 40908,
} as const;

/** A refusal in TikTok's envelope (HTTP 200, non-zero code). */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A control-API error: plain HTTP 4xx with `{"error": {"message"}}`. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** An authorize request that cannot go on; `redirect` is set when the error may go back to the client. */
export class AuthorizeError extends Error {
  constructor(
    readonly error: string,
    message: string,
    readonly redirect?: { redirect_uri: string; state: string },
    /** TikTok's `error_type` on the redirect (e.g. `scope`). */
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'AuthorizeError';
  }
}

export type Params = Record<string, unknown>;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The wire names of a `codePoints` count: 😀 is one character, two UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(params: Params, name: string, hint = ''): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw new ApiError(CODE.INVALID_PARAM, `${name} is required${hint}`);
  return value;
}

export function parseJsonArray(raw: unknown, name: string, example: string): string[] {
  if (typeof raw !== 'string') throw new ApiError(CODE.INVALID_PARAM, `${name} is required: a JSON array, e.g. ${example}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new ApiError(CODE.INVALID_PARAM, `${name} must be a JSON array of strings, e.g. ${example} (got ${JSON.stringify(raw)})`);
  }
  return parsed as string[];
}

export function integerParam(params: Params, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(CODE.INVALID_PARAM, `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)}).`);
  }
  return value;
}
