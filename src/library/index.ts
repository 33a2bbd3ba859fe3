// `tiktok-channel`: the messaging calls the CLI makes, for your own code. A thin camelCase face over the
// same modules the commands use (src/tiktok/client.ts, messaging.ts, events.ts): the same envelope
// handling, retries and pacing, and TikTok's failures as the wire layer's own TikTokApiError. Importing
// it loads neither the CLI nor undici (the network transport loads on the first call).
import { CliError, toCliError, type ErrorKind } from '../errors.js';
import type { Transport } from '../http/raw.js';
import { buildCard } from '../conversation/card.js';
import { checkImageBytes, checkText } from '../conversation/content.js';
import { findConversation } from '../conversation/lookup.js';
import { TikTokClient } from '../tiktok/client.js';
import { TikTokApiError } from '../tiktok/errors.js';
import type { DecodedEvent } from '../tiktok/events.js';
import { canSendImage, downloadMedia as downloadMessageMedia, uploadImage } from '../tiktok/media.js';
import {
  getConversationContent,
  listConversations,
  sendCommentReply,
  sendMessage,
  type Conversation,
  type ConversationType,
  type OutgoingContent,
  type SenderAction,
} from '../tiktok/messaging-api.js';

export type { Conversation, ConversationType, SenderAction } from '../tiktok/messaging-api.js';
export type { DecodedEvent } from '../tiktok/events.js';
export type { ErrorKind } from '../errors.js';
export { TikTokApiError } from '../tiktok/errors.js';
export type { TikTokErrorKind, TikTokErrorReason } from '../tiktok/errors.js';

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
  /**
   * Requests per second per account (default 10, TikTok's limit), paced evenly and shared by every
   * client of the same account in the process, as the CLI's TIKTOK_CHANNEL_MAX_RPS.
   */
  maxRps?: number;
  /**
   * Your own rate limiter, for deployments on many machines: `acquire(signal)` is awaited before every
   * request (retries included) instead of the built-in pacing, and should resolve when the app's shared
   * budget allows one more request (reject when `signal` aborts).
   */
  limiter?: { acquire(signal: AbortSignal | undefined): Promise<void> };
}

/** A Q&A card: 1 to 3 buttons; the id of the tapped one comes back as the event's `tapped_button_id`. */
export interface Card {
  title: string;
  buttons: Array<{ id: string; label: string }>;
  /** A link card (labels up to 40 characters instead of 20). */
  link?: boolean;
}

export type SendInput =
  | ({ conversationId: string } & (
      | { text: string; replyTo?: string }
      | { imageMediaId: string; replyTo?: string }
      | { sharePostId: string }
      | { card: Card }
      | { action: SenderAction }
    ))
  /** A private reply to a high-intent comment (opens the conversation with the commenter). */
  | { commentId: string; text: string };

export interface SendResult {
  /** null when TikTok accepted the message without naming an id (and always for an action). */
  messageId: string | null;
  /** Only when TikTok names it (a comment reply may). */
  conversationId: string | null;
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
  /** Exactly one of text, imageMediaId, sharePostId, card, action. Never retried once TikTok may have acted. */
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
 * A failure of the library's own, before or instead of TikTok's answer: an option or value refused
 * before anything is sent (`kind` usage or validation), or a call cancelled by its `signal` (cancelled).
 * TikTok's failures, and failures to reach it, are `TikTokApiError`s instead, with TikTok's own code,
 * message and request_id. `code`, `tiktokMessage` and `requestId` are null here.
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

function toLibraryError(error: unknown): TikTokError | TikTokApiError {
  if (error instanceof TikTokError || error instanceof TikTokApiError) return error;
  const failure: CliError = toCliError(error);
  return new TikTokError(failure.message, { kind: failure.kind, code: null, tiktokMessage: null, requestId: null, cause: error });
}

const networkTransport: Transport = async (request, options) => (await import('../http/network.js')).networkTransport(request, options);

const CONTENT_KEYS = ['text', 'imageMediaId', 'sharePostId', 'card', 'action'] as const;

function oneContent(input: Record<string, unknown>): OutgoingContent {
  const given = CONTENT_KEYS.filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    throw new CliError('validation', `send needs exactly one of ${CONTENT_KEYS.join(', ')} (got ${given.length ? given.join(', ') : 'none'}).`);
  }
  const replyTo = input.replyTo as string | undefined;
  if (replyTo !== undefined && given[0] !== 'text' && given[0] !== 'imageMediaId') throw new CliError('validation', 'replyTo goes with a text or an image.');
  switch (given[0]) {
    case 'text': {
      const invalid = checkText(input.text as string);
      if (invalid) throw invalid;
      return { kind: 'text', body: input.text as string, replyTo };
    }
    case 'imageMediaId':
      return { kind: 'image', mediaId: input.imageMediaId as string, replyTo };
    case 'sharePostId':
      return { kind: 'share_post', itemId: input.sharePostId as string };
    case 'card': {
      const card = input.card as Card;
      // The CLI's checks of every limit, on the CLI's "ID:LABEL" form (split at the first colon).
      const colon = card.buttons.find((button) => button.id.includes(':'));
      if (colon) throw new CliError('validation', `Button id "${colon.id}" contains ":"; use ids without colons.`);
      return {
        kind: 'card',
        card: buildCard(
          card.title,
          card.buttons.map((button) => `${button.id}:${button.label}`),
          card.link === true,
        ),
      };
    }
    default: {
      const action = input.action;
      if (action !== 'TYPING' && action !== 'MARK_READ')
        throw new CliError('validation', `action must be TYPING or MARK_READ (got ${JSON.stringify(action)}).`);
      return { kind: 'action', action };
    }
  }
}

