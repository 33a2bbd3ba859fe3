// Small reads that `send` and `conversations` share on top of src/tiktok/messaging.ts.
import { CliError } from '../errors.js';
import type { TikTokClient } from '../tiktok/client.js';
import { getConversationContent, listConversations, type Conversation, type ConversationType } from '../tiktok/messaging.js';
import { evaluateConversation } from './policy.js';

/**
 * Which list a conversation is on (capabilities/get needs the type for IMAGE_SEND, §4). SINGLE first,
 * stopping at the page that holds it; recent conversations are on the first page.
 * undefined = on neither list (older than the 90 days conversation/list covers).
 */
export async function findConversation(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  conversationId: string,
): Promise<Conversation | undefined> {
  for (const type of ['SINGLE', 'STRANGER'] as ConversationType[]) {
    const found = (
      await listConversations(client, accessToken, businessId, type, { until: (conversation) => conversation.conversationId === conversationId })
    ).find((conversation) => conversation.conversationId === conversationId);
    if (found) return found;
  }
  return undefined;
}

/** Runs fn over items with at most `limit` in flight, keeping the input order in the result. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failed = true; // stop starting new work; the first error wins
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * TikTok answers 40007 ("object does not exist") for a conversation id it does not know for this
 * account. Said plainly, with the usual causes, and kept as a validation error (exit 2); anything else
 * passes through unchanged.
 */
export function explainUnknownConversation(error: unknown, conversationId: string, accountName: string): unknown {
  if (!(error instanceof CliError) || error.tiktokCode !== 40007) return error;
  const said = error.message.replace(/^TikTok error 40007:?\s*/, '').replace(/\.$/, '');
  return new CliError(
    'validation',
    `No conversation "${conversationId}" for ${accountName}: TikTok answered 40007 (the object does not exist)${said ? `: ${said}` : ''}.`,
    {
      hint:
        'Copy the id from `tiktok-channel conversations`. Ids are case-sensitive and hold +, / and =, so quote them in the shell; ' +
        'the conversation may also belong to another account (--account).',
      tiktokCode: 40007,
      requestId: error.requestId,
      cause: error,
      details: { conversation_id: conversationId },
    },
  );
}

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
    throw new CliError('validation', `@${username} has ${matches.length} conversations with ${accountName}: ${matches.map((match) => match.conversationId).join(', ')}.`, {
      hint: 'Pass the conversation id instead (quoted: ids hold +, / and =); `tiktok-channel conversations` shows which is which.',
      details: { username, candidates: matches.map((match) => ({ conversation_id: match.conversationId, username: match.username })) },
    });
  }
  const known = [...new Set(users.map((user) => user.username).filter((name): name is string => Boolean(name)))];
  const close = known.filter((name) => name.toLowerCase().includes(username) || username.includes(name.toLowerCase().split(/[._]/)[0]!));
  const shown = (close.length ? close : known).slice(0, 10);
  throw new CliError('validation', `No conversation with @${username} for ${accountName}${shown.length ? `; ${close.length ? 'did you mean' : 'users with conversations'}: ${shown.map((name) => `@${name}`).join(', ')}` : ' (it has no conversations in the last 90 days)'}.`, {
    hint: 'A business cannot start a conversation: the user must write first. `tiktok-channel conversations` lists who has.',
    details: { username, candidates: shown.map((name) => ({ username: name, conversation_id: users.find((user) => user.username === name)!.conversationId })) },
  });
}
