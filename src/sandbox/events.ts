// Every other delivery TikTok makes (tiktok-api.md §5 "Events"), for `sandbox event KIND` and
// `POST /sandbox/events`: what a user sends besides text (stickers, images, videos, emoji, shared posts,
// template-button taps), a person answering from TikTok's app or web inbox, read receipts, reactions,
// Smart+ referrals without ad details, auto-message config and audit events, high-intent comments and
// events nobody knows yet. Each is stored where REST shows it (content/list, conversation/list) and
// delivered signed like any message, shaped by the common options (see DeliveryShape). The body's field
// readers are in event-input.ts; reactions, which edit stored messages, in event-reaction.ts.
import { nodeCrypto } from '../lazy-crypto.js';
import { TEXT_MAX_CHARACTERS } from '../tiktok/limits.js';
import { appendMessage } from './conversations.js';
import * as ids from './ids.js';
import { userMedia } from './media.js';
import type { AccountRecord, ConversationRecord, MessageRecord, UserRecord } from './types.js';
import { ensureConversation, ensureUser, isEeaUser, writerName } from './users.js';
import { enqueueEvent, euContent, messageContent, readShape, referralContent, SHAPE_KEYS, userSideContent, type DeliveryShape } from './webhooks.js';
import { codePointLength, ControlError, isObject, type Params, type World } from './world.js';
import { existingConversation, optionalBoolean, optionalString, requiredString } from './event-input.js';
import { reaction } from './event-reaction.js';

