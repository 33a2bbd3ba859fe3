// `tail`: every TikTok message, live. Webhook mode (default) runs the receiver (signature checked on
// the raw bytes, journaled before the 200), prints each event once (pretty on a terminal, JSON Lines
// otherwise), forwards to --forward-to from the journal, and replays the journal with --since. Poll
// mode (--poll) reads conversation/list and content/list instead, for machines with no public URL.
// The moving parts live in src/tail/ so a library entry point can reuse them.
import { asCliError, CliError, usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import { optionalSeconds, parseDuration } from '../io/duration.js';
import type { ResolvedAccount } from '../store/accounts.js';
import { isUnreadableDelivery, type DecodedEvent } from '../tiktok/events.js';
import { WEBHOOK_TOLERANCE_SECONDS } from '../tiktok/limits.js';
import { DedupeSet } from '../tail/dedupe.js';
import { eventJson, renderEvent, withoutRaw, type PrintContext } from '../tail/render.js';
import { callbackUrl, isLoopbackHost, journalDir, openJournal, pollSource, pollStatePath, registerCallback, registerEmbeddedSandbox, servedDirectory, sleep } from '../tail/setup.js';

export interface TailOptions {
  port?: number;
  host?: string;
  path?: string;
  tolerance?: number;
  poll?: boolean | string;
  since?: string;
  forwardTo?: string;
  forwardTimeout?: string | number;
  register?: boolean;
  publicUrl?: string;
  event?: string[];
  conversation?: string;
  count?: number;
  timeout?: number;
}

/** The port tail listens on when --port is not given (falls back to any free port when taken). */
export const DEFAULT_PORT = 7870;
export const DEFAULT_PATH = '/webhook';
export const DEFAULT_POLL_SECONDS = 5;
/** How long one forward may take before it counts as failed and is retried. */
export const DEFAULT_FORWARD_TIMEOUT_SECONDS = 10;
const MAX_POLL_BACKOFF_MS = 5 * 60 * 1000;
/** How far back the journal is read at start to recognise TikTok's redeliveries (it retries for 72 h). */
const DEDUPE_HORIZON_MS = 72 * 60 * 60 * 1000;

type StopReason = 'interrupt' | 'terminate' | 'count' | 'timeout';

/** The first reason to stop wins; `reason` is readable at once, `done` resolves with it. */
class Stop {
  reason: StopReason | undefined;
  readonly done: Promise<StopReason>;
  readonly signal: AbortSignal;
  private resolve!: (reason: StopReason) => void;
  private readonly controller = new AbortController();

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.signal = this.controller.signal;
  }

  stop(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.resolve(reason);
    this.controller.abort();
  }
}

interface Stats {
  received: number;
  printed: number;
  duplicates: number;
  filtered: number;
  refused: number;
  unknownAccount: number;
  replayed: number;
}

export function pollSeconds(value: boolean | string | undefined): number | undefined {
  return optionalSeconds(value, { flag: '--poll', fallback: DEFAULT_POLL_SECONDS, min: 0.5, max: 3600, whole: false });
}

export function forwardTimeoutSeconds(options: TailOptions): number {
  if (options.forwardTimeout === undefined) return DEFAULT_FORWARD_TIMEOUT_SECONDS;
  const text = String(options.forwardTimeout).trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 0.1 && seconds <= 3600)) throw usageError(`--forward-timeout must be a number of seconds from 0.1 to 3600 (got "${options.forwardTimeout}").`, 'e.g. --forward-timeout 30 for a target that is slow to answer.');
  return seconds;
}

