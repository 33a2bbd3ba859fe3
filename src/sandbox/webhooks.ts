// Webhooks (tiktok-api.md §5): registration (business/webhook/update|list|delete/, app credentials),
// the exact envelope and content shapes, and the outbox they are queued in; signing and delivery are in
// webhook-delivery.ts. Lower-case `type` and roles here, unlike REST.
import { shortId } from './ids.js';
import { clientApp } from './auth.js';
import {
  WEBHOOK_EVENT_TYPES,
  type AccountRecord,
  type AppRecord,
  type ConversationRecord,
  type MessageRecord,
  type SandboxState,
  type UserRecord,
  type WebhookEventType,
  type WebhookRegistration,
} from './types.js';
import { ApiError, CODE, ControlError, requireString, type Params, type World } from './world.js';

// ---------------------------------------------------------------------------------------------------
// Registration (app credentials: app_id/secret; one callback per app and event type)

function webhookApp(world: World, params: Params): { app: AppRecord; eventType: WebhookEventType } {
  const app = clientApp(world, params, 'app_id', 'secret');
  const eventType = params.event_type;
  if (typeof eventType !== 'string' || !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(eventType)) {
    // Event names (im_receive_msg, …) are not event types (tiktok-api.md §5).
    throw new ApiError(CODE.INVALID_PARAM, `event_type must be one of ${WEBHOOK_EVENT_TYPES.join(', ')} (got ${JSON.stringify(eventType ?? null)}).`);
  }
  return { app, eventType: eventType as WebhookEventType };
}

function registrationOf(app: AppRecord, eventType: WebhookEventType): WebhookRegistration | undefined {
  return eventType === 'DIRECT_MESSAGE' ? app.webhook : app.other_webhooks?.[eventType];
}

/** POST business/webhook/update/: replaces the app's callback of that event type for every account. */
export function webhookUpdate(world: World, body: Params) {
  const { app, eventType } = webhookApp(world, body);
  const url = requireString(body, 'callback_url');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    throw new ApiError(CODE.INVALID_PARAM, `callback_url must be an http(s) URL (got ${url}).`);
  const registration: WebhookRegistration = { event_type: eventType, callback_url: url, registered_at: world.now() };
  if (eventType === 'DIRECT_MESSAGE') {
    app.webhook = registration;
  } else {
    const previous = app.other_webhooks?.[eventType];
    if (eventType === 'COMMENT' && (body.item_list !== undefined || previous?.item_list)) {
      const items = Array.isArray(body.item_list) ? body.item_list.map(String) : [];
      // item_list only grows per app: registering again does not remove ids (medium, ChatbotX).
      registration.item_list = [...new Set([...(previous?.item_list ?? []), ...items])];
    }
    (app.other_webhooks ??= {})[eventType] = registration;
  }
  return { app_id: app.client_key, event_type: eventType, callback_url: url };
}

/** GET business/webhook/list/: one flat object for that type; no callback_url = nothing registered. */
export function webhookList(world: World, params: Params) {
  const { app, eventType } = webhookApp(world, params);
  const registration = registrationOf(app, eventType);
  return registration
    ? { app_id: app.client_key, event_type: eventType, callback_url: registration.callback_url }
    : { app_id: app.client_key, event_type: eventType };
}

/** POST business/webhook/delete/: that type only. */
export function webhookDelete(world: World, body: Params) {
  const { app, eventType } = webhookApp(world, body);
  if (eventType === 'DIRECT_MESSAGE') delete app.webhook;
  else if (app.other_webhooks) delete app.other_webhooks[eventType];
  return {};
}

// ---------------------------------------------------------------------------------------------------
// Content shapes

function parties(account: AccountRecord, user: UserRecord, direction: 'in' | 'out') {
  const businessSide = { id: account.business_id, role: 'business_account' };
  const userSide = { id: user.id, role: 'personal_account' };
  return direction === 'in'
    ? { from: user.username, to: account.username, unique_identifier: user.id, from_user: userSide, to_user: businessSide }
    : { from: account.username, to: user.username, unique_identifier: user.id, from_user: businessSide, to_user: userSide };
}

/** `im_receive_msg` / `im_send_msg` content. */
export function messageContent(account: AccountRecord, user: UserRecord, conv: ConversationRecord, message: MessageRecord): Record<string, unknown> {
  const content: Record<string, unknown> = {
    ...parties(account, user, message.direction),
    conversation_id: conv.conversation_id,
    message_id: message.message_id,
    timestamp: message.timestamp,
    type: message.message_type.toLowerCase(),
  };
  if (message.text) content.text = { body: message.text.body };
  if (message.image) content.image = { media_id: message.image.media_id };
  if (message.video) content.video = { media_id: message.video.media_id };
  if (message.sticker) content.sticker = { url: message.sticker.url };
  if (message.emoji) content.emoji = { url: message.emoji.url };
  if (message.share_post) content.share_post = { embed_url: message.share_post.embed_url, video_id: message.share_post.item_id };
  if (message.template) {
    // Webhooks spell the button label `text`; sends spell it `title` (tiktok-api.md §5).
    content.template = {
      type: message.template.type,
      elements: [{ title: message.template.title, buttons: message.template.buttons.map((b) => ({ text: b.title, type: b.type, id: b.id })) }],
    };
  }
  if (message.referenced_message_id) content.referenced_message_info = { referenced_message_id: message.referenced_message_id };
  if (message.reply_source) content.reply_source_payload = { ...message.reply_source };
  content.is_follower = user.follows.includes(account.business_id);
  content.message_tag = { source: message.source };
  return content;
}

