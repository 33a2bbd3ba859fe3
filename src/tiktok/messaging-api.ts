// Business Messaging endpoints (../shared/tiktok-api.md §3, §4, §5 registration), typed and tolerant:
// fields marked medium/low confidence in the reference are optional here and never crash a caller.
// The media endpoints (upload, capability, download) are in media.ts.
import type { Envelope, TikTokClient } from './client.js';
import { tiktokCodeOf } from './errors.js';
import { decodeRestMessage, type DecodedEvent } from './events.js';

/** TikTok's invalid-parameter code (§6). */
const INVALID_PARAMETER = 40002;

export type ConversationType = 'SINGLE' | 'STRANGER';

export interface BusinessProfile {
  username?: string;
  displayName?: string;
  profileImage?: string;
  isBusinessAccount?: boolean;
  isVerified?: boolean;
  followersCount?: number;
  raw: Record<string, unknown>;
}

export const PROFILE_FIELDS = ['username', 'display_name', 'profile_image', 'is_business_account', 'is_verified', 'followers_count'];
/** The fields the reference is sure of (§3, high); the others in PROFILE_FIELDS are medium. */
export const PROFILE_FIELDS_HIGH = ['username', 'display_name', 'profile_image'];

/**
 * The account's profile. When TikTok refuses a field (an invalid-parameter answer, 40002), it is asked
 * once more for the high-confidence fields only, so an unsure field never fails a connect.
 */
export async function getBusinessProfile(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  options: { fields?: readonly string[] } = {},
): Promise<BusinessProfile> {
  const ask = (fields: readonly string[]) => client.get<Record<string, unknown>>('business/get/', { accessToken, query: { business_id: businessId, fields } });
  let envelope: Envelope<Record<string, unknown>>;
  try {
    envelope = await ask(options.fields ?? PROFILE_FIELDS);
  } catch (error) {
    if (options.fields || tiktokCodeOf(error) !== INVALID_PARAMETER) throw error;
    envelope = await ask(PROFILE_FIELDS_HIGH);
  }
  const { data } = envelope;
  // Some integrations see the fields nested under data.user (unconfirmed): accept both.
  const raw = (data.user && typeof data.user === 'object' ? data.user : data) as Record<string, unknown>;
  return {
    username: optionalString(raw.username),
    displayName: optionalString(raw.display_name),
    profileImage: optionalString(raw.profile_image),
    isBusinessAccount: typeof raw.is_business_account === 'boolean' ? raw.is_business_account : undefined,
    isVerified: typeof raw.is_verified === 'boolean' ? raw.is_verified : undefined,
    followersCount: typeof raw.followers_count === 'number' ? raw.followers_count : undefined,
    raw,
  };
}

interface ConversationPage {
  conversations?: Array<Record<string, unknown>>;
  has_more?: boolean;
  cursor?: number | string;
}

export interface Conversation {
  conversationId: string;
  type: ConversationType;
  /** ms */
  updateTime?: number;
  referral?: Record<string, unknown>;
}

export async function listConversations(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  type: ConversationType,
  options: { pageSize?: number; maxPages?: number; until?: (conversation: Conversation) => boolean } = {},
): Promise<Conversation[]> {
  const conversations: Conversation[] = [];
  const seen = new Set<string>();
  let cursor: number | undefined = 0;
  const maxPages = options.maxPages ?? 1000;
  for (let pageNumber = 0; pageNumber < maxPages; pageNumber++) {
    const page: Envelope<ConversationPage> = await client.get<ConversationPage>('business/message/conversation/list/', {
      accessToken,
      query: { business_id: businessId, conversation_type: type, cursor, limit: options.pageSize ?? 100 },
    });
    const data = page.data;
    for (const item of data.conversations ?? []) {
      const conversationId = optionalString(item.conversation_id);
      if (!conversationId || seen.has(conversationId)) continue;
      seen.add(conversationId);
      conversations.push({
        conversationId,
        type,
        updateTime: toMilliseconds(item.update_time),
        referral: item.referral && typeof item.referral === 'object' ? (item.referral as Record<string, unknown>) : undefined,
      });
    }
    // `until`: a caller looking for one conversation stops after the page that holds it.
    if (options.until && conversations.some(options.until)) break;
    const next: number | undefined = data.cursor === undefined || data.cursor === null ? undefined : Number(data.cursor);
    // Stop on a cursor that does not move, so a misbehaving server cannot loop us forever.
    if (!data.has_more || next === undefined || Number.isNaN(next) || next === cursor) break;
    cursor = next;
  }
  return conversations;
}

export type Role = 'BUSINESS_ACCOUNT' | 'PERSONAL_ACCOUNT' | string;

