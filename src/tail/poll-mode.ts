// `tail --poll`: reads conversation/list and content/list for machines with no public URL, printing
// only what was not seen before and keeping the position in the config dir across restarts.
import { asCliError } from '../errors.js';
import type { Deps } from '../deps.js';
import type { DecodedEvent } from '../tiktok/events.js';
import { DedupeSet } from './dedupe.js';
import { MAX_POLL_BACKOFF_MS } from './options.js';
import { pollSource, pollStatePath, sleep } from './setup.js';
import type { Stats, Stop, StopReason } from './stop.js';

export async function pollMode(
  deps: Deps,
  intervalSeconds: number,
  sinceMs: number | undefined,
  print: (event: DecodedEvent) => boolean,
  stats: Stats,
  stop: Stop,
): Promise<StopReason> {
  const { io } = deps;
  const startedAt = deps.now();
  const { Poller, isRateLimit, isTransient } = await import('../tail/poller.js');
  const account = deps.resolveAccount();
  const source = await pollSource(deps, account);
  // A first poll shows what is newer than --since, or than this start (a message sent a moment ago counts).
  const poller = new Poller({ source, statePath: pollStatePath(deps, account.businessId), since: sinceMs ?? startedAt, now: deps.now });
  const dedupe = new DedupeSet();
  const who = account.username ? `@${account.username}` : account.channelName;
  const interval = intervalSeconds * 1000;
  let delay = interval;
  let first = true;

  while (stop.reason === undefined) {
    try {
      // Deferred: the position moves only for what is printed, conversation by conversation, so a
      // failing conversation (or --count reached mid-batch) loses nothing.
      const result = await poller.poll({ defer: true });
      delay = interval;
      if (first) {
        first = false;
        io.err(`Ready! Polling ${who} every ${intervalSeconds} s (Ctrl-C to quit)`);
        if (result.baseline && result.skipped) {
          io.info(
            io.color.dim(
              `${result.skipped} earlier message${result.skipped === 1 ? ' is' : 's are'} not shown${sinceMs === undefined ? ' (--since 1h includes them)' : ''}; from now on every new one is.`,
            ),
          );
        }
      }
      for (const conversation of result.gaps) {
        io.warn(
          `Conversation ${conversation}: more than 20 messages may have arrived since the last poll, and content/list returns only the 20 most recent, so some may be missing. Poll more often (--poll 2) or use webhooks.`,
        );
      }
      let handled = 0;
      for (const event of result.events) {
        if (dedupe.has(`${event.business_id ?? ''}|${event.id}`)) {
          stats.received++;
          stats.duplicates++;
          handled++;
          continue;
        }
        if (!print(event)) break;
        stats.received++;
        dedupe.add(`${event.business_id ?? ''}|${event.id}`);
        handled++;
      }
      await poller.commit(result, handled);
      // A conversation that could not be read is read again next time; its failure is waited out below.
      if (result.failures.length) throw result.failures[0]!.error;
    } catch (error) {
      if (stop.reason !== undefined || deps.signal.aborted) break;
      error = asCliError(error);
      if (!isTransient(error)) throw error;
      delay = Math.min(delay * 2, MAX_POLL_BACKOFF_MS);
      const why = isRateLimit(error) ? 'TikTok is rate limiting (40100)' : (error as Error).message;
      io.warn(`${why}; polling again in ${Math.round(delay / 1000)} s.`);
    }
    if (stop.reason !== undefined) break;
    await sleep(delay, stop.signal);
  }
  const final = stop.reason ?? 'interrupt';
  io.err(
    `${final === 'interrupt' ? 'Stopped' : 'Done'}: ${stats.printed} printed${stats.filtered ? `, ${stats.filtered} filtered out` : ''}. Poll position: ${pollStatePath(deps, account.businessId)}`,
  );
  return final;
}
