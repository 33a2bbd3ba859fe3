// 10,000 generated webhook deliveries into `tail` (a child process, over real HTTP, 16 at a time): well-
// formed ones, valid signatures on hostile content (content not JSON, wrong types, junk, huge fields),
// bad and missing signatures (other secret, tampered bytes, stale, malformed), random bytes, truncated
// JSON, bodies over 1 MB; then byte-exact replays. Signatures are made here with node:crypto. The oracle:
// tail never crashes; nothing unsigned is printed or journaled; every signed delivery (JSON or not: only
// TikTok can sign) is answered 200 and journaled byte for byte, and printed exactly once per event (a
// body that is not a JSON object as kind "unknown"); over-large ones 413, replays 409.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/tail/journal-files.js';
import { Journal } from '../../src/tail/journal.js';
import { decodeDelivery, deliveryKey } from '../../src/tail/delivery.js';
import { eventDedupeKey } from '../../src/tiktok/events.js';
import { startWorld, SEED, type World } from '../helpers/account.js';
import { startTail } from '../helpers/tail.js';
import { seedFuzz } from '../helpers/fuzz.js';

const SEED_OF_RUN = seedFuzz();

const DELIVERIES = 10_000;
const CONCURRENCY = 16;
const BIZ: string = SEED.defaultBusinessId;
const STACK_LINE = /^\s+at .+(:\d+:\d+|\(native\))/m;

interface Delivery {
  nonce: string;
  category: string;
  body: Buffer;
  signature?: string;
  /** What the oracle expects. */
  expect: 200 | 401 | 409 | 413;
}

const sign = (secret: string, body: Buffer, t: number) => `t=${t},s=${createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`;

/** Parts of a delivery, generated; assembled (nonce, signature) when sent. */
type Shape =
  | { kind: 'valid'; event: string; content: Record<string, unknown> }
  | { kind: 'hostile'; envelope: Record<string, unknown> }
  | {
      kind: 'badSignature';
      how: 'other-secret' | 'tampered' | 'stale' | 'future' | 'malformed' | 'missing' | 'other-body' | 'empty-s';
      content: Record<string, unknown>;
    }
  | { kind: 'bytes'; bytes: Uint8Array; signed: boolean }
  | { kind: 'truncated'; cut: number; signed: boolean; content: Record<string, unknown> }
  | { kind: 'notObject'; value: unknown }
  | { kind: 'huge'; size: number }
  | { kind: 'oversize' };

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const messageContent = fc.record({
  type: fc.constantFrom('text', 'TEXT', 'image', 'sticker', 'reaction', 'template', 'share_post'),
  text: fc.record({ body: text }),
  from_user: fc.record({ id: fc.constant(SEED.users.maya), role: fc.constantFrom('personal_account', 'PERSONAL_ACCOUNT') }),
  to_user: fc.record({ id: fc.constant(BIZ), role: fc.constantFrom('business_account', 'BUSINESS_ACCOUNT') }),
  conversation_id: fc.constant(SEED.conversations.maya),
  timestamp: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
  message_tag: fc.record({ source: fc.constantFrom('APP', 'api', 'WEB') }),
});
const junk = fc.jsonValue({ maxDepth: 3 });

const shape: fc.Arbitrary<Shape> = fc.oneof(
  {
    weight: 300,
    arbitrary: fc.record({
      kind: fc.constant('valid' as const),
      event: fc.constantFrom(
        'im_receive_msg',
        'im_send_msg',
        'im_mark_read_msg',
        'im_referral_msg',
        'im_receive_high_intent_comment',
        'im_auto_message_audit_update',
      ),
      content: messageContent,
    }),
  },
  {
    weight: 250,
    arbitrary: fc
      .record({
        event: fc.oneof(fc.constantFrom('im_receive_msg', 'IM_RECEIVE_MSG', 'im_who_knows'), junk),
        user_openid: fc.oneof({ weight: 4, arbitrary: fc.constant(BIZ) }, { weight: 1, arbitrary: junk }),
        create_time: fc.oneof(fc.integer(), text, junk),
        content: fc.oneof(
          text,
          junk,
          junk.map((value) => JSON.stringify(value)),
          fc
            .record({ message_id: junk, type: junk, text: fc.oneof(junk, fc.record({ body: junk })), from_user: junk, to_user: junk }, { requiredKeys: [] })
            .map((value) => JSON.stringify(value)),
          fc.constantFrom('{"type":"text"', '<html>', '', 'null', '"\\u0000"', '{"text":{"body":"\\ud800"}}'),
        ),
      })
      .map((envelope) => ({ kind: 'hostile' as const, envelope })),
  },
  {
    weight: 150,
    arbitrary: fc.record({
      kind: fc.constant('badSignature' as const),
      how: fc.constantFrom('other-secret', 'tampered', 'stale', 'future', 'malformed', 'missing', 'other-body', 'empty-s'),
      content: messageContent,
    }),
  },
  { weight: 100, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 400 }), signed: fc.boolean() }) },
  {
    weight: 100,
    arbitrary: fc.record({
      kind: fc.constant('truncated' as const),
      cut: fc.double({ min: 0, max: 0.999, noNaN: true }),
      signed: fc.boolean(),
      content: messageContent,
    }),
  },
  {
    weight: 50,
    arbitrary: fc.record({
      kind: fc.constant('notObject' as const),
      value: fc.oneof(fc.array(junk, { maxLength: 3 }), fc.integer(), text, fc.constant(null), fc.boolean()),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 100_000, max: 400_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'oversize' as const }) },
);

