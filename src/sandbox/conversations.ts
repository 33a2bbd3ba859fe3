// Conversations and their messages (tiktok-api.md §4): conversation/list (SINGLE vs STRANGER, 90 days,
// cursor paging), content/list (the 20 most recent, REST casing), the 48-hour window and its quota of 10.
import {
  CONTENT_LIST_MAX_MESSAGES,
  CONVERSATION_HISTORY_DAYS,
  CONVERSATION_LIST_MAX_LIMIT,
  MESSAGES_PER_WINDOW,
  REPLY_WINDOW_MS,
  REQUIRED_SCOPES,
} from '../tiktok/limits.js';
import { profileImage } from './business.js';
import { authenticate } from './auth.js';
import type { ConversationRecord, MessageRecord } from './types.js';
import { ApiError, CODE, DAY_MS, integerParam, type Params, type World } from './world.js';

export type ConversationType = 'SINGLE' | 'STRANGER';

export interface WindowInfo {
  /** Last message from the user (ms), if any. */
  last_user_message_at: number | null;
  /** When replies stop being allowed (ms). */
  closes_at: number | null;
  open: boolean;
  messages_used: number;
  messages_left: number;
}

const MESSAGES_KEPT_PER_CONVERSATION = 500;

/**
 * SINGLE or STRANGER. Heuristic (tiktok-api.md §4 calls STRANGER disputed): a conversation is a
 * message request (STRANGER) when the account only accepts DMs from followers and the user does not
 * follow it; a business reply accepts the request, so it becomes SINGLE.
 */
export function conversationType(world: World, conv: ConversationRecord): ConversationType {
  const account = world.state.accounts[conv.business_id];
  if (!account || account.dm_setting === 'everyone') return 'SINGLE';
  if (world.state.users[conv.user_id]?.follows.includes(conv.business_id)) return 'SINGLE';
  if (conv.messages.some((m) => m.direction === 'out')) return 'SINGLE';
  return 'STRANGER';
}

/** Window and quota of a conversation: 48 h from the user's last message, 10 sends since it. */
export function windowOf(world: World, conv: ConversationRecord): WindowInfo {
  let used = 0;
  let lastIn: MessageRecord | undefined;
  for (let i = conv.messages.length - 1; i >= 0; i--) {
    const m = conv.messages[i]!;
    if (m.direction === 'in') {
      lastIn = m;
      break;
    }
    used++;
  }
  if (!lastIn) return { last_user_message_at: null, closes_at: null, open: false, messages_used: used, messages_left: 0 };
  const closes = lastIn.timestamp + REPLY_WINDOW_MS;
  const open = world.now() < closes;
  return {
    last_user_message_at: lastIn.timestamp,
    closes_at: closes,
    open,
    messages_used: used,
    messages_left: open ? Math.max(0, MESSAGES_PER_WINDOW - used) : 0,
  };
}

export function findConversation(world: World, businessId: string, id: unknown): ConversationRecord {
  if (typeof id !== 'string' || id === '') throw new ApiError(CODE.INVALID_PARAM, 'conversation_id is required.');
  const conv = world.state.conversations[id];
  if (conv && conv.business_id === businessId) return conv;
  // A `+` sent unencoded in a query string arrives as a space: say so, the id itself is opaque.
  const repaired = id.replace(/ /g, '+');
  const hint = repaired !== id && world.state.conversations[repaired] ? ' (a "+" in the id arrived as a space: percent-encode it as %2B)' : '';
  throw new ApiError(CODE.NOT_FOUND, `Conversation not found: ${id}${hint}.`);
}

export function appendMessage(conv: ConversationRecord, message: MessageRecord): void {
  conv.messages.push(message);
  if (conv.messages.length > MESSAGES_KEPT_PER_CONVERSATION) conv.messages.splice(0, conv.messages.length - MESSAGES_KEPT_PER_CONVERSATION);
  conv.update_time = message.timestamp;
}

