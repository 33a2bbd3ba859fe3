// `conversations`: every SINGLE and STRANGER conversation (cursor followed to the end), each enriched
// from content/list, since the list itself carries no names (../shared/tiktok-api.md §4): the user,
// the last user message, when the 48-hour window closes and how many of the 10 messages are left, and
// the last message whoever wrote it (who, when, a one-line preview cut to the terminal's width).
//
// Output: a table on a TTY; otherwise (a pipe, a file, CI) and with `--json`, the JSON document
// {conversations: [...]}, so scripts get data whichever way they call it.
import type { Deps } from '../deps.js';
import { displayWidth, isoOrNull, renderTable, terminalSafe, truncateToWidth } from '../io/format.js';
import { shortAuthor } from '../messaging/describe.js';
import { mapLimit } from '../messaging/lookup.js';
import { evaluateConversation, formatAgo, formatRemaining, policyDetails, type ConversationPolicy } from '../messaging/policy.js';
import { MESSAGES_PER_WINDOW } from '../tiktok/limits.js';
import { describeEvent, type DecodedEvent } from '../tiktok/events.js';
import { getConversationContent, listConversations, type Conversation, type ConversationType } from '../tiktok/messaging.js';

export interface ConversationsOptions {
  type?: 'single' | 'stranger' | 'all';
}

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

export async function run(options: ConversationsOptions, deps: Deps): Promise<void> {
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

  if (rows.length === 0 && !io.json) {
    io.info(`No ${types.length === 1 ? `${types[0]} ` : ''}conversations in the last 90 days (TikTok lists only those).`);
  }
  if (io.json || !io.isStdoutTTY) {
    io.printJson({ conversations: rows.map(toJson) });
    return;
  }
  if (rows.length === 0) return;
  const now = deps.now();
  const table = renderPretty(rows, now, io.color, io.columns);
  io.out(table);
  if (!table.includes(LAST_MESSAGE_HEADER)) io.info(io.color.dim('Too narrow for the last-message preview: widen the terminal, or use --json.'));

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
  if (username && displayName) return terminalSafe(`@${username} (${displayName})`);
  return terminalSafe(username ? `@${username}` : (displayName ?? '?'));
}

/** "user 3m ago: Is the blue mug in stock?", "you (API) 1h ago: [card: Pick a size]". */
export function lastMessageText(message: DecodedEvent | undefined, now: number): string {
  if (!message) return '-';
  const when = message.timestamp !== null ? ` ${formatAgo(Math.max(0, now - message.timestamp))} ago` : '';
  return terminalSafe(`${shortAuthor(message)}${when}: ${describeEvent(message)}`.replace(/\s*[\r\n\t]+\s*/g, ' '));
}

function renderPretty(rows: ConversationRow[], now: number, color: Deps['io']['color'], columns?: number): string {
  const table = renderTable(
    ['CONVERSATION', 'USER', 'LAST USER MESSAGE', 'WINDOW', 'LEFT', 'TYPE', 'VIA', LAST_MESSAGE_HEADER],
    rows.map(({ conversation, policy, lastMessage }) => {
      const window = windowText(policy, now);
      return [
        conversation.conversationId,
        userText(policy),
        policy.lastUserMessageAt !== undefined ? `${formatAgo(now - policy.lastUserMessageAt)} ago` : '-',
        policy.window === 'open' ? color.green(window) : color.dim(window),
        policy.messagesLeft === 0 && policy.window === 'open' ? color.yellow(leftText(policy)) : leftText(policy),
        conversation.type === 'STRANGER' ? color.yellow('request') : 'single',
        terminalSafe(describeReferral(conversation.referral) ?? ''),
        // Placeholder: the full preview is put in below, cut to what the terminal has left.
        LAST_MESSAGE_MARK + lastMessageText(lastMessage, now),
      ];
    }),
    // The columns before the preview wrap at word boundaries to leave it at least 12 columns.
    { width: columns, lastColumnMin: 12 },
  );
  return fitLastColumn(table, columns);
}

const LAST_MESSAGE_HEADER = 'LAST MESSAGE';
const LAST_MESSAGE_MARK = '\u0000';

/**
 * The last column (the preview) is cut to the terminal's width so each row stays one line; the
 * columns before it are sized to their content by renderTable, wrapped at word boundaries when the
 * terminal is narrow. Without a known width nothing is cut.
 */
function fitLastColumn(table: string, columns: number | undefined): string {
  const lines = table.split('\n');
  const header = lines[0] ?? '';
  const start = displayWidth(header.slice(0, header.indexOf(LAST_MESSAGE_HEADER)));
  return lines
    .map((line, index) => {
      if (index === 0) return line;
      const mark = line.indexOf(LAST_MESSAGE_MARK);
      if (mark < 0) return line;
      const preview = line.slice(mark + 1);
      const room = columns ? Math.max(12, columns - start) : Number.POSITIVE_INFINITY;
      return line.slice(0, mark) + (Number.isFinite(room) ? truncateToWidth(preview, room) : preview);
    })
    .join('\n');
}
