// Tiktok-Signature verification, checked against an HMAC computed here independently.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../src/tiktok/signature.js';

const SECRET = 'app-secret';
const BODY = '{"event":"im_receive_msg","content":"{\\"text\\":{\\"body\\":\\"héllo\\"}}"}';
const NOW = 1_732_459_200_000;
const t = NOW / 1000;
const sign = (secret: string, time: number, body: string) => createHmac('sha256', secret).update(`${time}.${body}`).digest('hex');

describe('verifySignature', () => {
  it('accepts a signature made with the app secret over t.body, parts in any order', () => {
    const s = sign(SECRET, t, BODY);
    expect(verifySignature({ rawBody: BODY, header: `t=${t},s=${s}`, secret: SECRET, now: () => NOW })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature({ rawBody: new TextEncoder().encode(BODY), header: ` s=${s.toUpperCase()} , t=${t}`, secret: SECRET, now: () => NOW }).ok).toBe(true);
    expect(signPayload(SECRET, BODY, t)).toBe(`t=${t},s=${s}`);
  });

  it('refuses missing, malformed, wrong and stale signatures, each with its reason', () => {
    const s = sign(SECRET, t, BODY);
    const check = (header: string | undefined, options: { body?: string; now?: number; tolerance?: number } = {}) =>
      verifySignature({ rawBody: options.body ?? BODY, header, secret: SECRET, now: () => options.now ?? NOW, toleranceSeconds: options.tolerance });
    expect(check(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(check('')).toMatchObject({ ok: false, reason: 'missing' });
    expect(check(s)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=abc,s=${s}`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=${t},s=zz`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=${t},s=${sign('other', t, BODY)}`)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(`t=${t},s=${s}`, { body: BODY.replace('héllo', 'hello') })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(`t=${t + 1},s=${s}`)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(`t=${t},s=${s}`, { now: NOW + 301_000 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check(`t=${t},s=${s}`, { now: NOW - 301_000 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check(`t=${t},s=${s}`, { now: NOW + 6_000, tolerance: 5 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check(`t=${t},s=${s}`, { now: NOW + 299_000 }).ok).toBe(true);
  });
});
