// `tiktok-channel`: the messaging calls the CLI makes, for your own code. A thin camelCase face over the
// same modules the commands use (src/tiktok/client.ts, messaging.ts, events.ts): the same envelope
// handling, retries and pacing, and errors that keep TikTok's code, message and request_id. Importing
// it loads neither the CLI nor undici (the network transport loads on the first call).
import { CliError, toCliError, type ErrorKind } from '../errors.js';
import type { RawRequest, Transport } from '../http/raw.js';
import { checkImageBytes, checkText } from '../messaging/content.js';
import { findConversation } from '../messaging/lookup.js';
import { TikTokClient } from '../tiktok/client.js';
import { decodeRestMessage, type DecodedEvent } from '../tiktok/events.js';
import {
  canSendImage,
  getConversationContent,
  getMediaDownloadUrl,
  listConversations,
  sendMessage,
  uploadImage,
  type Conversation,
  type ConversationType,
  type OutgoingContent,
} from '../tiktok/messaging.js';

export type { Conversation, ConversationType } from '../tiktok/messaging.js';
export type { DecodedEvent } from '../tiktok/events.js';
export type { ErrorKind } from '../errors.js';

export interface CreateClientOptions {
  /** An access token, or a function giving the current one (call your own refresh there). */
  accessToken: string | (() => string | Promise<string>);
  /** The account's business_id (open_id). */
  businessId: string;
  /** Default https://business-api.tiktok.com/open_api/v1.3/; a sandbox's `apiBaseUrl` in tests. */
  apiBaseUrl?: string;
  /** Per request, default 30 000 ms. */
  timeoutMs?: number;
  /** Aborts requests in flight and retries in waiting. */
  signal?: AbortSignal;
}

export type SendInput = { conversationId: string; replyTo?: string } & (
  | { text: string }
  | { imageMediaId: string }
  | { sharePostId: string }
);

export interface SendResult {
  /** null when TikTok accepted the message without naming an id. */
  messageId: string | null;
  requestId: string | null;
}

export interface DownloadedMedia {
  /** TikTok's download URL (valid about 24 h; fetching it needs the `x-user` header). */
  url: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface TikTokChannelClient {
  readonly businessId: string;
  /** Both lists (SINGLE, then STRANGER) unless `type` names one; every page is read. */
  conversations(options?: { type?: ConversationType }): Promise<Conversation[]>;
  /** The conversation's recent messages (TikTok keeps 20), oldest first, decoded like webhooks. */
  messages(conversationId: string): Promise<DecodedEvent[]>;
  /** Exactly one of text, imageMediaId, sharePostId. Never retried once TikTok may have acted. */
  send(input: SendInput): Promise<SendResult>;
  /** A JPG or PNG up to 3 MB (checked by content); the media id lasts about 30 days. */
  uploadImage(bytes: Uint8Array, options?: { filename?: string }): Promise<{ mediaId: string }>;
  /** Whether an image may be sent in this conversation; null when TikTok does not say. */
  capabilities(input: { conversationId: string; conversationType?: ConversationType }): Promise<{ imageSend: boolean | null }>;
  /** The media of a received image or video message. */
  downloadMedia(input: { conversationId: string; messageId: string; mediaId: string; mediaType?: 'IMAGE' | 'VIDEO' }): Promise<DownloadedMedia>;
}

export interface TikTokErrorFields {
  kind: ErrorKind;
  code: number | null;
  tiktokMessage: string | null;
  requestId: string | null;
  cause?: unknown;
}

/**
 * Every failure of a client call. `code`, `tiktokMessage` and `requestId` are TikTok's when TikTok
 * answered (null otherwise: a network failure, a gateway page, a value refused before sending);
 * `kind` classifies it: auth, permission, region, window, quota, policy, validation, network,
 * rateLimit, cancelled, unexpected.
 */
export class TikTokError extends Error {
  readonly kind: ErrorKind;
  readonly code: number | null;
  readonly tiktokMessage: string | null;
  readonly requestId: string | null;

