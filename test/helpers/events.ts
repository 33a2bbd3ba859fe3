// Every `sandbox event` kind with the shape tiktok-api.md §5 gives its delivery, an independent signature
// check (node:crypto, never the sandbox's signer) and a node:http webhook receiver, shared by the unit,
// served and embedded tests so all three prove the same shapes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

export type Casing = 'lower' | 'upper';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

export interface EventAnswer {
  conversation_id: string | null;
  message_id: string | null;
  event: string;
  events: string[];
  webhooks_queued: number;
  comment_id?: string;
}

/** What the check needs to know about the world around the event. */
export interface ShapeContext {
  businessId: string;
  businessUsername: string;
  userId: string;
  username: string;
  /** template-tap: the card the business sent and the button tapped. */
  card?: { message_id: string; button_id: string; label: string };
  /** reaction: the message reacted to. */
  reactedTo?: string;
}

export interface KindCase {
  kind: string;
  /** Control body fields beyond kind and from_username. */
  body: Record<string, unknown>;
  /** CLI flags beyond `sandbox event KIND --from USER`. */
  flags: string[];
  event: string;
  /** Needs a card from the business first. */
  needsCard?: boolean;
  check(content: any, answer: EventAnswer, ctx: ShapeContext, casing: Casing): void;
}

const up = (value: string, casing: Casing) => (casing === 'upper' ? value.toUpperCase() : value);

/** from/to, unique_identifier and the {id, role} pairs of an event between the user and the business. */
function expectParties(content: any, ctx: ShapeContext, direction: 'in' | 'out', casing: Casing): void {
  const user = { id: ctx.userId, role: up('personal_account', casing) };
  const business = { id: ctx.businessId, role: up('business_account', casing) };
  expect(content.unique_identifier).toBe(ctx.userId);
  if (direction === 'in') {
    expect(content).toMatchObject({ from: ctx.username, to: ctx.businessUsername, from_user: user, to_user: business });
  } else {
    expect(content).toMatchObject({ from: ctx.businessUsername, to: ctx.username, from_user: business, to_user: user });
  }
}

/** A message event: parties, ids, ms timestamp, the type in the asked casing, follower flag and source tag. */
function expectMessage(content: any, answer: EventAnswer, ctx: ShapeContext, casing: Casing, type: string, direction: 'in' | 'out', source = 'APP'): void {
  expectParties(content, ctx, direction, casing);
  expect(content).toMatchObject({
    conversation_id: answer.conversation_id,
    message_id: answer.message_id,
    type: up(type, casing),
    is_follower: expect.any(Boolean),
    message_tag: { source },
  });
  expect(content.timestamp).toBeGreaterThan(1e12);
}

