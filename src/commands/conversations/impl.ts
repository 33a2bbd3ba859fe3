// `conversations`: every SINGLE and STRANGER conversation (cursor followed to the end), each enriched
// from content/list, since the list itself carries no names (../shared/tiktok-api.md §4): the user,
// the last user message, when the 48-hour window closes and how many of the 10 messages are left, and
// the last message whoever wrote it (who, when, a one-line preview cut to the terminal's width).
//
// Output: a table on a TTY; otherwise (a pipe, a file, CI) and with `--json`, the JSON document
// {conversations: [...]}, so scripts get data whichever way they call it.
import type { Deps } from '../../deps.js';
import type { ConversationsOptions } from '../conversations.js';
import { displaySafe, isoOrNull, renderTable } from '../../io/format.js';
import type { IO } from '../../io/io.js';
import { output, type Output } from '../../io/output.js';
import { shortAuthor } from '../../conversation/describe.js';
import { mapLimit } from '../../conversation/lookup.js';
import { evaluateConversation, formatAgo, formatRemaining, policyDetails, type ConversationPolicy } from '../../conversation/policy.js';
import { MESSAGES_PER_WINDOW } from '../../tiktok/limits.js';
import type { DecodedEvent } from '../../tiktok/events.js';
import { describeEvent } from '../../tiktok/event-describe.js';
import { getConversationContent, listConversations, type Conversation, type ConversationType } from '../../tiktok/messaging-api.js';

export type { ConversationsOptions };

/**
 * content/list calls in flight at once. The client paces them (TIKTOK_CHANNEL_MAX_RPS, TikTok's ~10 per
 * second, §1); enough in flight keeps that pace even when each answer takes half a second.
 */
export const CONTENT_CONCURRENCY = 8;

export interface ConversationRow {
  conversation: Conversation;
  policy: ConversationPolicy;
  lastActivityAt?: number;
  /** The newest message, whoever wrote it (decoded by events.ts). */
  lastMessage?: DecodedEvent;
}

export function typesFor(option: ConversationsOptions['type']): ConversationType[] {
  if (option === 'single') return ['SINGLE'];
  if (option === 'stranger') return ['STRANGER'];
  return ['SINGLE', 'STRANGER'];
}

/** "link spring-qr", "ad Spring 2-for-1": where the contact came from, when TikTok says. */
export function describeReferral(referral: Record<string, unknown> | undefined): string | undefined {
  if (!referral) return undefined;
  const shortLinks = Array.isArray(referral.short_link) ? (referral.short_link as Array<Record<string, unknown>>) : [];
  const ads = Array.isArray(referral.ad) ? (referral.ad as Array<Record<string, unknown>>) : [];
  const link = shortLinks.find((entry) => typeof entry.ref === 'string' && entry.ref);
  if (link) return `link ${String(link.ref)}`;
  if (shortLinks.length) return 'link';
  const ad = ads[0];
  if (ad) return typeof ad.ad_name === 'string' && ad.ad_name ? `ad ${ad.ad_name}` : 'ad';
  return undefined;
}

