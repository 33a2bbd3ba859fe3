// Every delivery kind, round trip through the real CLI: `sandbox event KIND` (embedded sandbox) → a
// signed delivery → `tail` (which pointed the sandbox's callback at itself) → one JSON line with the
// right fields. Both casings of the webhook content, and create_time in milliseconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../src/sandbox/index.js';
import { parseJson, startCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { withEvents } from '../helpers/tail.js';

let configDir: string;
let tail: ReturnType<typeof withEvents<object>>;
let card: { message_id: string };

beforeAll(async () => {
  configDir = tempConfigDir('ttc-tail-events-');
  expect((await runInProcess(['connect', '--sandbox'], { configDir })).code).toBe(0);
  // High-intent comments arrive only while Comment-to-Message is on (off for a new account).
  expect((await runInProcess(['comments', 'enable'], { configDir })).code).toBe(0);
  tail = withEvents(startCli(['tail', '--port', '0'], { configDir, timeoutMs: 120_000 }), {});
  await tail.waitForStderr(/The embedded sandbox now delivers to/, 15_000);
  // A card from the business, so a template tap has buttons to tap.
  const sent = await runInProcess(['send', '--to', SEED.conversations.maya, '--card', 'Which size?', '--button', 'size-m:Medium', '--json'], { configDir });
  expect(sent.code, sent.stderr).toBe(0);
  card = { message_id: parseJson(sent.stdout).message_id };
  await tail.waitForEvents(1);
});

afterAll(async () => {
  tail?.child.kill('SIGINT');
  await tail?.done;
});

const cases: Array<{ name: string; args: string[]; expected: (answer: any) => Record<string, unknown>; check?: (event: any) => void }> = [
  {
    name: 'sticker',
    args: ['sticker'],
    expected: (a) => ({ event: 'im_receive_msg', kind: 'message', type: 'sticker', message_id: a.message_id, direction: 'inbound', source: 'APP' }),
    check: (e) => expect(e.sticker_url).toMatch(/^https:\/\//),
  },
  {
    name: 'sticker, upper-case content',
    args: ['sticker', '--casing', 'upper'],
    expected: () => ({ type: 'sticker', direction: 'inbound', source: 'APP', sender: { role: 'personal_account' } }),
  },
  { name: 'image', args: ['image'], expected: (a) => ({ type: 'image', media: { id: expect.any(String), type: 'image' }, message_id: a.message_id }) },
  {
    name: 'video, create_time in ms',
    args: ['video', '--create-time-ms'],
    expected: () => ({ type: 'video', media: { id: expect.any(String), type: 'video' } }),
    check: (e) => expect(e.raw.create_time).toBeGreaterThan(1e12),
  },
  { name: 'emoji', args: ['emoji'], expected: () => ({ type: 'emoji' }), check: (e) => expect(e.emoji_url).toMatch(/^https:\/\//) },
  { name: 'share-post', args: ['share-post'], expected: () => ({ type: 'share_post' }), check: (e) => expect(e.share_post.embed_url).toMatch(/^https:\/\//) },
  {
    name: 'template-tap',
    args: ['template-tap', '--button', 'size-m'],
    expected: () => ({ type: 'text', text: 'Medium', tapped_button_id: 'size-m', reply_source_message_id: card.message_id, direction: 'inbound' }),
  },
  {
    name: 'app-reply',
    args: ['app-reply', '--text', 'On its way!'],
    expected: () => ({ event: 'im_send_msg', direction: 'outbound', source: 'APP', text: 'On its way!', user: { username: 'maya.lopez' } }),
  },
  {
    name: 'app-reply --web, upper case',
    args: ['app-reply', '--text', 'From the web', '--web', '--casing', 'upper'],
    expected: () => ({ event: 'im_send_msg', direction: 'outbound', source: 'WEB', type: 'text' }),
  },
  {
    name: 'read',
    args: ['read'],
    expected: () => ({ event: 'im_mark_read_msg', kind: 'read', message_id: null, conversation_id: SEED.conversations.maya }),
    check: (e) => expect(Date.parse(e.read_up_to)).toBeGreaterThan(Date.now() - 60_000),
  },
  {
    name: 'reaction',
    args: ['reaction', '--emoji', '👍'],
    expected: () => ({ kind: 'reaction', type: 'reaction', reactions: [expect.objectContaining({ operation: 'ADD', emoji: '👍' })] }),
    check: (e) => expect(e.reactions[0].target_message_id).toMatch(/\S/),
  },
  {
    name: 'reaction --remove, upper case',
    args: ['reaction', '--emoji', '👍', '--remove', '--casing', 'upper'],
    expected: () => ({ kind: 'reaction', reactions: [expect.objectContaining({ operation: 'REMOVE', emoji: '👍' })] }),
  },
  {
    name: 'smart-plus-ad',
    args: ['smart-plus-ad'],
    expected: () => ({ event: 'im_referral_msg', kind: 'referral', message_id: null, referral: expect.objectContaining({ source: 'ad', ref: null }) }),
  },
  {
    name: 'auto-message',
    args: ['auto-message', '--type', 'welcome', '--action', 'enable'],
    expected: () => ({
      kind: 'auto_message_config',
      conversation_id: null,
      auto_message: expect.objectContaining({ type: 'WELCOME_MESSAGE', action: 'ENABLE' }),
    }),
  },
  {
    name: 'auto-message-audit, upper case',
    args: ['auto-message-audit', '--type', 'chat-prompt', '--status', 'rejected', '--casing', 'upper'],
    expected: () => ({ kind: 'auto_message_audit', auto_message: expect.objectContaining({ type: 'CHAT_PROMPT', audit_status: 'REJECTED' }) }),
  },
  {
    name: 'high-intent-comment',
    args: ['high-intent-comment', '--text', 'How much is shipping?'],
    expected: (a) => ({ kind: 'high_intent_comment', comment: { id: a.comment_id, text: 'How much is shipping?' } }),
  },
  {
    name: 'unknown',
    args: ['unknown', '--name', 'im_brand_new_thing'],
    expected: () => ({ kind: 'unknown', event: 'im_brand_new_thing' }),
    check: (e) => expect(e.problems.join(' ')).toContain('unknown event'),
  },
];

describe('tail: every kind from sandbox event', () => {
  for (const kindCase of cases) {
    it(`${kindCase.name} → one JSON line with the right fields`, async () => {
      const before = tail.events().length;
      const result = await runInProcess(['sandbox', 'event', ...kindCase.args, '--json'], { configDir });
      expect(result.code, result.stderr).toBe(0);
      const answer = parseJson(result.stdout);
      // Embedded mode delivers before the command exits; tail prints it at once.
      const events = await tail.waitForEvents(before + 1, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(tail.events()).toHaveLength(before + 1);
      const event = events[before];
      expect(event).toMatchObject({ origin: 'webhook', business_id: SEED.defaultBusinessId, event: answer.event, ...kindCase.expected(answer) });
      expect(event.problems.filter((problem: string) => !problem.startsWith('unknown event'))).toEqual([]);
      kindCase.check?.(event);
    });
  }
});
