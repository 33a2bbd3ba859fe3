// TikTok's webhook signature (../shared/tiktok-api.md §5): `Tiktok-Signature: t=<unix seconds>,s=<hex>`
// with s = hex(HMAC_SHA256(app secret, t + "." + raw body)). Verified on the raw bytes (re-serialised
// JSON does not round-trip), parts read by name, compared in constant time, stale times refused.
// Framework-free and dependency-free: `tail` and the `tiktok-channel/webhooks` entry share it.
//
// Three faces, so that the easy use is the safe one: `verifySignature` is a plain boolean (an object
// result is truthy even for a forgery, so `if (!verify(...))` let forgeries through in 0.1),
// `checkSignature` gives the reason, `constructEvent` throws unless the delivery is genuine and fresh.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeEvent, type DecodedEvent } from './events.js';
import { WEBHOOK_TOLERANCE_SECONDS } from './limits.js';

/** `invalid_options`: toleranceSeconds or now() is not a finite number, or the secret is not a string. */
export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'invalid_options';

export interface VerifySignatureInput {
  /** The request body exactly as received. */
  rawBody: string | Uint8Array | ArrayBuffer;
  /** The `Tiktok-Signature` header value. */
  header: string | null | undefined;
  /** The app's client secret. */
  secret: string;
  /** How far `t` may be from now, either way (default 300 s; TikTok's sample uses 5 s). */
  toleranceSeconds?: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export type CheckSignatureResult =
  | { ok: true; reason: null; message: string; timestamp: number }
  | { ok: false; reason: SignatureFailure; message: string; timestamp: number | null };

/** Thrown by constructEvent for a delivery that is not genuine and fresh; `reason` says why. */
export class WebhookSignatureError extends Error {
  readonly reason: SignatureFailure;
  readonly timestamp: number | null;
  constructor(message: string, reason: SignatureFailure, timestamp: number | null = null) {
    super(message);
    this.name = 'WebhookSignatureError';
    this.reason = reason;
    this.timestamp = timestamp;
  }
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Reads `t=…,s=…` by name; order and spaces do not matter, unknown parts are ignored. */
export function parseSignatureHeader(header: string): { t?: string; s: string[] } {
  const parts: { t?: string; s: string[] } = { s: [] };
  for (const piece of header.split(',')) {
    const index = piece.indexOf('=');
    if (index < 0) continue;
    const key = piece.slice(0, index).trim();
    const value = piece.slice(index + 1).trim();
    if (key === 't' && parts.t === undefined) parts.t = value;
    // More than one `s` may appear while a secret rotates: any match is accepted.
    else if (key === 's') parts.s.push(value);
  }
  return parts;
}

/** The body as bytes or text, or null when it is neither (a parsed object cannot be verified). */
function bodyBytes(rawBody: unknown): string | Uint8Array | null {
  if (typeof rawBody === 'string' || rawBody instanceof Uint8Array) return rawBody;
  if (rawBody instanceof ArrayBuffer) return new Uint8Array(rawBody);
  return null;
}

function hmac(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

const fail = (reason: SignatureFailure, message: string, timestamp: number | null = null): CheckSignatureResult => ({ ok: false, reason, message, timestamp });

function check(input: VerifySignatureInput): CheckSignatureResult {
  if (typeof input !== 'object' || input === null) return fail('invalid_options', 'Pass {rawBody, header, secret}.');
  const { header: rawHeader, secret, toleranceSeconds, now } = input;
  const rawBody = bodyBytes(input.rawBody);
  if (rawBody === null) return fail('malformed', 'rawBody must be the request body as received: a string, Buffer, Uint8Array or ArrayBuffer (not parsed JSON).');
  if (rawHeader !== undefined && rawHeader !== null && typeof rawHeader !== 'string') return fail('malformed', 'The Tiktok-Signature header must be a string.');
  const header = rawHeader?.trim();
  if (!header) return fail('missing', 'The Tiktok-Signature header is missing.');
  if (typeof secret !== 'string') return fail('invalid_options', 'secret must be the app client secret, a string.');
  if (!secret) return fail('mismatch', 'No app secret to verify the signature with.');
  // A NaN tolerance or clock (an unset Number(process.env.X)) would make every age comparison false,
  // that is: switch the staleness check off. Refuse them instead.
  const tolerance = toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    return fail('invalid_options', `toleranceSeconds must be a finite number of seconds, 0 or more (got ${String(tolerance)}).`);
  }
  if (now !== undefined && typeof now !== 'function') return fail('invalid_options', 'now must be a function returning epoch milliseconds.');
  const nowMs = (now ?? Date.now)();
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) return fail('invalid_options', `now() must return finite epoch milliseconds (got ${String(nowMs)}).`);

