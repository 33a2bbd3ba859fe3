// The sandbox's send rules at their edges (cards, sender actions, quoted images), the per-second rate
// limit, the OAuth (PKCE) modes and the doctor support (Date skew, intermittent faults, the
// advanced-access-rollout scenario), through the handler with a controlled clock.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createSandboxHandler, type SandboxHandlerOptions } from '../../src/sandbox/handler.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import { call, REDIRECT, SCOPES, START } from '../helpers/handler.js';

const ORIGIN = 'http://sandbox.test';
const API = `${ORIGIN}/open_api/v1.3/`;
const CONTROL = `${ORIGIN}/sandbox`;
const AUTHORIZE = `${ORIGIN}/v2/auth/authorize/`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const hex = (verifier: string) => createHash('sha256').update(verifier).digest('hex');
const VERIFIER = 'a-verifier-of-enough-length-0123456789-abcdefghijklmnop';

function world(options: SandboxHandlerOptions = {}) {
  let now = START;
  const handler = createSandboxHandler({ clock: () => now, webhookDelivery: 'manual', ...options });
  const w = {
    handler,
    now: () => now,
    tick: (ms: number) => (now += ms),
    control: (method: string, path: string, body?: unknown) => call(handler, method, `${CONTROL}/${path}`, body),
    async authorize(extra: Record<string, string> = {}) {
      return (await w.control('POST', 'authorize', { client_key: SANDBOX_APP.client_key, redirect_uri: REDIRECT, scope: SCOPES, state: 's', ...extra })).json;
    },
    exchange: (code: string, extra: Record<string, unknown> = {}) =>
      call(handler, 'POST', `${API}tt_user/oauth2/token/`, {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'authorization_code',
        auth_code: code,
        redirect_uri: REDIRECT,
        ...extra,
      }),
    async token(businessId?: string) {
      const consent = await w.authorize(businessId ? { business_id: businessId } : {});
      return (await w.exchange(consent.code)).json.data.access_token as string;
    },
    send: (token: string, body: Record<string, unknown>) =>
      call(
        handler,
        'POST',
        `${API}business/message/send/`,
        { business_id: SEED.defaultBusinessId, recipient_type: 'CONVERSATION', recipient: SEED.conversations.maya, ...body },
        { 'access-token': token },
      ),
    business: (token: string, businessId: string = SEED.defaultBusinessId) =>
      call(handler, 'GET', `${API}business/get/?${new URLSearchParams({ business_id: businessId })}`, undefined, { 'access-token': token }),
    conversations: (token: string) =>
      call(
        handler,
        'GET',
        `${API}business/message/conversation/list/?${new URLSearchParams({ business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE' })}`,
        undefined,
        { 'access-token': token },
      ),
  };
  return w;
}

describe('template cards at the edges of their limits (40002 naming the limit)', () => {
  const card = (type: string, title: string, buttons: { title: string; id: string }[]) => ({
    message_type: 'TEMPLATE',
    template: { type, title, buttons: buttons.map((b) => ({ type: 'REPLY', ...b })) },
  });
  const button = (n: number) => ({ title: `Option ${n}`, id: `opt-${n}` });

  it('title ≤ 40, 1–3 buttons, button-card labels ≤ 20, link-card labels ≤ 40, ids ≤ 40 (in characters, not UTF-16 units)', async () => {
    const w = world();
    const token = await w.token();
    // Each send uses the quota: the user writes again before every attempt.
    const attempt = async (body: Record<string, unknown>) => {
      await w.control('POST', 'messages', { from_username: 'maya.lopez', text: 'next?' });
      return (await w.send(token, body)).json;
    };
    const accepted = [
      card('QA_BUTTON_CARD', 'x'.repeat(39) + '😀', [button(1)]),
      card('QA_BUTTON_CARD', 'Pick one', [button(1), button(2), button(3)]),
      card('QA_BUTTON_CARD', 'Pick one', [{ title: 'y'.repeat(20), id: 'i'.repeat(40) }]),
      card('QA_LINK_CARD', 'Pick one', [{ title: 'z'.repeat(40), id: 'link' }]),
    ];
    for (const body of accepted) expect(await attempt(body)).toMatchObject({ code: 0, data: { message: { message_id: expect.stringMatching(/^\d+$/) } } });
    const refused: [Record<string, unknown>, RegExp][] = [
      [card('QA_BUTTON_CARD', 'x'.repeat(41), [button(1)]), /title must be 1 to 40 characters \(got 41\)/],
      [card('QA_BUTTON_CARD', 'Pick one', []), /1 to 3 buttons \(got 0\)/],
      [card('QA_BUTTON_CARD', 'Pick one', [button(1), button(2), button(3), button(4)]), /1 to 3 buttons \(got 4\)/],
      [card('QA_BUTTON_CARD', 'Pick one', [{ title: 'y'.repeat(21), id: 'a' }]), /title must be 1 to 20 characters on a QA_BUTTON_CARD \(got 21\)/],
      [card('QA_LINK_CARD', 'Pick one', [{ title: 'z'.repeat(41), id: 'a' }]), /title must be 1 to 40 characters on a QA_LINK_CARD \(got 41\)/],
      [card('QA_BUTTON_CARD', 'Pick one', [{ title: 'ok', id: 'i'.repeat(41) }]), /id must be 1 to 40 characters \(got 41\)/],
    ];
    for (const [body, message] of refused) {
      const answer = await attempt(body);
      expect(answer.code).toBe(40002);
      expect(answer.message).toMatch(message);
    }
  });
});

