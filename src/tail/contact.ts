// `qr --wait`: the docs' "testing the connection" (scan the code, send a message, see it arrive) as one
// wait. Either through webhooks (a receiver on --port, journaled like tail's) or by polling, it watches
// for an arrival through the link's fresh `ref` tag or a new message, whichever comes first, and says
// who it was. Times out with what to check.
import { CliError } from '../errors.js';
import type { Deps } from '../deps.js';
import type { ResolvedAccount } from '../store/accounts.js';
import { describeEvent, type DecodedEvent } from '../tiktok/events.js';
import { WEBHOOK_TOLERANCE_SECONDS } from '../tiktok/limits.js';
import { DedupeSet } from './dedupe.js';
import { journalDir, pollSource, registerEmbeddedSandbox, servedDirectory, sleep } from './setup.js';

export interface ContactOptions {
  ref: string;
  url: string;
  seconds: number;
  /** Receive webhooks on this port (0 = any); undefined = poll. */
  port?: number;
  /** How long to wait for the first message after someone arrived without writing (default 30 s). */
  graceMs?: number;
  pollIntervalMs?: number;
}

export interface Contact {
  user: { id: string | null; username: string | null } | null;
  conversationId: string | null;
  text: string | null;
  referral?: DecodedEvent;
  message?: DecodedEvent;
  /** "@maya arrived through this QR code and wrote "Hi" – messages reach you" */
  summary: string;
}

function quote(text: string): string {
  const characters = [...text.replace(/\s+/g, ' ')];
  return characters.length > 80 ? `${characters.slice(0, 79).join('')}…` : text;
}

/** Watches events for an arrival through `ref` or an inbound message of the account. */
export class ContactWatcher {
  referral?: DecodedEvent;
  message?: DecodedEvent;
  private settle?: () => void;
  private graceTimer?: NodeJS.Timeout;
  readonly done: Promise<void>;