export function toJson(row: ConversationRow) {
  const { conversation, policy } = row;
  return {
    conversation_id: conversation.conversationId,
    type: conversation.type,
    user: { username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
    ...policyDetails(policy),
    window: policy.window,
    last_activity_at: isoOrNull(row.lastActivityAt),
    stranger: conversation.type === 'STRANGER',
    ...(conversation.referral ? { referral: conversation.referral } : {}),
    last_message: row.lastMessage ?? null,
  };
}

export async function conversations(options: ConversationsOptions, deps: Deps): Promise<Output<{ conversations: ReturnType<typeof toJson>[] }>> {
  const { io } = deps;
  const account = deps.resolveAccount();
  const businessId = account.businessId;
  const session = await deps.session(account);
  const client = session.client;
  const types = typesFor(options.type);

  const rows = await io.progress('Fetching conversations…', async () => {
    const lists = await Promise.all(types.map((type) => session.call((token) => listConversations(client, token, businessId, type))));
    // A conversation on both lists (it moved while we paged) is shown once, as its first type.
    const seen = new Set<string>();
    const conversations = lists.flat().filter((conversation) => !seen.has(conversation.conversationId) && seen.add(conversation.conversationId));
    // The client paces every request per account and backs off on 40100; the pool only bounds what waits.
    return mapLimit(conversations, CONTENT_CONCURRENCY, async (conversation): Promise<ConversationRow> => {
      const content = await session.call((token) => getConversationContent(client, token, businessId, conversation.conversationId));
      const policy = evaluateConversation(content, businessId, deps.now());
      const times = [conversation.updateTime, policy.lastMessageAt].filter((value): value is number => value !== undefined);
      return { conversation, policy, lastActivityAt: times.length ? Math.max(...times) : undefined, lastMessage: content.messages.at(-1) };
    });
  });
  rows.sort((a, b) => (b.lastActivityAt ?? 0) - (a.lastActivityAt ?? 0));

  const now = deps.now();
  return output({ conversations: rows.map(toJson) }, (data, io) => {
    if (rows.length === 0) {
      io.info(`No ${types.length === 1 ? `${types[0]} ` : ''}conversations in the last 90 days (TikTok lists only those).`);
    }
    // Not a terminal (a pipe, a file, CI): the JSON document, so scripts get data whichever way they call it.
    if (!io.isStdoutTTY) return io.printJson(data);
    if (rows.length === 0) return;
    io.out(renderPretty(rows, now, io.color, io.columns));
    printStrangerNote(rows, io);
  });
}

function printStrangerNote(rows: ConversationRow[], io: IO): void {
  const strangers = rows.filter((row) => row.conversation.type === 'STRANGER').length;
  if (strangers && io.isStderrTTY) {
    // The meaning of STRANGER is disputed (§4): a heuristic pointer, not a diagnosis.
    io.info(
      io.color.dim(
        `${strangers} message request${strangers === 1 ? '' : 's'} (STRANGER). If DMs should be open to everyone, \`tiktok-channel doctor\` checks the DM setting (a heuristic).`,
      ),
    );
  }
}

function windowText(policy: ConversationPolicy, now: number): string {
  switch (policy.window) {
    case 'open':
      return `closes in ${formatRemaining(policy.windowClosesAt! - now)}`;
    case 'closed':
      return 'closed';
    case 'not-opened':
      return 'not opened';
    case 'unknown':
      return 'unknown';
  }
}

function leftText(policy: ConversationPolicy): string {
  if (policy.window !== 'open' && policy.window !== 'unknown') return '-';
  return `${policy.messagesLeft}/${MESSAGES_PER_WINDOW}${policy.historyIncomplete ? '?' : ''}`;
}

// Names and texts come from TikTok users: their control characters must not reach the terminal.
function userText(policy: ConversationPolicy): string {
  const { username, displayName } = policy.user;
  if (username && displayName) return displaySafe(`@${username} (${displayName})`);
  return displaySafe(username ? `@${username}` : (displayName ?? '?'));
}

/** "user 3m ago: Is the blue mug in stock?", "you (API) 1h ago: [card: Pick a size]". */
export function lastMessageText(message: DecodedEvent | undefined, now: number): string {
  if (!message) return '-';
  const when = message.timestamp !== null ? ` ${formatAgo(Math.max(0, now - message.timestamp))} ago` : '';
  return displaySafe(`${shortAuthor(message)}${when}: ${describeEvent(message)}`.replace(/\s*[\r\n\t]+\s*/g, ' '));
}

// The columns of the table; the preview is kept at least this wide while the others shrink.
const CONVERSATION_COLUMN = 0;
const PREVIEW_COLUMN = 7;
const PREVIEW_MIN = 24;

/**
 * One line per conversation at any width (gh's tables): the widest cells are cut with "…", the
 * conversation id in its middle (`--json` has it whole), never wrapped, and the preview keeps at least
 * PREVIEW_MIN columns. Without a known width nothing is cut.
 */
function renderPretty(rows: ConversationRow[], now: number, color: Deps['io']['color'], columns?: number): string {
  return renderTable(
    ['CONVERSATION', 'USER', 'LAST USER MESSAGE', 'WINDOW', 'LEFT', 'TYPE', 'VIA', 'LAST MESSAGE'],
    rows.map(({ conversation, policy, lastMessage }) => {
      const window = windowText(policy, now);
      return [
        displaySafe(conversation.conversationId),
        userText(policy),
        policy.lastUserMessageAt !== undefined ? `${formatAgo(now - policy.lastUserMessageAt)} ago` : '-',
        policy.window === 'open' ? color.green(window) : color.dim(window),
        policy.messagesLeft === 0 && policy.window === 'open' ? color.yellow(leftText(policy)) : leftText(policy),
        conversation.type === 'STRANGER' ? color.yellow('request') : 'single',
        displaySafe(describeReferral(conversation.referral) ?? ''),
        lastMessageText(lastMessage, now),
      ];
    }),
    { width: columns, truncate: { middle: [CONVERSATION_COLUMN], minimums: { [PREVIEW_COLUMN]: PREVIEW_MIN, [CONVERSATION_COLUMN]: 11 } } },
  );
}
