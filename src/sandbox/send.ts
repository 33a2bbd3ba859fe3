// Sending (tiktok-api.md §4 "Send"): POST business/message/send/ with its content blocks, template-card
// limits, sender actions (TYPING shows about 5 s), quoted replies (TEXT and IMAGE), private replies to
// high-intent comments (direct_reply), and the DM rules of §7 (only the user starts, 48-hour window,
// 10 messages per window, media strategy).
import { MESSAGES_PER_WINDOW, REQUIRED_SCOPES, TEXT_MAX_CHARACTERS, TEXT_MIN_CHARACTERS } from '../tiktok/limits.js';
import { appendMessage, findConversation, windowOf } from './conversations.js';
import * as ids from './ids.js';
import { imageRefusal } from './media.js';
import { authenticate } from './auth.js';
import type { AccountRecord, MessageRecord, TemplateBlock } from './types.js';
import { ensureConversation } from './users.js';
import { enqueueEvent, messageContent } from './webhooks.js';
import { ApiError, CODE, codePointLength, isObject, type Params, type World } from './world.js';

const SEND_TYPES = ['TEXT', 'IMAGE', 'SHARE_POST', 'SENDER_ACTION', 'TEMPLATE'] as const;
const BLOCK_OF: Record<(typeof SEND_TYPES)[number], string> = {
  TEXT: 'text',
  IMAGE: 'image',
  SHARE_POST: 'share_post',
  SENDER_ACTION: 'sender_action',
  TEMPLATE: 'template',
};
/** How long a TYPING sender action shows in the user's app (tiktok-api.md §4: about 5 s). */
export const TYPING_MS = 5_000;
const CARD_TITLE_MAX = 40;
const CARD_BUTTONS_MAX = 3;
const CARD_BUTTON_ID_MAX = 40;
const BUTTON_LABEL_MAX = { QA_BUTTON_CARD: 20, QA_LINK_CARD: 40 } as const;

/** Q&A cards: title ≤ 40, 1–3 buttons, labels ≤ 20 (button card) or ≤ 40 (link card), ids ≤ 40; each refusal names its limit. */
function validateTemplate(raw: unknown): TemplateBlock {
  if (!isObject(raw)) throw new ApiError(CODE.INVALID_PARAM, 'template is required for message_type TEMPLATE.');
  const type = raw.type;
  if (type !== 'QA_BUTTON_CARD' && type !== 'QA_LINK_CARD') throw new ApiError(CODE.INVALID_PARAM, 'template.type must be QA_BUTTON_CARD or QA_LINK_CARD.');
  const title = raw.title;
  if (typeof title !== 'string' || !title || codePointLength(title) > CARD_TITLE_MAX) {
    const got = typeof title === 'string' ? ` (got ${codePointLength(title)})` : '';
    throw new ApiError(CODE.INVALID_PARAM, `template.title must be 1 to ${CARD_TITLE_MAX} characters${got}.`);
  }
  const buttons = raw.buttons;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > CARD_BUTTONS_MAX) {
    const got = Array.isArray(buttons) ? ` (got ${buttons.length})` : '';
    throw new ApiError(CODE.INVALID_PARAM, `template.buttons must hold 1 to ${CARD_BUTTONS_MAX} buttons${got}.`);
  }
  const maxLabel = BUTTON_LABEL_MAX[type];
  return {
    type,
    title,
    buttons: buttons.map((b, i) => {
      if (!isObject(b) || typeof b.type !== 'string' || typeof b.title !== 'string' || typeof b.id !== 'string') {
        throw new ApiError(CODE.INVALID_PARAM, `template.buttons[${i}] needs type, title and id.`);
      }
      if (!b.title || codePointLength(b.title) > maxLabel) {
        throw new ApiError(
          CODE.INVALID_PARAM,
          `template.buttons[${i}].title must be 1 to ${maxLabel} characters on a ${type} (got ${codePointLength(b.title)}).`,
        );
      }
      if (!b.id || codePointLength(b.id) > CARD_BUTTON_ID_MAX) {
        throw new ApiError(CODE.INVALID_PARAM, `template.buttons[${i}].id must be 1 to ${CARD_BUTTON_ID_MAX} characters (got ${codePointLength(b.id)}).`);
      }
      return { type: b.type, title: b.title, id: b.id };
    }),
  };
}

function textBody(body: Params): string {
  const text = body.text;
  if (!isObject(text) || typeof text.body !== 'string') throw new ApiError(CODE.INVALID_PARAM, 'text.body is required for message_type TEXT.');
  const length = codePointLength(text.body);
  if (length < TEXT_MIN_CHARACTERS || length > TEXT_MAX_CHARACTERS) {
    throw new ApiError(CODE.INVALID_PARAM, `text.body must be ${TEXT_MIN_CHARACTERS} to ${TEXT_MAX_CHARACTERS} characters (got ${length}).`);
  }
  return text.body;
}

