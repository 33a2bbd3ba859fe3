// The one decoder for webhook deliveries and REST messages: every shape of tiktok-api.md §4/§5,
// both casings, seconds or milliseconds, and tolerance for anything missing or unknown.
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/tiktok/event-describe.js';
import { decodeEvent, decodeRestMessage, eventDedupeKey } from '../../src/tiktok/events.js';

const BUSINESS = '-000bizOpenId';
const USER = 'usr-42';

function delivery(event: string, content: unknown, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    client_key: 'awKey',
    event,
    create_time: 1732459200,
    user_openid: BUSINESS,
    content: typeof content === 'string' ? content : JSON.stringify(content),
    ...extra,
  });
}

const inbound = {
  from: 'maya.lopez',
  to: 'acme',
  unique_identifier: USER,
  from_user: { id: USER, role: 'personal_account' },
  to_user: { id: BUSINESS, role: 'business_account' },
  conversation_id: 'c+1/==',
  timestamp: 1732459200123,
};
const outbound = {
  from: 'acme',
  to: 'maya.lopez',
  unique_identifier: USER,
  from_user: { id: BUSINESS, role: 'business_account' },
  to_user: { id: USER, role: 'personal_account' },
  conversation_id: 'c+1/==',
  timestamp: 1732459200999,
};