export interface Participant {
  id?: string;
  role?: Role;
  displayName?: string;
  profileImage?: string;
  isFollower?: boolean;
}

export interface ConversationContent {
  /**
   * Oldest first (TikTok returns only the 20 most recent, in an undocumented order), each decoded by the
   * one decoder in events.ts. Messages without a message_id are kept: they count for the window and quota.
   */
  messages: DecodedEvent[];
  participants: Participant[];
}

export async function getConversationContent(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  conversationId: string,
): Promise<ConversationContent> {
  const { data } = await client.get<{ messages?: Array<Record<string, unknown>>; participants?: Array<Record<string, unknown>> }>(
    'business/message/content/list/',
    { accessToken, query: { business_id: businessId, conversation_id: conversationId } },
  );
  const items = Array.isArray(data.messages) ? data.messages : [];
  const messages = oldestFirst(
    items.filter((item) => item !== null && typeof item === 'object').map((item) => decodeRestMessage(item, { businessId, conversationId })),
  );
  const participants = (Array.isArray(data.participants) ? data.participants : []).map((item) => ({
    id: optionalString(item.id),
    role: normalizeRole(item.role),
    displayName: optionalString(item.display_name),
    profileImage: optionalString(item.profile_image),
    isFollower: typeof item.is_follower === 'boolean' ? item.is_follower : undefined,
  }));
  return { messages, participants };
}

/**
 * Sorts by timestamp, oldest first. The order TikTok returns is undocumented; when the list as a whole
 * runs newest first, it is reversed before the (stable) sort, so messages sharing a millisecond keep
 * their real order instead of flipping (which would misplace a reply sent in the same ms).
 */
