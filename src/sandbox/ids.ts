// Identifiers shaped like TikTok's, so clients meet the same quirks (base64 `+`, `/`, `=` in ids).
import { nodeCrypto } from '../lazy-crypto.js';

const randomBytes = (size: number) => nodeCrypto().randomBytes(size);

function base64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function accessToken(): string {
  return `act.${base64url(36)}`;
}

export function refreshToken(): string {
  return `rft.${base64url(36)}`;
}

/** TikTok codes carry `*` and `!`, which a careless client may mangle when copying from the callback. */
export function authCode(): string {
  return `${base64url(30)}*0!${randomDigits(4)}.va`;
}

export function openId(): string {
  return `-000${base64url(24)}`;
}

/** Always contains `+`, `/` and `=`: a client that forgets to percent-encode breaks at once. */
export function conversationId(): string {
  for (;;) {
    // 20 bytes → 28 characters ending in a single `=`.
    const id = randomBytes(20).toString('base64');
    if (id.includes('+') && id.includes('/')) return id;
  }
}

export function randomDigits(length: number): string {
  let out = '';
  const bytes = randomBytes(length);
  for (let i = 0; i < length; i++) out += String(bytes[i]! % 10);
  return out;
}

/** Long numeric strings, like TikTok's message ids: they must stay strings (beyond 2^53). */
export function messageId(): string {
  return `7${randomDigits(18)}`;
}

export function mediaId(): string {
  return `v0f025gc0000${randomBytes(10).toString('hex')}`;
}

export function shortId(): string {
  return randomBytes(6).toString('hex');
}

/** TikTok-style request id / x-tt-logid: UTC timestamp then hex. */
export function requestId(now: number): string {
  const d = new Date(now);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  // Every answer carries one and nothing depends on its secrecy: no node:crypto for a plain API call.
  let hex = '';
  while (hex.length < 20)
    hex += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return `${stamp}${hex.slice(0, 20).toUpperCase()}`;
}
