// Poll mode, for machines with no public URL: conversation/list (newest first, stopping at the first
// page that holds nothing new), then content/list for each conversation that changed, decoded once by
// the one decoder (decodeRestMessage, in getConversationContent), so poll mode prints what webhook mode prints. Only messages not seen
// before are emitted; the seen set and each conversation's position are kept in the config dir, so a
// restart neither repeats nor misses. content/list returns only the 20 most recent messages: when all
// 20 are new since the last look, older ones may have been missed, and the poller says so.
// Nothing is marked seen and no position moves until the events are handed on: a conversation whose
// content/list fails keeps its old position (read again next time), and with deferred commits (tail)
// only what was actually printed is committed, conversation by conversation.
// Arrivals through a tiktok.me link or an ad show up in conversation/list's `referral`; each new one is
// emitted as an im_referral_msg event (decoded by decodeEvent) before that conversation's messages.
import { mkdir, readFile, rename, writeFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import { asCliError, CliError } from '../errors.js';
import { decodeEvent, eventDedupeKey, type DecodedEvent } from '../tiktok/events.js';
import type { Conversation, ConversationType } from '../tiktok/messaging-api.js';
import { CONTENT_LIST_MAX_MESSAGES } from '../tiktok/limits.js';

/** The two reads poll mode needs, bound to one account (the command wraps them in its session). */
export interface PollSource {
  businessId: string;
  listConversations(type: ConversationType, until: (conversation: Conversation) => boolean): Promise<Conversation[]>;
  /** A conversation's messages, decoded by decodeRestMessage and oldest first (getConversationContent). */
  listMessages(conversationId: string): Promise<DecodedEvent[]>;
}

export interface PollState {
  version: 1;
  business_id: string;
  /** The newest conversation update_time seen (ms); 0 before the first poll. */
  watermark: number;
  conversations: Record<string, { update_time: number; newest: number }>;
  /** Recently seen event keys, oldest first (bounded). */
  seen: string[];
  updated_at: number;
}

/** One conversation's share of a poll: what to commit once its events were handed on. */
export interface PollBatch {
  events: DecodedEvent[];
  /** The key of each event, in order. */
  keys: string[];
  /** Keys recorded as seen without being shown (the first poll's older messages). */
  silent: string[];
  conversationId: string;
  position: { update_time: number; newest: number };
}

export interface PollFailure {
  conversationId: string;
  updateTime: number;
  error: unknown;
}

export interface PollResult {
  events: DecodedEvent[];
  batches: PollBatch[];
  /** Conversations whose messages could not be read this time (deferred mode; otherwise poll throws). */
  failures: PollFailure[];
  /** Conversations where more than 20 messages may have arrived since the last look. */
  gaps: string[];
  /** First poll without saved state: what exists was recorded as seen (and shown only within `since`). */
  baseline: boolean;
  /** Messages that existed before the first poll and were not shown. */
  skipped: number;
}

export interface PollerOptions {
  source: PollSource;
  /** Where the state is kept; undefined = memory only (qr --wait). */
  statePath?: string;
  /** On the first poll, show messages newer than this (epoch ms); older ones only become "seen". */
  since?: number;
  now?: () => number;
  /** How many seen keys are kept (default 10,000). */
  seenCapacity?: number;
}

const HISTORY_MS = 90 * 24 * 60 * 60 * 1000;

function emptyState(businessId: string): PollState {
  return { version: 1, business_id: businessId, watermark: 0, conversations: {}, seen: [], updated_at: 0 };
}

/** A referral of conversation/list as the im_referral_msg TikTok would have delivered (same decoder). */
function referralEvent(
  businessId: string,
  conversation: Conversation,
  source: 'short_link' | 'ad',
  entry: Record<string, unknown>,
  time: number,
): DecodedEvent {
  const referral = source === 'short_link' ? { source, short_link: entry } : { source, ad: entry };
  const event = decodeEvent({
    event: 'im_referral_msg',
    user_openid: businessId,
    create_time: time,
    content: JSON.stringify({
      conversation_id: conversation.conversationId,
      timestamp: typeof entry.timestamp === 'number' ? entry.timestamp : time,
      referral,
    }),
  });
  event.origin = 'rest';
  event.direction = 'inbound';
  return event;
}

export class Poller {
  private state: PollState;
  private seen: Set<string>;
  private loaded = false;

  constructor(private readonly options: PollerOptions) {
    this.state = emptyState(options.source.businessId);
    this.seen = new Set();
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.options.statePath) return;
    try {
      const parsed = JSON.parse(await readFile(this.options.statePath, 'utf8')) as PollState;
      if (parsed.version === 1 && parsed.business_id === this.options.source.businessId && Array.isArray(parsed.seen)) {
        this.state = { ...emptyState(parsed.business_id), ...parsed };
        this.seen = new Set(parsed.seen);
      }
    } catch {
      // No state yet (or unreadable): this is a first poll.
    }
  }

  private remember(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.state.seen.push(key);
    return true;
  }

  private async save(): Promise<void> {
    const capacity = this.options.seenCapacity ?? 10_000;
    if (this.state.seen.length > capacity) {
      const dropped = this.state.seen.splice(0, this.state.seen.length - capacity);
      for (const key of dropped) this.seen.delete(key);
    }
    const cutoff = this.now - HISTORY_MS;
    for (const [id, position] of Object.entries(this.state.conversations)) if (position.update_time < cutoff) delete this.state.conversations[id];
    this.state.updated_at = this.now;
    if (!this.options.statePath) return;
    const path = this.options.statePath;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(this.state), { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  }

  /**
   * One look at the account. By default it commits what it returns, and throws (committing nothing)
   * when any conversation fails. With `defer`, it returns what could be read plus the failures, and
   * the caller commits with `commit()` once the events were handed on.
   */
  async poll(options: { defer?: boolean } = {}): Promise<PollResult> {
    const result = await this.look();
    if (options.defer) return result;
    if (result.failures.length) throw result.failures[0]!.error;
    await this.commit(result);
    return result;
  }

  /**
   * Commits a poll's result: `handled` is how many of `result.events` were handed on (all by default).
   * A conversation handed on in full moves its position; one cut short keeps it (its handled events
   * become seen, the rest are read again next time). A failed conversation keeps its position, and the
   * watermark stays at or below it so the listing reaches it again.
   */
  async commit(result: PollResult, handled = result.events.length): Promise<void> {
    let left = handled;
    let ceiling = Infinity;
    for (const failure of result.failures) ceiling = Math.min(ceiling, failure.updateTime);
    let watermark = this.state.watermark;
    for (const batch of result.batches) {
      const shown = Math.min(left, batch.events.length);
      left -= shown;
      for (const key of batch.keys.slice(0, shown)) this.remember(key);
      if (shown < batch.events.length) {
        ceiling = Math.min(ceiling, batch.position.update_time);
        continue;
      }
      for (const key of batch.silent) this.remember(key);
      this.state.conversations[batch.conversationId] = batch.position;
      watermark = Math.max(watermark, batch.position.update_time);
    }
    // The listing stops at conversations older than the watermark: keep a failed one within reach.
    this.state.watermark = Math.max(this.state.watermark, Math.min(watermark, ceiling === Infinity ? watermark : ceiling - 1));
    if (result.baseline && this.state.watermark === 0 && !result.failures.length) this.state.watermark = 1; // an account with no conversations yet
    await this.save();
  }

  private async look(): Promise<PollResult> {
    await this.load();
    const { source } = this.options;
    const baseline = this.state.watermark === 0 && Object.keys(this.state.conversations).length === 0;
    const since = this.options.since;
    const watermark = this.state.watermark;
    // Newest first: a page whose conversations are all older than the watermark ends the listing.
    const until = (conversation: Conversation) => !baseline && conversation.updateTime !== undefined && conversation.updateTime < watermark;
    const conversations = [...(await source.listConversations('SINGLE', until)), ...(await source.listConversations('STRANGER', until))];
    conversations.sort((a, b) => (a.updateTime ?? 0) - (b.updateTime ?? 0));

    const result: PollResult = { events: [], batches: [], failures: [], gaps: [], baseline, skipped: 0 };
    const taken = new Set<string>();

    for (const conversation of conversations) {
      const updateTime = conversation.updateTime ?? this.now;
      const known = this.state.conversations[conversation.conversationId];
      if (known && known.update_time >= updateTime) continue;
      const batch: PollBatch = {
        events: [],
        keys: [],
        silent: [],
        conversationId: conversation.conversationId,
        position: { update_time: updateTime, newest: known?.newest ?? 0 },
      };
      const show = (event: DecodedEvent, key: string) => {
        if (this.seen.has(key) || taken.has(key)) return;
        taken.add(key);
        if (baseline && (since === undefined || (event.timestamp ?? 0) < since)) {
          result.skipped++;
          batch.silent.push(key);
          return;
        }
        batch.events.push(event);
        batch.keys.push(key);
      };

      const referral = conversation.referral ?? {};
      for (const [source_, field] of [
        ['short_link', 'short_link'],
        ['ad', 'ad'],
      ] as const) {
        const entries = Array.isArray(referral[field]) ? (referral[field] as unknown[]) : referral[field] ? [referral[field]] : [];
        entries.forEach((entry, index) => {
          if (typeof entry !== 'object' || entry === null) return;
          const record = entry as Record<string, unknown>;
          const tag = source_ === 'short_link' ? String(record.ref ?? '') : String(record.ad_id ?? '');
          show(referralEvent(source.businessId, conversation, source_, record, updateTime), `r:${conversation.conversationId}:${source_}:${index}:${tag}`);
        });
      }

      let messages: DecodedEvent[];
      try {
        messages = await source.listMessages(conversation.conversationId);
      } catch (error) {
        result.failures.push({ conversationId: conversation.conversationId, updateTime, error });
        continue;
      }
      const fresh = messages.filter((message) => !this.seen.has(eventDedupeKey(message)));
      const oldest = messages[0]?.timestamp ?? 0;
      const lastLook = known?.newest ?? this.state.updated_at;
      if (!baseline && messages.length >= CONTENT_LIST_MAX_MESSAGES && fresh.length === messages.length && oldest > lastLook) {
        result.gaps.push(conversation.conversationId);
      }
      for (const message of messages) show(message, eventDedupeKey(message));
      batch.position.newest = Math.max(known?.newest ?? 0, messages[messages.length - 1]?.timestamp ?? 0);
      result.batches.push(batch);
      result.events.push(...batch.events);
    }
    return result;
  }
}

/** True for TikTok's rate limit (40100, after the client's own short retries). */
export function isRateLimit(error: unknown): boolean {
  error = asCliError(error);
  return error instanceof CliError && (error.tiktokCode === 40100 || error.kind === 'rateLimit');
}

/** Failures worth waiting out (network, TikTok unavailable), as opposed to auth or permission. */
export function isTransient(error: unknown): boolean {
  error = asCliError(error);
  return error instanceof CliError && (error.kind === 'network' || error.kind === 'rateLimit');
}