export function oldestFirst(messages: DecodedEvent[]): DecodedEvent[] {
  const times = messages.map((message) => message.timestamp).filter((time): time is number => time !== null);
  const newestFirst = times.length > 1 && times[0]! > times[times.length - 1]!;
  const ordered = newestFirst ? [...messages].reverse() : [...messages];
  return ordered.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/** REST says BUSINESS_ACCOUNT, webhooks say business_account: one spelling inside the CLI. */
export function normalizeRole(role: unknown): Role | undefined {
  return typeof role === 'string' && role ? role.toUpperCase() : undefined;
}

/** A Q&A card (§4 TEMPLATE, medium-high): labels are `title` on the wire when sending. */
export interface CardContent {
  type: 'QA_BUTTON_CARD' | 'QA_LINK_CARD';
  title: string;
  buttons: Array<{ id: string; label: string }>;
}

/** Sender actions (§4, medium): not messages; they cost none of the window's 10 and answer an empty id. */
export type SenderAction = 'TYPING' | 'MARK_READ';

export type OutgoingContent =
  | { kind: 'text'; body: string; replyTo?: string }
  | { kind: 'image'; mediaId: string; replyTo?: string }
  | { kind: 'share_post'; itemId: string }
  | { kind: 'card'; card: CardContent }
  | { kind: 'action'; action: SenderAction };

/** The wire's message_type for a content kind. */
export function messageTypeOf(content: OutgoingContent): string {
  switch (content.kind) {
    case 'card':
      return 'TEMPLATE';
    case 'action':
      return 'SENDER_ACTION';
    default:
      return content.kind.toUpperCase();
  }
}

function quoting(replyTo: string | undefined): Record<string, unknown> {
  return replyTo ? { referenced_message_info: { referenced_message_id: replyTo } } : {};
}

export function buildSendBody(businessId: string, conversationId: string, content: OutgoingContent): Record<string, unknown> {
  const base = { business_id: businessId, recipient_type: 'CONVERSATION', recipient: conversationId };
  switch (content.kind) {
    case 'text':
      return { ...base, message_type: 'TEXT', text: { body: content.body }, ...quoting(content.replyTo) };
    case 'image':
      // The reference now lets images quote too (Chatwoot attaches it to IMAGE sends, medium).
      return { ...base, message_type: 'IMAGE', image: { media_id: content.mediaId }, ...quoting(content.replyTo) };
    case 'share_post':
      return { ...base, message_type: 'SHARE_POST', share_post: { item_id: content.itemId } };
    case 'card':
      return {
        ...base,
        message_type: 'TEMPLATE',
        template: {
          type: content.card.type,
          title: content.card.title,
          // The reference shows only REPLY buttons, for both card types.
          buttons: content.card.buttons.map((button) => ({ type: 'REPLY', title: button.label, id: button.id })),
        },
      };
    case 'action':
      return { ...base, message_type: 'SENDER_ACTION', sender_action: content.action };
  }
}

/**
 * A private reply to a high-intent comment. The reference rates this medium-low (one source): the
 * `direct_reply` block replaces recipient_type/recipient, and we read the answer tolerantly (the message
 * id flat or nested, a conversation id if TikTok names one), so a slightly different real shape still works.
 */
export function buildCommentReplyBody(businessId: string, commentId: string, body: string): Record<string, unknown> {
  return {
    business_id: businessId,
    message_type: 'TEXT',
    text: { body },
    direct_reply: { reply_type: 'COMMENT_REPLY', comment_reply: { comment_id: commentId } },
  };
}

export interface SendResult {
  messageId?: string;
  /** Only some answers name it (a comment reply may); undefined when TikTok did not say. */
  conversationId?: string;
  requestId?: string;
}

async function postSend(client: TikTokClient, accessToken: string, body: Record<string, unknown>): Promise<SendResult> {
  const { data, requestId } = await client.post<{
    message?: { message_id?: string; conversation_id?: string };
    message_id?: string;
    conversation_id?: string;
  }>('business/message/send/', {
    accessToken,
    body,
    retry: 'refusals-only',
    unsure: { operation: 'send', outcome: 'the message may or may not have been sent' },
  });
  // data.message.message_id per the reference; a flat message_id is accepted too (tolerance).
  const messageId = data.message?.message_id ?? data.message_id;
  const conversationId = data.message?.conversation_id ?? data.conversation_id;
  // TikTok accepted the message (code 0) but named no id (sender actions do so by design): unknown, not "".
  return { messageId: optionalString(messageId), conversationId: optionalString(conversationId), requestId };
}

export async function sendMessage(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  conversationId: string,
  content: OutgoingContent,
): Promise<SendResult> {
  return postSend(client, accessToken, buildSendBody(businessId, conversationId, content));
}

export async function sendCommentReply(client: TikTokClient, accessToken: string, businessId: string, commentId: string, body: string): Promise<SendResult> {
  return postSend(client, accessToken, buildCommentReplyBody(businessId, commentId, body));
}

/**
 * TikTok's Comment-to-Message switch (§4, medium-low confidence: the Go SDK's models and ChatbotX's
 * schema, no TikTok page): whether high-intent comments reach the account. The answer is read
 * tolerantly: undefined when TikTok names no status we know.
 */
export async function getCommentToMessage(client: TikTokClient, accessToken: string, businessId: string): Promise<boolean | undefined> {
  const { data } = await client.get<{ operation_status?: unknown; direct_reply_status?: unknown }>('business/message/direct_reply/get/', {
    accessToken,
    query: { business_id: businessId, direct_reply_type: 'COMMENT_TO_MESSAGE' },
  });
  const status = String(data.operation_status ?? data.direct_reply_status ?? '').toUpperCase();
  return status === 'ENABLE' || status === 'ENABLED' ? true : status === 'DISABLE' || status === 'DISABLED' ? false : undefined;
}

/** Turns the switch on or off (§4); TikTok answers the envelope only. Setting a state twice is harmless. */
export async function setCommentToMessage(client: TikTokClient, accessToken: string, businessId: string, enabled: boolean): Promise<void> {
  await client.post('business/message/direct_reply/update/', {
    accessToken,
    body: { business_id: businessId, direct_reply_type: 'COMMENT_TO_MESSAGE', operation_status: enabled ? 'ENABLE' : 'DISABLE' },
  });
}

export interface WebhookRegistration {
  callbackUrl?: string;
}

export async function registerWebhook(client: TikTokClient, clientKey: string, clientSecret: string, callbackUrl: string): Promise<void> {
  await client.post('business/webhook/update/', {
    body: { app_id: clientKey, secret: clientSecret, event_type: 'DIRECT_MESSAGE', callback_url: callbackUrl },
  });
}

export async function getWebhook(client: TikTokClient, clientKey: string, clientSecret: string): Promise<WebhookRegistration> {
  // The secret travels in the query string: the client's --debug trace redacts it.
  const { data } = await client.get<{ callback_url?: string }>('business/webhook/list/', {
    query: { app_id: clientKey, secret: clientSecret, event_type: 'DIRECT_MESSAGE' },
  });
  return { callbackUrl: optionalString(data.callback_url) };
}

export async function deleteWebhook(client: TikTokClient, clientKey: string, clientSecret: string): Promise<void> {
  await client.post('business/webhook/delete/', { body: { app_id: clientKey, secret: clientSecret, event_type: 'DIRECT_MESSAGE' } });
}

export function optionalString(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** Timestamps are documented in ms; seconds are seen in the wild, so small values are scaled. */
export function toMilliseconds(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) return undefined;
  return number < 1e12 ? number * 1000 : number;
}
