// Business Messaging endpoints (../shared/tiktok-api.md §3, §4, §5 registration), typed and tolerant:
// fields marked medium/low confidence in the reference are optional here and never crash a caller.
import { CliError } from '../errors.js';
import type { Envelope, TikTokClient } from './client.js';

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
  const ask = (fields: readonly string[]) =>
    client.get<Record<string, unknown>>('business/get/', { accessToken, query: { business_id: businessId, fields } });
  let envelope: Envelope<Record<string, unknown>>;
  try {
    envelope = await ask(options.fields ?? PROFILE_FIELDS);
  } catch (error) {
    if (options.fields || (error as { tiktokCode?: number }).tiktokCode !== INVALID_PARAMETER) throw error;
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
    const page: Envelope<ConversationPage> = await client.get<ConversationPage>(
      'business/message/conversation/list/',
      { accessToken, query: { business_id: businessId, conversation_type: type, cursor, limit: options.pageSize ?? 100 } },
    );
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

export interface MessageUser {
  id?: string;
  role?: Role;
}

export interface Message {
  /** '' when TikTok sent none (the message is kept: it counts for the window and the quota). */
  messageId: string;
  /** ms */
  timestamp: number;
  /** Upper case on REST (TEXT, IMAGE, …). */
  messageType: string;
  fromUser: MessageUser;
  toUser: MessageUser;
  /** usernames */
  sender?: string;
  recipient?: string;
  text?: string;
  mediaId?: string;
  source?: string;
  raw: Record<string, unknown>;
}

export interface Participant {
  id?: string;
  role?: Role;
  displayName?: string;
  profileImage?: string;
  isFollower?: boolean;
}

export interface ConversationContent {
  /** Oldest first; TikTok returns only the 20 most recent, in an undocumented order. */
  messages: Message[];
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
  const messages = (data.messages ?? []).map(toMessage).filter((message): message is Message => message !== undefined);
  messages.sort((a, b) => a.timestamp - b.timestamp);
  const participants = (data.participants ?? []).map((item) => ({
    id: optionalString(item.id),
    role: normalizeRole(item.role),
    displayName: optionalString(item.display_name),
    profileImage: optionalString(item.profile_image),
    isFollower: typeof item.is_follower === 'boolean' ? item.is_follower : undefined,
  }));
  return { messages, participants };
}

function toMessage(item: Record<string, unknown>): Message | undefined {
  if (!item || typeof item !== 'object') return undefined;
  // A message without an id still happened: dropping it would miscount the window and the quota.
  const messageId = optionalString(item.message_id) ?? '';
  const fromUser = (item.from_user ?? {}) as Record<string, unknown>;
  const toUser = (item.to_user ?? {}) as Record<string, unknown>;
  const text = (item.text ?? {}) as Record<string, unknown>;
  const image = (item.image ?? item.video ?? {}) as Record<string, unknown>;
  const tag = (item.message_tag ?? {}) as Record<string, unknown>;
  return {
    messageId,
    timestamp: toMilliseconds(item.timestamp) ?? 0,
    messageType: String(item.message_type ?? item.type ?? 'OTHER').toUpperCase(),
    fromUser: { id: optionalString(fromUser.id), role: normalizeRole(fromUser.role) },
    toUser: { id: optionalString(toUser.id), role: normalizeRole(toUser.role) },
    sender: optionalString(item.sender),
    recipient: optionalString(item.recipient),
    text: optionalString(text.body),
    mediaId: optionalString(image.media_id),
    source: optionalString(tag.source),
    raw: item,
  };
}

/** REST says BUSINESS_ACCOUNT, webhooks say business_account: one spelling inside the CLI. */
export function normalizeRole(role: unknown): Role | undefined {
  return typeof role === 'string' && role ? role.toUpperCase() : undefined;
}

export type OutgoingContent =
  | { kind: 'text'; body: string; replyTo?: string }
  | { kind: 'image'; mediaId: string }
  | { kind: 'share_post'; itemId: string };

export function buildSendBody(businessId: string, conversationId: string, content: OutgoingContent): Record<string, unknown> {
  const base = { business_id: businessId, recipient_type: 'CONVERSATION', recipient: conversationId };
  switch (content.kind) {
    case 'text':
      return {
        ...base,
        message_type: 'TEXT',
        text: { body: content.body },
        ...(content.replyTo ? { referenced_message_info: { referenced_message_id: content.replyTo } } : {}),
      };
    case 'image':
      return { ...base, message_type: 'IMAGE', image: { media_id: content.mediaId } };
    case 'share_post':
      return { ...base, message_type: 'SHARE_POST', share_post: { item_id: content.itemId } };
  }
}

export async function sendMessage(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  conversationId: string,
  content: OutgoingContent,
): Promise<{ messageId?: string; requestId?: string }> {
  const { data, requestId } = await client.post<{ message?: { message_id?: string }; message_id?: string }>('business/message/send/', {
    accessToken,
    body: buildSendBody(businessId, conversationId, content),
    retry: 'refusals-only',
    unsure: {
      outcome: 'the message may or may not have been sent',
      hint: 'TikTok has no way to make a retried send safe, so it was not retried. Check `tiktok-channel conversations` before sending again.',
    },
  });
  // data.message.message_id per the reference; a flat message_id is accepted too (tolerance).
  const messageId = data.message?.message_id ?? data.message_id;
  // TikTok accepted the message (code 0) but named no id: report that as unknown, not as "".
  return { messageId: messageId === undefined || messageId === null || messageId === '' ? undefined : String(messageId), requestId };
}

export async function uploadImage(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  file: { filename: string; contentType: string; bytes: Uint8Array },
): Promise<string> {
  const { data, requestId } = await client.postMultipart<{ media_id?: string }>(
    'business/message/media/upload/',
    { business_id: businessId, media_type: 'IMAGE' },
    file,
    { accessToken },
  );
  const mediaId = optionalString(data.media_id);
  if (!mediaId) {
    throw new CliError('unexpected', 'TikTok accepted the upload but answered without a media_id, so the image cannot be sent; nothing was sent.', {
      hint: 'Try again; if it keeps happening, report the request_id to TikTok.',
      requestId,
    });
  }
  return mediaId;
}

/** undefined = TikTok did not say (a missing entry means unknown, not no). */
export async function canSendImage(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  conversationId: string,
  conversationType: ConversationType,
): Promise<boolean | undefined> {
  const { data } = await client.get<{ capability_infos?: Array<{ capability_type?: string; capability_result?: boolean }> }>(
    'business/message/capabilities/get/',
    {
      accessToken,
      query: { business_id: businessId, capability_types: ['IMAGE_SEND'], conversation_id: conversationId, conversation_type: conversationType },
    },
  );
  const entry = (data.capability_infos ?? []).find((info) => info.capability_type === 'IMAGE_SEND');
  return typeof entry?.capability_result === 'boolean' ? entry.capability_result : undefined;
}

export async function getMediaDownloadUrl(
  client: TikTokClient,
  accessToken: string,
  request: { businessId: string; conversationId: string; messageId: string; mediaId: string; mediaType: 'IMAGE' | 'VIDEO' },
): Promise<string> {
  const { data } = await client.post<{ download_url?: string }>('business/message/media/download/', {
    accessToken,
    body: {
      business_id: request.businessId,
      conversation_id: request.conversationId,
      message_id: request.messageId,
      media_id: request.mediaId,
      media_type: request.mediaType,
    },
  });
  return String(data.download_url ?? '');
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

function optionalString(value: unknown): string | undefined {
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
