// One decoder for everything TikTok tells us about messages (../shared/tiktok-api.md §4, §5): webhook
// deliveries (lower-case `type` and roles, `content` as a JSON string) and REST content/list messages
// (upper-case `message_type` and roles) become the same DecodedEvent, so `tail` (both modes),
// `conversations`, `messages` and library users print and reason about one shape.
//
// Tolerant on purpose: most of §5 is medium confidence. Enum values are compared case-insensitively,
// `create_time`/`timestamp` may be seconds or milliseconds, any field may be missing, and events we do
// not know are kept raw. Nothing here throws: a delivery we cannot make sense of is still returned
// (kind "unknown", with `problems` saying why), because dropping it would lose a customer's message.
// This file reads the envelope; the content decoders are in event-content.ts, the field readers in
// event-fields.ts, and the one-line descriptions in event-describe.ts.
import { decodeReferral, fillCommon, fillMessage } from './event-content.js';
import { hashId, identifier, isObject, iso, object, text, toEpochMs, upper, type Json } from './event-fields.js';
import { parseJsonExact } from './json.js';
import { authorizationRemovedReason } from './removal-reasons.js';

export type EventKind =
  | 'message'
  | 'reaction'
  | 'read'
  | 'referral'
  | 'eu_message'
  | 'auto_message_config'
  | 'auto_message_audit'
  | 'high_intent_comment'
  | 'authorization_removed'
  | 'unknown';

export interface EventParty {
  id: string | null;
  username: string | null;
  /** lower case: business_account | personal_account (as webhooks spell it) */
  role: string | null;
}

export interface EventReaction {
  operation: string | null;
  type: string | null;
  emoji: string | null;
  ai_emoji_url: string | null;
  user_id: string | null;
  target_message_id: string | null;
  time: string | null;
}

export interface EventTemplate {
  type: string | null;
  title: string | null;
  buttons: Array<{ id: string | null; label: string | null; type: string | null }>;
}

export interface EventReferral {
  source: string | null;
  ref: string | null;
  prefilled_message: string | null;
  prefilled_message_audit_status: string | null;
  ad: {
    advertiser_id: string | null;
    ad_id: string | null;
    ad_name: string | null;
    embed_url: string | null;
    message_material_id: string | null;
    timestamp: number | null;
  } | null;
}

export interface EventAutoMessage {
  id: string | null;
  type: string | null;
  action: string | null;
  audit_status: string | null;
  content: unknown;
}

export interface DecodedEvent {
  /** message_id when there is one, else "h:" + a hash of the delivery's content (stable across redeliveries). */
  id: string;
  event: string | null;
  kind: EventKind;
  origin: 'webhook' | 'rest';
  business_id: string | null;
  conversation_id: string | null;
  message_id: string | null;
  direction: 'inbound' | 'outbound' | null;
  /** message_tag.source, upper case: API (our own send), APP/WEB (a person in TikTok's inbox), OTHERS, UNKNOWN_SOURCE */
  source: string | null;
  sender: EventParty | null;
  recipient: EventParty | null;
  /** The customer's side of the conversation. */
  user: { id: string | null; username: string | null } | null;
  /** lower case: text, image, video, sticker, emoji, share_post, template, reaction, other … */
  type: string | null;
  text: string | null;
  media: { id: string; type: 'image' | 'video' } | null;
  sticker_url: string | null;
  emoji_url: string | null;
  share_post: { embed_url: string | null; video_id: string | null } | null;
  template: EventTemplate | null;
  tapped_button_id: string | null;
  reply_source_message_id: string | null;
  referenced_message_id: string | null;
  reactions: EventReaction[] | null;
  /** ISO time the user has read up to (im_mark_read_msg). */
  read_up_to: string | null;
  referral: EventReferral | null;
  auto_message: EventAutoMessage | null;
  comment: { id: string | null; text: string | null } | null;
  /** authorization.removed: TikTok's `reason` (0 to 5) and what it means; the account's token is already dead. */
  authorization: { reason: number | null; reason_text: string } | null;
  is_follower: boolean | null;
  scene_type: string | number | null;
  auto_message_type: string | null;
  /** epoch ms */
  timestamp: number | null;
  time: string | null;
  /** Tolerance notes; never fatal. */
  problems: string[];
  /** The delivery as received, `content` parsed when it was JSON (REST: the message object). */
  raw: Record<string, unknown>;
}

