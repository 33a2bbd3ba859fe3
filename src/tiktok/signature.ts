// TikTok's webhook signature (../shared/tiktok-api.md §5): `Tiktok-Signature: t=<unix seconds>,s=<hex>`
// with s = hex(HMAC_SHA256(app secret, t + "." + raw body)). Verified on the raw bytes (re-serialised
// JSON does not round-trip), parts read by name, compared in constant time, stale times refused.
// Framework-free and dependency-free: `tail` and the `tiktok-channel/webhooks` entry share it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_TOLERANCE_SECONDS } from './limits.js';

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

export interface VerifySignatureInput {
  /** The request body exactly as received. */
  rawBody: string | Uint8Array;
  /** The `Tiktok-Signature` header value. */
  header: string | null | undefined;
  /** The app's client secret. */
  secret: string;
  /** How far `t` may be from now, either way (default 300 s; TikTok's sample uses 5 s). */
  toleranceSeconds?: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export type VerifySignatureResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: SignatureFailure; message: string };

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

function hmac(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

export function verifySignature(input: VerifySignatureInput): VerifySignatureResult {
  const header = input.header?.trim();
  if (!header) return { ok: false, reason: 'missing', message: 'The Tiktok-Signature header is missing.' };
  if (!input.secret) return { ok: false, reason: 'mismatch', message: 'No app secret to verify the signature with.' };
  const { t, s } = parseSignatureHeader(header);
  if (t === undefined || !/^\d{1,13}$/.test(t) || s.length === 0) {
    return { ok: false, reason: 'malformed', message: 'The Tiktok-Signature header is not of the form t=<unix seconds>,s=<hex>.' };
  }
  const candidates = s.filter((value) => HEX_SHA256.test(value));
  if (candidates.length === 0) return { ok: false, reason: 'malformed', message: 'The signature part s= is not a hex SHA-256 digest.' };
  // Some senders use milliseconds; the HMAC covers `t` as sent either way.
  const seconds = t.length > 11 ? Math.floor(Number(t) / 1000) : Number(t);
  const nowSeconds = Math.floor((input.now ?? Date.now)() / 1000);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const expected = hmac(input.secret, t, input.rawBody);
  // Compare before judging the time, so a forged signature is reported as forged whatever its age.
  const matches = candidates.some((value) => timingSafeEqual(Buffer.from(value.toLowerCase(), 'hex'), expected));
  if (!matches) return { ok: false, reason: 'mismatch', message: 'The signature does not match the body (wrong app secret, or the body was changed).' };
  if (Math.abs(nowSeconds - seconds) > tolerance) {
    return { ok: false, reason: 'stale', message: `The signature time is ${nowSeconds - seconds} s away from now (tolerance ${tolerance} s).` };
  }
  return { ok: true, timestamp: seconds };
}

/** The header value TikTok would send for this body at this time: `t=…,s=…`. */
export function signPayload(secret: string, rawBody: string | Uint8Array, timestampSeconds: number): string {
  const t = String(Math.floor(timestampSeconds));
  return `t=${t},s=${hmac(secret, t, rawBody).toString('hex')}`;
}