describe('decodeEvent: messages', () => {
  it('decodes an inbound text with its parties, conversation and time', () => {
    const event = decodeEvent(
      delivery('im_receive_msg', {
        ...inbound,
        message_id: 'm1',
        type: 'text',
        text: { body: 'Is the blue mug in stock?' },
        message_tag: { source: 'app' },
        is_follower: true,
        scene_type: 3,
      }),
    );
    expect(event).toMatchObject({
      id: 'm1',
      event: 'im_receive_msg',
      kind: 'message',
      origin: 'webhook',
      business_id: BUSINESS,
      conversation_id: 'c+1/==',
      message_id: 'm1',
      direction: 'inbound',
      source: 'APP',
      type: 'text',
      text: 'Is the blue mug in stock?',
      user: { id: USER, username: 'maya.lopez' },
      sender: { id: USER, username: 'maya.lopez', role: 'personal_account' },
      is_follower: true,
      scene_type: 3,
      timestamp: 1732459200123,
      time: '2024-11-24T14:40:00.123Z',
    });
    expect(event.problems).toEqual([]);
    expect(describeEvent(event)).toBe('Is the blue mug in stock?');
  });

  it('tells our own API echo from a person replying in the app or web inbox', () => {
    const api = decodeEvent(delivery('im_send_msg', { ...outbound, message_id: 'm2', type: 'text', text: { body: 'Yes' }, message_tag: { source: 'API' } }));
    const web = decodeEvent(delivery('im_send_msg', { ...outbound, message_id: 'm3', type: 'text', text: { body: 'Hi' }, message_tag: { source: 'WEB' } }));
    expect([api.direction, api.source]).toEqual(['outbound', 'API']);
    expect([web.direction, web.source]).toEqual(['outbound', 'WEB']);
    expect(api.user).toEqual({ id: USER, username: 'maya.lopez' });
  });

  it('decodes every media block', () => {
    const image = decodeEvent(
      delivery('im_receive_msg', {
        ...inbound,
        message_id: 'i',
        type: 'image',
        image: { media_id: 'med1' },
        referenced_message_info: { referenced_message_id: 'm0' },
      }),
    );
    const video = decodeEvent(delivery('im_receive_msg', { ...inbound, message_id: 'v', type: 'video', video: { media_id: 'med2' } }));
    const sticker = decodeEvent(delivery('im_receive_msg', { ...inbound, message_id: 's', type: 'sticker', sticker: { url: 'https://x/s.webp?x-expires=1' } }));
    const emoji = decodeEvent(delivery('im_receive_msg', { ...inbound, message_id: 'e', type: 'emoji', emoji: { url: 'https://x/e.png' } }));
    const post = decodeEvent(
      delivery('im_receive_msg', {
        ...inbound,
        message_id: 'p',
        type: 'share_post',
        share_post: { embed_url: 'https://www.tiktok.com/embed/v2/7', video_id: '7' },
      }),
    );
    expect(image.media).toEqual({ id: 'med1', type: 'image' });
    expect(image.referenced_message_id).toBe('m0');
    expect(video.media).toEqual({ id: 'med2', type: 'video' });
    expect(sticker.sticker_url).toBe('https://x/s.webp?x-expires=1');
    expect(emoji.emoji_url).toBe('https://x/e.png');
    expect(post.share_post).toEqual({ embed_url: 'https://www.tiktok.com/embed/v2/7', video_id: '7' });
    expect([image, video, sticker, emoji, post].map(describeEvent)).toEqual([
      '[image]',
      '[video]',
      '[sticker]',
      '[emoji]',
      '[post: https://www.tiktok.com/embed/v2/7]',
    ]);
  });

  it('decodes a card (webhook spelling: elements and button text) and a button tap', () => {
    const card = decodeEvent(
      delivery('im_send_msg', {
        ...outbound,
        message_id: 'card1',
        type: 'template',
        template: { type: 'qa_button_card', elements: [{ title: 'Which size?', buttons: [{ text: 'Small', type: 'reply', id: 'size-s' }] }] },
        message_tag: { source: 'API' },
      }),
    );
    expect(card.template).toEqual({ type: 'QA_BUTTON_CARD', title: 'Which size?', buttons: [{ id: 'size-s', label: 'Small', type: 'REPLY' }] });
    expect(describeEvent(card)).toBe('[card: Which size?]');
    const tap = decodeEvent(
      delivery('im_receive_msg', {
        ...inbound,
        message_id: 'tap1',
        type: 'text',
        text: { body: 'Small' },
        reply_source_payload: { reply_source_msg_id: 'card1', reply_source_unique_id: 'size-s' },
      }),
    );
    expect([tap.tapped_button_id, tap.reply_source_message_id]).toEqual(['size-s', 'card1']);
    expect(describeEvent(tap)).toBe('[tapped: Small]');
  });

  it('decodes several reactions in one delivery, add and remove', () => {
    const event = decodeEvent(
      delivery('im_receive_msg', {
        ...inbound,
        message_id: 'r1',
        type: 'reaction',
        reaction: [
          { operation: 'ADD', type: 'EMOJI', emoji: '👍', unique_identifier: USER, timestamp: 1732459201000, original_msg_id: 'm2' },
          { operation: 'remove', type: 'ai_emoji', ai_emoji_url: 'https://x/ai.png', unique_identifier: USER, timestamp: 1732459202, original_msg_id: 'm3' },
        ],
      }),
    );
    expect(event.kind).toBe('reaction');
    expect(event.reactions).toEqual([
      { operation: 'ADD', type: 'EMOJI', emoji: '👍', ai_emoji_url: null, user_id: USER, target_message_id: 'm2', time: '2024-11-24T14:40:01.000Z' },
      {
        operation: 'REMOVE',
        type: 'AI_EMOJI',
        emoji: null,
        ai_emoji_url: 'https://x/ai.png',
        user_id: USER,
        target_message_id: 'm3',
        time: '2024-11-24T14:40:02.000Z',
      },
    ]);
    expect(describeEvent(event)).toBe('reacted 👍, removed an AI emoji');
  });
});

