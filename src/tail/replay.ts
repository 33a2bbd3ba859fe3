// `tail replay`: re-sends journaled deliveries to a handler being fixed, without anyone writing again.
// The original body bytes, in journal order, re-signed with a fresh `t`: TikTok's sample verifier allows
// 5 s, so the signature the delivery arrived with would be refused as stale. The secret is the one that
// verified the delivery when it arrived (the same directory live `tail` uses). Each delivery carries the
// Forwarding headers (its x-tiktok-channel-delivery-id, and x-tiktok-channel-replay: <original t>).
// The journal is only read here: a live `tail` may be writing it at the same time.
import { CliError, usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import { parseDuration } from '../io/duration.js';
import { sleep } from '../sleep.js';
import { displaySafe } from '../io/format.js';
import { verifySignature, signPayload } from '../tiktok/signature.js';
import { isUnreadableDelivery, type DecodedEvent } from '../tiktok/events.js';
import { eventPrinter } from './print.js';
import type { ForwardShown } from './render.js';
import { journalDir, servedDirectory } from './setup.js';
import { checkForwardUrl, eventFilter, forwardTimeoutSeconds } from './options.js';
import type { ReplayOptions } from '../commands/tail/replay.js';

export type { ReplayOptions };

/** The header naming the original signature time of a replayed delivery. */
export const REPLAY_HEADER = 'x-tiktok-channel-replay';
/** A replay is one command, not a daemon: a target still failing after these many attempts is reported. */
const MAX_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 250;

interface Selected {
  event: DecodedEvent;
  journalId: string;
  file: string;
  at: number;
  signedAt: number;
  headers: Record<string, string>;
  body: Buffer;
}

export async function run(options: ReplayOptions, deps: Deps): Promise<number> {
  const { io } = deps;
  const ids = (options.eventIds ?? []).map((id) => id.trim()).filter(Boolean);
  if (!options.forwardTo)
    throw usageError(
      'tail replay needs --forward-to URL: where the deliveries are re-sent.',
      'e.g. tiktok-channel tail replay --since 1h --forward-to http://localhost:3000/tiktok',
    );
  checkForwardUrl(options.forwardTo);
  const timeoutMs = forwardTimeoutSeconds(options) * 1000;
  if (!ids.length && options.since === undefined) {
    throw usageError(
      'Say what to replay: event ids, or --since DURATION.',
      'List recent ids with `tiktok-channel tail --since 2h --json`, then `tiktok-channel tail replay <id> --forward-to URL`.',
    );
  }
  const sinceMs = options.since !== undefined ? deps.now() - parseDuration(options.since, '--since') * 1000 : undefined;
  const { directory } = servedDirectory(
    deps,
    'Replays are re-signed with the app secret: run `tiktok-channel connect` (it is stored with the account), or set TIKTOK_CHANNEL_CLIENT_SECRET.',
  );
  const onlyAccount = deps.globals.account ? deps.resolveAccount(deps.globals.account).businessId : undefined;
  const matchesEvent = eventFilter(options.event);
  const shows = (event: DecodedEvent) =>
    (!onlyAccount || event.business_id === onlyAccount) &&
    (!options.conversation || event.conversation_id === options.conversation) &&
    (!matchesEvent || matchesEvent(event));

  const selected = await select(deps, ids, sinceMs, shows);
  const printer = eventPrinter(io);
  const print = (item: Selected, forward: ForwardShown) =>
    printer.print(item.event, { replayed: true, receivedAt: item.at, journalId: item.journalId, forward });

  if (options.dryRun) {
    for (const item of selected) print(item, { dryRun: true });
    io.err(
      `Dry run: ${selected.length} deliver${selected.length === 1 ? 'y' : 'ies'} would be re-sent to ${displaySafe(options.forwardTo)}; nothing was sent.`,
    );
    return 0;
  }

  const undici = await import('undici');
  const dispatcher = new undici.Agent({ keepAliveTimeout: 4_000 });
  let accepted = 0;
  try {
    for (const item of selected) {
      if (deps.signal.aborted) break;
      const secret = secretFor(directory.candidates(envelopeOf(item.body)), item);
      let answer: ForwardShown & { verdict: 'done' | 'retry' | 'permanent' } = { verdict: 'retry' };
      let attempts = 0;
      while (attempts < MAX_ATTEMPTS && !deps.signal.aborted) {
        attempts++;
        answer = await send(undici.request, dispatcher, options.forwardTo, item, secret, timeoutMs, deps.now);
        if (answer.verdict !== 'retry' || attempts === MAX_ATTEMPTS) break;
        const delayMs = FIRST_BACKOFF_MS * 2 ** (attempts - 1);
        io.warn(
          `Replay of ${item.event.id ?? item.journalId}: ${answer.status !== undefined ? `HTTP ${answer.status}` : answer.error}; trying again in ${delayMs / 1000} s (attempt ${attempts + 1} of ${MAX_ATTEMPTS}).`,
        );
        await sleep(delayMs, deps.signal);
      }
      if (answer.verdict === 'done') accepted++;
      const { verdict: _verdict, ...shown } = answer;
      print(item, { ...shown, attempts });
    }
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
  if (deps.signal.aborted) {
    io.err(`Stopped: ${accepted} of ${selected.length} replayed.`);
    return 130;
  }
  const failed = selected.length - accepted;
  if (failed > 0) {
    throw new CliError(
      'network',
      `${failed} of ${selected.length} replayed deliver${selected.length === 1 ? 'y was' : 'ies were'} not accepted by ${options.forwardTo}.`,
      {
        hint: "Each line above shows the target's answer; fix the handler and run the same `tail replay` again (every re-send carries the same x-tiktok-channel-delivery-id).",
        details: { replayed: selected.length, accepted },
      },
    );
  }
  io.err(`Replayed ${accepted} deliver${accepted === 1 ? 'y' : 'ies'} to ${displaySafe(options.forwardTo)}, re-signed now.`);
  return 0;
}

function envelopeOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The secret that verified the delivery when it arrived (its signature, however old, matches it). */
function secretFor(candidates: string[], item: Selected): string {
  const header = item.headers['tiktok-signature'];
  for (const secret of candidates) {
    if (verifySignature({ rawBody: item.body, header, secret, toleranceSeconds: Number.MAX_SAFE_INTEGER })) return secret;
  }
  return candidates[0]!;
}

/** The deliveries to replay, in journal order: each once (a redelivery is journaled as a duplicate). */
async function select(deps: Deps, ids: string[], sinceMs: number | undefined, shows: (event: DecodedEvent) => boolean): Promise<Selected[]> {
  const { Journal } = await import('./journal.js');
  const { decodeDelivery } = await import('./delivery.js');
  const wanted = new Set(ids);
  const found = new Set<string>();
  const seenKeys = new Set<string>();
  const selected: Selected[] = [];
  for await (const entry of Journal.reader(journalDir(deps)).entries({ since: sinceMs, withBody: true })) {
    if (entry.duplicate || seenKeys.has(entry.key) || !('body' in entry)) continue;
    let event: DecodedEvent;
    try {
      event = decodeDelivery(entry.body);
    } catch (error) {
      deps.io.warn(`Journal entry ${entry.id} could not be read (${(error as Error).message}); skipped.`);
      continue;
    }
    if (wanted.size) {
      const id = wanted.has(event.id ?? '') ? event.id! : wanted.has(entry.id) ? entry.id : undefined;
      if (id === undefined) continue;
      found.add(id);
    }
    if (!shows(event)) continue;
    if (isUnreadableDelivery(event)) event.problems.push(`its exact bytes are journal entry ${entry.id} in ${entry.ref.file}`);
    seenKeys.add(entry.key);
    selected.push({ event, journalId: entry.id, file: entry.ref.file, at: entry.at, signedAt: entry.signedAt, headers: entry.headers, body: entry.body });
  }
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) {
    throw usageError(
      `No journaled delivery has the id${missing.length === 1 ? '' : 's'} ${missing.join(', ')}${sinceMs !== undefined ? ' within --since' : ''}.`,
      'The ids are the `id`s `tiktok-channel tail --json` prints; list recent ones with `tiktok-channel tail --since 2h --json`.',
    );
  }
  return selected;
}

async function send(
  request: typeof import('undici').request,
  dispatcher: import('undici').Dispatcher,
  url: string,
  item: Selected,
  secret: string,
  timeoutMs: number,
  now: () => number,
): Promise<ForwardShown & { verdict: 'done' | 'retry' | 'permanent' }> {
  const { DELIVERY_ID_HEADER, forwardVerdict, readPreview } = await import('./forwarder.js');
  const headers: Record<string, string> = { ...item.headers };
  headers['content-type'] ??= 'application/json';
  // Signed at the moment of sending, so every retry is fresh too.
  headers['tiktok-signature'] = signPayload(secret, item.body, Math.floor(now() / 1000));
  headers[DELIVERY_ID_HEADER] = item.event.id || item.journalId;
  headers[REPLAY_HEADER] = String(item.signedAt);
  const started = Date.now();
  try {
    const response = await request(url, { method: 'POST', headers, body: item.body, dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const bodyPreview = await readPreview(response.body);
    return { verdict: forwardVerdict(response.statusCode), status: response.statusCode, ms: Date.now() - started, bodyPreview };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const code = (error as NodeJS.ErrnoException).code ?? cause?.code ?? (error as Error).name;
    return { verdict: 'retry', error: String(code), ms: Date.now() - started };
  }
}