export const EVENT_KINDS = [
  'sticker',
  'image',
  'video',
  'emoji',
  'share-post',
  'template-tap',
  'app-reply',
  'read',
  'reaction',
  'smart-plus-ad',
  'auto-message',
  'auto-message-audit',
  'high-intent-comment',
  'authorization-removed',
  'unknown',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface EventResult {
  conversation_id: string | null;
  message_id: string | null;
  /** The first event delivered. */
  event: string;
  events: string[];
  /** Deliveries queued (0 when no callback is registered). */
  webhooks_queued: number;
  /** high-intent-comment only: the id a direct_reply answers. */
  comment_id?: string;
  /** authorization-removed only: the account's tokens revoked before the delivery. */
  revoked_tokens?: number;
}

const COMMON_KEYS = ['kind', 'from_username', 'business_id', ...SHAPE_KEYS];
const KIND_KEYS: Record<EventKind, readonly string[]> = {
  sticker: [],
  image: [],
  video: [],
  emoji: [],
  'share-post': ['item_id'],
  'template-tap': ['button_id', 'message_id'],
  'app-reply': ['text', 'web'],
  read: [],
  reaction: ['emoji', 'message_id', 'remove', 'reactions'],
  'smart-plus-ad': [],
  'auto-message': ['type', 'action'],
  'auto-message-audit': ['status', 'type'],
  'high-intent-comment': ['text'],
  'authorization-removed': ['reason'],
  unknown: ['name', 'content'],
};

const AUTO_MESSAGE_TYPES: Record<string, 'WELCOME_MESSAGE' | 'SUGGESTED_QUESTION' | 'CHAT_PROMPT'> = {
  welcome: 'WELCOME_MESSAGE',
  'suggested-question': 'SUGGESTED_QUESTION',
  'chat-prompt': 'CHAT_PROMPT',
};
const AUTO_MESSAGE_ACTIONS = ['create', 'update', 'delete', 'enable', 'disable'];
const AUDIT_STATUSES = ['approved', 'rejected'];

export function isEventKind(value: unknown): value is EventKind {
  return typeof value === 'string' && (EVENT_KINDS as readonly string[]).includes(value);
}

/** A stable, TikTok-looking numeric id for an account's auto message of one type. */
function autoMessageId(businessId: string, type: string): string {
  const digest = nodeCrypto().createHash('sha256').update(`${businessId}:${type}`).digest();
  let digits = '';
  for (let i = 0; digits.length < 18; i++) digits += String(digest[i % digest.length]! % 10);
  return `7${digits}`;
}

function urlExpiry(world: World): number {
  return Math.floor(world.now() / 1000) + 86_400;
}

/** Collects the deliveries of one event call. */
export class Emitter {
  readonly events: string[] = [];
  queued = 0;

  constructor(
    private readonly world: World,
    private readonly account: AccountRecord,
    private readonly shape: DeliveryShape,
  ) {}

  emit(event: string, content: Record<string, unknown>): void {
    this.events.push(event);
    this.queued += enqueueEvent(this.world.state, this.world.now(), event, this.account.business_id, content, this.shape);
  }

  /** A stored message's delivery: im_send_msg outbound, im_receive_msg inbound (stripped for EEA users). */
  message(user: UserRecord, conv: ConversationRecord, message: MessageRecord): void {
    if (message.direction === 'out') this.emit('im_send_msg', messageContent(this.account, user, conv, message));
    else if (isEeaUser(user)) this.emit('im_receive_msg_eu', euContent(this.account, message.timestamp));
    else this.emit('im_receive_msg', messageContent(this.account, user, conv, message));
  }

  result(conv: ConversationRecord | null, messageId: string | null, extra: Partial<EventResult> = {}): EventResult {
    return {
      conversation_id: conv?.conversation_id ?? null,
      message_id: messageId,
      event: this.events[0]!,
      events: this.events,
      webhooks_queued: this.queued,
      ...extra,
    };
  }
}

/** POST /sandbox/events: one delivery of `kind` (see EVENT_KINDS). */
export function platformEvent(world: World, body: Params): EventResult {
  const kind = body.kind;
  if (!isEventKind(kind)) throw new ControlError(400, `kind must be one of ${EVENT_KINDS.join(', ')} (got ${JSON.stringify(kind ?? null)}).`);
  const allowed = [...COMMON_KEYS, ...KIND_KEYS[kind]];
  const unknownKeys = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknownKeys.length) throw new ControlError(400, `Unknown field(s) for ${kind}: ${unknownKeys.join(', ')}. Known: ${allowed.join(', ')}.`);
  const shape = readShape(body);
  if (body.business_id !== undefined && typeof body.business_id !== 'string') throw new ControlError(400, 'business_id must be a string.');
  const account = world.account(body.business_id as string | undefined);
  const out = new Emitter(world, account, shape);
  const now = world.now();

  const inbound = (fill: (message: MessageRecord) => void): EventResult => {
    const user = ensureUser(world, writerName(body.from_username));
    const conv = ensureConversation(world, account, user);
    const message: MessageRecord = { message_id: ids.messageId(), timestamp: now, direction: 'in', message_type: 'TEXT', source: 'APP' };
    fill(message);
    appendMessage(conv, message);
    out.message(user, conv, message);
    return out.result(conv, message.message_id);
  };

  switch (kind) {
    case 'sticker':
      return inbound((m) => {
        m.message_type = 'STICKER';
        // Sticker URLs expire (x-expires in the query), like TikTok's CDN links.
        m.sticker = {
          url: `https://p16-sign.tiktokcdn-us.com/tos-sandbox-sticker/${ids.shortId()}~tplv-obj.image?x-expires=${urlExpiry(world)}&x-signature=sandbox`,
        };
      });
    case 'image':
      return inbound((m) => {
        m.message_type = 'IMAGE';
        m.image = { media_id: userMedia(world, account.business_id, 'IMAGE') };
      });
    case 'video':
      return inbound((m) => {
        m.message_type = 'VIDEO';
        m.video = { media_id: userMedia(world, account.business_id, 'VIDEO') };
      });
    case 'emoji':
      return inbound((m) => {
        m.message_type = 'EMOJI';
        m.emoji = { url: `https://lf16-tiktok-web.tiktokcdn-us.com/obj/sandbox-emoji/${ids.shortId()}.png` };
      });
    case 'share-post': {
      const itemId = optionalString(body, 'item_id') ?? account.posts[0]?.item_id ?? '7351234567890199999';
      return inbound((m) => {
        m.message_type = 'SHARE_POST';
        m.share_post = { item_id: itemId, embed_url: `https://www.tiktok.com/embed/v2/${itemId}` };
      });
    }
    case 'template-tap': {
      const buttonId = requiredString(body, 'button_id', kind);
      const { user, conv } = existingConversation(world, account, body, kind);
      // The card tapped: the one named (the phone page taps any card on screen), else the latest.
      const cardId = optionalString(body, 'message_id');
      const card =
        cardId === undefined
          ? [...conv.messages].reverse().find((m) => m.direction === 'out' && m.template)
          : conv.messages.find((m) => m.message_id === cardId);
      if (cardId !== undefined && !card?.template)
        throw new ControlError(400, `message_id ${cardId} is not a card the business sent in conversation ${conv.conversation_id}.`);
      if (!card?.template)
        throw new ControlError(400, `template-tap needs a card: the business sent no TEMPLATE message in conversation ${conv.conversation_id}.`);
      const button = card.template.buttons.find((b) => b.id === buttonId);
      if (!button)
        throw new ControlError(400, `Unknown button ${JSON.stringify(buttonId)}: the card's buttons are ${card.template.buttons.map((b) => b.id).join(', ')}.`);
      // A tap arrives as ordinary text whose body is the label, pointing back at the card and button.
      const message: MessageRecord = {
        message_id: ids.messageId(),
        timestamp: now,
        direction: 'in',
        message_type: 'TEXT',
        source: 'APP',
        text: { body: button.title },
        reply_source: { reply_source_msg_id: card.message_id, reply_source_unique_id: button.id },
      };
      appendMessage(conv, message);
      out.message(user, conv, message);
      return out.result(conv, message.message_id);
    }
    case 'app-reply': {
      const text = requiredString(body, 'text', kind);
      const length = codePointLength(text);
      if (length > TEXT_MAX_CHARACTERS) throw new ControlError(400, `text must be at most ${TEXT_MAX_CHARACTERS} characters (got ${length}).`);
      const web = optionalBoolean(body, 'web');
      const { user, conv } = existingConversation(world, account, body, kind);
      // A person in TikTok's app or web inbox: outbound, counted in the window's quota like an API send.
      const message: MessageRecord = {
        message_id: ids.messageId(),
        timestamp: now,
        direction: 'out',
        message_type: 'TEXT',
        source: web ? 'WEB' : 'APP',
        text: { body: text },
      };
      appendMessage(conv, message);
      out.message(user, conv, message);
      return out.result(conv, message.message_id);
    }
    case 'read': {
      const { user, conv } = existingConversation(world, account, body, kind);
      out.emit('im_mark_read_msg', { ...userSideContent(account, user, now, conv), read: { last_read_timestamp: now } });
      return out.result(conv, null);
    }
    case 'reaction':
      return reaction(world, account, body, out);
    case 'smart-plus-ad': {
      const user = ensureUser(world, writerName(body.from_username));
      const conv = ensureConversation(world, account, user);
      // Smart+ leads may come without ad details: an empty `ad` here and in REST's referral.ad[].
      conv.referral ??= { ad: [], short_link: [] };
      conv.referral.ad.push({});
      conv.update_time = now;
      out.emit('im_referral_msg', referralContent(account, user, conv, now, { source: 'ad', ad: {} }));
      return out.result(conv, null);
    }
    case 'auto-message': {
      const type = autoMessageType(body.type);
      const action = body.action;
      if (typeof action !== 'string' || !AUTO_MESSAGE_ACTIONS.includes(action.toLowerCase())) {
        throw new ControlError(400, `action must be one of ${AUTO_MESSAGE_ACTIONS.join(', ')} (got ${JSON.stringify(action ?? null)}).`);
      }
      const content: Record<string, unknown> = {
        auto_message_id: autoMessageId(account.business_id, type),
        auto_message_type: type,
        auto_message_action: action.toUpperCase(),
        timestamp: now,
      };
      if (action.toLowerCase() !== 'delete') Object.assign(content, autoMessageBlock(type, account));
      out.emit('im_auto_message_config_update', content);
      return out.result(null, null);
    }
    case 'auto-message-audit': {
      const status = body.status;
      if (typeof status !== 'string' || !AUDIT_STATUSES.includes(status.toLowerCase())) {
        throw new ControlError(400, `status must be approved or rejected (got ${JSON.stringify(status ?? null)}).`);
      }
      const type = autoMessageType(body.type ?? 'welcome');
      out.emit('im_auto_message_audit_update', {
        auto_message_id: autoMessageId(account.business_id, type),
        auto_message_type: type,
        audit_status: status.toUpperCase(),
        timestamp: now,
      });
      return out.result(null, null);
    }
    case 'high-intent-comment': {
      const text = requiredString(body, 'text', kind);
      // TikTok delivers these only while the account's Comment-to-Message switch is on (§4, medium-low).
      if (!account.comment_to_message) {
        throw new ControlError(
          400,
          `Comment-to-Message is off for @${account.username}: TikTok delivers no high-intent comments until it is on. ` +
            'Turn it on with `tiktok-channel comments enable` (business/message/direct_reply/update/ with operation_status ENABLE).',
        );
      }
      const user = ensureUser(world, writerName(body.from_username));
      const commentId = ids.messageId();
      world.state.comments ??= {};
      world.state.comments[commentId] = { comment_id: commentId, business_id: account.business_id, user_id: user.id, text, timestamp: now };
      out.emit('im_receive_high_intent_comment', {
        ...userSideContent(account, user, now),
        comment_id: commentId,
        comment_text: text,
        is_follower: user.follows.includes(account.business_id),
      });
      return out.result(null, null, { comment_id: commentId });
    }
    case 'authorization-removed': {
      // tiktok-api.md §5: reason 0 to 5 (1: the holder disconnected the app in TikTok, the usual one).
      const reason = body.reason ?? 1;
      if (typeof reason !== 'number' || !Number.isInteger(reason) || reason < 0 || reason > 5) {
        throw new ControlError(400, `reason must be an integer from 0 to 5 (got ${JSON.stringify(reason)}).`);
      }
      // The token is already dead when TikTok delivers this: every token of the account, for every app.
      let revoked = 0;
      for (const token of [...Object.values(world.state.access_tokens), ...Object.values(world.state.refresh_tokens)]) {
        if (token.business_id !== account.business_id || token.revoked_at !== undefined) continue;
        token.revoked_at = now;
        revoked++;
      }
      out.emit('authorization.removed', { reason });
      return out.result(null, null, { revoked_tokens: revoked });
    }
    case 'unknown': {
      const name = requiredString(body, 'name', kind);
      if (body.content !== undefined && !isObject(body.content)) throw new ControlError(400, 'content must be a JSON object.');
      const user = ensureUser(world, writerName(body.from_username));
      const content = (body.content as Record<string, unknown> | undefined) ?? {
        ...userSideContent(account, user, now),
        sandbox_note: 'An event the receiver does not know: keep it raw, never drop it.',
      };
      out.emit(name, content);
      return out.result(null, null);
    }
  }
}

function autoMessageType(raw: unknown): 'WELCOME_MESSAGE' | 'SUGGESTED_QUESTION' | 'CHAT_PROMPT' {
  const key = typeof raw === 'string' ? raw.toLowerCase() : '';
  const type = AUTO_MESSAGE_TYPES[key] ?? Object.values(AUTO_MESSAGE_TYPES).find((v) => v.toLowerCase() === key);
  if (!type) throw new ControlError(400, `type must be one of ${Object.keys(AUTO_MESSAGE_TYPES).join(', ')} (got ${JSON.stringify(raw ?? null)}).`);
  return type;
}

function autoMessageBlock(type: string, account: AccountRecord): Record<string, unknown> {
  switch (type) {
    case 'WELCOME_MESSAGE':
      return { welcome_message: { text: `Hi! Thanks for writing to ${account.display_name}. We answer within a day.` } };
    case 'SUGGESTED_QUESTION':
      return { suggested_question: { questions: [{ question: 'Do you ship worldwide?', answer: 'Yes, in 5 to 8 days.' }] } };
    default:
      return { chat_prompt: { prompts: ['Ask about sizes', 'Track my order'] } };
  }
}