export const KIND_CASES: KindCase[] = [
  {
    kind: 'sticker',
    body: {},
    flags: [],
    event: 'im_receive_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'sticker', 'in');
      // Sticker URLs expire: x-expires in the query.
      expect(c.sticker.url).toMatch(/^https:\/\/\S+\?x-expires=\d+/);
    },
  },
  {
    kind: 'image',
    body: {},
    flags: [],
    event: 'im_receive_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'image', 'in');
      expect(c.image).toEqual({ media_id: expect.stringMatching(/\w{10,}/) });
    },
  },
  {
    kind: 'video',
    body: {},
    flags: [],
    event: 'im_receive_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'video', 'in');
      expect(c.video).toEqual({ media_id: expect.stringMatching(/\w{10,}/) });
    },
  },
  {
    kind: 'emoji',
    body: {},
    flags: [],
    event: 'im_receive_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'emoji', 'in');
      expect(c.emoji.url).toMatch(/^https:\/\//);
    },
  },
  {
    kind: 'share-post',
    body: { item_id: '7351234567890123999' },
    flags: ['--item', '7351234567890123999'],
    event: 'im_receive_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'share_post', 'in');
      expect(c.share_post).toEqual({ embed_url: 'https://www.tiktok.com/embed/v2/7351234567890123999', video_id: '7351234567890123999' });
    },
  },
  {
    kind: 'template-tap',
    body: { button_id: 'size-m' },
    flags: ['--button', 'size-m'],
    event: 'im_receive_msg',
    needsCard: true,
    check: (c, a, ctx, casing) => {
      // A tap is ordinary text whose body is the label, pointing back at the card and the button.
      expectMessage(c, a, ctx, casing, 'text', 'in');
      expect(c.text).toEqual({ body: ctx.card!.label });
      expect(c.reply_source_payload).toEqual({ reply_source_msg_id: ctx.card!.message_id, reply_source_unique_id: 'size-m' });
    },
  },
  {
    kind: 'app-reply',
    body: { text: 'Answered from the app' },
    flags: ['--text', 'Answered from the app'],
    event: 'im_send_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'text', 'out', 'APP');
      expect(c.text).toEqual({ body: 'Answered from the app' });
    },
  },
  {
    kind: 'app-reply',
    body: { text: 'Answered from the web inbox', web: true },
    flags: ['--text', 'Answered from the web inbox', '--web'],
    event: 'im_send_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'text', 'out', 'WEB');
      expect(c.text).toEqual({ body: 'Answered from the web inbox' });
    },
  },
  {
    kind: 'read',
    body: {},
    flags: [],
    event: 'im_mark_read_msg',
    check: (c, a, ctx, casing) => {
      // The user's receipt: from the user, "read up to here", no message id.
      expectParties(c, ctx, 'in', casing);
      expect(c.conversation_id).toBe(a.conversation_id);
      expect(c.read.last_read_timestamp).toBeGreaterThan(1e12);
      expect(c).not.toHaveProperty('message_id');
      expect(a.message_id).toBeNull();
    },
  },
  {
    kind: 'reaction',
    body: { emoji: '❤️' },
    flags: ['--emoji', '❤️'],
    event: 'im_receive_msg',
    check: (c, a, ctx, casing) => {
      expectMessage(c, a, ctx, casing, 'reaction', 'in');
      expect(c.reaction).toEqual([
        {
          operation: 'ADD',
          type: 'EMOJI',
          emoji: '❤️',
          unique_identifier: ctx.userId,
          timestamp: c.timestamp,
          original_msg_id: ctx.reactedTo ?? expect.any(String),
        },
      ]);
    },
  },
  {
    kind: 'smart-plus-ad',
    body: {},
    flags: [],
    event: 'im_referral_msg',
    check: (c, a, ctx, casing) => {
      expectParties(c, ctx, 'in', casing);
      expect(c).toMatchObject({ conversation_id: a.conversation_id, is_follower: expect.any(Boolean), referral: { source: up('ad', casing), ad: {} } });
      expect(c).not.toHaveProperty('message_id');
      expect(c).not.toHaveProperty('type');
    },
  },
  {
    kind: 'auto-message',
    body: { type: 'welcome', action: 'enable' },
    flags: ['--type', 'welcome', '--action', 'enable'],
    event: 'im_auto_message_config_update',
    check: (c, a) => {
      expect(c).toMatchObject({
        auto_message_id: expect.stringMatching(/^\d+$/),
        auto_message_type: 'WELCOME_MESSAGE',
        auto_message_action: 'ENABLE',
        welcome_message: expect.any(Object),
      });
      expect(c.timestamp).toBeGreaterThan(1e12);
      expect(c).not.toHaveProperty('conversation_id');
      expect(a.conversation_id).toBeNull();
    },
  },
  {
    kind: 'auto-message-audit',
    body: { status: 'rejected', type: 'suggested-question' },
    flags: ['--status', 'rejected', '--type', 'suggested-question'],
    event: 'im_auto_message_audit_update',
    check: (c) => {
      expect(Object.keys(c).sort()).toEqual(['audit_status', 'auto_message_id', 'auto_message_type', 'timestamp']);
      expect(c).toMatchObject({ auto_message_type: 'SUGGESTED_QUESTION', audit_status: 'REJECTED' });
    },
  },
  {
    kind: 'high-intent-comment',
    body: { text: 'How much is the green hoodie?' },
    flags: ['--text', 'How much is the green hoodie?'],
    event: 'im_receive_high_intent_comment',
    check: (c, a, ctx, casing) => {
      expectParties(c, ctx, 'in', casing);
      expect(c).toMatchObject({ comment_id: a.comment_id, comment_text: 'How much is the green hoodie?', is_follower: expect.any(Boolean) });
      expect(c.timestamp).toBeGreaterThan(1e12);
    },
  },
  {
    kind: 'unknown',
    body: { name: 'im_brand_new_event' },
    flags: ['--name', 'im_brand_new_event'],
    event: 'im_brand_new_event',
    check: (c) => {
      expect(c).toEqual(expect.objectContaining({ timestamp: expect.any(Number) }));
    },
  },
];

