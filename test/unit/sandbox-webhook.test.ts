// Webhook deliveries (tiktok-api.md §5), captured by an injected poster. The signature is checked with an
// independent node:crypto HMAC, never with the sandbox's own signer.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSandboxHandler, type SandboxHandler } from '../../src/sandbox/handler.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import type { WebhookPoster } from '../../src/sandbox/webhook-delivery.js';
import { parseDelivery, verifySignature } from '../helpers/events.js';

const ORIGIN = 'http://sandbox.test';
const API = `${ORIGIN}/open_api/v1.3/`;
const CALLBACK = 'https://hooks.example.test/tiktok';
const REDIRECT = 'http://127.0.0.1:53682/callback/';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Captured {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function capture(statuses: (number | Error)[] = []) {
  const deliveries: Captured[] = [];
  const attempts: Captured[] = [];
  const poster: WebhookPoster = async (url, init) => {
    const entry = { url, headers: init.headers, body: init.body };
    attempts.push(entry);
    const outcome = statuses.length ? statuses.shift()! : 200;
    if (outcome instanceof Error) throw outcome;
    if (outcome === 200) deliveries.push(entry);
    return { status: outcome };
  };
  return { poster, deliveries, attempts };
}

function world(statuses?: (number | Error)[]) {
  let now = Date.UTC(2026, 3, 1, 12, 0, 0);
  const captured = capture(statuses);
  const handler = createSandboxHandler({ clock: () => now, poster: captured.poster, webhookDelivery: 'inline' });
  return { handler, ...captured, tick: (ms: number) => (now += ms), now: () => now };
}

async function post(handler: SandboxHandler, url: string, json: unknown, headers: Record<string, string> = {}) {
  const response = await handler.handle({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: encoder.encode(JSON.stringify(json)),
  });
  return JSON.parse(decoder.decode(response.body));
}

async function register(handler: SandboxHandler) {
  const reply = await post(handler, `${API}business/webhook/update/`, {
    app_id: SANDBOX_APP.client_key,
    secret: SANDBOX_APP.client_secret,
    event_type: 'DIRECT_MESSAGE',
    callback_url: CALLBACK,
  });
  expect(reply.code).toBe(0);
}

/** The account holder consents and the app exchanges the code: the token answer, as TikTok sends it. */
async function consentAndExchange(handler: Parameters<typeof post>[0]) {
  const consent = await post(handler, `${ORIGIN}/sandbox/authorize`, {
    client_key: SANDBOX_APP.client_key,
    redirect_uri: REDIRECT,
    scope: 'message.list.read,message.list.send,message.list.manage',
    state: 's',
  });
  return post(handler, `${API}tt_user/oauth2/token/`, {
    client_id: SANDBOX_APP.client_key,
    client_secret: SANDBOX_APP.client_secret,
    grant_type: 'authorization_code',
    auth_code: consent.code,
    redirect_uri: REDIRECT,
  });
}

describe('signed deliveries', () => {
  it('delivers im_receive_msg signed with the app secret, content as a JSON string', async () => {
    const { handler, deliveries, now } = world();
    await register(handler);
    const sent = await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: 'Is M in stock?' });
    expect(sent).toMatchObject({ conversation_id: SEED.conversations.maya, event: 'im_receive_msg' });
    expect(deliveries).toHaveLength(1);
    const delivery = deliveries[0]!;
    expect(delivery.url).toBe(CALLBACK);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-tt-logid']).toEqual(expect.any(String));
    expect(delivery.headers['webhook-schema-version']).toEqual(expect.any(String));
    const { t } = verifySignature(delivery, SANDBOX_APP.client_secret);
    expect(t).toBe(Math.floor(now() / 1000));
    // A wrong key must not verify: the check above is not vacuous.
    const forged = createHmac('sha256', 'not-the-secret').update(`${t}.${delivery.body}`).digest('hex');
    expect(delivery.headers['tiktok-signature']).not.toContain(forged);
    const { envelope, content } = parseDelivery(delivery);
    expect(envelope).toMatchObject({
      client_key: SANDBOX_APP.client_key,
      event: 'im_receive_msg',
      create_time: Math.floor(now() / 1000),
      user_openid: SEED.defaultBusinessId,
    });
    expect(content).toMatchObject({
      from: 'maya.lopez',
      to: 'acme.studio',
      unique_identifier: SEED.users.maya,
      from_user: { id: SEED.users.maya, role: 'personal_account' },
      to_user: { id: SEED.defaultBusinessId, role: 'business_account' },
      conversation_id: SEED.conversations.maya,
      message_id: sent.message_id,
      timestamp: now(),
      type: 'text',
      text: { body: 'Is M in stock?' },
      is_follower: true,
    });
  });

  it('delivers im_send_msg for a business send, tagged API', async () => {
    const { handler, deliveries } = world();
    await register(handler);
    const tokens = await consentAndExchange(handler);
    const send = await post(
      handler,
      `${API}business/message/send/`,
      {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'SHARE_POST',
        share_post: { item_id: SEED.posts[1] },
      },
      { 'access-token': tokens.data.access_token },
    );
    expect(send.code).toBe(0);
    expect(deliveries).toHaveLength(1);
    verifySignature(deliveries[0]!, SANDBOX_APP.client_secret);
    const { envelope, content } = parseDelivery(deliveries[0]!);
    expect(envelope.event).toBe('im_send_msg');
    expect(content).toMatchObject({
      from: 'acme.studio',
      to: 'maya.lopez',
      from_user: { id: SEED.defaultBusinessId, role: 'business_account' },
      to_user: { id: SEED.users.maya, role: 'personal_account' },
      message_id: send.data.message.message_id,
      type: 'share_post',
      share_post: { embed_url: expect.stringContaining(SEED.posts[1]), video_id: SEED.posts[1] },
      message_tag: { source: 'API' },
    });
  });

  it('queues nothing when no callback is registered', async () => {
    const { handler, attempts } = world();
    await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: 'hi' });
    expect(attempts).toHaveLength(0);
    expect(handler.state.outbox).toHaveLength(0);
  });
});

