// TikTok's reply rules (../shared/tiktok-api.md §7), applied to what content/list shows: the 48-hour
// window from the user's last message and the 10 business messages per window, reset when the user
// writes again. `conversations` and `send` both read this module, so the rule lives in one place.
//
// What we can know: content/list returns only the 20 most recent messages (§4). When the user's last
// message is among them, every business message after it is too, so the count is exact. When it is
// not (20 business messages in a row), the count is a lower bound of what was sent since, which is
// already at least 20 > 10: we say "used" and flag the history as incomplete rather than guess.
import { CliError } from '../errors.js';
import { formatTime, isoOrNull } from '../io/format.js';
import { CONTENT_LIST_MAX_MESSAGES, MESSAGES_PER_WINDOW, REPLY_WINDOW_MS } from '../tiktok/limits.js';
import type { DecodedEvent } from '../tiktok/events.js';
import type { ConversationContent } from '../tiktok/messaging-api.js';

export type Direction = 'business' | 'user' | 'unknown';

/**
 * Who wrote a message, as the decoder decided it (events.ts: the business id first, then the roles,
 * since the reference rates from_user/to_user medium on content/list).
 */
export function messageDirection(message: Pick<DecodedEvent, 'direction'>): Direction {
  if (message.direction === 'outbound') return 'business';
  if (message.direction === 'inbound') return 'user';
  return 'unknown';
}

/**
 * - open: the user wrote less than 48 h ago.
 * - closed: 48 h or more have passed since the user's last message.
 * - not-opened: the visible history is complete and the user never wrote (a business cannot start).
 * - unknown: the user's last message is out of sight and may still be within 48 h.
 */
export type WindowStatus = 'open' | 'closed' | 'not-opened' | 'unknown';

export interface ConversationUser {
  id?: string;
  /** Without the @; from the messages' sender/recipient (participants carry no username). */
  username?: string;
  displayName?: string;
}

export interface ConversationPolicy {
  /** epoch ms */
  lastUserMessageAt?: number;
  windowClosesAt?: number;
  window: WindowStatus;
  /** Business messages after the user's last message, among the visible ones. */
  businessMessagesSinceUser: number;
  /** What may still be sent now (0 to 10); 0 whenever the window is not open. */
  messagesLeft: number;
  /** The visible 20 do not reach back to the user's last message: counts are lower bounds. */
  historyIncomplete: boolean;
  /** The newest message, whoever wrote it. */
  lastMessageAt?: number;
  /** The oldest visible message (set when the history is incomplete). */
  oldestVisibleAt?: number;
  user: ConversationUser;
}

export function evaluateConversation(content: ConversationContent, businessId: string, now: number): ConversationPolicy {
  // Order is undocumented: sort by timestamp (stable, so equal times keep TikTok's order).
  const messages = [...content.messages].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  const directions = messages.map((message) => messageDirection(message));
  const lastUserIndex = directions.lastIndexOf('user');
  const user = conversationUser(content, messages, directions, businessId);
  const lastMessageAt = messages.length ? (messages[messages.length - 1]!.timestamp ?? undefined) : undefined;

  if (lastUserIndex >= 0) {
    const lastUserMessageAt = messages[lastUserIndex]!.timestamp ?? 0;
    const windowClosesAt = lastUserMessageAt + REPLY_WINDOW_MS;
    const businessMessagesSinceUser = directions.slice(lastUserIndex + 1).filter((direction) => direction === 'business').length;
    const open = now < windowClosesAt;
    return {
      lastUserMessageAt,
      windowClosesAt,
      window: open ? 'open' : 'closed',
      businessMessagesSinceUser,
      messagesLeft: open ? Math.max(0, MESSAGES_PER_WINDOW - businessMessagesSinceUser) : 0,
      historyIncomplete: false,
      lastMessageAt,
      user,
    };
  }

  const businessMessagesSinceUser = directions.filter((direction) => direction === 'business').length;
  if (messages.length >= CONTENT_LIST_MAX_MESSAGES) {
    // The user's last message is older than the oldest visible one, so the window closed no later than
    // 48 h after that one.
    const oldestVisibleAt = messages[0]!.timestamp ?? 0;
    const closedBy = oldestVisibleAt + REPLY_WINDOW_MS;
    return {
      window: now >= closedBy ? 'closed' : 'unknown',
      businessMessagesSinceUser,
      messagesLeft: 0,
      historyIncomplete: true,
      lastMessageAt,
      oldestVisibleAt,
      user,
    };
  }
  return { window: 'not-opened', businessMessagesSinceUser, messagesLeft: 0, historyIncomplete: false, lastMessageAt, user };
}