/**
 * `direct_reply: {reply_type: "COMMENT_REPLY", comment_reply: {comment_id}}` instead of recipient_type/
 * recipient: one private TEXT answer to a high-intent comment (the one exception to "only the user
 * starts"). Unknown comment → 40007, a second reply → 40064. Opens or uses the commenter's conversation.
 */
function directReply(world: World, account: AccountRecord, body: Params) {
  const reply = body.direct_reply;
  if (body.recipient_type !== undefined || body.recipient !== undefined) {
    throw new ApiError(CODE.INVALID_PARAM, 'direct_reply replaces recipient_type and recipient: send one or the other.');
  }
  if (!isObject(reply) || reply.reply_type !== 'COMMENT_REPLY') {
    throw new ApiError(
      CODE.INVALID_PARAM,
      `direct_reply.reply_type must be "COMMENT_REPLY" (got ${JSON.stringify(isObject(reply) ? (reply.reply_type ?? null) : null)}).`,
    );
  }
  const commentReply = reply.comment_reply;
  if (!isObject(commentReply) || typeof commentReply.comment_id !== 'string' || !commentReply.comment_id) {
    throw new ApiError(CODE.INVALID_PARAM, 'direct_reply.comment_reply.comment_id is required.');
  }
  if (body.message_type !== 'TEXT')
    throw new ApiError(CODE.INVALID_PARAM, `A comment reply must be message_type TEXT (got ${JSON.stringify(body.message_type ?? null)}).`);
  const stray = Object.values(BLOCK_OF).filter((k) => k !== 'text' && body[k] !== undefined);
  if (stray.length) throw new ApiError(CODE.INVALID_PARAM, `message_type TEXT carries a "${stray[0]}" block: send only "text".`);
  if (body.referenced_message_info !== undefined) throw new ApiError(CODE.INVALID_PARAM, 'referenced_message_info cannot be used with direct_reply.');
  const text = textBody(body);
  const comment = world.state.comments?.[commentReply.comment_id];
  if (!comment || comment.business_id !== account.business_id) throw new ApiError(CODE.NOT_FOUND, `Comment not found: ${commentReply.comment_id}.`);
  if (comment.replied_at !== undefined) {
    throw new ApiError(CODE.DM_RULE, 'You cannot reply to this comment again: a high-intent comment gets one private reply. Wait for the user to write.');
  }
  const user = world.state.users[comment.user_id];
  if (!user) throw new ApiError(CODE.NOT_FOUND, `Comment not found: ${commentReply.comment_id} (its author is gone).`);
  const now = world.now();
  const conv = ensureConversation(world, account, user);
  const message: MessageRecord = { message_id: ids.messageId(), timestamp: now, direction: 'out', message_type: 'TEXT', source: 'API', text: { body: text } };
  appendMessage(conv, message);
  comment.replied_at = now;
  comment.conversation_id = conv.conversation_id;
  enqueueEvent(world.state, now, 'im_send_msg', account.business_id, messageContent(account, user, conv, message));
  return { message: { message_id: message.message_id } };
}

/**
 * POST business/message/send/. Order: auth → shape (40002) → objects exist (40007) → window and
 * quota (40064) → media strategy / risk control (40064: policy refusals, per the strings of §6).
 */
