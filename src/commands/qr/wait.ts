// `qr --wait`: the docs' "testing the connection" (scan the code, send a message, see it arrive) as one
// wait. Either through webhooks (a receiver on --port, journaled like tail's) or by polling, it waits for
// an arrival carrying this code's `ref` tag: the referral TikTok sends back, or a message in a chat whose
// conversation/list referral holds the tag. Anyone else who writes meanwhile is shown as a dim line and
// does not count: on a busy account any DM would otherwise "prove" a code nobody scanned. Says who came
// and what they wrote; times out with what to check.
import { asCliError, CliError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { displaySafe } from '../../io/format.js';
import type { ResolvedAccount } from '../../store/accounts.js';
import type { DecodedEvent } from '../../tiktok/events.js';
import { describeEvent } from '../../tiktok/event-describe.js';
import { WEBHOOK_TOLERANCE_SECONDS } from '../../tiktok/limits.js';
import { DedupeSet } from '../../tail/dedupe.js';
import type { PollSource } from '../../tail/poller.js';
import { journalDir, pollSource, servedDirectory, sleep } from '../../tail/setup.js';

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
  /** Other people who arrived or wrote during the wait, not through this code. */
  othersSeen: number;
  /** "@maya arrived through this QR code and wrote "Hi" – messages reach you" */
  summary: string;
}

function quote(text: string): string {
  const characters = [...text.replace(/\s+/g, ' ')];
  return characters.length > 80 ? `${characters.slice(0, 79).join('')}…` : text;
}

function who(event: DecodedEvent): string {
  return event.user?.username ? `@${event.user.username}` : 'Someone';
}

/** The short-link tags of a conversation/list referral (an array per TikTok; one object tolerated). */
export function shortLinkRefs(referral: Record<string, unknown> | undefined): string[] {
  const links = referral?.short_link;
  const entries = Array.isArray(links) ? links : links ? [links] : [];
  return entries.flatMap((entry) =>
    entry && typeof entry === 'object' && typeof (entry as { ref?: unknown }).ref === 'string' ? [(entry as { ref: string }).ref] : [],
  );
}

/** Bounds the messages kept from before a referral (a message can overtake its referral). */
const EARLY_MESSAGES = 200;

/** Watches events for an arrival through `ref`, and that person's first message. */
export class ContactWatcher {
  referral?: DecodedEvent;
  message?: DecodedEvent;
  private settle?: () => void;
  private graceTimer?: NodeJS.Timeout;
  /** Chats whose conversation/list referral holds the tag (polling): a message there is this code's. */
  private readonly linked = new Set<string>();
  /** The first inbound message per chat, from before this code's referral arrived. */
  private readonly early = new Map<string, DecodedEvent>();
  private readonly others = new Set<string>();
  readonly done: Promise<void>;

