// The TikTok calls doctor makes, each made once and shared by every check that reads it. They all start
// at once: round 1 (webhook/list, token info, business/get, both conversation lists) needs nothing, and
// round 2 (content/list and capabilities of the most recent conversations) starts as soon as the lists
// answer, so a run costs two round trips however many checks read the answers.
import { toCliError, type CliError } from '../errors.js';
import type { Transport } from '../http/raw.js';
import { redactUrl } from '../http/redact.js';
import type { TikTokClient } from '../tiktok/client.js';
import { getTokenInfo, type TokenInfo } from '../tiktok/oauth.js';
import { canSendImage } from '../tiktok/media.js';
import {
  getBusinessProfile,
  getCommentToMessage,
  getConversationContent,
  getWebhook,
  listConversations,
  type BusinessProfile,
  type Conversation,
  type ConversationContent,
  type ConversationType,
  type WebhookRegistration,
} from '../tiktok/messaging-api.js';
import type { ResolvedAccount } from '../store/accounts.js';

/** Conversations whose messages doctor reads (the reply windows), most recent first. */
export const RECENT_CONVERSATIONS = 5;
/** Conversations whose image capability doctor asks about (the answer is per conversation). */
export const MEDIA_CONVERSATIONS = 3;
/** One page of each list is enough to find the most recent conversations. */
const LIST_PAGE_SIZE = 20;

export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: CliError; ms: number };

/** One HTTP exchange as the transport saw it (the URL redacted): for the clock check's Date header. */
export interface Exchange {
  url: string;
  startedAt: number;
  endedAt: number;
  status: number;
  date?: string;
}

/** Records every answer and ties every request to doctor's own stop signal (nothing outlives the run). */
export function observeTransport(exchanges: Exchange[], stop: AbortSignal): (transport: Transport) => Transport {
  return (inner) =>
    async (request, options = {}) => {
      const signal = options.signal ? AbortSignal.any([options.signal, stop]) : stop;
      const startedAt = Date.now();
      const response = await inner(request, { ...options, signal });
      exchanges.push({ url: redactUrl(request.url), startedAt, endedAt: Date.now(), status: response.status, date: response.headers.date });
      return response;
    };
}

export interface Probes {
  readonly exchanges: Exchange[];
  /** App-level webhook/list: proves the key and secret (it refuses a wrong secret); always made. */
  webhook(): Promise<Outcome<WebhookRegistration>>;
  /** Token info (needs the client key and a token). */
  tokenInfo(): Promise<Outcome<TokenInfo>> | undefined;
  profile(): Promise<Outcome<BusinessProfile>> | undefined;
  /** The Comment-to-Message switch (medium-low confidence: an unknown answer is undefined). */
  commentToMessage?(): Promise<Outcome<boolean | undefined>> | undefined;
  conversations(type: ConversationType): Promise<Outcome<Conversation[]>> | undefined;
  /** Both lists' conversations, most recent first (what round 2 reads). */
  recent(): Promise<Conversation[]>;
  content(conversationId: string): Promise<Outcome<ConversationContent>> | undefined;
  imageSend(conversationId: string): Promise<Outcome<boolean | undefined>> | undefined;
  /** Every messaging call's outcome (lists, contents, capabilities), once all have settled. */
  messagingCalls(): Promise<Array<Outcome<unknown>>>;
  /** The first call TikTok answered (with data or its own error envelope), else every failure. */
  reach(): Promise<{ answered?: Outcome<unknown>; failures: CliError[] }>;
  /** Every first-round call's outcome, once all have settled. */
  roundOne(): Promise<Array<Outcome<unknown>>>;
}

async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ok: true, value, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: toCliError(error), ms: Math.round(performance.now() - started) };
  }
}

/** TikTok itself answered: data, or its JSON envelope with an error code (a gateway's HTML does not count). */
export function answered(outcome: Outcome<unknown>): boolean {
  return outcome.ok || outcome.error.tiktokCode !== undefined;
}

export function createProbes(options: {
  client: TikTokClient;
  account?: ResolvedAccount;
  app: { clientKey?: string; clientSecret?: string };
  exchanges: Exchange[];
}): Probes {
  const { client, account, app, exchanges } = options;
  const token = account?.accessToken;
  const businessId = account?.businessId;

  // Round 1, all at once.
  const webhook = attempt(() => getWebhook(client, app.clientKey ?? '', app.clientSecret ?? ''));
  const tokenInfo = token && app.clientKey ? attempt(() => getTokenInfo(client, app.clientKey!, token)) : undefined;
  const profile = token && businessId ? attempt(() => getBusinessProfile(client, token, businessId)) : undefined;
  const commentToMessage = token && businessId ? attempt(() => getCommentToMessage(client, token, businessId)) : undefined;
  const lists = new Map<ConversationType, Promise<Outcome<Conversation[]>>>();
  if (token && businessId) {
    for (const type of ['SINGLE', 'STRANGER'] as const) {
      lists.set(
        type,
        attempt(() => listConversations(client, token, businessId, type, { pageSize: LIST_PAGE_SIZE, maxPages: 1 })),
      );
    }
  }

  // Round 2, as soon as the lists answer.
  const recent = Promise.all(lists.values()).then((outcomes) => {
    const seen = new Set<string>();
    return outcomes
      .flatMap((outcome) => (outcome.ok ? outcome.value : []))
      .filter((conversation) => !seen.has(conversation.conversationId) && seen.add(conversation.conversationId))
      .sort((a, b) => (b.updateTime ?? 0) - (a.updateTime ?? 0));
  });
  const contents = new Map<string, Promise<Outcome<ConversationContent>>>();
  const images = new Map<string, Promise<Outcome<boolean | undefined>>>();
  const round2 = recent.then((conversations) => {
    if (!token || !businessId) return [];
    conversations.slice(0, RECENT_CONVERSATIONS).forEach((conversation) => {
      contents.set(
        conversation.conversationId,
        attempt(() => getConversationContent(client, token, businessId, conversation.conversationId)),
      );
    });
    conversations.slice(0, MEDIA_CONVERSATIONS).forEach((conversation) => {
      images.set(
        conversation.conversationId,
        attempt(() => canSendImage(client, token, businessId, conversation.conversationId, conversation.type)),
      );
    });
    return [...contents.values(), ...images.values()] as Array<Promise<Outcome<unknown>>>;
  });

  const roundOne: Array<Promise<Outcome<unknown>>> = [webhook, ...(tokenInfo ? [tokenInfo] : []), ...(profile ? [profile] : []), ...lists.values()];
  const reach = new Promise<{ answered?: Outcome<unknown>; failures: CliError[] }>((resolve) => {
    let pending = roundOne.length;
    const failures: CliError[] = [];
    for (const probe of roundOne) {
      void probe.then((outcome) => {
        if (answered(outcome)) resolve({ answered: outcome, failures });
        else if (!outcome.ok) failures.push(outcome.error);
        if (--pending === 0) resolve({ failures });
      });
    }
  });

  return {
    exchanges,
    webhook: () => webhook,
    tokenInfo: () => tokenInfo,
    profile: () => profile,
    commentToMessage: () => commentToMessage,
    conversations: (type) => lists.get(type),
    recent: () => recent,
    content: (conversationId) => contents.get(conversationId),
    imageSend: (conversationId) => images.get(conversationId),
    messagingCalls: async () => Promise.all([...lists.values(), ...(await round2)]),
    reach: () => reach,
    roundOne: () => Promise.all(roundOne),
  };
}
