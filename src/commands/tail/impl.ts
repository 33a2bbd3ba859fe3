// `tail`: every TikTok message, live. Webhook mode (default) runs the receiver (signature checked on
// the raw bytes, journaled before the 200), prints each event once (pretty on a terminal, JSON Lines
// otherwise), forwards to --forward-to from the journal, and replays the journal with --since. Poll
// mode (--poll) reads conversation/list and content/list instead, for machines with no public URL.
// With --forward-to each event is printed with the target's answer to it. `tail replay` (re-sending
// journaled deliveries, re-signed) is src/tail/replay.ts. The moving parts live in src/tail/ so a
// library entry point can reuse them. Events are printed through emit() (src/tail/print.ts).
import { CliError, usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { parseDuration } from '../../io/duration.js';
import { displaySafe } from '../../io/format.js';
import type { ResolvedAccount } from '../../store/accounts.js';
import { isUnreadableDelivery, type DecodedEvent } from '../../tiktok/events.js';
import { WEBHOOK_TOLERANCE_SECONDS } from '../../tiktok/limits.js';
import { DedupeSet } from '../../tail/dedupe.js';
import {
  checkTailOptions,
  DEDUPE_HORIZON_MS,
  DEFAULT_PATH,
  DEFAULT_PORT,
  eventFilter,
  forwardTimeoutSeconds,
  pollSeconds,
  type TailOptions,
} from '../../tail/options.js';
import { eventPrinter } from '../../tail/print.js';
import type { ForwardShown, PrintContext } from '../../tail/render.js';
import { callbackUrl, isLoopbackHost, journalDir, openJournal, registerCallback, servedDirectory } from '../../tail/setup.js';
import type { SandboxHold } from '../../tail/sandbox-callback.js';
import { Stop, type Stats, type StopReason } from '../../tail/stop.js';

export type { TailOptions };

export async function tail(options: TailOptions, deps: Deps): Promise<number> {
  checkTailOptions(options);
  const { io } = deps;
  const interval = pollSeconds(options.poll);
  const sinceSeconds = options.since !== undefined ? parseDuration(options.since, '--since') : undefined;
  const sinceMs = sinceSeconds !== undefined ? deps.now() - sinceSeconds * 1000 : undefined;
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
  const printer = eventPrinter(io, { batch: true });
  /** True when the event was handled (printed, or filtered out); false once tail is stopping. */
  const print = (event: DecodedEvent, context: PrintContext = {}): boolean => {
    // After --count is reached nothing more is printed (it stays in the journal for --since).
    if (stop.reason !== undefined && !(context.stopping && stop.reason !== 'count')) return false;
    if (!shows(event)) {
      stats.filtered++;
      return true;
    }
    printer.print(event, context, labels && event.business_id ? labels.get(event.business_id) : undefined);
    stats.printed++;
    if (options.count !== undefined && stats.printed >= options.count) stopWith('count');
    return true;
  };

  try {
    const reason =
      interval !== undefined
        ? await (await import('../../tail/poll-mode.js')).pollMode(deps, interval, sinceMs, print, stats, stop)
        : await webhookMode(deps, options, sinceMs, print, stats, stop, (map) => (labels = map));
    if (reason === 'timeout') {
      const enough = options.count === undefined ? stats.printed > 0 : stats.printed >= options.count;
      if (!enough) {
        throw new CliError(
          'timeout',
          options.count === undefined
            ? `Nothing arrived in ${options.timeout} s.`
            : `${stats.printed} of ${options.count} event${options.count === 1 ? '' : 's'} arrived in ${options.timeout} s.`,
          {
            hint: "Check that the callback points here (`tiktok-channel tail --register --public-url …`, or --poll), that the account's DM setting lets people write, and run `tiktok-channel doctor`.",
            details: { received: stats.received, printed: stats.printed },
          },
        );
      }
    }
    return reason === 'interrupt' ? 130 : 0;
  } finally {
    printer.flush();
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
  const { accounts, directory } = servedDirectory(
    deps,
    'Run `tiktok-channel connect` (the app secret is stored with the account), or set TIKTOK_CHANNEL_CLIENT_SECRET.',
  );
  if (accounts.length > 1) setLabels(new Map(accounts.map((account) => [account.businessId, account.channelName])));

  const { Journal } = await import('../../tail/journal.js');
  const { startReceiver, normalizePath } = await import('../../tail/receiver.js');
  const { ReplayGuard } = await import('../../tail/replay-guard.js');
  const { decodeDelivery } = await import('../../tail/delivery.js');
  const journal = await openJournal(Journal, journalDir(deps));
  const dedupe = new DedupeSet();
  const revocations = new (await import('../../tail/revocation.js')).RevocationMarker(deps);
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
  let forwarder: import('../../tail/forwarder.js').Forwarder | undefined;
  const { laneFor } = await import('../../tail/forwarder.js');
  // Unreadable deliveries name no conversation to keep in order: a lane of their own, so a target that
  // keeps failing on them holds up nothing else.
  const laneOf = (event: DecodedEvent) => (isUnreadableDelivery(event) ? 'u:' : laneFor(event.conversation_id, event.business_id, event.event));
  // An event whose forward started at once is printed with the target's answer to it (`→ 500 in 12 ms:
  // …`); one queued behind a lane still being retried is printed at once, saying so.
  const awaitingAnswer = new Map<string, { event: DecodedEvent; context: PrintContext }>();
  const QUEUED: ForwardShown = { error: 'queued behind a delivery being retried' };
  if (options.forwardTo) {
    const shownTarget = displaySafe(options.forwardTo);
    const { Forwarder } = await import('../../tail/forwarder.js');
    let retriesShown = 0;
    forwarder = new Forwarder({
      url: options.forwardTo,
      journal,
      timeoutMs: forwardTimeoutSeconds(options) * 1000,
      debugLog: io.debug ? (line) => io.debugLog(line) : undefined,
      onAnswer: (item, answer) => {
        const waiting = awaitingAnswer.get(item.ref.id);
        if (!waiting) return;
        awaitingAnswer.delete(item.ref.id);
        const forward: ForwardShown = {
          status: answer.status,
          error: answer.error,
          ms: answer.ms,
          bodyPreview: answer.bodyPreview,
          willRetry: answer.willRetry,
        };
        print(waiting.event, { ...waiting.context, forward });
      },
      onRetry: (outcome) => {
        // What waits behind a delivery being retried is shown now, not once the target recovers.
        for (const item of forwarder?.queuedBehind(outcome.item.lane) ?? []) {
          const waiting = awaitingAnswer.get(item.ref.id);
          if (!waiting) continue;
          awaitingAnswer.delete(item.ref.id);
          print(waiting.event, { ...waiting.context, forward: QUEUED });
        }
        if (retriesShown++ < 5 || retriesShown % 100 === 0) {
          io.warn(
            `Forwarding to ${shownTarget} failed (${outcome.status ? `HTTP ${outcome.status}` : displaySafe(String(outcome.error))}); retrying in ${Math.ceil(outcome.delayMs / 100) / 10} s. Deliveries stay in the journal meanwhile.`,
          );
        }
      },
      onGaveUp: (outcome) =>
        io.warn(
          `${shownTarget} refused delivery ${outcome.item.ref.id} (${outcome.status ? `HTTP ${outcome.status}` : displaySafe(String(outcome.error))}); not retried.`,
        ),
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
    onDelivery: ({ event, record, ref }: import('../../tail/receiver.js').ReceivedDelivery) => {
      stats.received++;
      if (!dedupe.add(record.key, record.signedAt)) {
        stats.duplicates++;
        if (record.forward) journal.markForwarded(ref.id, 'ok');
        return;
      }
      const started = forwarder?.enqueue({ ref, lane: laneOf(event), deliveryId: event.id });
      whereJournaled(event, ref.id, ref.file);
      const unknown = unknownAccount(event);
      if (unknown) stats.unknownAccount++;
      const context: PrintContext = { unknownAccount: unknown, receivedAt: record.at, journalId: ref.id };
      if (started) awaitingAnswer.set(ref.id, { event, context });
      else print(event, forwarder ? { ...context, forward: QUEUED } : context);
      if (!unknown) revocations.handle(event, record.at);
    },
    onRefused: (refusal: import('../../tail/receiver.js').Refusal) => {
      stats.refused++;
      // Each of the first few is shown; under a flood, one line per thousand.
      if (refusalsShown++ < 10 || stats.refused % 1000 === 0) {
        io.err(
          io.color.dim(
            `refused ${refusal.status} (${refusal.reason})${refusal.remote ? ` from ${refusal.remote}` : ''}: ${displaySafe(refusal.message)}${stats.refused > 10 ? ` [${stats.refused} refused so far]` : ''}`,
          ),
        );
      }
    },
  };
  let receiver: import('../../tail/receiver.js').Receiver;
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
      throw usageError(
        `Cannot listen on --host ${JSON.stringify(host)}: no such host or address (${code}).`,
        'Give --host an address of this machine, e.g. 127.0.0.1 (the default), 0.0.0.0 or ::.',
      );
    } else {
      await journal.close();
      throw error;
    }
  }
  io.err(`Ready! Listening on ${receiver.url} (Ctrl-C to quit)`);
  if (!isLoopbackHost(host)) io.warn(`Listening on ${host}: reachable from other machines, as asked with --host. Only signed deliveries are accepted.`);

  let hold: SandboxHold | undefined;
  try {
    hold = await registerIfAsked(deps, options, accounts, receiver.url, path);
  } catch (error) {
    await receiver.close(0);
    await forwarder?.stop(0);
    await journal.close();
    throw error;
  }

  // 4. Run until stopped, then: stop accepting, flush, summarise.
  const reason = await stop.done;
  // Events still waiting for their forward's answer arrived all the same: shown, unless --count was reached.
  for (const { event, context } of awaitingAnswer.values())
    print(event, { ...context, stopping: true, forward: { error: 'no answer yet when tail stopped (owed in the journal)' } });
  awaitingAnswer.clear();
  // The callback is given back first: deliveries meanwhile go where they went before this tail.
  const released = await hold?.release().catch((error: unknown) => `Could not give the embedded sandbox's callback back (${(error as Error).message}).`);
  await receiver.close();
  await revocations.settled();
  if (forwarder && reason !== 'interrupt') await forwarder.idle(5_000);
  // A Ctrl-C that stopped tail leaves forwards in flight their grace; one pressed while a --count or
  // --timeout stop drains them ends the wait at once.
  await forwarder?.stop(undefined, reason === 'interrupt' ? undefined : deps.signal);
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
  if (released) io.info(io.color.dim(released));
  io.err(`${reason === 'interrupt' ? 'Stopped' : 'Done'}: ${parts.join(', ')}. Journal: ${journal.dir}`);
  return reason;
}

/** Returns the embedded sandbox's hold on its callback, to give back when tail stops. */
async function registerIfAsked(
  deps: Deps,
  options: TailOptions,
  accounts: ResolvedAccount[],
  localUrl: string,
  path: string,
): Promise<SandboxHold | undefined> {
  const { io } = deps;
  if (!options.register) {
    const { holdEmbeddedSandbox } = await import('../../tail/sandbox-callback.js');
    const hold = await holdEmbeddedSandbox(deps, accounts, localUrl, Boolean(options.takeOver));
    if (hold) {
      const before = hold.previous
        ? `taken over from ${hold.previous}, given back on exit`
        : hold.stale
          ? `previous callback ${hold.stale} no longer answered`
          : 'previous callback: none';
      io.info(io.color.dim(`The embedded sandbox now delivers to ${localUrl} (${before}).`));
    } else if (io.isStderrTTY && !io.json) {
      io.info(
        io.color.dim(
          "TikTok delivers to your app's callback URL: expose this port over HTTPS (e.g. a tunnel) and run `tiktok-channel tail --register --public-url https://…`, or use --poll.",
        ),
      );
    }
    return hold;
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
  io.warn(
    `The callback is app-wide: every account connected to app ${account.clientKey} now delivers here${registration.previous && registration.previous !== callback ? `, no longer to ${registration.previous}` : ''}.`,
  );
  return undefined;
}