export function checkTailOptions(options: TailOptions): void {
  const polling = options.poll !== undefined && options.poll !== false;
  if (options.forwardTimeout !== undefined && !options.forwardTo) throw usageError('--forward-timeout is only used with --forward-to.');
  forwardTimeoutSeconds(options);
  if (polling) {
    const webhookOnly = (['port', 'host', 'path', 'forwardTo', 'register', 'publicUrl', 'tolerance'] as const).filter((key) => options[key] !== undefined);
    if (webhookOnly.length) {
      const flag = webhookOnly[0]!.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
      throw usageError(`--${flag} is for webhook mode; --poll reads the API instead.`, 'Drop --poll to receive webhooks, or drop the webhook options to poll.');
    }
  }
  if (options.register && !options.publicUrl) {
    throw usageError('--register needs --public-url: the HTTPS URL at which TikTok reaches this receiver.', 'e.g. tiktok-channel tail --port 8080 --register --public-url https://example.ngrok.app/webhook');
  }
  if (options.publicUrl && !options.register) throw usageError('--public-url is only used with --register.', 'Add --register to set it as the app\'s callback.');
  if (options.forwardTo) {
    let url: URL | undefined;
    try {
      url = new URL(options.forwardTo);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw usageError(`--forward-to must be an http(s) URL (got "${options.forwardTo}").`);
  }
  if (options.since !== undefined) parseDuration(options.since, '--since');
  if (options.path !== undefined && !options.path.trim()) throw usageError('--path needs a path, e.g. --path /webhook.');
}

/** --event accepts event names (im_receive_msg) and kinds (message, reaction, read, referral …). */
function eventFilter(names: string[] | undefined): ((event: DecodedEvent) => boolean) | undefined {
  if (!names?.length) return undefined;
  const wanted = new Set(names.flatMap((name) => name.split(',')).map((name) => name.trim().toLowerCase()).filter(Boolean));
  return (event) => wanted.has((event.event ?? '').toLowerCase()) || wanted.has(event.kind);
}

export async function run(options: TailOptions, deps: Deps): Promise<number> {
  checkTailOptions(options);
  const { io } = deps;
  const interval = pollSeconds(options.poll);
  const sinceSeconds = options.since !== undefined ? parseDuration(options.since, '--since') : undefined;
  const sinceMs = sinceSeconds !== undefined ? deps.now() - sinceSeconds * 1000 : undefined;
  const json = io.json || !io.isStdoutTTY;
  const stats: Stats = { received: 0, printed: 0, duplicates: 0, filtered: 0, refused: 0, unknownAccount: 0, replayed: 0 };

  // Which events are shown: --account (global), --conversation, --event.
  const onlyAccount = deps.globals.account ? deps.resolveAccount(deps.globals.account).businessId : undefined;
  const matchesEvent = eventFilter(options.event);
  const shows = (event: DecodedEvent) =>
    (!onlyAccount || event.business_id === onlyAccount) &&
    (!options.conversation || event.conversation_id === options.conversation) &&
    (!matchesEvent || matchesEvent(event));

  // Stopping: Ctrl-C (130), SIGTERM (0), --count reached (0), --timeout (7 unless enough arrived).
  const stop = new Stop();
  const stopWith = (reason: StopReason) => stop.stop(reason);
  const onAbort = () => stopWith('interrupt');
  const onTerm = () => stopWith('terminate');
  if (deps.signal.aborted) stopWith('interrupt');
  deps.signal.addEventListener('abort', onAbort, { once: true });
  process.once('SIGTERM', onTerm);
  // `tail | head -1`: the reader left, so stop as cleanly as on SIGTERM (the journal keeps the rest).
  io.onStdoutClosed(() => stopWith('terminate'));
  const timer = options.timeout !== undefined ? setTimeout(() => stopWith('timeout'), options.timeout * 1000) : undefined;

  let labels: Map<string, string> | undefined;
  // Lines printed in the same tick go out in one write: under a burst, one syscall per batch, not per event.
  let lines: string[] = [];
  const flushLines = () => {
    if (!lines.length) return;
    const text = lines.join('\n');
    lines = [];
    io.out(text);
  };
  const out = (line: string) => {
    if (lines.push(line) === 1) setImmediate(flushLines);
  };
  /** True when the event was handled (printed, or filtered out); false once tail is stopping. */
  const print = (event: DecodedEvent, context: PrintContext = {}): boolean => {
    // After --count is reached nothing more is printed (it stays in the journal for --since).
    if (stop.reason !== undefined) return false;
    if (!shows(event)) {
      stats.filtered++;
      return true;
    }
    if (json) out(eventJson(event, context));
    else {
      const renderOptions = {
        color: io.color,
        accountLabel: labels && event.business_id ? labels.get(event.business_id) : undefined,
        unknownAccount: context.unknownAccount,
        receivedAt: context.receivedAt,
        replayed: context.replayed,
      };
      let line: string;
      try {
        line = renderEvent(event, renderOptions);
      } catch (error) {
        line = renderEvent({ ...withoutRaw(event, error, context), kind: 'unknown' }, renderOptions);
      }
      out(line);
    }
    stats.printed++;
    if (options.count !== undefined && stats.printed >= options.count) stopWith('count');
    return true;
  };

  try {
    const reason = interval !== undefined ? await pollMode(deps, interval, sinceMs, print, stats, stop) : await webhookMode(deps, options, sinceMs, print, stats, stop, (map) => (labels = map));
    if (reason === 'timeout') {
      const enough = options.count === undefined ? stats.printed > 0 : stats.printed >= options.count;
      if (!enough) {
        throw new CliError(
          'timeout',
          options.count === undefined
            ? `Nothing arrived in ${options.timeout} s.`
            : `${stats.printed} of ${options.count} event${options.count === 1 ? '' : 's'} arrived in ${options.timeout} s.`,
          {
            hint: 'Check that the callback points here (`tiktok-channel tail --register --public-url …`, or --poll), that the account\'s DM setting lets people write, and run `tiktok-channel doctor`.',
            details: { received: stats.received, printed: stats.printed },
          },
        );
      }
    }
    return reason === 'interrupt' ? 130 : 0;
  } finally {
    flushLines();
    if (timer) clearTimeout(timer);
    deps.signal.removeEventListener('abort', onAbort);
    process.off('SIGTERM', onTerm);
  }
}

async function webhookMode(
  deps: Deps,
  options: TailOptions,
  sinceMs: number | undefined,
  print: (event: DecodedEvent, context?: PrintContext) => boolean,
  stats: Stats,
  stop: Stop,
  setLabels: (labels: Map<string, string>) => void,
): Promise<StopReason> {
  const { io } = deps;
  const { accounts, directory } = servedDirectory(deps, 'Run `tiktok-channel connect` (the app secret is stored with the account), or set TIKTOK_CHANNEL_CLIENT_SECRET.');
  if (accounts.length > 1) setLabels(new Map(accounts.map((account) => [account.businessId, account.channelName])));
  // A receiver runs for days and takes bursts; by default V8 grows its young generation to 32 MB under a
  // burst and keeps it. Favouring size keeps tail's footprint small. Only V8's heap-sizing heuristics
  // read this flag after start-up, which is all we want from it.
  (await import('node:v8')).setFlagsFromString('--optimize-for-size');

  const { Journal } = await import('../tail/journal.js');
  const { startReceiver, normalizePath } = await import('../tail/receiver.js');
  const { ReplayGuard } = await import('../tail/replay-guard.js');
  const { decodeDelivery } = await import('../tail/delivery.js');
  const journal = await openJournal(Journal, journalDir(deps));
  const dedupe = new DedupeSet();
  const toleranceSeconds = options.tolerance ?? WEBHOOK_TOLERANCE_SECONDS;
  const replayGuard = new ReplayGuard({ toleranceSeconds, now: deps.now });
  const path = normalizePath(options.path ?? DEFAULT_PATH);
  const unknownAccount = (event: DecodedEvent) => {
    if (!event.business_id || directory.get(event.business_id)) return false;
    event.problems.push(`no account connected here has business_id ${event.business_id}: answered 200 and journaled, not handled`);
    return true;
  };
  // A signed delivery tail could not read: say where its exact bytes are, on the terminal and in JSON.
  const whereJournaled = (event: DecodedEvent, id: string, file: string) => {
    if (isUnreadableDelivery(event)) event.problems.push(`signed with the app secret, answered 200; its exact bytes are journal entry ${id} in ${file}`);
  };

  // 1. The journal: recognise recent deliveries again, and replay --since before going live.
  const horizon = Math.min(sinceMs ?? Infinity, deps.now() - DEDUPE_HORIZON_MS);
  for await (const meta of journal.entries({ since: horizon, withBody: false })) {
    replayGuard.remember(meta.key, meta.signedAt);
    if (meta.duplicate || dedupe.has(meta.key)) continue;
    if (sinceMs !== undefined && meta.at >= sinceMs) {
      // One entry that cannot be read or shown is reported and skipped, never the end of the replay.
      try {
        const entry = await journal.read(meta.ref);
        if (!entry) {
          io.warn(`Journal entry ${meta.id} in ${meta.ref.file} could not be read back; skipped.`);
          continue;
        }
        dedupe.add(meta.key, meta.signedAt);
        const event = decodeDelivery(entry.body);
        whereJournaled(event, meta.id, meta.ref.file);
        stats.replayed++;
        print(event, { unknownAccount: unknownAccount(event), receivedAt: entry.at, replayed: true, journalId: meta.id });
      } catch (error) {
        io.warn(`Journal entry ${meta.id} in ${meta.ref.file} could not be replayed (${(error as Error).message}); skipped.`);
      }
    } else {
      dedupe.add(meta.key, meta.signedAt);
    }
  }
  if (sinceMs !== undefined) io.info(io.color.dim(`Replayed ${stats.replayed} event${stats.replayed === 1 ? '' : 's'} from the journal (${journal.dir}).`));

  // 2. The forwarder, resuming what the journal still owes the target.
  let forwarder: import('../tail/forwarder.js').Forwarder | undefined;
  const { laneFor } = await import('../tail/forwarder.js');
  // Unreadable deliveries name no conversation to keep in order: a lane of their own, so a target that
  // keeps failing on them holds up nothing else.
  const laneOf = (event: DecodedEvent) => (isUnreadableDelivery(event) ? 'u:' : laneFor(event.conversation_id, event.business_id, event.event));
  if (options.forwardTo) {
    const { Forwarder } = await import('../tail/forwarder.js');
    let retriesShown = 0;
    forwarder = new Forwarder({
      url: options.forwardTo,
      journal,
      timeoutMs: forwardTimeoutSeconds(options) * 1000,
      debugLog: io.debug ? (line) => io.debugLog(line) : undefined,
      onRetry: (outcome) => {
        if (retriesShown++ < 5 || retriesShown % 100 === 0) {
          io.warn(`Forwarding to ${options.forwardTo} failed (${outcome.status ? `HTTP ${outcome.status}` : outcome.error}); retrying in ${Math.ceil(outcome.delayMs / 100) / 10} s. Deliveries stay in the journal meanwhile.`);
        }
      },
      onGaveUp: (outcome) =>
        io.warn(`${options.forwardTo} refused delivery ${outcome.item.ref.id} (${outcome.status ? `HTTP ${outcome.status}` : outcome.error}); not retried.`),
    });
    const resumed = await forwarder.resume((entry) => {
      try {
        const event = decodeDelivery(entry.body);
        return { lane: laneOf(event), deliveryId: event.id };
      } catch {
        return { lane: 'u:' };
      }
    });
    if (resumed) io.info(`Resuming ${resumed} unforwarded deliver${resumed === 1 ? 'y' : 'ies'} from the journal.`);
  }

  // 3. The receiver.
  let refusalsShown = 0;
  const host = options.host ?? '127.0.0.1';
  const receiverOptions = {
    host,
    path,
    toleranceSeconds,
    accounts: directory,
    journal,
    dedupe,
    replayGuard,
    forward: Boolean(forwarder),
    debugLog: io.debug ? (line: string) => io.debugLog(line) : undefined,
    onDelivery: ({ event, record, ref }: import('../tail/receiver.js').ReceivedDelivery) => {
      stats.received++;
      if (!dedupe.add(record.key, record.signedAt)) {
        stats.duplicates++;
        if (record.forward) journal.markForwarded(ref.id, 'ok');
        return;
      }
      forwarder?.enqueue({ ref, lane: laneOf(event), deliveryId: event.id });
      whereJournaled(event, ref.id, ref.file);
      const unknown = unknownAccount(event);
      if (unknown) stats.unknownAccount++;
      print(event, { unknownAccount: unknown, receivedAt: record.at, journalId: ref.id });
    },
    onRefused: (refusal: import('../tail/receiver.js').Refusal) => {
      stats.refused++;
      // Each of the first few is shown; under a flood, one line per thousand.
      if (refusalsShown++ < 10 || stats.refused % 1000 === 0) {
        io.err(io.color.dim(`refused ${refusal.status} (${refusal.reason})${refusal.remote ? ` from ${refusal.remote}` : ''}: ${refusal.message}${stats.refused > 10 ? ` [${stats.refused} refused so far]` : ''}`));
      }
    },
  };
  let receiver: import('../tail/receiver.js').Receiver;
  try {
    receiver = await startReceiver({ ...receiverOptions, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && options.port === undefined) {
      receiver = await startReceiver({ ...receiverOptions, port: 0 });
      io.warn(`Port ${DEFAULT_PORT} is taken (another tail?), so this one listens on ${receiver.port}; pass --port to choose.`);
    } else if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      await journal.close();
      throw usageError(`Cannot listen on ${host}:${options.port ?? DEFAULT_PORT} (${code}).`, 'Pick another --port (0 = any free port) or --host.');
    } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
      await journal.close();
      throw usageError(`Cannot listen on --host ${JSON.stringify(host)}: no such host or address (${code}).`, 'Give --host an address of this machine, e.g. 127.0.0.1 (the default), 0.0.0.0 or ::.');
    } else {
      await journal.close();
      throw error;
    }
  }
  io.err(`Ready! Listening on ${receiver.url} (Ctrl-C to quit)`);
  if (!isLoopbackHost(host)) io.warn(`Listening on ${host}: reachable from other machines, as asked with --host. Only signed deliveries are accepted.`);

  try {
    await registerIfAsked(deps, options, accounts, receiver.url, path);
  } catch (error) {
    await receiver.close(0);
    await forwarder?.stop(0);
    await journal.close();
    throw error;
  }

  // 4. Run until stopped, then: stop accepting, flush, summarise.
  const reason = await stop.done;
  await receiver.close();
  if (forwarder && reason !== 'interrupt') await forwarder.idle(5_000);
  await forwarder?.stop();
  await journal.close();
  const parts = [
    `${stats.received} received`,
    `${stats.printed} printed`,
    stats.replayed ? `${stats.replayed} replayed` : '',
    stats.duplicates ? `${stats.duplicates} duplicate${stats.duplicates === 1 ? '' : 's'}` : '',
    stats.filtered ? `${stats.filtered} filtered out` : '',
    `${stats.refused} refused`,
    stats.unknownAccount ? `${stats.unknownAccount} for accounts not connected here` : '',
    forwarder ? `${forwarder.forwarded} forwarded` : '',
    forwarder ? `${forwarder.pending} pending (resumed on the next start with --forward-to)` : '',
  ].filter(Boolean);
  io.err(`${reason === 'interrupt' ? 'Stopped' : 'Done'}: ${parts.join(', ')}. Journal: ${journal.dir}`);
  return reason;
}