function build(item: Shape, nonce: string, secret: string, now: number): Delivery {
  const envelope = (event: unknown, content: unknown, extra: Record<string, unknown> = {}) =>
    Buffer.from(JSON.stringify({ client_key: 'awsbx7k2m9q4t8h1', event, create_time: now, user_openid: BIZ, fuzz_nonce: nonce, content, ...extra }));
  const messageOf = (content: Record<string, unknown>) => JSON.stringify({ ...content, message_id: `m-${nonce}` });
  const signed = (category: string, body: Buffer): Delivery => ({ nonce, category, body, signature: sign(secret, body, now), expect: 200 });
  switch (item.kind) {
    case 'valid':
      return signed('valid', envelope(item.event, messageOf(item.content)));
    case 'hostile':
      return signed('hostile', Buffer.from(JSON.stringify({ client_key: 'awsbx7k2m9q4t8h1', ...item.envelope, fuzz_nonce: nonce })));
    case 'badSignature': {
      const body = envelope('im_receive_msg', messageOf(item.content));
      const signatures: Record<typeof item.how, string | undefined> = {
        'other-secret': sign('not-the-app-secret', body, now),
        tampered: sign(secret, Buffer.concat([body.subarray(0, body.length - 2), Buffer.from(' }')]), now),
        stale: sign(secret, body, now - 3_600),
        future: sign(secret, body, now + 3_600),
        malformed: `s=${createHmac('sha256', secret).update(`${now}.`).update(body).digest('hex')}`,
        missing: undefined,
        'other-body': sign(secret, envelope('im_receive_msg', '{}'), now),
        'empty-s': `t=${now},s=`,
      };
      return { nonce, category: `bad-signature:${item.how}`, body, signature: signatures[item.how], expect: 401 };
    }
    case 'bytes': {
      const body = Buffer.concat([Buffer.from(item.bytes), Buffer.from(` ${nonce}`)]);
      return item.signed ? signed('bytes', body) : { nonce, category: 'bytes-unsigned', body, expect: 401 };
    }
    case 'truncated': {
      const whole = envelope('im_receive_msg', messageOf(item.content));
      const body = whole.subarray(0, Math.floor(whole.length * item.cut));
      // The cut may fall after the nonce's field, or not: either way it is not a JSON object. Two cuts
      // may give the same bytes; the first pass below makes each signed body unique.
      return item.signed ? signed('truncated', body) : { nonce, category: 'truncated-unsigned', body, expect: 401 };
    }
    case 'notObject':
      return signed('not-object', Buffer.from(JSON.stringify([nonce, item.value])));
    case 'huge':
      return signed('huge', envelope('im_receive_msg', messageOf({ type: 'text', text: { body: 'é'.repeat(item.size / 2) } })));
    case 'oversize': {
      const body = envelope('im_receive_msg', 'x'.repeat(1_100_000));
      return { nonce, category: 'oversize', body, signature: sign(secret, body, now), expect: 413 };
    }
  }
}

function isJsonObject(body: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * tail's dedupe key for an accepted delivery (the oracle for "printed once per event"): the message id,
 * else the decoder's content hash, else (no usable content) a hash of the exact body.
 */
function keyOf(body: Buffer): string {
  return deliveryKey(decodeDelivery(body));
}

function post(agent: Agent, url: string, delivery: Delivery): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(delivery.body.length) };
    if (delivery.signature !== undefined) headers['tiktok-signature'] = delivery.signature;
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // A 413 may close the connection before the body is sent: the status, if it came, is what counts.
    req.on('error', () => resolve(-1));
    req.end(delivery.body);
  });
}