  constructor(message: string, fields: TikTokErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'TikTokError';
    this.kind = fields.kind;
    this.code = fields.code;
    this.tiktokMessage = fields.tiktokMessage;
    this.requestId = fields.requestId;
  }
}

function toTikTokError(error: unknown): TikTokError {
  if (error instanceof TikTokError) return error;
  const failure: CliError = toCliError(error);
  const code = failure.tiktokCode ?? null;
  // src/tiktok/errors.ts words TikTok's refusals "TikTok error <code>: <TikTok's message>".
  const prefix = code === null ? undefined : `TikTok error ${code}: `;
  const tiktokMessage = prefix && failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : null;
  return new TikTokError(failure.message, { kind: failure.kind, code, tiktokMessage, requestId: failure.requestId ?? null, cause: failure });
}

const networkTransport: Transport = async (request, options) => (await import('../http/network.js')).networkTransport(request, options);

function oneContent(input: SendInput): OutgoingContent {
  const given = (['text', 'imageMediaId', 'sharePostId'] as const).filter((key) => (input as Record<string, unknown>)[key] !== undefined);
  if (given.length !== 1) {
    throw new CliError('validation', `send needs exactly one of text, imageMediaId, sharePostId (got ${given.length ? given.join(', ') : 'none'}).`);
  }
  if ('text' in input && input.text !== undefined) {
    const invalid = checkText(input.text);
    if (invalid) throw invalid;
    return { kind: 'text', body: input.text, replyTo: input.replyTo };
  }
  if (input.replyTo !== undefined) throw new CliError('validation', 'replyTo goes with a text message.');
  if ('imageMediaId' in input && input.imageMediaId !== undefined) return { kind: 'image', mediaId: input.imageMediaId };
  return { kind: 'share_post', itemId: (input as { sharePostId: string }).sharePostId };
}

/** A client for one account. Nothing is sent until a method is called. */
export function createClient(options: CreateClientOptions): TikTokChannelClient {
  if (!options || !options.businessId) throw new TikTokError('createClient needs businessId.', { kind: 'usage', code: null, tiktokMessage: null, requestId: null });
  if (!options.accessToken) throw new TikTokError('createClient needs accessToken.', { kind: 'usage', code: null, tiktokMessage: null, requestId: null });
  const { businessId } = options;
  const client = new TikTokClient({ baseUrl: options.apiBaseUrl, transport: networkTransport, timeoutMs: options.timeoutMs, signal: options.signal });
  const token = async () => (typeof options.accessToken === 'function' ? options.accessToken() : options.accessToken);
  const run = async <T>(fn: (accessToken: string) => Promise<T>): Promise<T> => {
    try {
      return await fn(await token());
    } catch (error) {
      throw toTikTokError(error);
    }
  };

  return {
    businessId,
    conversations: (query = {}) =>
      run(async (accessToken) => {
        const types: ConversationType[] = query.type ? [query.type] : ['SINGLE', 'STRANGER'];
        const seen = new Set<string>();
        const lists = [];
        for (const type of types) lists.push(await listConversations(client, accessToken, businessId, type));
        // A conversation on both lists (it moved while we paged) is listed once, as its first type.
        return lists.flat().filter((conversation) => !seen.has(conversation.conversationId) && seen.add(conversation.conversationId));
      }),
    messages: (conversationId) =>
      run(async (accessToken) => {
        const content = await getConversationContent(client, accessToken, businessId, conversationId);
        return content.messages.map((message) => decodeRestMessage(message.raw, { businessId, conversationId }));
      }),
    send: (input) =>
      run(async (accessToken) => {
        const sent = await sendMessage(client, accessToken, businessId, input.conversationId, oneContent(input));
        return { messageId: sent.messageId ?? null, requestId: sent.requestId ?? null };
      }),
    uploadImage: (bytes, upload = {}) =>
      run(async (accessToken) => {
        const checked = checkImageBytes(bytes, upload.filename ?? 'image');
        if (checked instanceof CliError) throw checked;
        const mediaId = await uploadImage(client, accessToken, businessId, { filename: checked.filename, contentType: checked.contentType, bytes: checked.bytes });
        return { mediaId };
      }),
    capabilities: (input) =>
      run(async (accessToken) => {
        const type = input.conversationType ?? (await findConversation(client, accessToken, businessId, input.conversationId))?.type ?? 'SINGLE';
        const imageSend = await canSendImage(client, accessToken, businessId, input.conversationId, type);
        return { imageSend: imageSend ?? null };
      }),
    downloadMedia: (input) =>
      run(async (accessToken) => {
        const url = await getMediaDownloadUrl(client, accessToken, {
          businessId,
          conversationId: input.conversationId,
          messageId: input.messageId,
          mediaId: input.mediaId,
          mediaType: input.mediaType ?? 'IMAGE',
        });
        if (!url) throw new CliError('unexpected', 'TikTok answered the media download without a download_url.');
        const request: RawRequest = { method: 'GET', url, headers: { 'x-user': accessToken } };
        const response = await networkTransport(request, { signal: options.signal, timeoutMs: options.timeoutMs });
        if (response.status !== 200) throw new CliError('network', `The media download URL answered HTTP ${response.status}.`);
        return { url, contentType: response.headers['content-type'] ?? 'application/octet-stream', bytes: response.body };
      }),
  };
}
