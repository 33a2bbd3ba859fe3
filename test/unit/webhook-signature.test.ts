// Tiktok-Signature verification, checked against an HMAC computed here independently, the way TikTok
// signs: hex(HMAC_SHA256(client secret, t + "." + raw body)).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSignature, constructEvent, signPayload, verifySignature, WebhookSignatureError, type VerifySignatureInput } from '../../src/tiktok/signature.js';

const SECRET = 'app-secret';
const BODY = '{"event":"im_receive_msg","content":"{\\"text\\":{\\"body\\":\\"héllo\\"}}"}';
const NOW = 1_732_459_200_000;
const t = NOW / 1000;
const sign = (secret: string, time: number, body: string) => createHmac('sha256', secret).update(`${time}.${body}`).digest('hex');

// A high-intent comment as one integration's fixture has it: bare 19-digit ids, in `content` (a JSON
// string) and in the outer body, and the comment's text as text.body.
const BIG_ID_BODY =
  '{"client_key":"awclient","event":"im_receive_high_intent_comment","create_time":1732459200,"user_openid":"-000biz","request_id":7247303576418566999,' +
  '"content":"{\\"comment_id\\":7247303576418566913,\\"video_id\\":7247303576418566001,\\"from_user\\":{\\"id\\":7301234567890123457,\\"role\\":\\"personal_account\\"},' +
  '\\"to_user\\":{\\"id\\":\\"-000biz\\",\\"role\\":\\"business_account\\"},\\"text\\":{\\"body\\":\\"How much is the blue mug?\\"},\\"is_follower\\":true,\\"timestamp\\":1732459200}"}';

