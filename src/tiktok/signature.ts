// TikTok's webhook signature (../shared/tiktok-api.md §5): `Tiktok-Signature: t=<unix seconds>,s=<hex>`
// with s = hex(HMAC_SHA256(app secret, t + "." + raw body)). Verified on the raw bytes (re-serialised
// JSON does not round-trip), parts read by name, compared in constant time, stale times refused.
// Framework-free and dependency-free: `tail` and the `tiktok-channel/webhooks` entry share it. This is
// the Node build (node:crypto, synchronous); signature-web.ts is the Web Crypto one, signature-core.ts
// what both share.
//
// Three faces, so that the easy use is the safe one: `verifySignature` is a plain boolean (an object
// result is truthy even for a forgery, so `if (!verify(...))` let forgeries through in 0.1),
// `checkSignature` gives the reason, `constructEvent` throws unless the delivery is genuine and fresh.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeEvent, type DecodedEvent } from './events.js';
import {
  bodyBytes,
  fail,
  finishCheck,
  isPrepared,
  prepareCheck,
  WebhookSignatureError,
  type CheckSignatureResult,
  type VerifySignatureInput,
} from './signature-core.js';

export {
  parseSignatureHeader,
  WebhookSignatureError,
  type CheckSignatureResult,
  type SignatureFailure,
  type VerifySignatureInput,
} from './signature-core.js';

function hmac(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

const timingSafe = (a: Uint8Array, b: Uint8Array) => a.length === b.length && timingSafeEqual(a, b);

/** The detailed verdict: `{ok, reason, message, timestamp}`. Never throws. */
export function checkSignature(input: VerifySignatureInput): CheckSignatureResult {
  try {
    const prepared = prepareCheck(input);
    if (!isPrepared(prepared)) return prepared;
    return finishCheck(prepared, hmac(prepared.secret, prepared.t, prepared.rawBody), timingSafe);
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
