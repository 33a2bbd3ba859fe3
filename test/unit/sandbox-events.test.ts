// Every `sandbox event` kind through the handler (inline delivery to a captured poster): the delivery's
// shape against tiktok-api.md §5 in both casings, its signature by an independent HMAC, what REST's
// content/list and conversation/list show for it, and the control API's refusals.
import { describe, expect, it } from 'vitest';
import type { SandboxHandler } from '../../src/sandbox/handler.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import { expectDelivery, KIND_CASES, parseDelivery, verifySignature, type Casing, type ShapeContext } from '../helpers/events.js';
import { call as callHandler, connectedWorld } from '../helpers/handler.js';

const ORIGIN = 'http://sandbox.test';
const API = `${ORIGIN}/open_api/v1.3/`;
const CONTROL = `${ORIGIN}/sandbox`;

const MAYA: ShapeContext = { businessId: SEED.defaultBusinessId, businessUsername: 'acme.studio', userId: SEED.users.maya, username: 'maya.lopez' };
const CARD = {
  type: 'QA_BUTTON_CARD',
  title: 'Which size?',
  buttons: [
    { type: 'REPLY', title: 'Medium', id: 'size-m' },
    { type: 'REPLY', title: 'Large', id: 'size-l' },
  ],
};

async function world() {
  const w = await connectedWorld(ORIGIN, { commentToMessage: true });
  const { handler, token } = w;
  return {
    ...w,
    event: (body: Record<string, unknown>) => call(handler, 'POST', `${CONTROL}/events`, body),
    send: (body: Record<string, unknown>) =>
      post(handler, `${API}business/message/send/`, { business_id: SEED.defaultBusinessId, ...body }, { 'access-token': token }),
    async messages(conversationId: string) {
      const query = new URLSearchParams({ business_id: SEED.defaultBusinessId, conversation_id: conversationId });
      const answer = await call(handler, 'GET', `${API}business/message/content/list/?${query}`, undefined, { 'access-token': token });
      expect(answer.json.code).toBe(0);
      return answer.json.data.messages as any[];
    },
    async conversations() {
      const query = new URLSearchParams({ business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE', limit: '100' });
      const answer = await call(handler, 'GET', `${API}business/message/conversation/list/?${query}`, undefined, { 'access-token': token });
      return answer.json.data.conversations as any[];
    },
  };
}

/** Every answer here is JSON, errors included. */
async function call(handler: SandboxHandler, method: string, url: string, json?: unknown, headers: Record<string, string> = {}) {
  const answer = await callHandler(handler, method, url, json, headers);
  expect(answer.json, answer.text).toBeDefined();
  return answer;
}

async function post(handler: SandboxHandler, url: string, json: unknown, headers: Record<string, string> = {}) {
  return (await call(handler, 'POST', url, json, headers)).json;
}

async function sendCard(w: Awaited<ReturnType<typeof world>>) {
  const sent = await w.send({ recipient_type: 'CONVERSATION', recipient: SEED.conversations.maya, message_type: 'TEMPLATE', template: CARD });
  expect(sent.code).toBe(0);
  return sent.data.message.message_id as string;
}

describe('every kind: shape, casing and signature', () => {
  for (const casing of ['lower', 'upper'] as Casing[]) {
    for (const kindCase of KIND_CASES) {
      it(`${kindCase.kind} ${JSON.stringify(kindCase.body)} (${casing} case)`, async () => {
        const w = await world();
        const ctx: ShapeContext = { ...MAYA };
        if (kindCase.needsCard) ctx.card = { message_id: await sendCard(w), button_id: 'size-m', label: 'Medium' };
        const before = w.deliveries.length;
        const answer = await w.event({ kind: kindCase.kind, from_username: 'maya.lopez', ...kindCase.body, ...(casing === 'upper' ? { casing } : {}) });
        expect(answer.status).toBe(200);
        expect(answer.json).toMatchObject({ event: kindCase.event, events: [kindCase.event], webhooks_queued: 1 });
        expect(w.deliveries).toHaveLength(before + 1);
        const delivery = w.deliveries[before]!;
        const { t } = verifySignature(delivery, SANDBOX_APP.client_secret);
        expect(t).toBe(Math.floor(w.now() / 1000));
        expectDelivery(delivery, kindCase, answer.json, ctx, casing, SANDBOX_APP.client_secret, SANDBOX_APP.client_key);
      });
    }
  }

  it('create_time in milliseconds and scene_type on request; seconds and none by default', async () => {
    const w = await world();
    await w.event({ kind: 'sticker' });
    await w.event({ kind: 'sticker', create_time_ms: true, scene_type: 3 });
    await w.event({ kind: 'read', scene_type: 'business_inbox' });
    const [plain, ms, read] = w.deliveries.map(parseDelivery);
    expect(plain!.envelope.create_time).toBe(Math.floor(w.now() / 1000));
    expect(plain!.content).not.toHaveProperty('scene_type');
    expect(ms!.envelope.create_time).toBe(w.now());
    expect(ms!.content.scene_type).toBe(3);
    expect(read!.content.scene_type).toBe('business_inbox');
    for (const d of w.deliveries) verifySignature(d, SANDBOX_APP.client_secret);
  });

  it('POST /sandbox/messages takes the same options (casing, create_time_ms, scene_type)', async () => {
    const w = await world();
    const answer = await w.event({ kind: 'image' });
    expect(answer.status).toBe(200);
    await post(w.handler, `${CONTROL}/messages`, { from_username: 'maya.lopez', text: 'hi', casing: 'upper', create_time_ms: true, scene_type: 1 });
    const { envelope, content } = parseDelivery(w.deliveries[1]!);
    expect(envelope.create_time).toBe(w.now());
    expect(content).toMatchObject({
      type: 'TEXT',
      from_user: { role: 'PERSONAL_ACCOUNT' },
      to_user: { role: 'BUSINESS_ACCOUNT' },
      text: { body: 'hi' },
      scene_type: 1,
    });
  });

  it("an EEA user's sticker is stored but delivered as im_receive_msg_eu, exactly {to, to_user, timestamp}", async () => {
    const w = await world();
    await post(w.handler, `${CONTROL}/messages`, { from_username: 'lena.berlin', text: 'Hallo', eu: true });
    const answer = await w.event({ kind: 'sticker', from_username: 'lena.berlin' });
    expect(answer.json.event).toBe('im_receive_msg_eu');
    const { content } = parseDelivery(w.deliveries.at(-1)!);
    expect(Object.keys(content).sort()).toEqual(['timestamp', 'to', 'to_user']);
    const rest = await w.messages(answer.json.conversation_id);
    expect(rest[0]).toMatchObject({ message_id: answer.json.message_id, message_type: 'STICKER' });
  });
});

describe('what REST shows for each kind (upper case, content/list)', () => {
  it('stickers, emoji, videos, images and shared posts from the user', async () => {
    const w = await world();
    const ids: Record<string, string> = {};
    for (const kind of ['sticker', 'emoji', 'video', 'image', 'share-post']) ids[kind] = (await w.event({ kind })).json.message_id;
    const rest = await w.messages(SEED.conversations.maya);
    const byId = Object.fromEntries(rest.map((m) => [m.message_id, m]));
    const user = { id: SEED.users.maya, role: 'PERSONAL_ACCOUNT' };
    expect(byId[ids.sticker!]).toMatchObject({
      message_type: 'STICKER',
      from_user: user,
      sticker: { url: expect.stringMatching(/x-expires=\d+/) },
      message_tag: { source: 'APP' },
    });
    expect(byId[ids.emoji!]).toMatchObject({ message_type: 'EMOJI', emoji: { url: expect.stringMatching(/^https:/) } });
    expect(byId[ids.video!]).toMatchObject({ message_type: 'VIDEO', video: { media_id: expect.any(String) } });
    expect(byId[ids.image!]).toMatchObject({ message_type: 'IMAGE', image: { media_id: expect.any(String) } });
    expect(byId[ids['share-post']!]).toMatchObject({ message_type: 'SHARE_POST', share_post: { embed_url: expect.stringContaining(SEED.posts[0]) } });
    // The video the user sent can be fetched like an image.
    const download = await post(
      w.handler,
      `${API}business/message/media/download/`,
      {
        business_id: SEED.defaultBusinessId,
        conversation_id: SEED.conversations.maya,
        message_id: ids.video,
        media_id: byId[ids.video!].video.media_id,
        media_type: 'VIDEO',
      },
      { 'access-token': w.token },
    );
    expect(download).toMatchObject({ code: 0, data: { download_url: expect.stringContaining('/sandbox/media/') } });
  });

  it("a template tap is plain TEXT whose body is the label; a person's app/web reply is tagged APP/WEB and uses the quota", async () => {
    const w = await world();
    await sendCard(w);
    const tap = await w.event({ kind: 'template-tap', button_id: 'size-l' });
    const app = await w.event({ kind: 'app-reply', text: 'From the phone' });
    const web = await w.event({ kind: 'app-reply', text: 'From the desk', web: true });
    const rest = await w.messages(SEED.conversations.maya);
    const byId = Object.fromEntries(rest.map((m) => [m.message_id, m]));
    expect(byId[tap.json.message_id]).toMatchObject({ message_type: 'TEXT', text: { body: 'Large' }, from_user: { role: 'PERSONAL_ACCOUNT' } });
    const business = { id: SEED.defaultBusinessId, role: 'BUSINESS_ACCOUNT' };
    expect(byId[app.json.message_id]).toMatchObject({
      message_type: 'TEXT',
      from_user: business,
      message_tag: { source: 'APP' },
      text: { body: 'From the phone' },
    });
    expect(byId[web.json.message_id]).toMatchObject({ from_user: business, message_tag: { source: 'WEB' } });
    const state = (await call(w.handler, 'GET', `${CONTROL}/state`)).json;
    const conv = state.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya);
    expect(conv.window.messages_left).toBe(8);
  });

  it('reactions ride on their target as reactions[], several per delivery, removed on REMOVE', async () => {
    const w = await world();
    const card = await sendCard(w);
    const userMessage = (await w.messages(SEED.conversations.maya)).find((m) => m.from_user.role === 'PERSONAL_ACCOUNT')!.message_id;
    const both = await w.event({
      kind: 'reaction',
      reactions: [
        { emoji: '👍', message_id: card },
        { emoji: '😂', message_id: userMessage },
      ],
    });
    const { content } = parseDelivery(w.deliveries.at(-1)!);
    expect(content.message_id).toBe(both.json.message_id);
    expect(content.reaction.map((r: any) => [r.operation, r.emoji, r.original_msg_id])).toEqual([
      ['ADD', '👍', card],
      ['ADD', '😂', userMessage],
    ]);
    let rest = await w.messages(SEED.conversations.maya);
    expect(rest.find((m) => m.message_id === card).reactions).toEqual([{ type: 'EMOJI', emoji: '👍', unique_identifier: SEED.users.maya, timestamp: w.now() }]);
    expect(rest.find((m) => m.message_id === userMessage).reactions).toHaveLength(1);
    // The reaction delivery is not a message of its own in REST.
    expect(rest.some((m) => m.message_id === both.json.message_id)).toBe(false);
    // No target named: the business's latest message.
    await w.event({ kind: 'reaction', emoji: '👍', remove: true });
    expect(parseDelivery(w.deliveries.at(-1)!).content.reaction[0]).toMatchObject({ operation: 'REMOVE', emoji: '👍', original_msg_id: card });
    rest = await w.messages(SEED.conversations.maya);
    expect(rest.find((m) => m.message_id === card)).not.toHaveProperty('reactions');
    expect(rest.find((m) => m.message_id === userMessage).reactions).toHaveLength(1);
  });

  it('a Smart+ referral without ad details opens a conversation whose REST referral.ad holds an empty ad', async () => {
    const w = await world();
    const answer = await w.event({ kind: 'smart-plus-ad', from_username: 'smart.lead' });
    expect(answer.json).toMatchObject({ event: 'im_referral_msg', message_id: null });
    const conv = (await w.conversations()).find((c) => c.conversation_id === answer.json.conversation_id);
    expect(conv.referral).toEqual({ ad: [{}], short_link: [] });
  });
});

describe('control refusals (HTTP 400 naming the problem)', () => {
  it('unknown kinds, unknown fields, and options of the wrong type', async () => {
    const w = await world();
    const unknownKind = await w.event({ kind: 'gift' });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.json.error.message).toMatch(/kind must be one of sticker, image/);
    expect((await w.event({ kind: 'sticker', button_id: 'x' })).json.error.message).toMatch(/Unknown field\(s\) for sticker: button_id/);
    expect((await w.event({ kind: 'sticker', casing: 'camel' })).status).toBe(400);
    expect((await w.event({ kind: 'sticker', create_time_ms: 'yes' })).status).toBe(400);
    expect((await w.event({ kind: 'auto-message', type: 'welcome', action: 'explode' })).status).toBe(400);
    expect((await w.event({ kind: 'auto-message-audit', status: 'maybe' })).status).toBe(400);
    expect((await w.event({ kind: 'unknown' })).json.error.message).toMatch(/name is required/);
    expect(w.deliveries).toHaveLength(0);
  });

  it('template-tap needs a card and one of its buttons; reactions need a message of the conversation', async () => {
    const w = await world();
    const noCard = await w.event({ kind: 'template-tap', button_id: 'size-m' });
    expect(noCard.status).toBe(400);
    expect(noCard.json.error.message).toMatch(/needs a card/);
    await sendCard(w);
    const wrong = await w.event({ kind: 'template-tap', button_id: 'size-xl' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toMatch(/Unknown button "size-xl".*size-m, size-l/);
    expect((await w.event({ kind: 'reaction', emoji: '👍', message_id: '7000000000000000000' })).status).toBe(400);
    expect((await w.event({ kind: 'read', from_username: 'nobody.here' })).json.error.message).toMatch(/needs a conversation/);
  });
});

describe('direct replies to high-intent comments (business/message/send/ direct_reply)', () => {
  const reply = (commentId: string, extra: Record<string, unknown> = {}) => ({
    direct_reply: { reply_type: 'COMMENT_REPLY', comment_reply: { comment_id: commentId } },
    message_type: 'TEXT',
    text: { body: 'Hi! It is 49 CAD, DM us your size.' },
    ...extra,
  });

  it("answers once privately, opening the commenter's conversation (conversation/list and content/list)", async () => {
    const w = await world();
    const comment = await w.event({ kind: 'high-intent-comment', from_username: 'new.fan', text: 'price??' });
    expect(comment.json).toMatchObject({ conversation_id: null, comment_id: expect.stringMatching(/^\d+$/) });
    const first = await w.send(reply(comment.json.comment_id));
    expect(first).toMatchObject({ code: 0, data: { message: { message_id: expect.stringMatching(/^\d+$/) } } });
    const conv = (await w.conversations()).find((c) => c.update_time === w.now() && !c.referral);
    expect(conv).toBeDefined();
    const rest = await w.messages(conv.conversation_id);
    expect(rest).toEqual([
      expect.objectContaining({
        message_id: first.data.message.message_id,
        message_type: 'TEXT',
        from_user: { id: SEED.defaultBusinessId, role: 'BUSINESS_ACCOUNT' },
        message_tag: { source: 'API' },
      }),
    ]);
    const echo = parseDelivery(w.deliveries.at(-1)!);
    expect(echo.envelope.event).toBe('im_send_msg');
    expect(echo.content).toMatchObject({ conversation_id: conv.conversation_id, message_id: first.data.message.message_id, to: 'new.fan' });
    const second = await w.send(reply(comment.json.comment_id));
    expect(second.code).toBe(40064);
    // The comment opened no window: an ordinary send to that conversation is still refused.
    expect((await w.send({ recipient_type: 'CONVERSATION', recipient: conv.conversation_id, message_type: 'TEXT', text: { body: 'hello?' } })).code).toBe(
      40064,
    );
  });

  it('refuses an unknown comment (40007), a non-TEXT reply or a recipient alongside (40002)', async () => {
    const w = await world();
    expect((await w.send(reply('7123456789012345678'))).code).toBe(40007);
    const comment = await w.event({ kind: 'high-intent-comment', text: 'how much' });
    expect((await w.send(reply(comment.json.comment_id, { message_type: 'IMAGE', text: undefined, image: { media_id: 'x' } }))).code).toBe(40002);
    expect((await w.send(reply(comment.json.comment_id, { recipient_type: 'CONVERSATION', recipient: SEED.conversations.maya }))).code).toBe(40002);
    expect((await w.send({ ...reply(comment.json.comment_id), direct_reply: { reply_type: 'DM' } })).code).toBe(40002);
    // None of the refusals spent the reply.
    expect((await w.send(reply(comment.json.comment_id))).code).toBe(0);
  });
});