describe('sender actions and quoted replies', () => {
  it('TYPING costs no quota, answers an empty id and shows as typing for about 5 s; MARK_READ costs nothing either', async () => {
    const w = world();
    const token = await w.token();
    const typing = await w.send(token, { message_type: 'SENDER_ACTION', sender_action: 'TYPING' });
    expect(typing.json).toMatchObject({ code: 0, data: { message: { message_id: '' } } });
    const conv = () => w.control('GET', 'state').then((s) => s.json.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya));
    expect(await conv()).toMatchObject({ typing: true, typing_until: w.now() + 5000, window: { messages_left: 10 } });
    w.tick(4_999);
    expect((await conv()).typing).toBe(true);
    w.tick(1);
    expect((await conv()).typing).toBe(false);
    expect((await w.send(token, { message_type: 'SENDER_ACTION', sender_action: 'MARK_READ' })).json.data.message.message_id).toBe('');
    expect((await conv()).window.messages_left).toBe(10);
    // A real message ends the indicator at once.
    await w.send(token, { message_type: 'SENDER_ACTION', sender_action: 'TYPING' });
    await w.send(token, { message_type: 'TEXT', text: { body: 'Here you go' } });
    expect(await conv()).toMatchObject({ typing: false, typing_until: null, window: { messages_left: 9 } });
  });

  it('referenced_message_info is allowed with IMAGE as with TEXT', async () => {
    const w = world();
    const token = await w.token();
    const state = (await w.control('GET', 'state')).json;
    const target = state.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya).messages[0].message_id;
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const boundary = 'sandboxtestboundary';
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="business_id"\r\n\r\n${SEED.defaultBusinessId}\r\n--${boundary}\r\nContent-Disposition: form-data; name="media_type"\r\n\r\nIMAGE\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = await w.handler.handle({
      method: 'POST',
      url: `${API}business/message/media/upload/`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'access-token': token },
      body: new Uint8Array(multipart),
    });
    const mediaId = JSON.parse(decoder.decode(upload.body)).data.media_id;
    const quoted = await w.send(token, { message_type: 'IMAGE', image: { media_id: mediaId }, referenced_message_info: { referenced_message_id: target } });
    expect(quoted.json.code).toBe(0);
    const shared = await w.send(token, {
      message_type: 'SHARE_POST',
      share_post: { item_id: SEED.posts[0] },
      referenced_message_info: { referenced_message_id: target },
    });
    expect(shared.json).toMatchObject({ code: 40002, message: expect.stringMatching(/TEXT or IMAGE/) });
  });
});

