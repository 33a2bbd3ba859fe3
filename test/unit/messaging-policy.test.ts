import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { afterSend, evaluateConversation, formatAgo, formatRemaining, messageDirection, policyDetails, sendRefusal } from '../../src/conversation/policy.js';
import { decodeRestMessage, type DecodedEvent } from '../../src/tiktok/events.js';
import { oldestFirst, type ConversationContent } from '../../src/tiktok/messaging-api.js';

const BUSINESS = '-000biz';
const USER = '-000user';
const HOUR = 3_600_000;
const NOW = Date.parse('2026-05-01T12:00:00Z');

let counter = 0;
/** A content/list message as TikTok sends it (upper-case roles), decoded by the one decoder. */
function message(direction: 'in' | 'out', timestamp: number, extra: Record<string, unknown> = {}): DecodedEvent {
  const inbound = direction === 'in';
  return decodeRestMessage(
    {
      message_id: String(++counter),
      timestamp,
      message_type: 'TEXT',
      from_user: inbound ? { id: USER, role: 'PERSONAL_ACCOUNT' } : { id: BUSINESS, role: 'BUSINESS_ACCOUNT' },
      to_user: inbound ? { id: BUSINESS, role: 'BUSINESS_ACCOUNT' } : { id: USER, role: 'PERSONAL_ACCOUNT' },
      sender: inbound ? 'maya.lopez' : 'acme.studio',
      recipient: inbound ? 'acme.studio' : 'maya.lopez',
      text: { body: 'hi' },
      ...extra,
    },
    { businessId: BUSINESS },
  );
}

function content(messages: DecodedEvent[]): ConversationContent {
  return {
    messages,
    participants: [
      { id: BUSINESS, role: 'BUSINESS_ACCOUNT', displayName: 'Acme Studio' },
      { id: USER, role: 'PERSONAL_ACCOUNT', displayName: 'Maya López' },
    ],
  };
}

describe('content/list order', () => {
  it('sorts oldest first, keeping messages that share a millisecond in their real order whichever way TikTok lists them', () => {
    const user = message('in', NOW - 1000, { message_id: 'u' });
    const reply = message('out', NOW - 1000, { message_id: 'r' });
    const older = message('in', NOW - 5000, { message_id: 'o' });
    const ids = (list: DecodedEvent[]) => oldestFirst(list).map((entry) => entry.message_id);
    expect(ids([reply, user, older])).toEqual(['o', 'u', 'r']); // newest first, as the sandbox lists them
    expect(ids([older, user, reply])).toEqual(['o', 'u', 'r']); // oldest first
    const policy = evaluateConversation(content(oldestFirst([reply, user, older])), BUSINESS, NOW);
    expect(policy.messagesLeft).toBe(9);
  });
});

describe('message direction', () => {
  it('uses the business id first, then roles, then the recipient', () => {
    const direction = (from_user: Record<string, string>, to_user: Record<string, string>) =>
      messageDirection(decodeRestMessage({ message_id: '1', from_user, to_user }, { businessId: BUSINESS }));
    expect(direction({ id: BUSINESS }, {})).toBe('business');
    expect(direction({ id: USER }, {})).toBe('user');
    expect(direction({ role: 'BUSINESS_ACCOUNT' }, {})).toBe('business');
    expect(direction({ role: 'PERSONAL_ACCOUNT' }, {})).toBe('user');
    expect(direction({}, { id: BUSINESS })).toBe('user');
    expect(direction({}, { role: 'PERSONAL_ACCOUNT' })).toBe('business');
    expect(direction({}, {})).toBe('unknown');
  });
});

describe('the 48-hour window', () => {
  it("is open at 47:59:59 after the user's last message and closed at exactly 48:00:00", () => {
    const last = NOW - 48 * HOUR;
    const open = evaluateConversation(content([message('in', last + 1000)]), BUSINESS, NOW);
    expect(open.window).toBe('open');
    expect(open.windowClosesAt).toBe(last + 1000 + 48 * HOUR);
    expect(open.messagesLeft).toBe(10);
    expect(sendRefusal(open, 'c1', NOW)).toBeUndefined();

    const closed = evaluateConversation(content([message('in', last)]), BUSINESS, NOW);
    expect(closed.window).toBe('closed');
    expect(closed.messagesLeft).toBe(0);
    const refusal = sendRefusal(closed, 'c1', NOW)!;
    expect(refusal).toBeInstanceOf(CliError);
    expect(refusal.kind).toBe('window');
    expect(refusal.exitCode).toBe(5);
    expect(refusal.message).toContain('@maya.lopez last wrote at 2026-04-29T12:00:00Z');
    expect(refusal.message).toContain("TikTok allows replies for 48 hours after the user's last message");
    expect(refusal.details).toMatchObject({ conversation_id: 'c1', window_open: false, window_closes_at: '2026-05-01T12:00:00.000Z' });
  });

  it("counts from the user's last message, not the first, whatever order TikTok returns", () => {
    const messages = [message('in', NOW - 20 * HOUR), message('in', NOW - 72 * HOUR), message('out', NOW - 71 * HOUR)];
    const policy = evaluateConversation(content(messages), BUSINESS, NOW);
    expect(policy.lastUserMessageAt).toBe(NOW - 20 * HOUR);
    expect(policy.window).toBe('open');
    expect(policy.businessMessagesSinceUser).toBe(0);
  });

  it('refuses a conversation where the user never wrote', () => {
    const policy = evaluateConversation(content([message('out', NOW - HOUR)]), BUSINESS, NOW);
    expect(policy.window).toBe('not-opened');
    const refusal = sendRefusal(policy, 'c1', NOW)!;
    expect(refusal.kind).toBe('window');
    expect(refusal.message).toMatch(/has not written/);
  });
});

