// The Web Crypto face of the webhook signature check: `verifySignatureAsync`, `checkSignatureAsync` and
// `constructEventAsync`, judged by the same signature-core.ts as the Node build, with the HMAC from
// `crypto.subtle` (Cloudflare Workers, Vercel Edge, Deno, Bun, browsers, and Node 20 too). No `node:`
// import, so the edge build of `tiktok-channel/webhooks` is made of this, the decoder and nothing else.
import { decodeEvent, type DecodedEvent } from './events.js';
import {
  bodyBytes,
  fail,
  finishCheck,
  isPrepared,
  prepareCheck,
  signedBytes,
  WebhookSignatureError,
  type CheckSignatureResult,
  type VerifySignatureInput,
} from './signature-core.js';

const encoder = new TextEncoder();

async function hmac(secret: string, message: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('Web Crypto (crypto.subtle) is not available in this runtime.');
  const key = await subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', key, message));
}

/** The detailed verdict `{ok, reason, message, timestamp}`, as checkSignature. Never rejects. */
export async function checkSignatureAsync(input: VerifySignatureInput): Promise<CheckSignatureResult> {
  try {
    const prepared = prepareCheck(input);
    if (!isPrepared(prepared)) return prepared;
    return finishCheck(prepared, await hmac(prepared.secret, signedBytes(prepared.t, prepared.rawBody)));
  } catch {
    // A throwing getter or Proxy in the input, or no Web Crypto: never a pass.
    return fail('malformed', 'The input could not be read, or Web Crypto is not available.');
  }
}

/** true only for a genuine, fresh delivery; false for anything else. Never rejects. */
export async function verifySignatureAsync(input: VerifySignatureInput): Promise<boolean> {
  return (await checkSignatureAsync(input)).ok === true;
}

/** Verifies, then decodes; rejects with a WebhookSignatureError naming the reason. */
export async function constructEventAsync(input: VerifySignatureInput): Promise<DecodedEvent> {
  const result = await checkSignatureAsync(input);
  if (!result.ok) throw new WebhookSignatureError(result.message, result.reason, result.timestamp);
  return decodeEvent(bodyBytes(input.rawBody)!);
}