describe('per-second rate limit (40100 per app, sliding one-second window)', () => {
  it('refuses past N in one second and never at or under N; recovers as the window slides', async () => {
    const w = world();
    const token = await w.token();
    expect((await w.control('POST', 'limits', { requests_per_second: 3 })).json).toEqual({ requests_per_minute: expect.any(Number), requests_per_second: 3 });
    const codes = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await w.business(token)).json.code);
      return out;
    };
    // At N per second, second after second: never refused.
    for (let second = 0; second < 4; second++) {
      expect(await codes(3)).toEqual([0, 0, 0]);
      w.tick(1000);
    }
    // Past N within one second: refused, with TikTok's message.
    expect(await codes(3)).toEqual([0, 0, 0]);
    const refused = await w.business(token);
    expect(refused.json).toMatchObject({ code: 40100, message: 'Too many requests. Please retry later.', data: {} });
    expect(refused.status).toBe(200);
    w.tick(999);
    expect((await w.business(token)).json.code).toBe(40100);
    w.tick(1);
    expect(await codes(3)).toEqual([0, 0, 0]);
    // The request log carries `at` and `code` for benches.
    const log = (await w.control('GET', 'state')).json.requests.filter((r: any) => r.path.endsWith('/business/get/'));
    expect(log.filter((r: any) => r.code === 40100)).toHaveLength(2);
    expect(log.every((r: any) => typeof r.at === 'number')).toBe(true);
  });

  it('counts per app, as TikTok does: its accounts and its app-level calls share one window; 0 turns it off', async () => {
    const w = world({ rps: 2 });
    const acme = await w.token();
    const other = await w.token(SEED.eeaBusinessId);
    w.tick(1000);
    const info = () => call(w.handler, 'POST', `${API}tt_user/token_info/get/`, { app_id: SANDBOX_APP.client_key, access_token: acme });
    expect((await w.business(acme)).json.code).toBe(0);
    expect((await w.business(other, SEED.eeaBusinessId)).json.code).toBe(0);
    // One call each: together they used the app's two for this second, whichever account asks next.
    expect((await w.business(acme)).json.code).toBe(40100);
    expect((await w.business(other, SEED.eeaBusinessId)).json.code).toBe(40100);
    expect((await info()).json.code).toBe(40100);
    w.tick(1000);
    expect((await info()).json.code).toBe(0);
    expect((await w.business(other, SEED.eeaBusinessId)).json.code).toBe(0);
    expect((await w.business(acme)).json.code).toBe(40100);
    // The host's --rps outlives a reset; the control API can turn it off.
    await w.control('POST', 'reset', {});
    expect((await w.control('GET', 'state')).json.limits.requests_per_second).toBe(2);
    await w.control('POST', 'limits', { requests_per_second: 0 });
    for (let i = 0; i < 5; i++) expect((await w.business(acme)).json.code).toBe(0);
    expect((await w.control('POST', 'limits', { requests_per_second: -1 })).status).toBe(400);
    expect((await w.control('POST', 'limits', { rps: 3 })).status).toBe(400);
  });

  it('time travel moves the window too: after `advance`, the second that was full is over', async () => {
    const w = world({ rps: 2 });
    const token = await w.token();
    w.tick(1000);
    expect([(await w.business(token)).json.code, (await w.business(token)).json.code, (await w.business(token)).json.code]).toEqual([0, 0, 40100]);
    await w.control('POST', 'clock', { advance_seconds: 1 });
    expect([(await w.business(token)).json.code, (await w.business(token)).json.code]).toEqual([0, 0]);
  });

  it('counts a request at the departure its client stamped (x-sandbox-sent-at), every window that holds it, read in any order', async () => {
    const w = world({ rps: 2 });
    const token = await w.token();
    // The token exchange counts too: well out of every window below.
    w.tick(3000);
    // This machine's clock stands still, so each stamp is exactly `lag` ms before the sandbox reads it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const sentBefore = (lag: number) =>
        call(w.handler, 'GET', `${API}business/get/?${new URLSearchParams({ business_id: SEED.defaultBusinessId })}`, undefined, {
          'access-token': token,
          'x-sandbox-sent-at': String(Date.now() - lag),
        }).then((answer) => answer.json.code);
      // All read at one instant, as a sandbox host that was not scheduled for a while reads them; they
      // left 1500, 800 and 0 ms ago: two in any second, so none is refused.
      expect([await sentBefore(1500), await sentBefore(800), await sentBefore(0)]).toEqual([0, 0, 0]);
      // One that left 100 ms ago, read after the one that left now: a third in the last second.
      expect(await sentBefore(100)).toBe(40100);
      // One that left 1200 ms ago: a third in the second that ended 800 ms ago.
      expect(await sentBefore(1200)).toBe(40100);
      // A stamp from the future or from too long ago is not believed: the request counts as it arrives.
      expect(await sentBefore(-5_000)).toBe(40100);
      expect(await sentBefore(60_000)).toBe(40100);
      w.tick(1000);
      expect(await sentBefore(60_000)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('OAuth modes (PKCE)', () => {
  it('a code issued for a challenge needs the verifier whose lowercase-hex SHA-256 it is', async () => {
    const w = world();
    const consent = await w.authorize({ code_challenge: hex(VERIFIER), code_challenge_method: 'S256' });
    const wrong = await w.exchange(consent.code, { code_verifier: 'not-it' });
    expect(wrong.json).toMatchObject({ code: 40002, message: 'code_verifier does not match the code_challenge.' });
    const missing = await w.exchange(consent.code);
    expect(missing.json).toMatchObject({ code: 40002, message: expect.stringContaining('code_verifier does not match the code_challenge') });
    // Refusals do not spend the code.
    expect((await w.exchange(consent.code, { code_verifier: VERIFIER })).json).toMatchObject({
      code: 0,
      data: { access_token: expect.stringMatching(/^act\./) },
    });
    // No challenge at authorize: the verifier is not needed (and ignored if sent).
    const plain = await w.authorize();
    expect((await w.exchange(plain.code, { code_verifier: 'anything' })).json.code).toBe(0);
  });

  it('require_pkce: authorize without a challenge, with another method, or a base64url challenge redirects with invalid_request', async () => {
    const w = world({ requirePkce: true });
    const authorize = (extra: Record<string, string>) =>
      call(
        w.handler,
        'GET',
        `${AUTHORIZE}?${new URLSearchParams({ client_key: SANDBOX_APP.client_key, scope: SCOPES, response_type: 'code', redirect_uri: REDIRECT, state: 'st', ...extra })}`,
      );
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /code_challenge is required/],
      [{ code_challenge: hex(VERIFIER), code_challenge_method: 'plain' }, /code_challenge_method must be S256/],
      [{ code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'), code_challenge_method: 'S256' }, /lowercase hex SHA-256.*not base64url/],
      [{ code_challenge: hex(VERIFIER).toUpperCase(), code_challenge_method: 'S256' }, /lowercase hex/],
    ];
    for (const [extra, description] of cases) {
      const answer = await authorize(extra);
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.location!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toMatch(description);
      expect(location.searchParams.get('state')).toBe('st');
    }
    // A hex S256 challenge reaches the consent page, which carries it through the approval.
    const page = await authorize({ code_challenge: hex(VERIFIER), code_challenge_method: 'S256' });
    expect(page.status).toBe(200);
    const hidden = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
    expect(hidden).toMatchObject({ code_challenge: hex(VERIFIER), code_challenge_method: 'S256' });
    const approve = await w.handler.handle({
      method: 'POST',
      url: AUTHORIZE,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encoder.encode(new URLSearchParams({ ...hidden, decision: 'approve', business_id: SEED.defaultBusinessId }).toString()),
    });
    const code = new URL(approve.headers.location!).searchParams.get('code')!;
    expect((await w.exchange(code, { code_verifier: 'wrong' })).json.code).toBe(40002);
    expect((await w.exchange(code, { code_verifier: VERIFIER })).json.code).toBe(0);
    // The control API's authorize follows the same rule.
    expect((await w.control('POST', 'authorize', { client_key: SANDBOX_APP.client_key, redirect_uri: REDIRECT, scope: SCOPES, state: 's' })).status).toBe(400);
  });

  it('strict_exchange_fields: "Unknown parameter: code_verifier", then the retry without it succeeds with the same code', async () => {
    const w = world();
    expect((await w.control('POST', 'oauth', { strict_exchange_fields: true })).json).toEqual({ require_pkce: false, strict_exchange_fields: true });
    const consent = await w.authorize({ code_challenge: hex(VERIFIER), code_challenge_method: 'S256' });
    const first = await w.exchange(consent.code, { code_verifier: VERIFIER });
    expect(first.json).toMatchObject({ code: 40002, message: 'Unknown parameter: code_verifier' });
    expect((await w.exchange(consent.code)).json.code).toBe(0);
    expect((await w.control('POST', 'oauth', { strict: true })).status).toBe(400);
    expect((await w.control('GET', 'oauth')).json).toEqual({ require_pkce: false, strict_exchange_fields: true });
  });

  it('both modes from the host survive a reset', async () => {
    const w = world({ requirePkce: true, strictOAuth: true });
    await w.control('POST', 'reset', { scenario: 'healthy' });
    expect((await w.control('GET', 'state')).json.oauth).toEqual({ require_pkce: true, strict_exchange_fields: true });
  });
});

describe('doctor support', () => {
  it('skews the Date header of every answer, and nothing else', async () => {
    const w = world({ clockSkewSeconds: -600 });
    const token = await w.token();
    const answer = await w.business(token);
    expect(answer.json.code).toBe(0);
    expect(Date.parse(answer.headers.date!)).toBe(Math.floor((w.now() - 600_000) / 1000) * 1000);
    expect((await w.control('POST', 'clock', { skew_seconds: 7200 })).json).toEqual({ skew_seconds: 7200 });
    const later = await w.control('GET', 'state');
    expect(Date.parse(later.headers.date!)).toBe(Math.floor((w.now() + 7_200_000) / 1000) * 1000);
    // Tokens, windows and "now" are untouched.
    expect(later.json.now).toBe(w.now());
    expect((await w.business(token)).json.code).toBe(0);
    await w.control('POST', 'clock', { skew_seconds: 0 });
    expect(Date.parse((await w.control('GET', 'state')).headers.date!)).toBe(Math.floor(w.now() / 1000) * 1000);
    expect((await w.control('POST', 'clock', { skew: 1 })).status).toBe(400);
  });

  it('faults with every: N refuse every Nth matching request; prefixes ending in * match a family of paths', async () => {
    const w = world();
    const token = await w.token();
    const added = await w.control('POST', 'faults', { path: 'business/get/', kind: 'code', code: 40001, times: -1, every: 2 });
    expect(added.json).toMatchObject({ every: 2, times: -1 });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await w.business(token)).json.code);
    expect(codes).toEqual([0, 40001, 0, 40001, 0, 40001]);
    await w.control('DELETE', 'faults');
    await w.control('POST', 'faults', { path: 'business/message/*', kind: 'code', code: 51065, times: 1 });
    expect((await w.business(token)).json.code).toBe(0);
    expect((await w.conversations(token)).json.code).toBe(51065);
    expect((await w.conversations(token)).json.code).toBe(0);
    expect((await w.control('POST', 'faults', { path: '*', kind: 'code', code: 1, every: 0 })).status).toBe(400);
  });

  it('scenario advanced-access-rollout: Advanced Access on, every other messaging call 40001 naming Advanced Access', async () => {
    const w = world({ scenario: 'advanced-access-rollout' });
    const state = (await w.control('GET', 'state')).json;
    expect(state.scenario).toBe('advanced-access-rollout');
    expect(state.accounts.find((a: any) => a.business_id === SEED.defaultBusinessId).advanced_access).toBe(true);
    const token = await w.token();
    for (let i = 0; i < 3; i++) expect((await w.business(token)).json.code).toBe(0);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await w.conversations(token)).json);
    expect(answers.map((a) => a.code)).toEqual([0, 40001, 0, 40001]);
    expect(answers[1].message).toMatch(/^Permission denied: .*Advanced Access/);
    // Reachable by reset too, and gone with the faults.
    await w.control('POST', 'reset', { scenario: 'healthy' });
    expect((await w.control('GET', 'faults')).json.faults).toEqual([]);
    await w.control('POST', 'reset', { scenario: 'advanced-access-rollout' });
    expect((await w.control('GET', 'faults')).json.faults).toEqual([expect.objectContaining({ path: 'business/message/*', code: 40001, every: 2 })]);
  });
});
