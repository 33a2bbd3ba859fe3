// The event decoder (src/tiktok/events.ts) over generated payloads: webhook deliveries shaped like
// TikTok's (every event, every content block) with junk mixed into any field, truncated and random
// bodies, REST messages, and each delivery in both casings (enum values lower and upper case, as
// TikTok's documentation and its wire disagree). It never throws, its output is plain JSON, it keeps
// the raw payload, and casing changes nothing it decodes.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeRestMessage, type DecodedEvent } from '../../src/tiktok/events.js';
import { parseJsonExact } from '../../src/tiktok/json.js';
import { seedFuzz } from '../helpers/fuzz.js';

seedFuzz();

type Casing = (value: string) => string;
const lower: Casing = (value) => value.toLowerCase();
const upper: Casing = (value) => value.toUpperCase();

const EVENTS = [
  'im_receive_msg',
  'im_send_msg',
  'im_referral_msg',
  'im_mark_read_msg',
  'im_receive_msg_eu',
  'im_auto_message_config_update',
  'im_auto_message_audit_update',
  'im_receive_high_intent_comment',
];

const id = fc.oneof(fc.stringMatching(/^[-A-Za-z0-9+/=]{1,30}$/), fc.integer({ min: 1 }).map(String));
const time = fc.oneof(
  fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String),
);
// Through JSON once, as a delivery would be (no -0).
const url = id.map((path) => `https://p16-sign.tiktokcdn-us.com/${encodeURIComponent(path)}?x-expires=1900000000`);
const junk = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
/** A field as TikTok sends it, or sometimes anything at all. */
const maybeJunk = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ arbitrary, weight: 9 }, { arbitrary: junk, weight: 1 });
const enumOf = (...values: string[]) => fc.constantFrom(...values);
const bigText = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 50 }), weight: 20 },
  {
    arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 5_000, max: 20_000 })).map(([unit, times]) => unit.repeat(times)),
    weight: 1,
  },
);

/** Content with enum values as symbols (upper/lower applied later), so one model yields both casings. */
interface Model {
  event: string;
  create_time: unknown;
  user_openid: unknown;
  content: Record<string, unknown>;
  /** 'json' = content as a JSON string (TikTok's way), 'object', or a broken string. */
  contentForm: 'json' | 'object' | 'not-json';
}

const ENUM = Symbol('enum');
type EnumValue = { [ENUM]: string };
const e = (value: string): EnumValue => ({ [ENUM]: value });
const enumField = (...values: string[]) => enumOf(...values).map(e);