describe('arrivals and EEA users', () => {
  it('produces im_referral_msg for a tiktok.me link (no message), then the text as im_receive_msg', async () => {
    const { handler, deliveries } = world();
    await register(handler);
    const sent = await post(handler, `${ORIGIN}/sandbox/messages`, {
      from_username: 'qr.visitor',
      ref: 'poster-42',
      prefilled_message: 'Hi there',
      text: 'Hi there',
    });
    expect(sent.events).toEqual(['im_referral_msg', 'im_receive_msg']);
    expect(sent.event).toBe('im_referral_msg');
    expect(deliveries).toHaveLength(2);
    const referral = parseDelivery(deliveries[0]!);
    expect(referral.envelope.event).toBe('im_referral_msg');
    expect(referral.content).not.toHaveProperty('message_id');
    expect(referral.content).not.toHaveProperty('type');
    expect(referral.content).toMatchObject({
      from: 'qr.visitor',
      to: 'acme.studio',
      conversation_id: sent.conversation_id,
      is_follower: false,
      referral: { source: 'short_link', short_link: { ref: 'poster-42', prefilled_message: 'Hi there', prefilled_message_audit_status: 'PASS' } },
    });
    expect(referral.content.referral).not.toHaveProperty('ad');
    expect(parseDelivery(deliveries[1]!).content).toMatchObject({ type: 'text', message_id: sent.message_id });
  });

  it('produces an ad referral with one ad object (webhook) and an ad array (REST)', async () => {
    const { handler, deliveries } = world();
    await register(handler);
    const sent = await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'ad.clicker', via_ad: true });
    expect(sent).toMatchObject({ event: 'im_referral_msg', message_id: null });
    const { content } = parseDelivery(deliveries[0]!);
    expect(content.referral.source).toBe('ad');
    expect(Array.isArray(content.referral.ad)).toBe(false);
    expect(Object.keys(content.referral.ad).sort()).toEqual(['ad_id', 'ad_name', 'advertiser_id', 'embed_url', 'message_material_id', 'timestamp']);
    expect(handler.state.conversations[sent.conversation_id]!.referral!.ad).toHaveLength(1);
  });

  it('strips an EEA user message to exactly {to, to_user, timestamp}, while REST still has it', async () => {
    const { handler, deliveries, now } = world();
    await register(handler);
    const sent = await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'anna.berlin', text: 'Hallo!', eu: true });
    expect(sent.event).toBe('im_receive_msg_eu');
    const { envelope, content } = parseDelivery(deliveries[0]!);
    expect(envelope.event).toBe('im_receive_msg_eu');
    expect(content).toEqual({ to: 'acme.studio', to_user: { id: SEED.defaultBusinessId, role: 'business_account' }, timestamp: now() });
    verifySignature(deliveries[0]!, SANDBOX_APP.client_secret);
    const stored = handler.state.conversations[sent.conversation_id]!.messages.at(-1)!;
    expect(stored).toMatchObject({ message_id: sent.message_id, text: { body: 'Hallo!' } });
  });
});