describe('decodeEvent: events without a message id', () => {
  it('decodes a read receipt and keys it by content', () => {
    const event = decodeEvent(delivery('im_mark_read_msg', { ...inbound, read: { last_read_timestamp: 1732459300000 } }));
    expect(event.kind).toBe('read');
    expect(event.read_up_to).toBe('2024-11-24T14:41:40.000Z');
    expect(event.id).toMatch(/^h:[0-9a-f]{32}$/);
    const again = decodeEvent(delivery('im_mark_read_msg', { ...inbound, read: { last_read_timestamp: 1732459300000 } }));
    const later = decodeEvent(delivery('im_mark_read_msg', { ...inbound, read: { last_read_timestamp: 1732459400000 } }));
    expect(eventDedupeKey(again)).toBe(eventDedupeKey(event));
    expect(eventDedupeKey(later)).not.toBe(eventDedupeKey(event));
  });

  it('decodes short-link, ad and Smart+ referrals', () => {
    const link = decodeEvent(
      delivery('im_referral_msg', {
        ...inbound,
        is_follower: false,
        referral: { source: 'short_link', short_link: { ref: 'spring', prefilled_message: 'Hi there', prefilled_message_audit_status: 'pass' } },
      }),
    );
    expect(link.referral).toMatchObject({
      source: 'short_link',
      ref: 'spring',
      prefilled_message: 'Hi there',
      prefilled_message_audit_status: 'PASS',
      ad: null,
    });
    expect(describeEvent(link)).toBe('arrived via link spring with "Hi there"');
    const ad = decodeEvent(
      delivery('im_referral_msg', {
        ...inbound,
        referral: {
          source: 'AD',
          ad: { advertiser_id: '7', ad_id: '17', ad_name: 'Spring sale', embed_url: 'u', message_material_id: 'bWF0', timestamp: 1732459200000 },
        },
      }),
    );
    expect(ad.referral?.ad).toMatchObject({ ad_id: '17', ad_name: 'Spring sale', message_material_id: 'bWF0' });
    const smart = decodeEvent(delivery('im_referral_msg', { ...inbound, referral: { source: 'ad', ad: {} } }));
    expect(smart.referral?.ad).toMatchObject({ ad_id: null, ad_name: null });
    expect(describeEvent(smart)).toBe('arrived via an ad (no ad details)');
    expect(link.message_id).toBeNull();
    expect(new Set([link.id, ad.id, smart.id]).size).toBe(3);
  });

  it('decodes the EEA-reduced event, auto messages and high-intent comments', () => {
    const eu = decodeEvent(delivery('im_receive_msg_eu', { to: 'acme', to_user: { id: BUSINESS, role: 'business_account' }, timestamp: 1732459200000 }));
    expect([eu.kind, eu.direction, eu.conversation_id, eu.message_id]).toEqual(['eu_message', 'inbound', null, null]);
    const config = decodeEvent(
      delivery('im_auto_message_config_update', {
        auto_message_id: 'a1',
        auto_message_type: 'welcome_message',
        auto_message_action: 'enable',
        timestamp: 1,
        welcome_message: { text: 'Hello!' },
      }),
    );
    expect(config.auto_message).toEqual({ id: 'a1', type: 'WELCOME_MESSAGE', action: 'ENABLE', audit_status: null, content: { text: 'Hello!' } });
    const audit = decodeEvent(
      delivery('im_auto_message_audit_update', { auto_message_id: 'a1', auto_message_type: 'WELCOME_MESSAGE', audit_status: 'rejected', timestamp: 1 }),
    );
    expect(audit.auto_message?.audit_status).toBe('REJECTED');
    const comment = decodeEvent(delivery('im_receive_high_intent_comment', { ...inbound, comment_id: 'cm1', comment_text: 'How much?', is_follower: false }));
    expect(comment.comment).toEqual({ id: 'cm1', text: 'How much?' });
    expect(describeEvent(comment)).toBe('commented: How much?');
  });
});

describe('decodeEvent: tolerance', () => {
  it('keeps unknown events raw and says so', () => {
    const event = decodeEvent(delivery('im_brand_new_thing', { hello: 'world' }));
    expect(event.kind).toBe('unknown');
    expect(event.event).toBe('im_brand_new_thing');
    expect(event.raw.content).toEqual({ hello: 'world' });
    expect(event.problems.join()).toMatch(/unknown event/);
    expect(describeEvent(event)).toBe('[im_brand_new_thing]');
  });

  it('accepts content as an object, create_time in ms, and upper-case enums in webhooks', () => {
    const event = decodeEvent({
      event: 'IM_RECEIVE_MSG',
      create_time: 1732459200000,
      user_openid: BUSINESS,
      content: { ...inbound, timestamp: undefined, message_id: 'm9', type: 'TEXT', text: { body: 'x' }, from_user: { id: USER, role: 'PERSONAL_ACCOUNT' } },
    });
    expect([event.kind, event.type, event.sender?.role, event.timestamp]).toEqual(['message', 'text', 'personal_account', 1732459200000]);
  });

  it('treats blank ids as missing, so a blank message_id never becomes a dedupe key', () => {
    const event = decodeEvent(delivery('im_receive_msg', { ...inbound, message_id: ' ', conversation_id: '  ', type: 'text', text: { body: ' ' } }));
    expect([event.message_id, event.conversation_id, event.text]).toEqual([null, null, ' ']);
    expect(event.id).toMatch(/^h:[0-9a-f]{32}$/);
    expect(eventDedupeKey(event)).toBe(event.id);
  });

  it('never throws on junk and keeps what arrived', () => {
    for (const body of [
      '',
      'not json',
      '[]',
      '{"content": 5}',
      '{"event": "im_receive_msg", "content": "{oops"}',
      '{"event": 7, "content": "null"}',
      new Uint8Array([0xff, 0xfe]),
    ]) {
      const event = decodeEvent(body);
      expect(event.id).toBeTruthy();
      expect(event.problems.length).toBeGreaterThan(0);
      expect(event.raw).toBeTypeOf('object');
    }
    const half = decodeEvent('{"event": "im_receive_msg", "content": "{oops"}');
    expect(half.problems).toContain('content is not JSON');
    expect(half.raw.content).toBe('{oops');
  });
});

