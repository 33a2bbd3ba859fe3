// Small reads that `send` and `conversations` share on top of src/tiktok/messaging.ts.
import { asCliError, CliError } from '../errors.js';
import type { TikTokClient } from '../tiktok/client.js';
import { listConversations, type Conversation, type ConversationType } from '../tiktok/messaging-api.js';

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
  error = asCliError(error);
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
