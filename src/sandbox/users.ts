// The TikTok users' side (control API `POST /sandbox/messages`, `sandbox message`): a user writes, or
// arrives through a tiktok.me link or an ad (im_referral_msg, no message), as an EEA user when asked
// (im_receive_msg_eu carries only {to, to_user, timestamp}).
import { EEA_REGIONS, normalizeRegion } from '../tiktok/limits.js';
import { appendMessage } from './conversations.js';
import * as ids from './ids.js';
import { userImageBytes, userMedia } from './media.js';
import type { AccountRecord, ConversationRecord, MessageRecord, UserRecord } from './types.js';
import { enqueueEvent, euContent, messageContent, readShape, referralContent, SHAPE_KEYS } from './webhooks.js';
import { ControlError, type World } from './world.js';

/** Who writes when `sandbox message` names nobody: the seeded regular customer. */
export const DEFAULT_WRITER = 'maya.lopez';

export interface UserMessageInput {
  from_username: string;
  text?: string;
  business_id?: string;
  ref?: string;
  prefilled_message?: string;
  prefilled_message_audit_status?: 'PASS' | 'REJECT';
  via_ad?: boolean;
  eu?: boolean;
  follower?: boolean;
  image?: boolean;
  /** The image file itself (base64 JPG/PNG ≤ 3 MB), as the phone page sends it; implies `image`. */
  image_data?: string;
  display_name?: string;
  region?: string;
  /** Delivery variations (see DeliveryShape). */
  create_time_ms?: boolean;
  casing?: 'lower' | 'upper';
  scene_type?: number | string;
}

const USER_MESSAGE_KEYS = [
  'from_username',
  'text',
  'business_id',
  'ref',
  'prefilled_message',
  'prefilled_message_audit_status',
  'via_ad',
  'eu',
  'follower',
  'image',
  'image_data',
  'display_name',
  'region',
  ...SHAPE_KEYS,
];

export interface UserMessageResult {
  conversation_id: string;
  message_id: string | null;
  /** The first event produced (im_referral_msg for arrivals, else the message event). */
  event: string;
  events: string[];
  /** Deliveries queued (0 when no callback is registered). */
  webhooks_queued: number;
  /** The writer's full username ("maya" → "maya.lopez"), so callers can name who wrote. */
  username: string;
}

/** A username from a control body: missing = the seeded regular; `@` is dropped. */
export function writerName(raw: unknown): string {
  const username = raw === undefined ? DEFAULT_WRITER : typeof raw === 'string' ? raw.replace(/^@/, '').trim() : '';
  if (!username) throw new ControlError(400, 'from_username must be a non-empty username.');
  return username;
}

/** Exact username, else a unique first name ("maya" → "maya.lopez") so scripts can stay short. */
export function findUser(world: World, username: string): UserRecord | undefined {
  const users = Object.values(world.state.users);
  const byFirstName = users.filter((u) => u.username.split(/[._]/)[0] === username);
  return users.find((u) => u.username === username) ?? (byFirstName.length === 1 ? byFirstName[0] : undefined);
}

/** The user by name, created (in `region`, else CA, else DE for `eu`) when new. */
export function ensureUser(world: World, username: string, options: { region?: string; eu?: boolean; display_name?: string } = {}): UserRecord {
  let user = findUser(world, username);
  if (!user) {
    const region = normalizeRegion(options.region) ?? (options.eu ? 'DE' : 'CA');
    user = { id: ids.openId(), username, display_name: options.display_name ?? username, region, follows: [] };
    world.state.users[user.id] = user;
  } else if (options.region !== undefined) {
    user.region = normalizeRegion(options.region) ?? user.region;
  }
  if (options.eu && !isEeaUser(user)) user.region = 'DE';
  return user;
}

/** The conversation between an account and a user, opened when there is none. */
export function ensureConversation(world: World, account: AccountRecord, user: UserRecord): ConversationRecord {
  let conv = Object.values(world.state.conversations).find((c) => c.business_id === account.business_id && c.user_id === user.id);
  if (!conv) {
    const now = world.now();
    conv = { conversation_id: ids.conversationId(), business_id: account.business_id, user_id: user.id, created_at: now, update_time: now, messages: [] };
    world.state.conversations[conv.conversation_id] = conv;
  }
  return conv;
}

export function isEeaUser(user: UserRecord): boolean {
  return (EEA_REGIONS as readonly string[]).includes(user.region);
}