describe('retries', () => {
  it('retries with backoff until an HTTP 200 (a 204 or a network error does not count)', async () => {
    const { handler, attempts, deliveries, tick } = world([500, 204, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 200]);
    await register(handler);
    await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: 'hello?' });
    expect(attempts).toHaveLength(1);
    expect(handler.state.outbox).toHaveLength(1);
    expect(handler.state.outbox[0]).toMatchObject({ attempts: 1, last_status: 500 });
    // Not due yet: backoff holds the next attempt back.
    await handler.flushWebhooks();
    expect(attempts).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      tick(60_000);
      await handler.flushWebhooks();
    }
    expect(attempts).toHaveLength(4);
    expect(deliveries).toHaveLength(1);
    expect(handler.state.outbox).toHaveLength(0);
    expect(handler.state.delivered.at(-1)).toMatchObject({ attempts: 4, last_status: 200 });
    // The body is identical on every attempt; the signature is recomputed with a fresh t.
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['tiktok-signature'])).size).toBe(4);
    for (const attempt of attempts) verifySignature(attempt, SANDBOX_APP.client_secret);
  });

  it('drops nothing: deliveries queued while the receiver is down all arrive, in order, once', async () => {
    const { handler, deliveries, tick } = world([503, 503, 503, 503, 503, 503, 503, 503]);
    await register(handler);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      tick(1000);
      ids.push((await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: `msg ${i}` })).message_id);
    }
    for (let i = 0; i < 10 && handler.state.outbox.length; i++) {
      tick(120_000);
      await handler.flushWebhooks();
    }
    expect(handler.state.outbox).toHaveLength(0);
    expect(deliveries.map((d) => parseDelivery(d).content.message_id)).toEqual(ids);
  });

  it('keeps deliveries while the callback is deleted and sends them once one is registered again', async () => {
    const { handler, deliveries, tick } = world([500]);
    await register(handler);
    await post(handler, `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: 'anyone?' });
    await post(handler, `${API}business/webhook/delete/`, { app_id: SANDBOX_APP.client_key, secret: SANDBOX_APP.client_secret, event_type: 'DIRECT_MESSAGE' });
    tick(120_000);
    await handler.flushWebhooks();
    expect(handler.state.outbox).toHaveLength(1);
    await register(handler);
    tick(120_000);
    await handler.flushWebhooks();
    expect(deliveries).toHaveLength(1);
    expect(handler.state.outbox).toHaveLength(0);
  });

  it('emits im_mark_read_msg for a MARK_READ sender action', async () => {
    const { handler, deliveries } = world();
    await register(handler);
    const tokens = await consentAndExchange(handler);
    const reply = await post(
      handler,
      `${API}business/message/send/`,
      {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'SENDER_ACTION',
        sender_action: 'MARK_READ',
      },
      { 'access-token': tokens.data.access_token },
    );
    expect(reply.data).toEqual({ message: { message_id: '' } });
    const { envelope, content } = parseDelivery(deliveries[0]!);
    expect(envelope.event).toBe('im_mark_read_msg');
    expect(content).toMatchObject({ from_user: { id: SEED.defaultBusinessId, role: 'business_account' }, read: { last_read_timestamp: expect.any(Number) } });
  });
});