/** GET business/message/conversation/list/ */
export function listConversations(world: World, accessToken: string | undefined, params: Params, authorizationHeader = false) {
  const { account } = authenticate(world, accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  const type = params.conversation_type;
  if (type !== 'SINGLE' && type !== 'STRANGER') {
    throw new ApiError(CODE.INVALID_PARAM, `conversation_type must be SINGLE or STRANGER (got ${JSON.stringify(type ?? null)}).`);
  }
  const cursor = integerParam(params, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = integerParam(params, 'limit', 20, 1, CONVERSATION_LIST_MAX_LIMIT);
  const since = world.now() - CONVERSATION_HISTORY_DAYS * DAY_MS;
  const matching = Object.values(world.state.conversations)
    .filter((c) => c.business_id === account.business_id && c.update_time >= since && conversationType(world, c) === type)
    .sort((a, b) => b.update_time - a.update_time || a.conversation_id.localeCompare(b.conversation_id));
  const page = matching.slice(cursor, cursor + limit);
  return {
    conversations: page.map((c) => {
      const out: Record<string, unknown> = { conversation_id: c.conversation_id, update_time: c.update_time };
      if (c.referral && (c.referral.ad.length || c.referral.short_link.length)) {
        out.referral = {
          ad: c.referral.ad.map((a) => ({ ...a })),
          short_link: c.referral.short_link.map(({ ref, prefilled_message, prefilled_message_audit_status }) => ({
            ref,
            prefilled_message,
            prefilled_message_audit_status,
          })),
        };
      }
      return out;
    }),
    has_more: cursor + page.length < matching.length,
    cursor: cursor + page.length,
  };
}

/** One message as content/list shows it: upper-case type and roles (unlike webhooks). */
export function restMessage(world: World, conv: ConversationRecord, m: MessageRecord): Record<string, unknown> {
  const account = world.state.accounts[conv.business_id]!;
  const user = world.state.users[conv.user_id]!;
  const business = { id: account.business_id, role: 'BUSINESS_ACCOUNT' };
  const person = { id: user.id, role: 'PERSONAL_ACCOUNT' };
  const inbound = m.direction === 'in';
  const out: Record<string, unknown> = {
    message_id: m.message_id,
    timestamp: m.timestamp,
    message_type: m.message_type,
    from_user: inbound ? person : business,
    to_user: inbound ? business : person,
    sender: inbound ? user.username : account.username,
    recipient: inbound ? account.username : user.username,
    message_tag: { source: m.source },
    conversation_id: conv.conversation_id,
  };
  if (m.text) out.text = { body: m.text.body };
  if (m.image) out.image = { media_id: m.image.media_id };
  if (m.video) out.video = { media_id: m.video.media_id };
  if (m.sticker) out.sticker = { url: m.sticker.url };
  if (m.emoji) out.emoji = { url: m.emoji.url };
  if (m.share_post) out.share_post = { embed_url: m.share_post.embed_url };
  if (m.template) out.template = { type: m.template.type, title: m.template.title, buttons: m.template.buttons.map((b) => ({ ...b })) };
  if (m.referenced_message_id) out.referenced_message_info = { referenced_message_id: m.referenced_message_id };
  // Reactions ride on the message they target (tiktok-api.md §4).
  if (m.reactions?.length) out.reactions = m.reactions.map((r) => ({ ...r }));
  return out;
}

/** GET business/message/content/list/: the 20 most recent messages, newest first, and participants. */
export function listMessages(world: World, accessToken: string | undefined, params: Params, authorizationHeader = false) {
  const { account } = authenticate(world, accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  const conv = findConversation(world, account.business_id, params.conversation_id);
  const user = world.state.users[conv.user_id]!;
  // Order is undocumented (clients must sort by timestamp); newest first keeps them honest.
  const recent = conv.messages.slice(-CONTENT_LIST_MAX_MESSAGES).reverse();
  return {
    messages: recent.map((m) => restMessage(world, conv, m)),
    participants: [
      { id: account.business_id, role: 'BUSINESS_ACCOUNT', display_name: account.display_name, profile_image: profileImage(world, account.username) },
      {
        id: user.id,
        role: 'PERSONAL_ACCOUNT',
        display_name: user.display_name,
        profile_image: profileImage(world, user.username),
        is_follower: user.follows.includes(account.business_id),
      },
    ],
  };
}