const KNOWN_EVENTS: Record<string, EventKind> = {
  im_receive_msg: 'message',
  im_send_msg: 'message',
  im_referral_msg: 'referral',
  im_mark_read_msg: 'read',
  im_receive_msg_eu: 'eu_message',
  im_auto_message_config_update: 'auto_message_config',
  im_auto_message_audit_update: 'auto_message_audit',
  im_receive_high_intent_comment: 'high_intent_comment',
  'authorization.removed': 'authorization_removed',
};

function bodyText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}

function emptyEvent(origin: 'webhook' | 'rest', raw: Json): DecodedEvent {
  return {
    id: '',
    event: null,
    kind: 'unknown',
    origin,
    business_id: null,
    conversation_id: null,
    message_id: null,
    direction: null,
    source: null,
    sender: null,
    recipient: null,
    user: null,
    type: null,
    text: null,
    media: null,
    sticker_url: null,
    emoji_url: null,
    share_post: null,
    template: null,
    tapped_button_id: null,
    reply_source_message_id: null,
    referenced_message_id: null,
    reactions: null,
    read_up_to: null,
    referral: null,
    auto_message: null,
    comment: null,
    authorization: null,
    is_follower: null,
    scene_type: null,
    auto_message_type: null,
    timestamp: null,
    time: null,
    problems: [],
    raw,
  };
}

/** The problem an event carries when its delivery's body is not a JSON object (raw is `{body: text}`). */
export const NOT_A_JSON_OBJECT = 'the body is not a JSON object';

/** A delivery whose body is not a JSON object: nothing in it could be read, only kept. */
export function isUnreadableDelivery(event: DecodedEvent): boolean {
  return event.kind === 'unknown' && event.problems.includes(NOT_A_JSON_OBJECT);
}

/**
 * Decodes one webhook delivery: the raw body (string or bytes) or the parsed envelope
 * `{client_key, event, create_time, user_openid, content}`. Never throws.
 */
export function decodeEvent(body: string | Uint8Array | Json): DecodedEvent {
  try {
    return decodeDelivery(body);
  } catch (error) {
    // Only an object handed in by the caller gets here (a throwing getter, a Proxy, a revoked Proxy):
    // bodies from the wire are plain JSON. Returned as unreadable, as promised, never thrown.
    let why = 'a non-Error value';
    try {
      if (error instanceof Error) why = String(error.message);
    } catch {
      // The thrown value is hostile too.
    }
    const event = emptyEvent('webhook', { body: '[an object that could not be read]' });
    event.problems.push(NOT_A_JSON_OBJECT, `reading it threw: ${why}`);
    event.id = hashId(['invalid', 'unreadable object', event.problems[1]!]);
    return event;
  }
}