describe('the 10-message quota', () => {
  const userAt = NOW - 5 * HOUR;
  const withBusiness = (count: number) =>
    content([message('in', userAt), ...Array.from({ length: count }, (_, i) => message('out', userAt + (i + 1) * 60_000))]);

  it('allows the 10th message and refuses the 11th', () => {
    const nine = evaluateConversation(withBusiness(9), BUSINESS, NOW);
    expect(nine.messagesLeft).toBe(1);
    expect(sendRefusal(nine, 'c1', NOW)).toBeUndefined();
    expect(afterSend(nine).messagesLeft).toBe(0);

    const ten = evaluateConversation(withBusiness(10), BUSINESS, NOW);
    expect(ten.messagesLeft).toBe(0);
    const refusal = sendRefusal(ten, 'c1', NOW)!;
    // The kind TikTok's own refusal of the limit gets (40064 → policy); details say which rule we counted.
    expect(refusal.kind).toBe('policy');
    expect(refusal.details?.rule).toBe('quota');
    expect(refusal.exitCode).toBe(5);
    expect(refusal.message).toContain('they reset when the user writes again');
    expect(refusal.message).toContain('10 messages were sent since @maya.lopez last wrote');
  });

  it('resets when the user writes again', () => {
    const messages = [...withBusiness(10).messages, message('in', NOW - HOUR), message('out', NOW - HOUR + 1000)];
    const policy = evaluateConversation(content(messages), BUSINESS, NOW);
    expect(policy.businessMessagesSinceUser).toBe(1);
    expect(policy.messagesLeft).toBe(9);
  });

  it('flags a count it cannot see to the end of (20 business messages, user out of sight)', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => message('out', NOW - 30 * HOUR + i * 60_000));
    const policy = evaluateConversation(content(twenty), BUSINESS, NOW);
    expect(policy.historyIncomplete).toBe(true);
    expect(policy.window).toBe('unknown');
    expect(policy.messagesLeft).toBe(0);
    expect(policyDetails(policy).messages_left_is_lower_bound).toBe(true);
    const refusal = sendRefusal(policy, 'c1', NOW)!;
    expect(refusal).toMatchObject({ kind: 'policy', details: { rule: 'quota' } });
    expect(refusal.message).toContain('at least 20 messages');

    const old = Array.from({ length: 20 }, (_, i) => message('out', NOW - 60 * HOUR + i * 60_000));
    const closed = evaluateConversation(content(old), BUSINESS, NOW);
    expect(closed.window).toBe('closed');
    expect(sendRefusal(closed, 'c1', NOW)!.kind).toBe('window');
  });

  it('counts messages that carry no message_id (the decoder keeps them)', () => {
    const idless = [
      message('in', NOW - HOUR),
      message('out', NOW - HOUR + 1000, { message_id: undefined }),
      message('out', NOW - HOUR + 2000, { message_id: '' }),
    ];
    expect(idless[1]!.message_id).toBeNull();
    const policy = evaluateConversation(content(idless), BUSINESS, NOW);
    expect(policy.businessMessagesSinceUser).toBe(2);
    expect(policy.messagesLeft).toBe(8);
  });

  it('does not flag a short history as incomplete', () => {
    const policy = evaluateConversation(withBusiness(3), BUSINESS, NOW);
    expect(policy.historyIncomplete).toBe(false);
    expect(policy.messagesLeft).toBe(7);
  });
});

describe('the user of a conversation', () => {
  it('takes the display name from participants and the username from sender/recipient', () => {
    const fromBusinessOnly = evaluateConversation(content([message('in', NOW - HOUR, { sender: undefined }), message('out', NOW - 1000)]), BUSINESS, NOW);
    expect(fromBusinessOnly.user).toEqual({ id: USER, username: 'maya.lopez', displayName: 'Maya López' });
  });

  it('copes with missing participants and roles', () => {
    const bare = message('in', NOW - HOUR, { from_user: { id: USER }, to_user: {} });
    const policy = evaluateConversation({ messages: [bare], participants: [] }, BUSINESS, NOW);
    expect(policy.user.username).toBe('maya.lopez');
    expect(policy.user.displayName).toBeUndefined();
    expect(policy.window).toBe('open');
  });
});

describe('formatRemaining', () => {
  it('reads like the summary line', () => {
    expect(formatRemaining(31 * HOUR + 20 * 60_000)).toBe('31h');
    expect(formatRemaining(3 * HOUR + 20 * 60_000)).toBe('3h 20m');
    expect(formatRemaining(45 * 60_000)).toBe('45m');
    expect(formatRemaining(30_000)).toBe('30s');
    expect(formatAgo(47 * HOUR)).toBe('47h');
    expect(formatAgo(72 * HOUR)).toBe('3d');
  });
});
