// The runtime-free part of TikTok's webhook signature check (../shared/tiktok-api.md §5), shared by the
// Node build (signature.ts: node:crypto, synchronous) and the edge build (signature-web.ts: Web Crypto,
// asynchronous), so both judge every header, option and age identically. No `node:` import here.
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
export function bodyBytes(rawBody: unknown): string | Uint8Array | null {
  if (typeof rawBody === 'string' || rawBody instanceof Uint8Array) return rawBody;
  if (rawBody instanceof ArrayBuffer) return new Uint8Array(rawBody);
  return null;
}

export const fail = (reason: SignatureFailure, message: string, timestamp: number | null = null): CheckSignatureResult => ({
  ok: false,
  reason,
  message,
  timestamp,
});

/** What remains once the header and options are judged: compute the HMAC of `t.` + body, then finish(). */
export interface PreparedCheck {
  t: string;
  seconds: number;
  nowSeconds: number;
  tolerance: number;
  candidates: string[];
  rawBody: string | Uint8Array;
  secret: string;
}

export function prepareCheck(input: VerifySignatureInput): CheckSignatureResult | PreparedCheck {
  if (typeof input !== 'object' || input === null) return fail('invalid_options', 'Pass {rawBody, header, secret}.');
  const { header: rawHeader, secret, toleranceSeconds, now } = input;
  const rawBody = bodyBytes(input.rawBody);
  if (rawBody === null)
    return fail('malformed', 'rawBody must be the request body as received: a string, Buffer, Uint8Array or ArrayBuffer (not parsed JSON).');
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
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
    return fail('invalid_options', `now() must return finite epoch milliseconds (got ${String(nowMs)}).`);

  const { t, s } = parseSignatureHeader(header);
  if (t === undefined || !/^\d{1,13}$/.test(t) || s.length === 0) {
    return fail('malformed', 'The Tiktok-Signature header is not of the form t=<unix seconds>,s=<hex>.');
  }
  const candidates = s.filter((value) => HEX_SHA256.test(value));
  if (candidates.length === 0) return fail('malformed', 'The signature part s= is not a hex SHA-256 digest.');
  // Some senders use milliseconds; the HMAC covers `t` as sent either way.
  const seconds = t.length > 11 ? Math.floor(Number(t) / 1000) : Number(t);
  const nowSeconds = Math.floor(nowMs / 1000);
  return { t, seconds, nowSeconds, tolerance, candidates, rawBody, secret };
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Constant time for equal lengths: every byte is looked at whatever the first difference. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** The verdict, given the HMAC computed for the prepared check. */
export function finishCheck(
  prepared: PreparedCheck,
  expected: Uint8Array,
  equal: (a: Uint8Array, b: Uint8Array) => boolean = equalBytes,
): CheckSignatureResult {
  const { seconds, nowSeconds, tolerance } = prepared;
  // Compare before judging the time, so a forged signature is reported as forged whatever its age.
  const matches = prepared.candidates.some((value) => equal(hexBytes(value), expected));
  if (!matches) return fail('mismatch', 'The signature does not match the body (wrong app secret, or the body was changed).');
  // Written so that anything but a provably small age is stale.
  if (!(Math.abs(nowSeconds - seconds) <= tolerance)) {
    return fail('stale', `The signature time is ${nowSeconds - seconds} s away from now (tolerance ${tolerance} s).`, seconds);
  }
  return { ok: true, reason: null, message: 'The signature is genuine and fresh.', timestamp: seconds };
}

export const isPrepared = (value: CheckSignatureResult | PreparedCheck): value is PreparedCheck => 'candidates' in value;

/** The message hashed: `t.` then the body, as bytes. */
export function signedBytes(t: string, rawBody: string | Uint8Array): Uint8Array {
  const head = encoder.encode(`${t}.`);
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return all;
}

const encoder = new TextEncoder();
