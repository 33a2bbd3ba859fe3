// `send --wait-reply`: after a message went out, poll content/list for the user's answer; a Ctrl-C
// stops only the wait, and says so.
import { asCliError, CliError } from '../errors.js';
import type { Deps } from '../deps.js';
import { formatDuration } from '../io/format.js';
import { sleep as abortableSleep } from '../sleep.js';
import type { DecodedEvent } from '../tiktok/events.js';

/** Ctrl-C while waiting for a reply: the message went out; only the wait stopped. */
export function stoppedWaiting(error: unknown, messageId: string | undefined, conversationId: string): unknown {
  error = asCliError(error);
  if (!(error instanceof CliError) || error.kind !== 'cancelled') return error;
  return new CliError('cancelled', `The message${messageId ? ` ${messageId}` : ''} was sent; stopped waiting for a reply.`, {
    hint: `Run \`tiktok-channel messages ${conversationId}\` later to see the answer.`,
    details: { sent: true, message_id: messageId ?? null, conversation_id: conversationId },
    cause: error,
  });
}

/** "45 s", "5 min", "2 h", else "1h 30m". */
export function formatWait(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds < 3600) return `${seconds / 60} min`;
  return formatDuration(seconds * 1000);
}

/** Polls after the first look at most this often, backing off to this ceiling: far inside ~10 requests/s (§1). */
const POLL_FIRST_MS = 1_000;
const POLL_MAX_MS = 10_000;

/**
 * Polls content/list until a user message appears that was not there before the send (by id, and not
 * older than the newest message seen then: a message without an id is matched by content hash, which a
 * reaction added later would change). undefined when the time runs out.
 */
export async function waitForReply(
  deps: Pick<Deps, 'io' | 'now' | 'signal'>,
  options: { who: string; seconds: number; seen: DecodedEvent[]; poll: () => Promise<{ messages: DecodedEvent[] }> },
): Promise<DecodedEvent | undefined> {
  const { io } = deps;
  const seenIds = new Set(options.seen.map((message) => message.id));
  const newestSeen = Math.max(0, ...options.seen.map((message) => message.timestamp ?? 0));
  const deadline = deps.now() + options.seconds * 1000;
  if (!io.json && !io.isStderrTTY) io.info(`Waiting up to ${formatWait(options.seconds)} for ${options.who} to reply…`);
  return io.progress(`Waiting for ${options.who} to reply (up to ${formatWait(options.seconds)}, Ctrl-C to stop)…`, async () => {
    let delay = POLL_FIRST_MS;
    for (;;) {
      const { messages } = await options.poll();
      const reply = messages.find(
        (message) => message.direction === 'inbound' && !seenIds.has(message.id) && (message.timestamp === null || message.timestamp >= newestSeen),
      );
      if (reply) return reply;
      const remaining = deadline - deps.now();
      if (remaining <= 0) return undefined;
      await sleep(Math.min(delay, remaining), deps.signal);
      delay = Math.min(POLL_MAX_MS, Math.round(delay * 1.5));
    }
  });
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await abortableSleep(ms, signal);
  if (signal.aborted) throw new CliError('cancelled', 'Cancelled.');
}