/** The base fields of an inbound event without a message (read receipts, reactions, comments). */
export function userSideContent(account: AccountRecord, user: UserRecord, timestamp: number, conv?: ConversationRecord): Record<string, unknown> {
  return {
    ...parties(account, user, 'in'),
    ...(conv ? { conversation_id: conv.conversation_id } : {}),
    timestamp,
  };
}

/** `im_referral_msg`: base fields, is_follower and `referral`; no message_id and no type. */
export function referralContent(
  account: AccountRecord,
  user: UserRecord,
  conv: ConversationRecord,
  timestamp: number,
  referral: { source: 'ad'; ad: Record<string, unknown> } | { source: 'short_link'; short_link: Record<string, unknown> },
): Record<string, unknown> {
  return {
    ...parties(account, user, 'in'),
    conversation_id: conv.conversation_id,
    timestamp,
    is_follower: user.follows.includes(account.business_id),
    referral,
  };
}

/** `im_receive_msg_eu`: exactly `{to, to_user, timestamp}` (no text, conversation id or message id). */
export function euContent(account: AccountRecord, timestamp: number): Record<string, unknown> {
  return { to: account.username, to_user: { id: account.business_id, role: 'business_account' }, timestamp };
}

/**
 * Variations of the same delivery TikTok is seen to send, so receivers can prove their tolerance:
 * `create_time_ms` (create_time in milliseconds), `casing: "upper"` (enum values upper-cased in the
 * content: type, roles, sources), `scene_type` (added to the content as given).
 */
export interface DeliveryShape {
  create_time_ms?: boolean;
  casing?: 'lower' | 'upper';
  scene_type?: number | string;
}

/** The control bodies' names for a DeliveryShape (`POST /sandbox/events` and `/sandbox/messages`). */
export const SHAPE_KEYS = ['create_time_ms', 'casing', 'scene_type'] as const;

/** The common delivery options of a control body, validated. */
export function readShape(body: Params): DeliveryShape {
  const shape: DeliveryShape = {};
  if (body.create_time_ms !== undefined) {
    if (typeof body.create_time_ms !== 'boolean') throw new ControlError(400, 'create_time_ms must be true or false.');
    shape.create_time_ms = body.create_time_ms;
  }
  if (body.casing !== undefined) {
    if (body.casing !== 'lower' && body.casing !== 'upper') throw new ControlError(400, 'casing must be "lower" or "upper".');
    shape.casing = body.casing;
  }
  if (body.scene_type !== undefined) {
    if (typeof body.scene_type !== 'number' && typeof body.scene_type !== 'string') throw new ControlError(400, 'scene_type must be a number or a string.');
    shape.scene_type = body.scene_type;
  }
  return shape;
}

const ENUM_KEYS = new Set([
  'type',
  'role',
  'source',
  'operation',
  'audit_status',
  'auto_message_type',
  'auto_message_action',
  'prefilled_message_audit_status',
]);

/** Upper-cases the enum values of a content object (deeply), leaving free text alone. */
export function upperEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(upperEnums);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    out[key] = ENUM_KEYS.has(key) && typeof child === 'string' ? child.toUpperCase() : typeof child === 'object' ? upperEnums(child) : child;
  }
  return out;
}

export function shapeContent(content: Record<string, unknown>, shape: DeliveryShape = {}): Record<string, unknown> {
  let out = content;
  if (shape.scene_type !== undefined) out = { ...out, scene_type: shape.scene_type };
  if (shape.casing === 'upper') out = upperEnums(out) as Record<string, unknown>;
  return out;
}

export function envelope(clientKey: string, event: string, createTime: number, businessId: string, content: Record<string, unknown>): string {
  return JSON.stringify({ client_key: clientKey, event, create_time: createTime, user_openid: businessId, content: JSON.stringify(content) });
}

/**
 * Queues one delivery per app with a registered callback. The sandbox treats every account as having
 * authorized every app of the world for webhook purposes (there is normally one app).
 */
export function enqueueEvent(
  state: SandboxState,
  now: number,
  event: string,
  businessId: string,
  content: Record<string, unknown>,
  shape: DeliveryShape = {},
): number {
  let queued = 0;
  const shaped = shapeContent(content, shape);
  const createTime = shape.create_time_ms ? now : Math.floor(now / 1000);
  for (const app of Object.values(state.apps)) {
    if (!app.webhook) continue;
    state.outbox.push({
      id: shortId(),
      client_key: app.client_key,
      event,
      business_id: businessId,
      body: envelope(app.client_key, event, createTime, businessId, shaped),
      created_at: now,
      attempts: 0,
      next_attempt_at: now,
    });
    queued++;
  }
  return queued;
}
