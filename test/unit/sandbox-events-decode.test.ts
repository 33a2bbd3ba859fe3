// Interop: every delivery the sandbox makes (both casings, create_time in seconds and milliseconds)
// decodes with the CLI's own decoder (src/tiktok/events.ts, written independently of the sandbox)
// into the expected kind, direction and fields, with no tolerance notes except for the unknown event.
import { describe, expect, it } from 'vitest';
import { SEED } from '../../src/sandbox/seed.js';
import { decodeEvent } from '../../src/tiktok/events.js';
import { KIND_CASES, type Casing } from '../helpers/events.js';
import { call, connectedWorld } from '../helpers/handler.js';

const ORIGIN = 'http://sandbox.test';
const API = `${ORIGIN}/open_api/v1.3/`;

const EXPECTED: Record<string, { kind: string; direction: 'inbound' | 'outbound' | null; type?: string | null }> = {
  sticker: { kind: 'message', direction: 'inbound', type: 'sticker' },
  image: { kind: 'message', direction: 'inbound', type: 'image' },
  video: { kind: 'message', direction: 'inbound', type: 'video' },
  emoji: { kind: 'message', direction: 'inbound', type: 'emoji' },
  'share-post': { kind: 'message', direction: 'inbound', type: 'share_post' },
  'template-tap': { kind: 'message', direction: 'inbound', type: 'text' },
  'app-reply': { kind: 'message', direction: 'outbound', type: 'text' },
  read: { kind: 'read', direction: 'inbound' },
  reaction: { kind: 'reaction', direction: 'inbound', type: 'reaction' },
  'smart-plus-ad': { kind: 'referral', direction: 'inbound' },
  'auto-message': { kind: 'auto_message_config', direction: null },
  'auto-message-audit': { kind: 'auto_message_audit', direction: null },
  'high-intent-comment': { kind: 'high_intent_comment', direction: 'inbound' },
  unknown: { kind: 'unknown', direction: 'inbound' },
};

async function world() {
  const w = await connectedWorld(ORIGIN, { commentToMessage: true });
  const post = async (url: string, json: unknown, headers: Record<string, string> = {}) => (await call(w.handler, 'POST', url, json, headers)).json;
  const card = await post(
    `${API}business/message/send/`,
    {
      business_id: SEED.defaultBusinessId,
      recipient_type: 'CONVERSATION',
      recipient: SEED.conversations.maya,
      message_type: 'TEMPLATE',
      template: { type: 'QA_BUTTON_CARD', title: 'Size?', buttons: [{ type: 'REPLY', title: 'Medium', id: 'size-m' }] },
    },
    { 'access-token': w.token },
  );
  return { now: w.now(), deliveries: w.deliveries, post, cardId: card.data.message.message_id as string };
}

describe('the CLI decoder reads every sandbox delivery', () => {
  for (const casing of ['lower', 'upper'] as Casing[]) {
    it(`every kind, ${casing} case, create_time in ${casing === 'upper' ? 'milliseconds' : 'seconds'}`, async () => {
      const w = await world();
      // A reaction without a named target goes to the business's latest message.
      let latestOut = w.cardId;
      for (const kindCase of KIND_CASES) {
        w.deliveries.length = 0;
        const answer = await w.post(`${ORIGIN}/sandbox/events`, { kind: kindCase.kind, ...kindCase.body, casing, create_time_ms: casing === 'upper' });
        expect(w.deliveries).toHaveLength(1);
        const decoded = decodeEvent(w.deliveries[0]!.body);
        const expected = EXPECTED[kindCase.kind]!;
        expect(decoded, kindCase.kind).toMatchObject({
          event: kindCase.event,
          kind: expected.kind,
          direction: expected.direction,
          business_id: SEED.defaultBusinessId,
        });
        if (expected.type !== undefined) expect(decoded.type).toBe(expected.type);
        expect(decoded.problems, kindCase.kind).toEqual(kindCase.kind === 'unknown' ? [expect.stringContaining('im_brand_new_event')] : []);
        if (answer.message_id) expect(decoded.message_id).toBe(answer.message_id);
        if (kindCase.kind === 'template-tap') expect(decoded).toMatchObject({ text: 'Medium', tapped_button_id: 'size-m', reply_source_message_id: w.cardId });
        if (kindCase.kind === 'app-reply') {
          expect(decoded.source).toBe(kindCase.body.web ? 'WEB' : 'APP');
          latestOut = answer.message_id;
        }
        if (kindCase.kind === 'reaction')
          expect(decoded.reactions).toEqual([expect.objectContaining({ operation: 'ADD', emoji: '❤️', target_message_id: latestOut })]);
        if (kindCase.kind === 'read') expect(decoded.read_up_to).toBe(new Date(w.now).toISOString());
        if (kindCase.kind === 'high-intent-comment') expect(decoded.comment).toEqual({ id: answer.comment_id, text: 'How much is the green hoodie?' });
        if (answer.conversation_id) expect(decoded.conversation_id).toBe(answer.conversation_id);
        expect(decoded.timestamp).toBe(w.now);
      }
    });
  }
});