function conversationUser(content: ConversationContent, messages: DecodedEvent[], directions: Direction[], businessId: string): ConversationUser {
  const participant =
    content.participants.find((candidate) => candidate.role === 'PERSONAL_ACCOUNT') ??
    content.participants.find((candidate) => candidate.id !== undefined && candidate.id !== businessId && candidate.role !== 'BUSINESS_ACCOUNT');
  let username: string | undefined;
  let id = participant?.id;
  for (let index = messages.length - 1; index >= 0 && !username; index--) {
    // The decoder names the customer's side of each message (sender when inbound, recipient when outbound).
    if (directions[index] === 'unknown') continue;
    const user = messages[index]!.user;
    username = user?.username ?? undefined;
    id ??= user?.id ?? undefined;
  }
  return { id, username: username?.replace(/^@/, ''), displayName: participant?.displayName };
}

/** "@maya.lopez", else the display name, else "the user". */
export function describeUser(user: ConversationUser): string {
  if (user.username) return `@${user.username}`;
  if (user.displayName) return user.displayName;
  return 'the user';
}

/** "31h", "3h 20m", "45m", "30s": how long until a moment, for one-line summaries. */
export function formatRemaining(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours >= 10) return `${hours}h`;
  if (hours >= 1) return minutes ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes >= 1) return `${minutes}m`;
  return `${seconds}s`;
}

/** "9m", "2h 5m", "31h", then days past two days: how long ago something happened. */
export function formatAgo(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  return days >= 2 ? `${days}d` : formatRemaining(ms);
}

/** The machine-readable window facts shared by `send` (errors and results) and `conversations`. */
export function policyDetails(policy: ConversationPolicy) {
  return {
    last_user_message_at: isoOrNull(policy.lastUserMessageAt),
    window_closes_at: isoOrNull(policy.windowClosesAt),
    window_open: policy.window === 'open',
    messages_left: policy.messagesLeft,
    messages_left_is_lower_bound: policy.historyIncomplete,
  };
}

/**
 * Why TikTok would refuse a message now, as the error `send` exits with (5), or undefined when the
 * rules allow it. `--force` skips this and lets TikTok decide (the quota rule is disputed, §7).
 */
export function sendRefusal(policy: ConversationPolicy, conversationId: string, now: number): CliError | undefined {
  const who = describeUser(policy.user);
  const details = { conversation_id: conversationId, ...policyDetails(policy) };
  const force = 'Pass --force to send anyway and let TikTok decide.';
  switch (policy.window) {
    case 'closed':
      if (policy.lastUserMessageAt === undefined) {
        return new CliError(
          'window',
          `The 48-hour window of this conversation has closed: ${who} last wrote before ${formatTime(policy.oldestVisibleAt ?? now)} (older than the 20 messages TikTok shows); TikTok allows replies for 48 hours after the user's last message.`,
          { hint: `Wait until ${who} writes again. ${force}`, details },
        );
      }
      return new CliError(
        'window',
        `The 48-hour window of this conversation closed at ${formatTime(policy.windowClosesAt!)}: ${who} last wrote at ${formatTime(policy.lastUserMessageAt)}; TikTok allows replies for 48 hours after the user's last message.`,
        { hint: `Wait until ${who} writes again. ${force}`, details },
      );
    case 'not-opened':
      return new CliError(
        'window',
        `${who === 'the user' ? 'The user' : who} has not written in this conversation; TikTok allows replies for 48 hours after the user's last message, and a business cannot start a conversation.`,
        { hint: `Wait until the user writes. ${force}`, details },
      );
    case 'open':
    case 'unknown':
      break;
  }
  if (policy.messagesLeft <= 0) {
    const counted = policy.historyIncomplete
      ? `at least ${policy.businessMessagesSinceUser} messages were sent since ${who} last wrote (TikTok shows only the 20 most recent)`
      : `${policy.businessMessagesSinceUser} messages were sent since ${who} last wrote at ${formatTime(policy.lastUserMessageAt!)}`;
    // The kind TikTok's own refusal of the same limit gets (40064, policy): one kind whoever refuses;
    // details.rule says which rule we counted.
    return new CliError(
      'policy',
      `All ${MESSAGES_PER_WINDOW} messages of this window are used: ${counted}. TikTok allows ${MESSAGES_PER_WINDOW} business messages per window; they reset when the user writes again.`,
      {
        hint: `Wait until ${who} writes again${policy.windowClosesAt ? ` (the window closes at ${formatTime(policy.windowClosesAt)})` : ''}. ${force}`,
        details: { ...details, rule: 'quota' },
      },
    );
  }
  return undefined;
}

/** The state after one more business message was accepted. */
export function afterSend(policy: ConversationPolicy): ConversationPolicy {
  return { ...policy, businessMessagesSinceUser: policy.businessMessagesSinceUser + 1, messagesLeft: Math.max(0, policy.messagesLeft - 1) };
}
