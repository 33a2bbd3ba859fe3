// The library's client and sandbox over real loopback HTTP: every client call against a started sandbox,
// TikTok's refusals as typed errors, and sandboxes that share nothing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, TikTokApiError, TikTokError, type TikTokChannelClient } from '../../src/library/index.js';
import { SandboxError, startSandbox, type Sandbox, type SandboxAccountSettings } from '../../src/library/sandbox.js';
import { decodeEvent, verifySignature, type DecodedEvent } from '../../src/library/webhooks.js';
import { maxInWindow, stampDepartures } from '../helpers/departures.js';
import { pngBytes } from '../helpers/images.js';

/** TikTok's failures are TikTokApiErrors (TikTok's own fields); the library's own refusals TikTokErrors. */
async function rejection(promise: Promise<unknown>): Promise<TikTokError | TikTokApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error instanceof TikTokApiError || error instanceof TikTokError, String(error)).toBe(true);
  return error as TikTokError | TikTokApiError;
}

async function apiRejection(promise: Promise<unknown>): Promise<TikTokApiError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(TikTokApiError);
  return error as TikTokApiError;
}

describe('createClient against startSandbox', () => {
  let sandbox: Sandbox;
  let client: TikTokChannelClient;

  beforeAll(async () => {
    sandbox = await startSandbox();
    client = createClient({ accessToken: await sandbox.accessToken(), businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
  });
  afterAll(() => sandbox.close());

  it('lists conversations, reads decoded messages and sends text that then shows up', async () => {
    const all = await client.conversations();
    expect(all.length).toBeGreaterThan(1);
    expect(new Set(all.map((c) => c.conversationId)).size).toBe(all.length);
    expect((await client.conversations({ type: 'STRANGER' })).every((c) => c.type === 'STRANGER')).toBe(true);

    const { conversation_id: conversationId, message_id: userMessageId } = await sandbox.message({ text: 'Is the blue mug in stock?', from: 'maya' });
    const sent = await client.send({ conversationId, text: 'Yes, it ships tomorrow.', replyTo: userMessageId! });
    expect(sent.messageId).toMatch(/\S/);
    expect(sent.requestId).toMatch(/\S/);

    const messages = await client.messages(conversationId);
    const last = messages.at(-1)!;
    expect(last).toMatchObject({
      origin: 'rest',
      message_id: sent.messageId,
      direction: 'outbound',
      text: 'Yes, it ships tomorrow.',
      referenced_message_id: userMessageId,
    });
    expect(messages.at(-2)).toMatchObject({
      message_id: userMessageId,
      direction: 'inbound',
      text: 'Is the blue mug in stock?',
      conversation_id: conversationId,
    });
  });

  it('uploads an image, sends it, reads capabilities and downloads the media back', async () => {
    const { conversation_id: conversationId } = await sandbox.message({ text: 'photo please', from: 'maya' });
    expect(await client.capabilities({ conversationId })).toEqual({ imageSend: true });
    const bytes = pngBytes();
    const { mediaId } = await client.uploadImage(bytes);
    const sent = await client.send({ conversationId, imageMediaId: mediaId });
    const media = await client.downloadMedia({ conversationId, messageId: sent.messageId!, mediaId });
    expect(media.contentType).toBe('image/png');
    expect(Buffer.from(media.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(media.url).toContain(sandbox.controlUrl);

    await sandbox.set({ media: false });
    expect(await client.capabilities({ conversationId, conversationType: 'SINGLE' })).toEqual({ imageSend: false });
    await sandbox.set({ media: true });
  });

  it('sends every other kind: a card (and reads the tap), a typing action, a quoted image, a post, a comment reply', async () => {
    const { conversation_id: conversationId, message_id: asked } = await sandbox.message({ text: 'Which size?', from: 'maya' });
    const card = await client.send({
      conversationId,
      card: {
        title: 'Pick a size',
        buttons: [
          { id: 'size-m', label: 'M' },
          { id: 'size-l', label: 'L' },
        ],
      },
    });
    expect(card.messageId).toMatch(/\S/);
    await sandbox.event('template-tap', { from: 'maya', buttonId: 'size-l' });
    const tapped = (await client.messages(conversationId)).at(-1)!;
    expect(tapped).toMatchObject({ direction: 'inbound', text: 'L' });

    expect(await client.send({ conversationId, action: 'TYPING' })).toMatchObject({ messageId: null });
    const { mediaId } = await client.uploadImage(pngBytes());
    const quoted = await client.send({ conversationId, imageMediaId: mediaId, replyTo: asked! });
    const post = await client.send({ conversationId, sharePostId: '7351234567890123401' });
    const sent = (await client.messages(conversationId)).filter((message) => message.direction === 'outbound');
    expect(sent.find((message) => message.message_id === quoted.messageId)).toMatchObject({ type: 'image', referenced_message_id: asked });
    expect(sent.find((message) => message.message_id === post.messageId)).toMatchObject({ type: 'share_post' });
    expect(sent.find((message) => message.message_id === card.messageId)!.template).toMatchObject({ title: 'Pick a size' });

    // High-intent comments arrive only while Comment-to-Message is on (off for a new account).
    await sandbox.set({ commentToMessage: true } as SandboxAccountSettings);
    const { comment_id: commentId } = await sandbox.event('high-intent-comment', { from: 'jonas', text: 'Price?' });
    const reply = await client.send({ commentId: commentId!, text: 'It is 25 dollars, sent you the details.' });
    expect(reply.messageId).toMatch(/\S/);
    expect(await rejection(client.send({ commentId: commentId!, text: 'Again?' }))).toMatchObject({ code: 40064 });

    // The CLI's card limits, before anything is sent.
    expect(await rejection(client.send({ conversationId, card: { title: 'x'.repeat(41), buttons: [{ id: 'a', label: 'A' }] } }))).toMatchObject({
      kind: 'validation',
      code: null,
    });
    expect(
      await rejection(client.send({ conversationId, card: { title: 'Too many', buttons: [1, 2, 3, 4].map((n) => ({ id: `b${n}`, label: `B${n}` })) } })),
    ).toMatchObject({ kind: 'validation' });
    expect(await rejection(client.send({ conversationId, action: 'WAVING' as never }))).toMatchObject({ kind: 'validation' });
  });

  it("TikTok's refusals keep its code, message and request_id", async () => {
    const unknown = await apiRejection(client.send({ conversationId: 'no-such-conversation', text: 'hi' }));
    expect(unknown).toMatchObject({ name: 'TikTokApiError', kind: 'validation', code: 40007, httpStatus: 200 });
    // TikTok's own text, as sent: nothing of the CLI's wording ("TikTok error 40007: …") around it.
    expect(unknown.message).toContain('no-such-conversation');
    expect(unknown.message).not.toMatch(/TikTok error/);
    expect(unknown.requestId).toMatch(/^\w{20,}$/);

    const { conversation_id: conversationId } = await sandbox.message({ text: 'hello', from: 'jonas' });
    await sandbox.advance(49 * 3600);
    // The token of beforeAll has expired by now (24 h): a fresh one, as a refresh would give.
    client = createClient({ accessToken: await sandbox.accessToken(), businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
    const closed = await apiRejection(client.send({ conversationId, text: 'too late' }));
    // One code for several rules (§6): TikTok's text names the window, so the kind says window.
    expect(closed).toMatchObject({ kind: 'window', code: 40064 });
    expect(closed.message).toMatch(/48/);

    const stranger = createClient({ accessToken: 'act.not-a-token', businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
    expect(await rejection(stranger.conversations())).toMatchObject({ kind: 'auth', code: 40105 });
  });

  it('refuses bad input before sending, and reports a gateway page without a TikTok code', async () => {
    const { conversation_id: conversationId } = await sandbox.message({ text: 'again', from: 'maya' });
    const apiRequests = async () => ((await sandbox.state()).requests as Array<{ path: string }>).filter((r) => r.path.startsWith('/open_api/')).length;
    const before = await apiRequests();
    expect(await rejection(client.send({ conversationId, text: '' }))).toMatchObject({ kind: 'validation', code: null, requestId: null });
    expect(await rejection(client.send({ conversationId, text: 'a', sharePostId: '1' } as never))).toMatchObject({ kind: 'validation' });
    expect(await rejection(client.uploadImage(new TextEncoder().encode('GIF89a not really')))).toMatchObject({ kind: 'validation' });
    expect(await apiRequests()).toBe(before);

    await sandbox.fault({ path: 'business/message/conversation/list/', kind: 'html502', times: 1 });
    expect((await client.conversations({ type: 'SINGLE' })).length).toBeGreaterThan(0); // retried once, then fine
    await sandbox.fault({ path: 'business/message/send/', kind: 'html502', times: 1 });
    const gateway = await apiRejection(client.send({ conversationId, text: 'through a gateway' }));
    expect(gateway).toMatchObject({ kind: 'network', code: null, httpStatus: 502 });
    expect(gateway.message).toContain('HTML');
  });

  it('takes the access token from a function on every call', async () => {
    let calls = 0;
    const token = await sandbox.accessToken();
    const lazy = createClient({ accessToken: async () => (calls++, token), businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
    await lazy.conversations({ type: 'SINGLE' });
    await lazy.conversations({ type: 'SINGLE' });
    expect(calls).toBe(2);
  });
});

describe('startSandbox', () => {
  it('two sandboxes side by side share no state', async () => {
    const [a, b] = await Promise.all([startSandbox(), startSandbox({ scenario: 'followers-only' })]);
    try {
      expect(a.port).not.toBe(b.port);
      const written = await a.message({ text: 'only in A', from: 'someone.new' });
      const usersOf = async (sandbox: Sandbox) => ((await sandbox.state()).users as Array<{ username: string }>).map((u) => u.username);
      expect(await usersOf(a)).toContain('someone.new');
      expect(await usersOf(b)).not.toContain('someone.new');

      await a.set({ region: 'DE' });
      const regionOf = async (sandbox: Sandbox) =>
        ((await sandbox.state()).accounts as Array<{ business_id: string; region: string }>).find((x) => x.business_id === sandbox.businessId)!.region;
      expect(await regionOf(a)).toBe('DE');
      expect(await regionOf(b)).toBe('CA');
      expect((await a.state()).scenario).toBe('healthy');
      expect((await b.state()).scenario).toBe('followers-only');

      // A token of one is nothing to the other.
      const tokenOfA = await a.accessToken();
      const onB = createClient({ accessToken: tokenOfA, businessId: b.businessId, apiBaseUrl: b.apiBaseUrl });
      expect(await rejection(onB.messages(written.conversation_id))).toMatchObject({ kind: 'auth', code: 40105 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('event() sends every other kind of delivery, signed, to the registered webhook', async () => {
    const sandbox = await startSandbox();
    const received: DecodedEvent[] = [];
    const receiver = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const rawBody = Buffer.concat(chunks);
      const genuine = verifySignature({ rawBody, header: request.headers['tiktok-signature'] as string, secret: sandbox.clientSecret });
      if (genuine) received.push(decodeEvent(rawBody));
      response.writeHead(genuine ? 200 : 401).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await sandbox.registerWebhook(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
      const written = await sandbox.message({ text: 'hi', from: 'maya' });
      const sticker = await sandbox.event('sticker', { from: 'maya' });
      await sandbox.event('reaction', { from: 'maya', emoji: '👍', messageId: written.message_id });
      await sandbox.set({ commentToMessage: true } as SandboxAccountSettings);
      const comment = await sandbox.event('high-intent-comment', { from: 'maya', text: 'How much is it?' });
      const audit = await sandbox.event('auto-message-audit', { status: 'approved', casing: 'upper' });
      expect(comment.comment_id).toMatch(/\S/);
      expect(sticker).toMatchObject({ conversation_id: written.conversation_id, webhooks_queued: 1 });
      await expect(sandbox.event('no-such-kind' as never)).rejects.toMatchObject({ name: 'SandboxError', status: 400 });

      const deadline = Date.now() + 10_000;
      while (received.length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received.map((event) => event.kind)).toEqual(['message', 'message', 'reaction', 'high_intent_comment', 'auto_message_audit']);
      expect(received[1]).toMatchObject({ type: 'sticker', message_id: sticker.message_id });
      expect(received[2]!.reactions).toMatchObject([{ operation: 'ADD', emoji: '👍', target_message_id: written.message_id }]);
      expect(received[3]!.comment).toMatchObject({ id: comment.comment_id, text: 'How much is it?' });
      expect(received[4]!.auto_message).toMatchObject({ audit_status: 'APPROVED' });
      expect(audit.event).toBe('im_auto_message_audit_update');
    } finally {
      await sandbox.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('rps: past the per-second limit the sandbox answers 40100, which the client retries', async () => {
    const sandbox = await startSandbox({ rps: 2 });
    // Counted at their departures: a loaded machine that reads the first two late would stretch their
    // second past the client's last retry.
    const stamps = stampDepartures();
    try {
      const accessToken = await sandbox.accessToken();
      // The token exchange counts for the same app (TikTok counts per app): out of the window first.
      await sandbox.advance(1);
      // Paced at 3 a second, one more than the sandbox allows: the burst of three meets a 40100, and the
      // pacer's own window puts every retry in a later second. At the default 10 the four retries of a
      // refused call can all fall within the second of the two accepted ones (the more likely when an
      // earlier test of this process left the app's bucket spent, so the calls left spaced, not at once).
      const client = createClient({ accessToken, businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl, maxRps: 3 });
      await Promise.all([1, 2, 3, 4].map(() => client.conversations({ type: 'SINGLE' })));
      const codes = ((await sandbox.state()).requests as Array<{ path: string; code?: number }>)
        .filter((r) => r.path.endsWith('/conversation/list/'))
        .map((r) => r.code);
      expect(codes.filter((code) => code === 0).length).toBe(4);
      expect(codes.every((code) => code === 0 || code === 40100)).toBe(true);
      expect(codes).toContain(40100);
    } finally {
      stamps.stop();
      await sandbox.close();
    }
  });

  it("the client paces itself to TikTok's 10 requests per second: a burst meets no 40100", async () => {
    const sandbox = await startSandbox({ rps: 10 });
    // Departures, stamped as they leave (and counted so by the sandbox): machine load cannot bunch them.
    const stamps = stampDepartures();
    try {
      const accessToken = await sandbox.accessToken();
      // The token exchange counts for the same app, and the client's pacer never saw it: out of the window first.
      await sandbox.advance(1);
      const client = createClient({ accessToken, businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
      const started = Date.now();
      await Promise.all(Array.from({ length: 25 }, () => client.conversations({ type: 'SINGLE' })));
      const codes = ((await sandbox.state()).requests as Array<{ path: string; code?: number }>)
        .filter((r) => r.path.endsWith('/conversation/list/'))
        .map((r) => r.code);
      expect(codes).toEqual(Array(25).fill(0));
      const listings = stamps.departures.filter((departure) => departure.path.endsWith('/conversation/list/')).map((departure) => departure.at);
      expect(listings).toHaveLength(25);
      expect(maxInWindow(listings)).toBeLessThanOrEqual(10);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    } finally {
      stamps.stop();
      await sandbox.close();
    }
  });

  it('control verbs: set, advance, reset, faults; refusals are SandboxErrors', async () => {
    const sandbox = await startSandbox({ latency: 5 });
    try {
      const client = createClient({ accessToken: await sandbox.accessToken(), businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
      await expect(sandbox.set({ dmSetting: 'sometimes' as never })).rejects.toBeInstanceOf(SandboxError);
      await expect(sandbox.message({ text: '' })).rejects.toMatchObject({ name: 'SandboxError', status: 400 });

      await sandbox.set({ advancedAccess: false });
      expect(await rejection(client.conversations())).toMatchObject({ kind: 'permission', code: 40001 });
      await sandbox.reset();
      expect((await client.conversations()).length).toBeGreaterThan(0);

      await sandbox.fault({ path: '*', kind: 'code', code: 40002, times: -1 });
      expect(await rejection(client.conversations())).toMatchObject({ code: 40002 });
      await sandbox.clearFaults();
      expect((await client.conversations()).length).toBeGreaterThan(0);

      // A day and a bit later, the token issued at the start has expired.
      await sandbox.advance(25 * 3600);
      expect(await rejection(client.conversations())).toMatchObject({ kind: 'auth', code: 40105 });
      await sandbox.reset('eea');
      expect((await sandbox.state()).scenario).toBe('eea');
    } finally {
      await sandbox.close();
    }
  });
});