/**
 * A TikTok user writes (or arrives). `ref` → an im_referral_msg short-link arrival, `via_ad` → an
 * ad arrival (both without a message); `text`/`image` then follow as a normal message. An EEA user's
 * message is stored like any other (REST shows it: the stripped im_receive_msg_eu only tells the
 * integrator to fetch it), but its webhook carries exactly {to, to_user, timestamp}.
 */
export function userWrites(world: World, input: UserMessageInput): UserMessageResult {
  const unknownKeys = Object.keys(input).filter((k) => !USER_MESSAGE_KEYS.includes(k));
  if (unknownKeys.length) throw new ControlError(400, `Unknown field(s): ${unknownKeys.join(', ')}. Known: ${USER_MESSAGE_KEYS.join(', ')}.`);
  // No from_username: the seeded regular, so `sandbox message --text hi` just works.
  const username = writerName(input.from_username);
  const hasText = input.text !== undefined;
  if (hasText && (typeof input.text !== 'string' || input.text === '')) throw new ControlError(400, 'text must be a non-empty string.');
  if (!hasText && !input.image && input.image_data === undefined && input.ref === undefined && !input.via_ad)
    throw new ControlError(400, 'text is required (or image, ref or via_ad for an arrival).');
  if (input.ref !== undefined && (typeof input.ref !== 'string' || !input.ref)) throw new ControlError(400, 'ref must be a non-empty string.');
  if (input.ref !== undefined && input.via_ad) throw new ControlError(400, 'Use either ref or via_ad, not both.');
  const imageBytes = input.image_data !== undefined ? userImageBytes(input.image_data) : undefined;
  if (imageBytes && hasText) throw new ControlError(400, 'text and image_data are two messages; send them one at a time.');
  const shape = readShape(input as unknown as Record<string, unknown>);
  const account = world.account(input.business_id);
  const now = world.now();

  const user = ensureUser(world, username, input);
  if (input.follower === true && !user.follows.includes(account.business_id)) user.follows.push(account.business_id);
  if (input.follower === false) user.follows = user.follows.filter((b) => b !== account.business_id);
  const conv = ensureConversation(world, account, user);

  const events: string[] = [];
  let queued = 0;
  const emit = (event: string, content: Record<string, unknown>) => {
    events.push(event);
    queued += enqueueEvent(world.state, now, event, account.business_id, content, shape);
  };

  if (input.ref !== undefined) {
    const shortLink = {
      ref: input.ref,
      prefilled_message: input.prefilled_message ?? '',
      prefilled_message_audit_status: input.prefilled_message_audit_status ?? ('PASS' as const),
    };
    conv.referral ??= { ad: [], short_link: [] };
    conv.referral.short_link.push({ ...shortLink, created_at: now });
    conv.update_time = now;
    emit('im_referral_msg', referralContent(account, user, conv, now, { source: 'short_link', short_link: shortLink }));
  }
  if (input.via_ad) {
    const ad = {
      advertiser_id: '7000000000000000001',
      ad_id: `17${ids.randomDigits(17)}`,
      timestamp: now,
      ad_name: 'Sandbox click-to-message ad',
      embed_url: account.posts[0]?.embed_url ?? `https://www.tiktok.com/@${account.username}`,
      message_material_id: Buffer.from(`sandbox-creative-${ids.randomDigits(6)}`).toString('base64'),
    };
    conv.referral ??= { ad: [], short_link: [] };
    conv.referral.ad.push(ad);
    conv.update_time = now;
    // Webhooks carry one `ad` object; REST's conversation referral carries an array.
    emit('im_referral_msg', referralContent(account, user, conv, now, { source: 'ad', ad: { ...ad } }));
  }

  let messageIdOut: string | null = null;
  if (hasText || input.image || imageBytes) {
    const message: MessageRecord = { message_id: ids.messageId(), timestamp: now, direction: 'in', message_type: 'TEXT', source: 'APP' };
    if (input.image || imageBytes) {
      message.message_type = 'IMAGE';
      message.image = { media_id: userMedia(world, account.business_id, 'IMAGE', imageBytes) };
    } else {
      message.text = { body: input.text! };
    }
    appendMessage(conv, message);
    messageIdOut = message.message_id;
    if (isEeaUser(user)) emit('im_receive_msg_eu', euContent(account, now));
    else emit('im_receive_msg', messageContent(account, user, conv, message));
  }
  return { conversation_id: conv.conversation_id, message_id: messageIdOut, event: events[0]!, events, webhooks_queued: queued, username: user.username };
}