  const { t, s } = parseSignatureHeader(header);
  if (t === undefined || !/^\d{1,13}$/.test(t) || s.length === 0) {
    return fail('malformed', 'The Tiktok-Signature header is not of the form t=<unix seconds>,s=<hex>.');
  }
  const candidates = s.filter((value) => HEX_SHA256.test(value));
  if (candidates.length === 0) return fail('malformed', 'The signature part s= is not a hex SHA-256 digest.');
  // Some senders use milliseconds; the HMAC covers `t` as sent either way.
  const seconds = t.length > 11 ? Math.floor(Number(t) / 1000) : Number(t);
  const nowSeconds = Math.floor(nowMs / 1000);
  const expected = hmac(secret, t, rawBody);
  // Compare before judging the time, so a forged signature is reported as forged whatever its age.
  const matches = candidates.some((value) => timingSafeEqual(Buffer.from(value.toLowerCase(), 'hex'), expected));
  if (!matches) return fail('mismatch', 'The signature does not match the body (wrong app secret, or the body was changed).');
  // Written so that anything but a provably small age is stale.
  if (!(Math.abs(nowSeconds - seconds) <= tolerance)) {
    return fail('stale', `The signature time is ${nowSeconds - seconds} s away from now (tolerance ${tolerance} s).`, seconds);
  }
  return { ok: true, reason: null, message: 'The signature is genuine and fresh.', timestamp: seconds };
}

/** The detailed verdict: `{ok, reason, message, timestamp}`. Never throws. */
export function checkSignature(input: VerifySignatureInput): CheckSignatureResult {
  try {
    return check(input);
  } catch {
    // A throwing getter or Proxy in the input: nothing about it can be trusted.
    return fail('malformed', 'The input could not be read.');
  }
}

/** true only for a genuine, fresh delivery; false for anything else, malformed input included. Never throws. */
export function verifySignature(input: VerifySignatureInput): boolean {
  return checkSignature(input).ok === true;
}

/** Verifies, then decodes: the decoded event, or a WebhookSignatureError naming the reason. */
export function constructEvent(input: VerifySignatureInput): DecodedEvent {
  const result = checkSignature(input);
  if (!result.ok) throw new WebhookSignatureError(result.message, result.reason, result.timestamp);
  return decodeEvent(bodyBytes(input.rawBody)!);
}

/** The header value TikTok would send for this body at this time: `t=…,s=…`. */
export function signPayload(secret: string, rawBody: string | Uint8Array, timestampSeconds: number): string {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('signPayload(secret, rawBody, timestampSeconds): secret must be a non-empty string.');
  const body = bodyBytes(rawBody);
  if (body === null) throw new TypeError('signPayload(secret, rawBody, timestampSeconds): rawBody must be a string or bytes.');
  if (typeof timestampSeconds !== 'number' || !Number.isFinite(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError(`signPayload(secret, rawBody, timestampSeconds): timestampSeconds must be finite epoch seconds (got ${String(timestampSeconds)}).`);
  }
  const t = String(Math.floor(timestampSeconds));
  return `t=${t},s=${hmac(secret, t, body).toString('hex')}`;
}
