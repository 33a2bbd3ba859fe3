// The reaction event: the one kind that changes stored messages in place (REST shows reactions on their
// targets) besides delivering, so it lives apart from events.ts's other kinds, which only append.
import type { Emitter, EventResult } from './events.js';
import * as ids from './ids.js';
import type { AccountRecord } from './types.js';
import { isEeaUser } from './users.js';
import { euContent, userSideContent } from './webhooks.js';
import { isObject, ControlError, type Params, type World } from './world.js';
import { existingConversation, optionalBoolean, optionalString, requiredString } from './event-input.js';

/** Reactions: one delivery (its own message_id) with one or several reaction items; REST shows them on their targets. */
export function reaction(world: World, account: AccountRecord, body: Params, out: Emitter): EventResult {
  const { user, conv } = existingConversation(world, account, body, 'reaction');
  const now = world.now();
  type Item = { emoji: string; message_id?: string; remove: boolean };
  let items: Item[];
  if (body.reactions !== undefined) {
    if (body.emoji !== undefined || body.message_id !== undefined || body.remove !== undefined)
      throw new ControlError(400, 'Give either reactions[] or emoji/message_id/remove, not both.');
    if (!Array.isArray(body.reactions) || !body.reactions.length)
      throw new ControlError(400, 'reactions must be a non-empty array of {emoji, message_id, remove?}.');
    items = body.reactions.map((raw, i) => {
      if (!isObject(raw)) throw new ControlError(400, `reactions[${i}] must be an object {emoji, message_id, remove?}.`);
      const unknown = Object.keys(raw).filter((k) => !['emoji', 'message_id', 'remove'].includes(k));
      if (unknown.length) throw new ControlError(400, `Unknown field(s) in reactions[${i}]: ${unknown.join(', ')}.`);
      return { emoji: requiredString(raw, 'emoji', `reactions[${i}]`), message_id: optionalString(raw, 'message_id'), remove: optionalBoolean(raw, 'remove') };
    });
  } else {
    items = [{ emoji: requiredString(body, 'emoji', 'reaction'), message_id: optionalString(body, 'message_id'), remove: optionalBoolean(body, 'remove') }];
  }
  // No target named: the business's latest message (what a user usually reacts to), else the latest one.
  const fallback = [...conv.messages].reverse().find((m) => m.direction === 'out') ?? conv.messages[conv.messages.length - 1];
  const reactions = items.map((item) => {
    const target = item.message_id === undefined ? fallback : conv.messages.find((m) => m.message_id === item.message_id);
    if (!target)
      throw new ControlError(
        400,
        item.message_id === undefined
          ? 'The conversation has no message to react to.'
          : `message_id ${item.message_id} is not a message of conversation ${conv.conversation_id}.`,
      );
    return { item, target };
  });
  for (const { item, target } of reactions) {
    const mine = (r: { emoji: string; unique_identifier: string }) => r.emoji === item.emoji && r.unique_identifier === user.id;
    if (item.remove) {
      target.reactions = (target.reactions ?? []).filter((r) => !mine(r));
      if (!target.reactions.length) delete target.reactions;
    } else if (!(target.reactions ?? []).some(mine)) {
      (target.reactions ??= []).push({ type: 'EMOJI', emoji: item.emoji, unique_identifier: user.id, timestamp: now });
    }
  }
  const messageId = ids.messageId();
  if (isEeaUser(user)) {
    out.emit('im_receive_msg_eu', euContent(account, now));
  } else {
    out.emit('im_receive_msg', {
      ...userSideContent(account, user, now, conv),
      message_id: messageId,
      type: 'reaction',
      reaction: reactions.map(({ item, target }) => ({
        operation: item.remove ? 'REMOVE' : 'ADD',
        type: 'EMOJI',
        emoji: item.emoji,
        unique_identifier: user.id,
        timestamp: now,
        original_msg_id: target.message_id,
      })),
      is_follower: user.follows.includes(account.business_id),
      message_tag: { source: 'APP' },
    });
  }
  return out.result(conv, messageId);
}