export function send(world: World, accessToken: string | undefined, body: Params, authorizationHeader = false) {
  if (!isObject(body)) throw new ApiError(CODE.INVALID_PARAM, 'The request body must be a JSON object.');
  const { account } = authenticate(world, accessToken, body.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  if (body.direct_reply !== undefined) return directReply(world, account, body);
  if (body.recipient_type !== 'CONVERSATION') {
    throw new ApiError(CODE.INVALID_PARAM, `recipient_type must be "CONVERSATION" (got ${JSON.stringify(body.recipient_type ?? null)}).`);
  }
  const recipient = body.recipient;
  if (typeof recipient !== 'string' || !recipient) throw new ApiError(CODE.INVALID_PARAM, 'recipient is required: the conversation_id.');
  const type = body.message_type;
  if (typeof type !== 'string' || !(SEND_TYPES as readonly string[]).includes(type)) {
    throw new ApiError(CODE.INVALID_PARAM, `message_type must be one of ${SEND_TYPES.join(', ')} (got ${JSON.stringify(type ?? null)}).`);
  }
  const messageType = type as (typeof SEND_TYPES)[number];
  const block = BLOCK_OF[messageType];
  const stray = Object.values(BLOCK_OF).filter((k) => k !== block && body[k] !== undefined);
  if (stray.length) throw new ApiError(CODE.INVALID_PARAM, `message_type ${messageType} carries a "${stray[0]}" block: send only "${block}".`);
  const conv = findConversation(world, account.business_id, recipient);
  const user = world.state.users[conv.user_id];

  const message: MessageRecord = { message_id: '', timestamp: 0, direction: 'out', message_type: 'TEXT', source: 'API' };
  let senderAction: 'TYPING' | 'MARK_READ' | undefined;
  switch (messageType) {
    case 'TEXT':
      message.text = { body: textBody(body) };
      break;
    case 'IMAGE': {
      const image = body.image;
      if (!isObject(image) || typeof image.media_id !== 'string' || !image.media_id)
        throw new ApiError(CODE.INVALID_PARAM, 'image.media_id is required for message_type IMAGE.');
      const media = world.state.media[image.media_id];
      if (!media || media.business_id !== account.business_id || world.now() >= media.expires_at) {
        throw new ApiError(CODE.NOT_FOUND, `media_id not found or expired: ${image.media_id} (upload first; media ids live about 30 days).`);
      }
      message.message_type = 'IMAGE';
      message.image = { media_id: image.media_id };
      break;
    }
    case 'SHARE_POST': {
      const share = body.share_post;
      if (!isObject(share) || typeof share.item_id !== 'string' || !share.item_id)
        throw new ApiError(CODE.INVALID_PARAM, 'share_post.item_id is required for message_type SHARE_POST.');
      const post = account.posts.find((p) => p.item_id === share.item_id);
      if (!post) throw new ApiError(CODE.NOT_FOUND, `Post not found: ${share.item_id} is not one of this account's posts.`);
      message.message_type = 'SHARE_POST';
      message.share_post = { item_id: post.item_id, embed_url: post.embed_url };
      break;
    }
    case 'SENDER_ACTION': {
      const action = body.sender_action;
      if (action !== 'TYPING' && action !== 'MARK_READ') throw new ApiError(CODE.INVALID_PARAM, 'sender_action must be TYPING or MARK_READ.');
      senderAction = action;
      break;
    }
    case 'TEMPLATE':
      message.message_type = 'TEMPLATE';
      message.template = validateTemplate(body.template);
      break;
  }
  const reference = body.referenced_message_info;
  if (reference !== undefined) {
    // TEXT for sure; Chatwoot also quotes with IMAGE (tiktok-api.md §4), so both are accepted.
    if (messageType !== 'TEXT' && messageType !== 'IMAGE')
      throw new ApiError(CODE.INVALID_PARAM, 'referenced_message_info is only allowed with message_type TEXT or IMAGE.');
    if (!isObject(reference) || typeof reference.referenced_message_id !== 'string' || !reference.referenced_message_id) {
      throw new ApiError(CODE.INVALID_PARAM, 'referenced_message_info.referenced_message_id is required.');
    }
    const refId = reference.referenced_message_id;
    if (!conv.messages.some((m) => m.message_id === refId)) throw new ApiError(CODE.NOT_FOUND, `Referenced message not found in this conversation: ${refId}.`);
    message.referenced_message_id = refId;
  }

  const window = windowOf(world, conv);
  if (window.last_user_message_at === null) {
    throw new ApiError(
      CODE.DM_RULE,
      'You cannot send messages to this user yet: the user has not written in this conversation (only the user can start a conversation).',
    );
  }
  if (!window.open) {
    throw new ApiError(CODE.DM_RULE, `You cannot send messages to this user: the 48-hour reply window closed at ${new Date(window.closes_at!).toISOString()}.`);
  }
  if (!senderAction && window.messages_left <= 0) {
    throw new ApiError(
      CODE.DM_RULE,
      `You cannot send more messages to this user: ${MESSAGES_PER_WINDOW} messages were sent since the user's last message. Wait for the user to reply.`,
    );
  }
  if (messageType === 'IMAGE') {
    const refusal = imageRefusal(account, user);
    if (refusal) throw new ApiError(CODE.DM_RULE, refusal);
  }

  const now = world.now();
  if (senderAction) {
    // Sender actions are not messages: empty id, no quota; TYPING shows for about 5 s, MARK_READ yields a read receipt.
    if (senderAction === 'TYPING') conv.typing_until = now + TYPING_MS;
    if (senderAction === 'MARK_READ' && user) {
      const content: Record<string, unknown> = {
        from: account.username,
        to: user.username,
        unique_identifier: user.id,
        from_user: { id: account.business_id, role: 'business_account' },
        to_user: { id: user.id, role: 'personal_account' },
        conversation_id: conv.conversation_id,
        timestamp: now,
        read: { last_read_timestamp: now },
      };
      enqueueEvent(world.state, now, 'im_mark_read_msg', account.business_id, content);
    }
    return { message: { message_id: '' } };
  }
  message.message_id = ids.messageId();
  message.timestamp = now;
  appendMessage(conv, message);
  // A message ends the typing indicator, as in the app.
  delete conv.typing_until;
  if (user) enqueueEvent(world.state, now, 'im_send_msg', account.business_id, messageContent(account, user, conv, message));
  return { message: { message_id: message.message_id } };
}