describe('decodeRestMessage', () => {
  it('decodes REST casing into the same shape as the webhook', () => {
    const rest = decodeRestMessage(
      {
        message_id: 'm1',
        timestamp: 1732459200123,
        message_type: 'TEXT',
        from_user: { id: USER, role: 'PERSONAL_ACCOUNT' },
        to_user: { id: BUSINESS, role: 'BUSINESS_ACCOUNT' },
        sender: 'maya.lopez',
        recipient: 'acme',
        message_tag: { source: 'APP' },
        text: { body: 'Is the blue mug in stock?' },
        reactions: [{ operation: 'ADD', type: 'EMOJI', emoji: '❤️', unique_identifier: BUSINESS, timestamp: 1732459201000 }],
      },
      { businessId: BUSINESS, conversationId: 'c+1/==' },
    );
    const hook = decodeEvent(
      delivery('im_receive_msg', { ...inbound, message_id: 'm1', type: 'text', text: { body: 'Is the blue mug in stock?' }, message_tag: { source: 'APP' } }),
    );
    for (const key of ['id', 'event', 'kind', 'conversation_id', 'message_id', 'direction', 'source', 'type', 'text', 'user', 'timestamp'] as const) {
      expect(rest[key], key).toEqual(hook[key]);
    }
    expect(rest.origin).toBe('rest');
    expect(rest.reactions?.[0]).toMatchObject({ emoji: '❤️', target_message_id: 'm1' });
    expect(eventDedupeKey(rest)).toBe(eventDedupeKey(hook));
  });

  it('decodes a REST card (send spelling: button title) and keeps a message without an id', () => {
    const card = decodeRestMessage(
      {
        message_id: 'c1',
        timestamp: 1,
        message_type: 'TEMPLATE',
        from_user: { id: BUSINESS, role: 'BUSINESS_ACCOUNT' },
        template: { type: 'QA_LINK_CARD', title: 'Help', buttons: [{ type: 'REPLY', title: 'Track my order', id: 'track' }] },
      },
      { businessId: BUSINESS },
    );
    expect(card.direction).toBe('outbound');
    expect(card.event).toBe('im_send_msg');
    expect(card.template?.buttons).toEqual([{ id: 'track', label: 'Track my order', type: 'REPLY' }]);
    const anonymous = decodeRestMessage({ timestamp: 5, message_type: 'TEXT', text: { body: 'hi' }, from_user: { role: 'PERSONAL_ACCOUNT' } });
    expect(anonymous.id).toMatch(/^h:/);
    expect(anonymous.direction).toBe('inbound');
    expect(anonymous.problems).toContain('the message has no message_id');
  });

  it('reads REST reactions without an operation as current ones (ADD); webhooks keep what they say', () => {
    const rest = decodeRestMessage(
      {
        message_id: 'm2',
        timestamp: 2,
        message_type: 'TEXT',
        text: { body: 'ok' },
        reactions: [{ type: 'EMOJI', emoji: '👍', unique_identifier: USER, timestamp: 3 }],
      },
      { businessId: BUSINESS },
    );
    expect(rest.reactions).toEqual([expect.objectContaining({ operation: 'ADD', emoji: '👍', user_id: USER, target_message_id: 'm2' })]);
    const hook = decodeEvent(
      delivery('im_receive_msg', { ...inbound, message_id: 'r1', type: 'reaction', reaction: [{ emoji: '👍', original_msg_id: 'm2' }] }),
    );
    expect(hook.reactions?.[0]?.operation).toBeNull();
  });
});