/** A client for one account. Nothing is sent until a method is called. */
function usage(message: string): never {
  throw new TikTokError(message, { kind: 'usage', code: null, tiktokMessage: null, requestId: null });
}

/** The named string fields of a method's argument, checked (the method rejects with kind "usage"). */
function needStrings(method: string, input: unknown, names: string[]): void {
  if (typeof input !== 'object' || input === null) usage(`${method} needs {${names.join(', ')}}.`);
  for (const name of names) {
    const value = (input as Record<string, unknown>)[name];
    if (typeof value !== 'string' || value === '') usage(`${method} needs ${name}, a non-empty string (got ${shown(value)}).`);
  }
}

const shown = (value: unknown) => (typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value)));

/** Every option checked here, as a TikTokError of kind "usage", before it can fail deeper as a RangeError. */
function checkClientOptions(options: unknown): asserts options is CreateClientOptions {
  if (typeof options !== 'object' || options === null) usage('createClient(options) needs {accessToken, businessId}.');
  const { businessId, accessToken, apiBaseUrl, timeoutMs, signal, maxRps } = options as Record<string, unknown>;
  if (typeof businessId !== 'string' || businessId.trim() === '') usage("createClient needs businessId: the account's business_id, a non-empty string.");
  if (!((typeof accessToken === 'string' && accessToken !== '') || typeof accessToken === 'function')) {
    usage('createClient needs accessToken: a non-empty string, or a function returning the current one.');
  }
  if (apiBaseUrl !== undefined && !(typeof apiBaseUrl === 'string' && URL.canParse(apiBaseUrl)))
    usage(`createClient: apiBaseUrl must be an absolute URL, got ${shown(apiBaseUrl)}.`);
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    usage(`createClient: timeoutMs must be a positive number of milliseconds, got ${shown(timeoutMs)}.`);
  }
  if (maxRps !== undefined && !(typeof maxRps === 'number' && Number.isFinite(maxRps) && maxRps > 0)) {
    usage(`createClient: maxRps must be a positive number of requests per second, got ${shown(maxRps)}.`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) usage('createClient: signal must be an AbortSignal.');
}

export function createClient(options: CreateClientOptions): TikTokChannelClient {
  checkClientOptions(options);
  const { businessId } = options;
  const client = new TikTokClient({
    baseUrl: options.apiBaseUrl,
    transport: networkTransport,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    maxRps: options.maxRps,
    limiter: options.limiter,
  });
  const token = async () => (typeof options.accessToken === 'function' ? options.accessToken() : options.accessToken);
  const run = async <T>(fn: (accessToken: string) => Promise<T>): Promise<T> => {
    try {
      return await fn(await token());
    } catch (error) {
      throw toLibraryError(error);
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
        needStrings('messages(conversationId)', { conversationId }, ['conversationId']);
        return (await getConversationContent(client, accessToken, businessId, conversationId)).messages;
      }),
    send: (input) =>
      run(async (accessToken) => {
        if (typeof input !== 'object' || input === null)
          usage('send(input) needs {conversationId, text | imageMediaId | sharePostId | card | action} or {commentId, text}.');
        let sent;
        if ('commentId' in input && input.commentId !== undefined) {
          needStrings('send({commentId, text})', input, ['commentId', 'text']);
          const invalid = checkText(input.text);
          if (invalid) throw invalid;
          sent = await sendCommentReply(client, accessToken, businessId, input.commentId, input.text);
        } else {
          needStrings('send(input)', input, ['conversationId']);
          const { conversationId } = input as { conversationId: string };
          sent = await sendMessage(client, accessToken, businessId, conversationId, oneContent(input as Record<string, unknown>));
        }
        return { messageId: sent.messageId ?? null, conversationId: sent.conversationId ?? null, requestId: sent.requestId ?? null };
      }),
    uploadImage: (bytes, upload = {}) =>
      run(async (accessToken) => {
        if (!(bytes instanceof Uint8Array)) usage('uploadImage(bytes) needs the image as a Uint8Array or Buffer.');
        const checked = checkImageBytes(bytes, upload.filename ?? 'image');
        if (checked instanceof CliError) throw checked;
        const mediaId = await uploadImage(client, accessToken, businessId, {
          filename: checked.filename,
          contentType: checked.contentType,
          bytes: checked.bytes,
        });
        return { mediaId };
      }),
    capabilities: (input) =>
      run(async (accessToken) => {
        needStrings('capabilities(input)', input, ['conversationId']);
        const type = input.conversationType ?? (await findConversation(client, accessToken, businessId, input.conversationId))?.type ?? 'SINGLE';
        const imageSend = await canSendImage(client, accessToken, businessId, input.conversationId, type);
        return { imageSend: imageSend ?? null };
      }),
    downloadMedia: (input) =>
      run(async (accessToken) => {
        needStrings('downloadMedia(input)', input, ['conversationId', 'messageId', 'mediaId']);
        // The CLI's own download: media/download, then the signed URL through the client (x-user, retry, errors).
        const media = await downloadMessageMedia(client, accessToken, {
          businessId,
          conversationId: input.conversationId,
          messageId: input.messageId,
          mediaId: input.mediaId,
          mediaType: input.mediaType ?? 'IMAGE',
        });
        return { url: media.url, contentType: media.contentType ?? 'application/octet-stream', bytes: media.bytes };
      }),
  };
}