async function sendAll(url: string, deliveries: Delivery[]): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Array<number>(deliveries.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < deliveries.length) {
        const index = next++;
        statuses[index] = await post(agent, url, deliveries[index]!);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

describe('fuzz: 10,000 generated deliveries into tail', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.close());

  it('never crashes, prints nothing unsigned, journals every signed delivery and prints each event once', async () => {
    const account = await world.connect();
    const configDir = await world.store(account);
    const secret = world.server.clientSecret;
    const seed = SEED_OF_RUN;
    const now = Math.floor(Date.now() / 1000);
    const shapes = fc.sample(shape, { numRuns: DELIVERIES, seed });
    const deliveries = shapes.map((item, index) => build(item, `n${index}x${seed.toString(36)}`, secret, now));

    // Two accepted deliveries with one dedupe key and one signature time would be a "replay" (409) by
    // design; keep keys unique in the first pass, so each one's fate is known in advance.
    const keys = new Set<string>();
    for (const delivery of deliveries) {
      if (delivery.expect !== 200) continue;
      let key = keyOf(delivery.body);
      if (keys.has(key) && !isJsonObject(delivery.body)) {
        // The same unreadable bytes twice (e.g. two cuts of one prefix): tell them apart by their end.
        delivery.body = Buffer.concat([delivery.body, Buffer.from(` ${delivery.nonce}`)]);
        delivery.signature = sign(secret, delivery.body, now);
        key = keyOf(delivery.body);
      } else if (keys.has(key)) {
        const envelope = JSON.parse(delivery.body.toString('utf8')) as Record<string, unknown>;
        // The key is the message_id when there is one, else a hash over the event name and content.
        let content: unknown = envelope.content;
        try {
          if (typeof content === 'string') content = JSON.parse(content);
        } catch {
          content = undefined;
        }
        if (content && typeof content === 'object' && !Array.isArray(content)) {
          (content as Record<string, unknown>).message_id = `m-${delivery.nonce}`;
          envelope.content = typeof envelope.content === 'string' ? JSON.stringify(content) : content;
        }
        envelope.event = `im_fuzz_${delivery.nonce}`;
        delivery.body = Buffer.from(JSON.stringify(envelope));
        delivery.signature = sign(secret, delivery.body, now);
        key = keyOf(delivery.body);
      }
      expect(keys.has(key), `seed ${seed}`).toBe(false);
      keys.add(key);
    }

    const tail = await startTail(['--port', '0'], { configDir, timeoutMs: 180_000 });
    try {
      const started = Date.now();
      const statuses = await sendAll(tail.url, deliveries);
      const mismatches = deliveries
        .map((delivery, index) => ({
          category: delivery.category,
          expected: delivery.expect,
          got: statuses[index],
          body: delivery.body.toString('utf8').slice(0, 200),
        }))
        .filter((row) => row.got !== row.expected && !(row.expected === 413 && row.got === -1));
      expect(mismatches.slice(0, 5), `seed ${seed}`).toEqual([]);

      // Byte-exact replays of 200 accepted deliveries: refused, not printed or journaled again.
      const accepted = deliveries.filter((delivery) => delivery.expect === 200);
      const replays = accepted.slice(0, 200).map((delivery) => ({ ...delivery, category: 'replay', expect: 409 as const }));
      expect(
        (await sendAll(tail.url, replays)).every((status) => status === 409),
        `seed ${seed}`,
      ).toBe(true);
      const elapsed = Date.now() - started;

      const printed = await tail.waitForEvents(accepted.length, 60_000);
      tail.child.kill('SIGINT');
      const result = await tail.done;
      expect(result.code, result.stderr.slice(-2000)).toBe(130);
      expect(result.stderr).not.toMatch(STACK_LINE);
      const refused = deliveries.length + replays.length - accepted.length;
      expect(result.stderr).toContain(`Stopped: ${accepted.length} received, ${accepted.length} printed, ${refused} refused`);

      // Printed: exactly the signed deliveries, each once (by its event's key; keys are unique above);
      // the ones that are not a JSON object as kind "unknown", saying so and where they are journaled.
      const printedKeys = printed.map((event) => `${event.business_id ?? ''}|${eventDedupeKey(event)}`);
      expect(new Set(printedKeys).size).toBe(printedKeys.length);
      expect(new Set(printedKeys)).toEqual(keys);
      const unreadable = accepted.filter((delivery) => !isJsonObject(delivery.body));
      const printedUnreadable = printed.filter((event) => event.problems[0] === 'the body is not a JSON object');
      expect(printedUnreadable).toHaveLength(unreadable.length);
      for (const event of printedUnreadable) {
        expect(event).toMatchObject({ kind: 'unknown', event: null });
        expect(event.problems[1]).toMatch(/^signed with the app secret, answered 200; its exact bytes are journal entry \S+ in \S+\.jsonl$/);
      }

      // Journaled: the same set, byte for byte; nothing unsigned.
      const journal = await Journal.open({ dir: join(configDir, 'journal') });
      const bodies = new Set<string>();
      for await (const entry of journal.entries({ withBody: true })) {
        const body = (entry as JournalEntry).body.toString('base64');
        expect(bodies.has(body)).toBe(false);
        bodies.add(body);
      }
      await journal.close();
      expect(bodies.size).toBe(accepted.length);
      for (const delivery of accepted) expect(bodies.has(delivery.body.toString('base64')), delivery.nonce).toBe(true);

      const counts: Record<string, number> = {};
      for (const delivery of deliveries) counts[delivery.category] = (counts[delivery.category] ?? 0) + 1;
      console.log(
        `tail fuzz (seed ${seed}): ${deliveries.length} deliveries + ${replays.length} replays in ${elapsed} ms (${unreadable.length} signed but not a JSON object); ${JSON.stringify(counts)}`,
      );
    } finally {
      tail.child.kill('SIGKILL');
    }
  }, 240_000);
});