  constructor(
    private readonly businessId: string,
    readonly ref: string,
    private readonly graceMs: number,
    /** Shows someone else's arrival or message (a dim line). */
    private readonly note: (line: string) => void = () => undefined,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get othersSeen(): number {
    return this.others.size;
  }

  get linkedCount(): number {
    return this.linked.size;
  }

  /** A chat opened through this code earlier (its conversation/list referral holds the tag). */
  link(conversationId: string): void {
    this.linked.add(conversationId);
  }

  feed(event: DecodedEvent): void {
    if (event.business_id && event.business_id !== this.businessId) return;
    if (this.message) return;
    if (event.kind === 'referral') {
      if (event.referral?.ref === this.ref) {
        if (this.referral) return;
        this.referral = event;
        const early = [...this.early.values()].find((message) => this.samePerson(message));
        if (early) {
          this.message = early;
          this.others.delete(this.personKey(early));
          this.finish();
          return;
        }
        // They arrived; they usually write at once (the pre-filled message). Wait a little for it.
        this.graceTimer = setTimeout(() => this.finish(), this.graceMs);
        this.graceTimer.unref();
        return;
      }
      const through = event.referral?.ref ? `another link (ref ${event.referral.ref})` : event.referral?.source === 'ad' ? 'an ad' : 'another link';
      this.other(event, `${who(event)} arrived through ${through}; still waiting for this code`);
      return;
    }
    const writes = (event.kind === 'message' && event.direction === 'inbound') || event.kind === 'eu_message';
    if (!writes) return;
    if (this.samePerson(event) || (event.conversation_id !== null && this.linked.has(event.conversation_id))) {
      this.message = event;
      this.finish();
      return;
    }
    if (event.kind === 'eu_message') {
      // TikTok withholds who wrote and in which chat: it cannot be matched to this code.
      this.other(
        event,
        'Someone in the EEA, Switzerland or the UK wrote (TikTok withholds who, so it cannot be matched to this code); still waiting for this code',
      );
      return;
    }
    if (event.conversation_id && !this.early.has(event.conversation_id) && this.early.size < EARLY_MESSAGES) this.early.set(event.conversation_id, event);
    this.other(event, `${who(event)} wrote, not through this code; still waiting for this code`);
  }

  private samePerson(event: DecodedEvent): boolean {
    const referral = this.referral;
    if (!referral) return false;
    if (referral.conversation_id && event.conversation_id) return referral.conversation_id === event.conversation_id;
    return Boolean(referral.user?.id && event.user?.id && referral.user.id === event.user.id);
  }

  private personKey(event: DecodedEvent): string {
    return event.conversation_id ?? event.user?.id ?? event.id;
  }

  private other(event: DecodedEvent, line: string): void {
    this.others.add(this.personKey(event));
    this.note(line);
  }

  finish(): void {
    clearTimeout(this.graceTimer);
    this.settle?.();
  }

  /** Whether this code's arrival (or a message in a chat it opened) was seen. */
  get found(): boolean {
    return Boolean(this.referral || this.message);
  }

  contact(): Contact {
    const referral = this.referral;
    const message = this.message;
    const user = referral?.user?.username ? referral.user : (message?.user ?? referral?.user ?? null);
    const name = user?.username ? `@${user.username}` : message?.kind === 'eu_message' ? 'Someone in the EEA, Switzerland or the UK' : 'Someone';
    const text = message ? (message.kind === 'eu_message' ? null : (message.text ?? describeEvent(message))) : null;
    const wrote = message ? (text !== null ? ` wrote "${quote(text)}"` : ' wrote (TikTok withholds the text of EEA, Swiss and UK users)') : '';
    const summary = referral
      ? `${name} arrived through this QR code${wrote ? ` and${wrote}` : ' (no message yet)'} – messages reach you`
      : `${name}${wrote} in a chat that started through this QR code – messages reach you`;
    return {
      user,
      conversationId: referral?.conversation_id ?? message?.conversation_id ?? null,
      text,
      referral,
      message,
      othersSeen: this.othersSeen,
      summary,
    };
  }
}

export async function waitForContact(deps: Deps, options: ContactOptions): Promise<Contact> {
  const { io } = deps;
  const startedAt = deps.now();
  const account = deps.resolveAccount();
  const watcher = new ContactWatcher(account.businessId, options.ref, options.graceMs ?? 30_000, (line) => io.err(io.color.dim(displaySafe(line))));
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
  io.err(`Waiting up to ${options.seconds} s (${how}) for someone to arrive through ${options.url} (only an arrival with the tag ${options.ref} counts)…`);
  let watch: Promise<void> | undefined;
  try {
    const watching =
      options.port !== undefined
        ? watchWebhooks(deps, options.port, watcher, stop.signal)
        : watchPolling(deps, account, watcher, stop.signal, options.pollIntervalMs ?? 2_000, startedAt);
    watch = watching;
    await io.progress('Waiting for someone to scan the code and write…', () => Promise.race([watcher.done, ended, watching.then(() => ended)]));
    if (watcher.found) {
      watcher.finish();
      return watcher.contact();
    }
    if (deps.signal.aborted) throw new CliError('cancelled', 'Cancelled.');
    if (!timedOut) throw new CliError('unexpected', 'Stopped waiting before anyone arrived.');
    const others = watcher.othersSeen;
    throw new CliError(
      'timeout',
      `No one arrived through ${options.url} within ${options.seconds} s.${others ? ` ${others === 1 ? '1 other person' : `${others} other people`} wrote, not through this code.` : ''}`,
      {
        hint:
          options.port !== undefined
            ? "Check that the account's DM setting lets everyone write, that the app's webhook callback reaches this port (`tiktok-channel tail --register --public-url …`), or drop --port to poll; `tiktok-channel doctor` checks dm-setting and webhook."
            : "Check that the account's DM setting lets everyone write and that the message was sent to this account; `tiktok-channel doctor` checks dm-setting, webhook and the messaging window.",
      },
    );
  } finally {
    clearTimeout(timer);
    deps.signal.removeEventListener('abort', onAbort);
    stop.abort();
    // The webhook watch ends what it started (the sandbox's callback given back, the receiver closed)
    // before the command exits; its own failure was already reported through the race above. A poll in
    // flight holds nothing and is not waited for.
    if (options.port !== undefined) await watch?.catch(() => undefined);
  }
}

async function watchWebhooks(deps: Deps, port: number, watcher: ContactWatcher, signal: AbortSignal): Promise<void> {
  const { io } = deps;
  const { accounts, directory } = servedDirectory(deps, 'Run `tiktok-channel connect`, set TIKTOK_CHANNEL_CLIENT_SECRET, or drop --port to poll.');
  const { Journal } = await import('../../tail/journal.js');
  const { startReceiver } = await import('../../tail/receiver.js');
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
      onRefused: (refusal) => io.err(io.color.dim(`refused ${refusal.status} (${refusal.reason}): ${displaySafe(refusal.message)}`)),
      debugLog: io.debug ? (line) => io.debugLog(line) : undefined,
    });
  } catch (error) {
    await journal.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new CliError('usage', `Cannot listen on 127.0.0.1:${port} (${code}).`, { hint: 'Pick another --port, or drop --port to poll.' });
    throw error;
  }
  let hold: import('../../tail/sandbox-callback.js').SandboxHold | undefined;
  try {
    io.err(`Listening on ${receiver.url}`);
    // The embedded sandbox's callback is held the way tail holds it, and given back on every way out
    // (arrival, --wait's time up, Ctrl-C): a receiver that stopped must not stay its callback.
    const { holdEmbeddedSandbox } = await import('../../tail/sandbox-callback.js');
    hold = await holdEmbeddedSandbox(deps, accounts, receiver.url, true);
    if (hold)
      io.info(
        io.color.dim(`The embedded sandbox now delivers to ${receiver.url}${hold.previous ? ` (taken over from ${hold.previous}, given back on exit)` : ''}.`),
      );
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      void watcher.done.then(resolve);
    });
  } finally {
    const released = await hold?.release().catch((error: unknown) => `Could not give the embedded sandbox's callback back (${(error as Error).message}).`);
    if (released) io.info(io.color.dim(released));
    await receiver.close(1_000);
    await journal.close();
  }
}