function decodeDelivery(body: string | Uint8Array | Json): DecodedEvent {
  let envelope: Json;
  let rawText: string | undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    rawText = bodyText(body);
    let parsed: unknown;
    try {
      parsed = parseJsonExact(rawText);
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed)) {
      const event = emptyEvent('webhook', { body: rawText });
      event.problems.push(NOT_A_JSON_OBJECT);
      // The bytes, not the text: bytes that are not UTF-8 decode lossily, and two different deliveries
      // must not share an id (for UTF-8 bytes this is the same hash as the text's).
      event.id = hashId(['invalid', body]);
      return event;
    }
    envelope = parsed;
  } else if (isObject(body)) {
    envelope = body;
  } else {
    // String() throws on some values (an object without a prototype): describe them instead.
    const shown = safeStringify(body) || Object.prototype.toString.call(body);
    const event = emptyEvent('webhook', { body: shown });
    event.problems.push(NOT_A_JSON_OBJECT);
    event.id = hashId(['invalid', shown]);
    return event;
  }

  const problems: string[] = [];
  // `content` is a JSON string (parse it a second time); an object is accepted too.
  let content: Json = {};
  const rawContent = envelope.content;
  let contentKey: string;
  if (typeof rawContent === 'string') {
    contentKey = rawContent;
    try {
      const parsed: unknown = parseJsonExact(rawContent);
      if (isObject(parsed)) content = parsed;
      else problems.push('content is JSON but not an object');
    } catch {
      problems.push('content is not JSON');
    }
  } else if (isObject(rawContent)) {
    content = rawContent;
    contentKey = safeStringify(rawContent);
  } else {
    contentKey = '';
    if (rawContent !== undefined) problems.push('content is neither a JSON string nor an object');
    else problems.push('the delivery has no content');
  }

  const name = text(envelope.event);
  const raw: Json = { ...envelope, content: typeof rawContent === 'string' && Object.keys(content).length ? content : rawContent };
  const event = emptyEvent('webhook', raw);
  event.event = name;
  event.problems = problems;
  event.business_id = text(envelope.user_openid);
  const kind = name ? KNOWN_EVENTS[name.toLowerCase()] : undefined;
  if (!name) problems.push('the delivery names no event');
  else if (!kind) problems.push(`unknown event ${name}: kept as received`);
  event.kind = kind ?? 'unknown';

  fillCommon(event, content, event.business_id);
  // The delivery's own time when the content has none (referrals and EU events carry `timestamp`).
  if (event.timestamp === null) {
    event.timestamp = toEpochMs(envelope.create_time);
    event.time = iso(event.timestamp);
  }

  switch (event.kind) {
    case 'message':
      fillMessage(event, content, 'webhook');
      break;
    case 'read': {
      const read = object(content.read);
      const upTo = toEpochMs(read.last_read_timestamp);
      event.read_up_to = iso(upTo);
      break;
    }
    case 'referral':
      event.referral = decodeReferral(content.referral);
      break;
    case 'eu_message':
      // Exactly {to, to_user, timestamp}: the user is in the EEA, Switzerland or the UK, so TikTok
      // withholds everything else; the message itself can be read with content/list (§5).
      event.direction = 'inbound';
      break;
    case 'auto_message_config':
    case 'auto_message_audit':
      event.auto_message = {
        id: text(content.auto_message_id),
        type: upper(content.auto_message_type),
        action: upper(content.auto_message_action),
        audit_status: upper(content.audit_status),
        content: content.welcome_message ?? content.suggested_question ?? content.chat_prompt ?? null,
      };
      break;
    case 'high_intent_comment':
      // comment_text, or text.body in one integration's fixtures (medium-low: both are read).
      event.comment = { id: identifier(content.comment_id), text: text(content.comment_text) ?? text(object(content.text).body) ?? text(content.text) };
      event.direction = 'inbound';
      break;
    case 'authorization_removed': {
      // `reason` may arrive as a number or a numeric string; anything else is no reason.
      const raw = typeof content.reason === 'string' && /^\d+$/.test(content.reason.trim()) ? Number(content.reason) : content.reason;
      const reason = typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : null;
      event.authorization = { reason, reason_text: authorizationRemovedReason(reason) };
      break;
    }
    default:
      break;
  }
  // A reaction rides on im_receive_msg with type "reaction" (§5).
  if (event.kind === 'message' && event.type === 'reaction') event.kind = 'reaction';

  // Referrals, receipts, auto-message and EU events have no message id: a content hash keeps
  // TikTok's redeliveries of the same body together without merging different events.
  event.id = event.message_id ?? hashId([name ?? '', event.business_id ?? '', contentKey]);
  return event;
}

/**
 * Decodes one REST content/list message (upper-case `message_type` and roles) into the same shape a
 * webhook gives, so poll mode prints exactly what webhook mode prints. Never throws.
 */
export function decodeRestMessage(message: Json, context: { businessId?: string; conversationId?: string } = {}): DecodedEvent {
  const record = isObject(message) ? message : {};
  const event = emptyEvent('rest', record);
  const businessId = context.businessId ?? null;
  event.business_id = businessId;
  fillCommon(event, record, businessId);
  event.conversation_id ??= context.conversationId ?? null;
  fillMessage(event, record, 'rest');
  event.kind = 'message';
  event.event = event.direction === 'outbound' ? 'im_send_msg' : 'im_receive_msg';
  if (event.message_id === null) event.problems.push('the message has no message_id');
  event.id = event.message_id ?? hashId(['rest', event.conversation_id ?? '', safeStringify(record)]);
  return event;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** The key that makes redeliveries (and the same message seen by webhook and by poll) one event. */
export function eventDedupeKey(event: DecodedEvent): string {
  if (!isObject(event) || typeof event.id !== 'string') throw new TypeError('eventDedupeKey(event) needs an event returned by decodeEvent().');
  // A reaction delivery has its own message_id; so does every message. Otherwise the content hash.
  return event.message_id ? `m:${event.message_id}` : event.id;
}