async function registerIfAsked(deps: Deps, options: TailOptions, accounts: ResolvedAccount[], localUrl: string, path: string): Promise<void> {
  const { io } = deps;
  if (!options.register) {
    const registration = await registerEmbeddedSandbox(deps, accounts, localUrl);
    if (registration) {
      io.info(io.color.dim(`The embedded sandbox now delivers to ${localUrl} (previous callback: ${registration.previous ?? 'none'}).`));
    } else if (io.isStderrTTY && !io.json) {
      io.info(io.color.dim('TikTok delivers to your app\'s callback URL: expose this port over HTTPS (e.g. a tunnel) and run `tiktok-channel tail --register --public-url https://…`, or use --poll.'));
    }
    return;
  }
  const account = deps.resolveAccount();
  const url = callbackUrl(options.publicUrl!, path);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname) && account.sandbox !== 'embedded') {
    io.warn('TikTok only delivers to HTTPS callbacks: use an https:// --public-url (a tunnel such as ngrok or cloudflared gives one).');
  }
  const callback = url.toString();
  const registration = await registerCallback(deps, account, callback);
  const previous = registration.previous ?? 'none';
  if (registration.previous === callback) {
    io.success(`${callback} was already the DIRECT_MESSAGE callback of app ${account.clientKey}.`);
  } else {
    io.success(`Registered ${callback} as the DIRECT_MESSAGE callback of app ${account.clientKey} (previous: ${previous}).`);
  }
  io.warn(`The callback is app-wide: every account connected to app ${account.clientKey} now delivers here${registration.previous && registration.previous !== callback ? `, no longer to ${registration.previous}` : ''}.`);
}

async function pollMode(
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
          io.info(io.color.dim(`${result.skipped} earlier message${result.skipped === 1 ? ' is' : 's are'} not shown${sinceMs === undefined ? ' (--since 1h includes them)' : ''}; from now on every new one is.`));
        }
      }
      for (const conversation of result.gaps) {
        io.warn(`Conversation ${conversation}: more than 20 messages may have arrived since the last poll, and content/list returns only the 20 most recent, so some may be missing. Poll more often (--poll 2) or use webhooks.`);
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
  io.err(`${final === 'interrupt' ? 'Stopped' : 'Done'}: ${stats.printed} printed${stats.filtered ? `, ${stats.filtered} filtered out` : ''}. Poll position: ${pollStatePath(deps, account.businessId)}`);
  return final;
}