async function watchPolling(
  deps: Deps,
  account: ResolvedAccount,
  watcher: ContactWatcher,
  signal: AbortSignal,
  intervalMs: number,
  startedAt: number,
): Promise<void> {
  const { Poller, isTransient } = await import('../../tail/poller.js');
  // The first look records what already exists; anything newer than the start of the wait counts.
  const source = await pollSource(deps, account);
  let linkedBefore: number | undefined;
  const watched: PollSource = {
    businessId: source.businessId,
    listMessages: (conversationId) => source.listMessages(conversationId),
    // A chat opened through this tag before the wait: a new message there counts as this code's.
    listConversations: async (type, until) => {
      const conversations = await source.listConversations(type, until);
      for (const conversation of conversations) if (shortLinkRefs(conversation.referral).includes(watcher.ref)) watcher.link(conversation.conversationId);
      return conversations;
    },
  };
  const poller = new Poller({ source: watched, now: deps.now, since: startedAt });
  let delay = intervalMs;
  let settled = false;
  void watcher.done.then(() => (settled = true));
  while (!signal.aborted && !settled) {
    try {
      const result = await poller.poll();
      for (const event of result.events) watcher.feed(event);
      if (linkedBefore === undefined) {
        linkedBefore = watcher.linkedCount;
        if (linkedBefore)
          deps.io.err(
            deps.io.color.dim(
              `${linkedBefore === 1 ? '1 earlier chat' : `${linkedBefore} earlier chats`} started through ${watcher.ref}: a new message there counts too.`,
            ),
          );
      }
      delay = intervalMs;
    } catch (error) {
      if (signal.aborted) break;
      error = asCliError(error);
      if (!isTransient(error)) throw error;
      delay = Math.min(delay * 2, 60_000);
      deps.io.warn(`${(error as Error).message}; looking again in ${Math.round(delay / 1000)} s.`);
    }
    if (settled) break;
    await sleep(delay, signal);
  }
}