/** Independent verification: the header's parts by name, HMAC-SHA256 over `t.body`, constant-time compare. */
export function verifySignature(delivery: Delivery, secret: string): { t: number } {
  const header = delivery.headers['tiktok-signature'];
  expect(header).toMatch(/^t=\d+,s=[0-9a-f]{64}$/);
  const parts = Object.fromEntries(header!.split(',').map((kv) => kv.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${delivery.body}`, 'utf8').digest();
  const given = Buffer.from(parts.s!, 'hex');
  expect(given.length).toBe(expected.length);
  expect(timingSafeEqual(given, expected)).toBe(true);
  // A wrong key must not verify: the comparison above is not vacuous.
  const forged = createHmac('sha256', `${secret}x`).update(`${parts.t}.${delivery.body}`, 'utf8').digest();
  expect(timingSafeEqual(given, forged)).toBe(false);
  return { t: Number(parts.t) };
}

/** The envelope in TikTok's key order, and its content parsed a second time. */
export function parseDelivery(delivery: Delivery): { envelope: any; content: any } {
  const envelope = JSON.parse(delivery.body);
  expect(Object.keys(envelope)).toEqual(['client_key', 'event', 'create_time', 'user_openid', 'content']);
  expect(typeof envelope.content).toBe('string');
  return { envelope, content: JSON.parse(envelope.content) };
}

/** Signature, envelope, create_time in seconds and the kind's content shape in one go. */
export function expectDelivery(
  delivery: Delivery,
  kindCase: KindCase,
  answer: EventAnswer,
  ctx: ShapeContext,
  casing: Casing,
  secret: string,
  clientKey: string,
): any {
  const { t } = verifySignature(delivery, secret);
  const { envelope, content } = parseDelivery(delivery);
  expect(envelope).toMatchObject({ client_key: clientKey, event: kindCase.event, user_openid: ctx.businessId });
  // Seconds by default (the signature's t and create_time are both "now" in seconds).
  expect(Math.abs(envelope.create_time - t)).toBeLessThanOrEqual(2);
  kindCase.check(content, answer, ctx, casing);
  return content;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Resolves with the first delivery matching `predicate` (polls until the deadline). */
  waitFor(predicate: (delivery: Delivery) => boolean, timeoutMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that answers 200 and keeps every delivery's raw body and headers. */
export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      deliveries.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/tiktok`;
  return {
    url,
    deliveries,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = deliveries.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching delivery within ${timeoutMs} ms; got:\n${deliveries.map((d) => d.body).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The content of a delivery, parsed twice, for matching in waitFor. */
export function contentOf(delivery: Delivery): any {
  const envelope = JSON.parse(delivery.body);
  return { event: envelope.event, ...JSON.parse(envelope.content) };
}

/** A JSON POST to a served sandbox (API or control), answered with its status, headers and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

export const CONSENT_SCOPES = 'user.info.basic,message.list.read,message.list.send,message.list.manage';
export const CONSENT_REDIRECT = 'http://127.0.0.1:53682/callback/';

/** The default account's access token, as if its holder consented (control authorize, then the token exchange). */
export async function consentedToken(sandbox: { controlUrl: string; apiBaseUrl: string; clientKey: string; clientSecret: string }): Promise<string> {
  const consent = await postJson(`${sandbox.controlUrl}/authorize`, {
    client_key: sandbox.clientKey,
    redirect_uri: CONSENT_REDIRECT,
    scope: CONSENT_SCOPES,
    state: 's',
  });
  const tokens = await postJson(`${sandbox.apiBaseUrl}tt_user/oauth2/token/`, {
    client_id: sandbox.clientKey,
    client_secret: sandbox.clientSecret,
    grant_type: 'authorization_code',
    auth_code: consent.json.code,
    redirect_uri: CONSENT_REDIRECT,
  });
  expect(tokens.json.code).toBe(0);
  return tokens.json.data.access_token;
}