  constructor(
    private readonly businessId: string,
    private readonly ref: string,
    private readonly graceMs: number,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  feed(event: DecodedEvent): void {
    if (event.business_id && event.business_id !== this.businessId) return;
    if (event.kind === 'referral' && event.referral?.ref === this.ref && !this.referral) {
      this.referral = event;
      // They arrived; they usually write at once (the pre-filled message). Wait a little for it.
      this.graceTimer = setTimeout(() => this.finish(), this.graceMs);
      this.graceTimer.unref();
      return;
    }
    const writes = (event.kind === 'message' && event.direction === 'inbound') || event.kind === 'eu_message';
    if (!writes || this.message) return;
    if (this.referral && event.conversation_id && this.referral.conversation_id && event.conversation_id !== this.referral.conversation_id) return;
    this.message = event;
    this.finish();
  }

  finish(): void {
    clearTimeout(this.graceTimer);
    this.settle?.();
  }

  contact(): Contact {
    const referral = this.referral;
    const message = this.message;
    const user = referral?.user?.username ? referral.user : (message?.user ?? referral?.user ?? null);
    const who = user?.username ? `@${user.username}` : message?.kind === 'eu_message' ? 'Someone in the EEA, Switzerland or the UK' : 'Someone';
    const text = message ? (message.kind === 'eu_message' ? null : message.text ?? describeEvent(message)) : null;
    const wrote = message ? (text !== null ? ` wrote "${quote(text)}"` : ' wrote (TikTok withholds the text of EEA, Swiss and UK users)') : '';
    const summary = referral
      ? `${who} arrived through this QR code${wrote ? ` and${wrote}` : ''} – messages reach you`
      : `${who}${wrote} – messages reach you`;
    return {
      user,
      conversationId: referral?.conversation_id ?? message?.conversation_id ?? null,
      text,
      referral,
      message,
      summary,
    };
  }
}

export async function waitForContact(deps: Deps, options: ContactOptions): Promise<Contact> {
  const { io } = deps;
  const startedAt = deps.now();
  const account = deps.resolveAccount();
  const watcher = new ContactWatcher(account.businessId, options.ref, options.graceMs ?? 30_000);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  deps.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, options.seconds * 1000);
  const ended = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));

  const how = options.port !== undefined ? 'webhooks' : 'polling';
  io.err(`Waiting up to ${options.seconds} s (${how}) for someone to arrive through ${options.url} or write…`);
  try {
    const watch = options.port !== undefined ? watchWebhooks(deps, options.port, watcher, stop.signal) : watchPolling(deps, account, watcher, stop.signal, options.pollIntervalMs ?? 2_000, startedAt);
    await io.progress('Waiting for someone to scan the code and write…', () => Promise.race([watcher.done, ended, watch.then(() => ended)]));
    if (watcher.referral || watcher.message) {
      watcher.finish();
      return watcher.contact();
    }
    if (deps.signal.aborted) throw new CliError('cancelled', 'Cancelled.');
    if (!timedOut) throw new CliError('unexpected', 'Stopped waiting before anyone arrived.');
    throw new CliError('timeout', `No one arrived through ${options.url} or wrote within ${options.seconds} s.`, {
      hint:
        options.port !== undefined
          ? 'Check that the account\'s DM setting lets everyone write, that the app\'s webhook callback reaches this port (`tiktok-channel tail --register --public-url …`), or drop --port to poll; `tiktok-channel doctor` checks dm-setting and webhook.'
          : 'Check that the account\'s DM setting lets everyone write and that the message was sent to this account; `tiktok-channel doctor` checks dm-setting, webhook and the messaging window.',
    });
  } finally {
    clearTimeout(timer);
    deps.signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

async function watchWebhooks(deps: Deps, port: number, watcher: ContactWatcher, signal: AbortSignal): Promise<void> {
  const { io } = deps;
  const { accounts, directory } = servedDirectory(deps, 'Run `tiktok-channel connect`, set TIKTOK_CHANNEL_CLIENT_SECRET, or drop --port to poll.');
  const { Journal } = await import('./journal.js');
  const { startReceiver } = await import('./receiver.js');
  const journal = await Journal.open({ dir: journalDir(deps) });
  const dedupe = new DedupeSet();
  let receiver;
  try {
    receiver = await startReceiver({
      host: '127.0.0.1',
      port,
      path: '/webhook',
      toleranceSeconds: WEBHOOK_TOLERANCE_SECONDS,
      accounts: directory,
      journal,
      dedupe,
      forward: false,
      onDelivery: ({ event, record }) => {
        if (dedupe.add(record.key, record.signedAt)) watcher.feed(event);
      },
      onRefused: (refusal) => io.err(io.color.dim(`refused ${refusal.status} (${refusal.reason}): ${refusal.message}`)),
      debugLog: io.debug ? (line) => io.debugLog(line) : undefined,
    });
  } catch (error) {
    await journal.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new CliError('usage', `Cannot listen on 127.0.0.1:${port} (${code}).`, { hint: 'Pick another --port, or drop --port to poll.' });
    throw error;
  }
  try {
    io.err(`Listening on ${receiver.url}`);
    const registration = await registerEmbeddedSandbox(deps, accounts, receiver.url);
    if (registration) io.info(io.color.dim(`The embedded sandbox now delivers to ${receiver.url}.`));
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      void watcher.done.then(resolve);
    });
  } finally {
    await receiver.close(1_000);
    await journal.close();
  }
}

async function watchPolling(deps: Deps, account: ResolvedAccount, watcher: ContactWatcher, signal: AbortSignal, intervalMs: number, startedAt: number): Promise<void> {
  const { Poller, isTransient } = await import('./poller.js');
  // The first look records what already exists; anything newer than the start of the wait counts.
  const poller = new Poller({ source: await pollSource(deps, account), now: deps.now, since: startedAt });
  let delay = intervalMs;
  let settled = false;
  void watcher.done.then(() => (settled = true));
  while (!signal.aborted && !settled) {
    try {
      const result = await poller.poll();
      for (const event of result.events) watcher.feed(event);
      delay = intervalMs;
    } catch (error) {
      if (signal.aborted) break;
      if (!isTransient(error)) throw error;
      delay = Math.min(delay * 2, 60_000);
      deps.io.warn(`${(error as Error).message}; looking again in ${Math.round(delay / 1000)} s.`);
    }
    if (settled) break;
    await sleep(delay, signal);
  }
}