describe('big integer ids (bare 19-digit JSON numbers)', () => {
  it('parseJsonExact: integers of 16+ digits outside strings become exact strings; nothing else changes', async () => {
    const { parseJsonExact, quoteBigIntegers } = await import('../../src/tiktok/json.js');
    expect(parseJsonExact('{"id":7247303576418566913}')).toEqual({ id: '7247303576418566913' });
    expect(parseJsonExact('[-7247303576418566913, 1234567890123456, 123456789012345]')).toEqual(['-7247303576418566913', '1234567890123456', 123456789012345]);
    // Floats and exponents are numbers, not ids; digits inside strings (with escaped quotes) are text.
    // biome-ignore lint/correctness/noPrecisionLoss: the point: JSON.parse rounds these; the exact parse must agree with it for non-integers
    expect(parseJsonExact('[12345678901234567.5, 1234567890123456789e2, 1e300]')).toEqual([12345678901234567.5, 1234567890123456789e2, 1e300]);
    expect(parseJsonExact('{"a":"x\\"7247303576418566913\\\\","b":7247303576418566913}')).toEqual({ a: 'x"7247303576418566913\\', b: '7247303576418566913' });
    expect(quoteBigIntegers('{"7247303576418566913":1}')).toBe('{"7247303576418566913":1}');
    // Broken JSON stays broken: a number where JSON allows none is not rescued by the quoting.
    expect(() => parseJsonExact('{7247303576418566913:1}')).toThrow(SyntaxError);
    expect(() => parseJsonExact('[07247303576418566913]')).toThrow(SyntaxError);
    expect(() => parseJsonExact('[7247303576418566913')).toThrow(SyntaxError);
    // Any depth: one loop, no recursion.
    const deep = `${'['.repeat(20_000)}7247303576418566913${']'.repeat(20_000)}`;
    let value = parseJsonExact(deep);
    for (let depth = 0; depth < 20_000; depth++) value = (value as unknown[])[0];
    expect(value).toBe('7247303576418566913');
  });

  it('decodeEvent keeps them exact inside content and in the outer body', () => {
    const content =
      '{"conversation_id":"c1","message_id":7247303576418566913,"type":"share_post","share_post":{"embed_url":"https://www.tiktok.com/v/1","video_id":7247303576418566001},"from_user":{"id":"usr-42","role":"personal_account"},"to_user":{"id":"-000bizOpenId","role":"business_account"},"timestamp":1732459200000}';
    const body = `{"client_key":"awKey","event":"im_receive_msg","create_time":1732459200,"user_openid":"${BUSINESS}","log_id":7247303576418566999,"content":${JSON.stringify(content)}}`;
    const event = decodeEvent(body);
    expect(event.message_id).toBe('7247303576418566913');
    expect(event.id).toBe('7247303576418566913');
    expect(event.share_post).toEqual({ embed_url: 'https://www.tiktok.com/v/1', video_id: '7247303576418566001' });
    expect(event.raw.log_id).toBe('7247303576418566999');
    expect(JSON.stringify(event)).toContain('"7247303576418566913"');
    expect(JSON.stringify(event)).not.toContain('7247303576418567000');
    expect(decodeEvent(new TextEncoder().encode(body)).message_id).toBe('7247303576418566913');
  });

  it('a 20,000-deep body is decoded, not thrown', () => {
    const deep = `{"event":"im_receive_msg","content":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    expect(() => decodeEvent(deep)).not.toThrow();
    expect(decodeEvent(deep).problems).toContain('content is neither a JSON string nor an object');
    const deepContent = JSON.stringify({ event: 'im_receive_msg', content: `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}` });
    expect(() => decodeEvent(deepContent)).not.toThrow();
  });
});

describe('shapes other integrations send', () => {
  it('a high-intent comment with its text as text.body (and a bare big comment_id)', () => {
    const content = `{"comment_id":7247303576418566913,"video_id":7247303576418566001,"text":{"body":"Is this in size M?"},"from_user":{"id":"${USER}","role":"personal_account"},"to_user":{"id":"${BUSINESS}","role":"business_account"},"timestamp":1732459200}`;
    const event = decodeEvent(delivery('im_receive_high_intent_comment', content));
    expect(event.comment).toEqual({ id: '7247303576418566913', text: 'Is this in size M?' });
    expect(describeEvent(event)).toBe('commented: Is this in size M?');
    expect(decodeEvent(delivery('im_receive_high_intent_comment', { comment_id: 'c9', comment_text: 'How much?' })).comment).toEqual({
      id: 'c9',
      text: 'How much?',
    });
  });

  it('a sender that is a user id, message_type, second timestamps: user, direction and text decoded', () => {
    // The parties' ids are user ids, not the open_id in user_openid: the roles say who is who.
    const content =
      '{"conversation_id":"c7","message_id":"m7","sender":7301234567890123457,"recipient":"acme","message_type":"TEXT","text":{"body":"Do you ship to Lyon?"},"from_user":{"id":"7301234567890123457","role":"personal_account"},"to_user":{"id":"7000000000000000001","role":"business_account"},"timestamp":1732459200}';
    const event = decodeEvent(delivery('im_receive_msg', content));
    expect(event.direction).toBe('inbound');
    expect(event.user).toEqual({ id: '7301234567890123457', username: null });
    expect(event.sender).toEqual({ id: '7301234567890123457', username: null, role: 'personal_account' });
    expect(event.type).toBe('text');
    expect(event.text).toBe('Do you ship to Lyon?');
    expect(event.timestamp).toBe(1_732_459_200_000);
    // Without from_user/to_user: the id in `sender` is still the user's id, and the text is kept.
    const bare = decodeEvent(
      delivery('im_receive_msg', '{"message_id":"m8","sender":"7301234567890123457","message_type":"TEXT","text":"plain text body","timestamp":1732459201}'),
    );
    expect(bare.sender).toEqual({ id: '7301234567890123457', username: null, role: null });
    expect(bare.direction).toBe('inbound');
    expect(bare.text).toBe('plain text body');
    expect(bare.timestamp).toBe(1_732_459_201_000);
  });
});

describe('hostile arguments', () => {
  it('decodeEvent never throws, even on throwing getters and Proxies', () => {
    const getter = Object.defineProperty({}, 'content', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    const proxy = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    for (const input of [getter, proxy, revocable.proxy, Object.create(null)]) {
      const event = decodeEvent(input as Record<string, unknown>);
      expect(event.kind).toBe('unknown');
      expect(event.id).toMatch(/^h:/);
      expect(() => JSON.stringify(event)).not.toThrow();
    }
  });

  it('eventDedupeKey refuses what is not a decoded event with a TypeError naming it', () => {
    expect(() => eventDedupeKey(undefined as never)).toThrow(TypeError);
    expect(() => eventDedupeKey(undefined as never)).toThrow(/eventDedupeKey\(event\) needs an event returned by decodeEvent/);
    expect(() => eventDedupeKey({} as never)).toThrow(TypeError);
  });
});

describe('the decoder hash (plain-JavaScript SHA-256, the same in Node and at the edge)', () => {
  it('equals node:crypto on every padding boundary and on multi-block input', async () => {
    const { createHash } = await import('node:crypto');
    const { sha256Hex } = await import('../../src/tiktok/sha256.js');
    let seed = 7;
    const bytes = (length: number) => Uint8Array.from({ length }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 65_537]) {
      const input = bytes(length);
      expect(sha256Hex(input), `length ${length}`).toBe(createHash('sha256').update(input).digest('hex'));
    }
    // A receipt's id is the same hash the 0.1 decoder made with node:crypto (ids journaled before stay valid).
    const body = delivery('im_mark_read_msg', { conversation_id: 'c1', read: { last_read_timestamp: 1732459200000 } });
    const content = JSON.parse(body).content as string;
    const expected = createHash('sha256')
      .update('im_mark_read_msg')
      .update('\u0000')
      .update(BUSINESS)
      .update('\u0000')
      .update(content)
      .update('\u0000')
      .digest('hex')
      .slice(0, 32);
    expect(decodeEvent(body).id).toBe(`h:${expected}`);
  });
});
