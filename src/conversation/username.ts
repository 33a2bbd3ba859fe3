// `@username` where a conversation id is expected (`send --to`, `messages`). Kept apart from lookup.ts,
// which the library imports: this needs policy.ts, and through it the CLI's formatting.
import { CliError } from '../errors.js';
import type { TikTokClient } from '../tiktok/client.js';
import { getConversationContent, listConversations, type Conversation, type ConversationType } from '../tiktok/messaging-api.js';
import { mapLimit } from './lookup.js';
import { evaluateConversation } from './policy.js';

/** What `--to`/`messages` were given: a conversation id as is, or `@username` to look up. */
export function usernameTarget(value: string): string | undefined {
  const match = /^@([A-Za-z0-9._]+)$/.exec(value.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

interface LookupSession {
  client: TikTokClient;
  call<T>(fn: (accessToken: string) => Promise<T>): Promise<T>;
}

/**
 * `@maya.lopez` → the id of the one conversation with that user. TikTok's conversation list names no
 * users, so each listed conversation's content (participants, senders) says who it is with; the
 * username is matched case-insensitively and exactly. Unknown or ambiguous names are refused (exit 2)
 * with the candidates, so the user can pick an id.
 */
export async function resolveUsername(session: LookupSession, businessId: string, username: string, accountName: string, now: number): Promise<string> {
  const listed: Conversation[] = [];
  for (const type of ['SINGLE', 'STRANGER'] as ConversationType[]) {
    listed.push(...(await session.call((token) => listConversations(session.client, token, businessId, type))));
  }
  const users = await mapLimit(listed, 4, async (conversation) => {
    const content = await session.call((token) => getConversationContent(session.client, token, businessId, conversation.conversationId));
    return { conversationId: conversation.conversationId, username: evaluateConversation(content, businessId, now).user.username };
  });
  const matches = users.filter((user) => user.username?.toLowerCase() === username);
  if (matches.length === 1) return matches[0]!.conversationId;
  if (matches.length > 1) {
    throw new CliError(
      'validation',
      `@${username} has ${matches.length} conversations with ${accountName}: ${matches.map((match) => match.conversationId).join(', ')}.`,
      {
        hint: 'Pass the conversation id instead (quoted: ids hold +, / and =); `tiktok-channel conversations` shows which is which.',
        details: { username, candidates: matches.map((match) => ({ conversation_id: match.conversationId, username: match.username })) },
      },
    );
  }
  const known = [...new Set(users.map((user) => user.username).filter((name): name is string => Boolean(name)))];
  const close = known.filter((name) => name.toLowerCase().includes(username) || username.includes(name.toLowerCase().split(/[._]/)[0]!));
  const shown = (close.length ? close : known).slice(0, 10);
  throw new CliError(
    'validation',
    `No conversation with @${username} for ${accountName}${shown.length ? `; ${close.length ? 'did you mean' : 'users with conversations'}: ${shown.map((name) => `@${name}`).join(', ')}` : ' (it has no conversations in the last 90 days)'}.`,
    {
      hint: 'A business cannot start a conversation: the user must write first. `tiktok-channel conversations` lists who has.',
      details: {
        username,
        candidates: shown.map((name) => ({ username: name, conversation_id: users.find((user) => user.username === name)!.conversationId })),
      },
    },
  );
}