describe('checkSignature', () => {
  it('accepts a signature made with the app secret over t.body, parts in any order', () => {
    const s = sign(SECRET, t, BODY);
    expect(checkSignature({ rawBody: BODY, header: `t=${t},s=${s}`, secret: SECRET, now: () => NOW })).toMatchObject({ ok: true, reason: null, timestamp: t });
    expect(checkSignature({ rawBody: new TextEncoder().encode(BODY), header: ` s=${s.toUpperCase()} , t=${t}`, secret: SECRET, now: () => NOW }).ok).toBe(true);
    expect(signPayload(SECRET, BODY, t)).toBe(`t=${t},s=${s}`);
  });

  it('refuses missing, malformed, wrong and stale signatures, each with its reason', () => {
    const s = sign(SECRET, t, BODY);
    const check = (header: string | undefined, options: { body?: string; now?: number; tolerance?: number } = {}) =>
      checkSignature({ rawBody: options.body ?? BODY, header, secret: SECRET, now: () => options.now ?? NOW, toleranceSeconds: options.tolerance });
    expect(check(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(check('')).toMatchObject({ ok: false, reason: 'missing' });
    expect(check(s)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=abc,s=${s}`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=${t},s=zz`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check(`t=${t},s=${sign('other', t, BODY)}`)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(`t=${t},s=${s}`, { body: BODY.replace('héllo', 'hello') })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(`t=${t + 1},s=${s}`)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(`t=${t},s=${s}`, { now: NOW + 301_000 })).toMatchObject({ ok: false, reason: 'stale', timestamp: t });
    expect(check(`t=${t},s=${s}`, { now: NOW - 301_000 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check(`t=${t},s=${s}`, { now: NOW + 6_000, tolerance: 5 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(check(`t=${t},s=${s}`, { now: NOW + 299_000 }).ok).toBe(true);
  });

  it('never switches the age check off: a non-finite tolerance or clock is refused', () => {
    const hourOld = signPayload(SECRET, BODY, t - 3600);
    for (const input of [
      { toleranceSeconds: Number.NaN, now: () => NOW },
      { toleranceSeconds: Number(undefined), now: () => NOW },
      { toleranceSeconds: Infinity, now: () => NOW },
      { toleranceSeconds: -1, now: () => NOW },
      { now: () => Number.NaN },
      { now: () => Infinity },
    ]) {
      expect(verifySignature({ rawBody: BODY, header: hourOld, secret: SECRET, ...input })).toBe(false);
      expect(checkSignature({ rawBody: BODY, header: hourOld, secret: SECRET, ...input })).toMatchObject({ ok: false, reason: 'invalid_options' });
    }
  });
});

describe('verifySignature', () => {
  it('is a boolean: true for a genuine fresh delivery, false (falsy) for a forgery', () => {
    const genuine = verifySignature({ rawBody: BODY, header: signPayload(SECRET, BODY, t), secret: SECRET, now: () => NOW });
    const forged = verifySignature({
      rawBody: BODY.replace('héllo', 'send me the refund'),
      header: signPayload(SECRET, BODY, t),
      secret: SECRET,
      now: () => NOW,
    });
    expect(genuine).toBe(true);
    expect(forged).toBe(false);
    // The misuse 0.1 allowed: `if (!verifySignature(...)) return 401` now refuses the forgery.
    let answered = 200;
    if (!forged) answered = 401;
    expect(answered).toBe(401);
  });

  it('returns false, without throwing, for input of the wrong types', () => {
    const header = signPayload(SECRET, BODY, t);
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    const cases: unknown[] = [
      { rawBody: BODY, header: [header], secret: SECRET, now: () => NOW },
      { rawBody: BODY, header: 42, secret: SECRET, now: () => NOW },
      { rawBody: JSON.parse(BODY), header, secret: SECRET, now: () => NOW },
      { rawBody: 12, header, secret: SECRET, now: () => NOW },
      { rawBody: null, header, secret: SECRET, now: () => NOW },
      { rawBody: BODY, header, secret: 12, now: () => NOW },
      { rawBody: BODY, header, secret: SECRET, now: 'soon' },
      {
        rawBody: BODY,
        header,
        secret: SECRET,
        now: () => {
          throw new Error('clock');
        },
      },
      undefined,
      null,
      'body',
      hostile,
    ];
    for (const input of cases) {
      expect(() => verifySignature(input as VerifySignatureInput)).not.toThrow();
      expect(verifySignature(input as VerifySignatureInput)).toBe(false);
      expect(checkSignature(input as VerifySignatureInput).ok).toBe(false);
    }
    // The same body as an ArrayBuffer is bytes too.
    expect(verifySignature({ rawBody: new TextEncoder().encode(BODY).buffer as ArrayBuffer, header, secret: SECRET, now: () => NOW })).toBe(true);
  });
});

describe('constructEvent', () => {
  it('returns the decoded event of a delivery signed as TikTok signs, 19-digit ids exact', () => {
    const header = `t=${t},s=${sign(SECRET, t, BIG_ID_BODY)}`;
    const event = constructEvent({ rawBody: Buffer.from(BIG_ID_BODY), header, secret: SECRET, now: () => NOW });
    expect(event.kind).toBe('high_intent_comment');
    expect(event.comment).toEqual({ id: '7247303576418566913', text: 'How much is the blue mug?' });
    expect(event.direction).toBe('inbound');
    expect(event.user?.id).toBe('7301234567890123457');
    expect((event.raw.content as Record<string, unknown>).video_id).toBe('7247303576418566001');
    expect(event.raw.request_id).toBe('7247303576418566999');
  });

  it('throws WebhookSignatureError with the reason for anything not genuine and fresh', () => {
    const header = `t=${t},s=${sign(SECRET, t, BIG_ID_BODY)}`;
    const attempt = (input: Partial<VerifySignatureInput>) => {
      try {
        constructEvent({ rawBody: BIG_ID_BODY, header, secret: SECRET, now: () => NOW, ...input } as VerifySignatureInput);
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookSignatureError);
        return (error as WebhookSignatureError).reason;
      }
      return 'accepted';
    };
    expect(attempt({})).toBe('accepted');
    expect(attempt({ rawBody: BIG_ID_BODY.replace('blue', 'red') })).toBe('mismatch');
    expect(attempt({ secret: 'another-app' })).toBe('mismatch');
    expect(attempt({ header: undefined })).toBe('missing');
    expect(attempt({ header: 'garbage' })).toBe('malformed');
    expect(attempt({ now: () => NOW + 3_600_000 })).toBe('stale');
    expect(attempt({ toleranceSeconds: Number.NaN })).toBe('invalid_options');
  });
});

describe('signPayload', () => {
  it('refuses a time that is not finite epoch seconds, and a missing secret or body', () => {
    expect(() => signPayload(SECRET, BODY, Number.NaN)).toThrow(TypeError);
    expect(() => signPayload(SECRET, BODY, Number.NaN)).toThrow(/timestampSeconds/);
    expect(() => signPayload(SECRET, BODY, Infinity)).toThrow(TypeError);
    expect(() => signPayload('', BODY, t)).toThrow(/secret/);
    expect(() => signPayload(SECRET, { a: 1 } as unknown as string, t)).toThrow(/rawBody/);
  });
});