const party = fc.record({ id: maybeJunk(id), role: maybeJunk(enumField('business_account', 'personal_account')) }, { requiredKeys: [] });
const button = fc.record({ id: maybeJunk(id), text: maybeJunk(bigText), type: maybeJunk(enumField('qa_button', 'link')) }, { requiredKeys: [] });
const content = fc.record(
  {
    from: maybeJunk(bigText),
    to: maybeJunk(bigText),
    from_user: maybeJunk(party),
    to_user: maybeJunk(party),
    unique_identifier: maybeJunk(id),
    conversation_id: maybeJunk(id),
    message_id: maybeJunk(id),
    timestamp: maybeJunk(time),
    type: maybeJunk(enumField('text', 'image', 'video', 'sticker', 'emoji', 'share_post', 'template', 'reaction', 'other')),
    text: maybeJunk(fc.record({ body: maybeJunk(bigText) })),
    image: maybeJunk(fc.record({ media_id: maybeJunk(id) })),
    video: maybeJunk(fc.record({ media_id: maybeJunk(id) })),
    sticker: maybeJunk(fc.record({ url: url })),
    share_post: maybeJunk(fc.record({ embed_url: url, video_id: id }, { requiredKeys: [] })),
    template: maybeJunk(
      fc.record({
        type: maybeJunk(enumField('qa_button_card', 'qa_link_card')),
        elements: fc.array(fc.record({ title: bigText, buttons: fc.array(button, { maxLength: 4 }) }), { maxLength: 2 }),
      }),
    ),
    reply_source_payload: maybeJunk(fc.record({ reply_source_msg_id: id, reply_source_unique_id: id }, { requiredKeys: [] })),
    referenced_message_info: maybeJunk(fc.record({ referenced_message_id: id })),
    reaction: maybeJunk(
      fc.array(
        fc.record(
          {
            operation: enumField('add', 'remove'),
            type: enumField('emoji'),
            emoji: fc.constantFrom('👍', '❤️', ''),
            unique_identifier: id,
            timestamp: time,
            original_msg_id: id,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    ),
    read: maybeJunk(fc.record({ last_read_timestamp: maybeJunk(time) })),
    referral: maybeJunk(
      fc.record(
        {
          source: enumField('ad', 'short_link'),
          short_link: fc.record(
            { ref: bigText, prefilled_message: bigText, prefilled_message_audit_status: enumField('pass', 'reject') },
            { requiredKeys: [] },
          ),
          ad: fc.oneof(fc.constant({}), fc.record({ ad_id: id, ad_name: bigText, timestamp: time }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    ),
    auto_message_type: maybeJunk(enumField('welcome_message', 'suggested_question', 'chat_prompt')),
    auto_message_action: maybeJunk(enumField('create', 'update', 'delete', 'enable', 'disable')),
    audit_status: maybeJunk(enumField('approved', 'rejected')),
    comment_id: maybeJunk(id),
    comment_text: maybeJunk(bigText),
    is_follower: maybeJunk(fc.boolean()),
    scene_type: maybeJunk(fc.oneof(fc.integer(), fc.constantFrom('1', 'normal'))),
    message_tag: maybeJunk(fc.record({ source: maybeJunk(enumField('api', 'app', 'web', 'others', 'unknown_source')) })),
  },
  { requiredKeys: [] },
);

const model: fc.Arbitrary<Model> = fc.record({
  event: fc.oneof({ arbitrary: fc.constantFrom(...EVENTS), weight: 9 }, { arbitrary: fc.stringMatching(/^im_[a-z_]{1,20}$/), weight: 1 }),
  create_time: maybeJunk(time),
  user_openid: maybeJunk(id),
  content,
  contentForm: fc.constantFrom('json', 'json', 'json', 'object', 'not-json'),
});

/** The model as JSON data in one casing (enum values and the event name). */
function render(value: unknown, casing: Casing): unknown {
  if (value && typeof value === 'object' && ENUM in value) return casing((value as EnumValue)[ENUM]);
  if (Array.isArray(value)) return value.map((item) => render(item, casing));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item, casing)]));
  return value;
}

function delivery(m: Model, casing: Casing): Record<string, unknown> {
  const body = render(m.content, casing);
  const serialised = JSON.stringify(body);
  return {
    client_key: 'awsbx7k2m9q4t8h1',
    event: casing(m.event),
    create_time: m.create_time,
    user_openid: m.user_openid,
    content: m.contentForm === 'object' ? body : m.contentForm === 'json' ? serialised : serialised.slice(0, Math.max(0, serialised.length - 1)) + '\u0000',
  };
}

/** What the decoder must hand back as `raw`: the delivery, with `content` parsed when it was JSON. */
function expectRawKept(decoded: DecodedEvent, sent: Record<string, unknown>): void {
  // As sent on the wire, where integers of 16+ digits are exact strings once decoded.
  const exact = parseJsonExact(JSON.stringify(sent)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(exact)) {
    if (key === 'content' && typeof value === 'string') {
      const kept = decoded.raw.content;
      if (typeof kept === 'string') expect(kept).toBe(value);
      else expect(kept).toEqual(parseJsonExact(value));
    } else {
      expectEqual(decoded.raw[key], value);
    }
  }
}

/** Everything decoded, minus what legitimately carries the received spelling. */
function meaning(decoded: DecodedEvent): Record<string, unknown> {
  const { id: _id, raw: _raw, event: _event, problems, ...rest } = decoded;
  return { ...rest, problems: problems.map((problem) => problem.toLowerCase()) };
}

function expectPlainJson(decoded: DecodedEvent): void {
  expectEqual(JSON.parse(JSON.stringify(decoded)), decoded);
}

/**
 * expect(actual).toEqual(expected), with a fast path: thousands of runs spend most of their time in
 * vitest's matcher. Strictly equal values are equal under toEqual too; anything else goes to toEqual,
 * which decides (and reports) exactly as before.
 */
function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

describe('fuzz: the event decoder', () => {
  it('decodes 3,000 generated deliveries in both casings as bytes, text and objects: never throws, keeps the raw payload, casing changes nothing', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(model, (m) => {
        const lowerDelivery = delivery(m, lower);
        const upperDelivery = delivery(m, upper);
        const results: DecodedEvent[] = [];
        for (const sent of [lowerDelivery, upperDelivery]) {
          const text = JSON.stringify(sent);
          const fromText = decodeEvent(text);
          const fromBytes = decodeEvent(new TextEncoder().encode(text));
          // An object handed in holds what JSON.parse made of 16+ digit numbers: the exact parse is its equal.
          const fromObject = decodeEvent(parseJsonExact(text) as Record<string, unknown>);
          expectEqual(fromBytes, fromText);
          expectEqual(fromObject, fromText);
          expectRawKept(fromText, sent);
          expectPlainJson(fromText);
          expect(fromText.id).toMatch(/\S/);
          results.push(fromText);
        }
        expectEqual(meaning(results[1]!), meaning(results[0]!));
        kinds.add(results[0]!.kind);
      }),
      { numRuns: 3_000 },
    );
    // Every kind of delivery was generated and recognised.
    expect([...kinds].sort()).toEqual([
      'auto_message_audit',
      'auto_message_config',
      'eu_message',
      'high_intent_comment',
      'message',
      'reaction',
      'read',
      'referral',
      'unknown',
    ]);
  }, 120_000);

  it('never throws on random bytes, truncated deliveries, or values of any type', () => {
    const truncated = model.chain((m) => {
      const text = JSON.stringify(delivery(m, lower));
      return fc.integer({ min: 0, max: text.length }).map((cut) => text.slice(0, cut));
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          truncated,
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        (body) => {
          const decoded = decodeEvent(body);
          expectPlainJson(decoded);
          const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
            // Not a delivery: kept whole as received, with the reason.
            expectEqual(decoded.raw, { body: text });
            expect(decoded.kind).toBe('unknown');
            expect(decoded.problems).toContain('the body is not a JSON object');
          }
        },
      ),
      { numRuns: 3_000 },
    );
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (value) => {
        expect(() => decodeEvent(value as never)).not.toThrow();
        expect(() => decodeRestMessage(value as never, { businessId: 'b' })).not.toThrow();
      }),
      { numRuns: 1_000 },
    );
  }, 120_000);

  it('decodes 1,000 generated REST messages in both casings the same, keeping each message as raw', () => {
    const rest = fc.record(
      {
        message_id: maybeJunk(id),
        timestamp: maybeJunk(time),
        message_type: maybeJunk(enumField('text', 'image', 'share_post', 'template', 'video', 'other')),
        from_user: maybeJunk(party),
        to_user: maybeJunk(party),
        text: maybeJunk(fc.record({ body: bigText })),
        image: maybeJunk(fc.record({ media_id: id })),
        message_tag: maybeJunk(fc.record({ source: enumField('api', 'app', 'web') })),
        reactions: maybeJunk(fc.array(fc.record({ operation: enumField('add', 'remove'), emoji: fc.constantFrom('👍', '😂') }), { maxLength: 2 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(rest, id, (message, conversationId) => {
        const decoded = [lower, upper].map((casing) => {
          const sent = render(message, casing) as Record<string, unknown>;
          const result = decodeRestMessage(structuredClone(sent), { businessId: 'biz-1', conversationId });
          expectEqual(result.raw, sent);
          expect(result.origin).toBe('rest');
          expect(result.conversation_id).toMatch(/\S/);
          expectPlainJson(result);
          return result;
        });
        expectEqual(meaning(decoded[1]!), meaning(decoded[0]!));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('fuzz: exact big integers', () => {
  // JSON with bigint leaves written as bare literals, as TikTok writes its ids.
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      tie('leaf'),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
    ),
    leaf: fc.oneof(
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
      fc.bigInt({ min: 10n ** 15n, max: 10n ** 19n }),
      fc.jsonValue({ maxDepth: 0 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    ),
  })).node;
  const write = (value: unknown) =>
    JSON.stringify(value, (_key, leaf: unknown) => (typeof leaf === 'bigint' ? `\u0000BIG${leaf}` : leaf)).replace(/"\\u0000BIG(-?\d+)"/g, '$1');
  const expected = (value: unknown): unknown => {
    if (typeof value === 'bigint') return String(value).replace('-', '').length >= 16 ? String(value) : Number(value);
    // A number JSON writes as a 16+ digit integer is an id-sized literal too.
    if (typeof value === 'number' && /^-?[1-9]\d{15,}$/.test(JSON.stringify(value))) return JSON.stringify(value);
    if (Array.isArray(value)) return value.map(expected);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expected(item)]));
    return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  };

  it('parses 2,000 generated documents: every integer of 16+ digits an exact string, everything else as JSON.parse gives it', () => {
    fc.assert(
      fc.property(tree, (value) => {
        expectEqual(parseJsonExact(write(value)), expected(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts exactly what JSON.parse accepts, on 3,000 mutated documents', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.constantFrom('', '"', ':', '1234567890123456789', '{', ']', ',', '\\'), (value, at, insert) => {
        const text = write(value);
        const cut = at % (text.length + 1);
        const mutated = text.slice(0, cut) + insert + text.slice(cut);
        let valid = true;
        try {
          JSON.parse(mutated);
        } catch {
          valid = false;
        }
        if (valid) expect(() => parseJsonExact(mutated)).not.toThrow();
        else expect(() => parseJsonExact(mutated)).toThrow(SyntaxError);
      }),
      { numRuns: 3_000 },
    );
  });
});
