// `messaging-window`: across the most recent conversations, which can be answered now: the 48-hour
// window from the user's last message, closing within 6 h, the 10 messages per window used. It is
// informational unless none can be answered.
import { formatRemaining, describeUser, evaluateConversation, type ConversationPolicy } from '../../conversation/policy.js';
import { MESSAGES_PER_WINDOW } from '../../tiktok/limits.js';
import { RECENT_CONVERSATIONS } from '../probes.js';
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck, plural } from './shared.js';

const SIX_HOURS = 6 * 3600_000;

function line(conversationId: string, policy: ConversationPolicy, now: number): string {
  const who = describeUser(policy.user);
  switch (policy.window) {
    case 'open':
      return `${who} (${conversationId}): open, closes in ${formatRemaining(policy.windowClosesAt! - now)}, ${policy.messagesLeft}/${MESSAGES_PER_WINDOW} messages left`;
    case 'closed':
      return `${who} (${conversationId}): window closed`;
    case 'not-opened':
      return `${who} (${conversationId}): the user has not written`;
    case 'unknown':
      return `${who} (${conversationId}): window unknown (the user's last message is older than the 20 TikTok shows)`;
  }
}

export const messagingWindow: Check = {
  id: 'messaging-window',
  title: 'Reply windows',
  category: 'messaging',
  requires: ['advanced-access'],
  async run(ctx): Promise<CheckOutcome> {
    const account = ctx.account!;
    const recent = (await ctx.probes.recent()).slice(0, RECENT_CONVERSATIONS);
    if (!recent.length) {
      return { status: 'ok', detail: 'no conversations in the last 90 days: only users can start one (share your chat link: `tiktok-channel qr`)' };
    }
    const rows: Array<{ id: string; policy: ConversationPolicy }> = [];
    for (const conversation of recent) {
      const outcome = await ctx.probes.content(conversation.conversationId);
      if (!outcome) continue;
      if (!outcome.ok) return couldNotCheck(`read conversation ${conversation.conversationId}`, outcome.error);
      rows.push({ id: conversation.conversationId, policy: evaluateConversation(outcome.value, account.businessId, ctx.now) });
    }
    const open = rows.filter((row) => row.policy.window === 'open');
    const answerable = open.filter((row) => row.policy.messagesLeft > 0);
    const closingSoon = answerable.filter((row) => row.policy.windowClosesAt! - ctx.now < SIX_HOURS);
    const usedUp = open.filter((row) => row.policy.messagesLeft === 0);
    const closed = rows.length - open.length;
    const parts = [`${answerable.length} can be answered`];
    if (closingSoon.length) parts.push(`${closingSoon.length} closing within 6 h`);
    if (usedUp.length) parts.push(`${usedUp.length} out of its ${MESSAGES_PER_WINDOW} messages`);
    if (closed) parts.push(`${closed} closed or not opened`);
    const details = rows.map((row) => line(row.id, row.policy, ctx.now));
    const summary = `${plural(rows.length, 'most recent conversation', 'most recent conversations')}: ${parts.join(', ')}`;
    if (!answerable.length) {
      return {
        status: 'warn',
        detail: `${rows.length === 1 ? 'the only recent conversation' : `none of the ${rows.length} most recent conversations`} can be answered now${parts.length > 1 ? `: ${parts.slice(1).join(', ')}` : ''}`,
        fix:
          `TikTok allows replies for 48 hours after the user's last message, ${MESSAGES_PER_WINDOW} per window; both reset when the user writes again. ` +
          'Wait for users to write (`tiktok-channel conversations` shows each window).',
        details,
      };
    }
    return { status: 'ok', detail: summary, details };
  },
};
