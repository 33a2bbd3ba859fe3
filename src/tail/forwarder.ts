// `--forward-to URL`: re-POSTs each verified delivery with its original body bytes and signature headers,
// so the target can verify it exactly as if TikTok had sent it. Intake never waits on the target: the
// forwarder works from the journal (bodies are read back from disk, only small refs stay in memory),
// in order per conversation, with several conversations in flight at once. A target that is down, slow
// or answering 5xx/408/429 is retried with backoff; other 4xx are permanent refusals (given up, reported).
// What was not forwarded when tail stopped is resumed from the journal on the next start.
// At least once: an attempt that times out may still have been processed, so the same delivery can
// arrive twice; every attempt carries the same x-tiktok-channel-delivery-id for the target to dedupe.
import type { Dispatcher } from 'undici';
import { sleep } from '../sleep.js';
import type { JournalRef } from './journal-files.js';
import type { Journal } from './journal.js';

export interface ForwardItem {
  ref: JournalRef;
  /** Ordering lane: deliveries of one conversation go one after another. */
  lane: string;
  /** The event's id as `tail --json` prints it: sent on every attempt so the target can dedupe. */
  deliveryId?: string;
}

/** The header naming the delivery, the same on every retry (forwarding is at least once). */
export const DELIVERY_ID_HEADER = 'x-tiktok-channel-delivery-id';

export interface ForwardOutcome {
  item: ForwardItem;
  status?: number;
  error?: string;
  attempts: number;
}

/** What the target said to one attempt: shown next to the event (`→ 500 in 12 ms: TypeError: …`). */
export interface ForwardAnswer {
  status?: number;
  /** No HTTP answer: the error code (ECONNREFUSED, a timeout …). */
  error?: string;
  ms: number;
  /** The first line of the body, raw (made display-safe where it is shown). */
  bodyPreview: string;
}

/** How much of the target's body is read for the preview; the rest is discarded unread. */
const BODY_PREVIEW_BYTES = 2048;

/** The first non-empty line of a body, at most `max` characters. */
export function firstLine(text: string, max = 200): string {
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim()) ?? '';
  return line.trim().slice(0, max);
}

/** Reads at most BODY_PREVIEW_BYTES of a response body and drops the rest. */
export async function readPreview(body: AsyncIterable<Buffer> & { destroy?(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= BODY_PREVIEW_BYTES) break;
    }
  } catch {
    // a body cut off midway still shows what arrived
  }
  body.destroy?.();
  return firstLine(Buffer.concat(chunks).subarray(0, BODY_PREVIEW_BYTES).toString('utf8'));
}

export interface ForwarderOptions {
  url: string;
  journal: Journal;
  /** Conversations forwarded in parallel (default 8). */
  concurrency?: number;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** First retry delay (default 250 ms), doubled per attempt up to maxBackoffMs (default 30 s). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  onForwarded?(outcome: ForwardOutcome): void;
  /** After every attempt, before onForwarded/onRetry/onGaveUp; `willRetry` says whether it is tried again. */
  onAnswer?(item: ForwardItem, answer: ForwardAnswer & { attempt: number; willRetry: boolean }): void;
  onRetry?(outcome: ForwardOutcome & { delayMs: number }): void;
  onGaveUp?(outcome: ForwardOutcome): void;
  debugLog?(line: string): void;
}

interface Lane {
  items: ForwardItem[];
  busy: boolean;
  attempts: number;
  notBefore: number;
  timer?: NodeJS.Timeout;
}

export function laneFor(conversationId: string | null, businessId: string | null, event: string | null): string {
  return conversationId ? `c:${conversationId}` : `e:${businessId ?? ''}:${event ?? ''}`;
}

/** 2xx done; 409 done too (the target already has this exact delivery: another tail refusing a replay); 5xx/408/429 retried; other 4xx refused for good. */
export function forwardVerdict(status: number): 'done' | 'retry' | 'permanent' {
  if ((status >= 200 && status < 300) || status === 409) return 'done';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'permanent';
}

export class Forwarder {
  private readonly lanes = new Map<string, Lane>();
  private active = 0;
  private stopped = false;
  private dispatcher?: Dispatcher;
  private requestFn?: typeof import('undici').request;
  private drained: Array<() => void> = [];
  /** Resolved when the last attempt in flight ends (stop() waits for it, up to its grace). */
  private quiet: Array<() => void> = [];
  forwarded = 0;
  gaveUp = 0;
  private queued = 0;

  constructor(private readonly options: ForwarderOptions) {}

  /** Deliveries not yet forwarded (queued or in flight). */
  get pending(): number {
    return this.queued;
  }

  /**
   * Queues a delivery. True when its first attempt will come soon; false when its lane is held up by a
   * delivery being retried (or forwarding has stopped).
   */
  enqueue(item: ForwardItem): boolean {
    if (this.stopped) return false;
    let lane = this.lanes.get(item.lane);
    if (!lane) {
      lane = { items: [], busy: false, attempts: 0, notBefore: 0 };
      this.lanes.set(item.lane, lane);
    }
    lane.items.push(item);
    this.queued++;
    this.pump();
    return lane.notBefore === 0;
  }

  /** The deliveries waiting behind the one being tried in `lane`. */
  queuedBehind(lane: string): ForwardItem[] {
    return this.lanes.get(lane)?.items.slice(1) ?? [];
  }

  /**
   * Queues what the journal owes the target: entries received with forwarding on, not duplicates,
   * and not in forwarded.log. Returns how many.
   */
  async resume(describe: (entry: { body: Buffer }) => { lane: string; deliveryId?: string }): Promise<number> {
    const done = await this.options.journal.forwardedIds();
    let count = 0;
    for await (const meta of this.options.journal.entries({ withBody: false })) {
      if (!meta.forward || meta.duplicate || done.has(meta.id)) continue;
      // One entry that cannot be read or described is forwarded as it stands (or reported lost by the
      // attempt), never the end of the resume.
      const entry = await this.options.journal.read(meta.ref).catch(() => undefined);
      let described: { lane: string; deliveryId?: string } = { lane: 'u:' };
      try {
        if (entry) described = describe(entry);
      } catch {
        // kept in the lane of unreadable deliveries
      }
      this.enqueue({ ref: meta.ref, ...described });
      count++;
    }
    return count;
  }

  /** Resolves when nothing is pending, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.queued === 0) return true;
    return Promise.race([
      new Promise<boolean>((resolve) => this.drained.push(() => resolve(true))),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
    ]);
  }

  /**
   * Stops starting new attempts; what is pending stays owed in the journal for the next start. Attempts in
   * flight get `graceMs` to finish, cut short when `signal` aborts.
   */
  async stop(graceMs = 1_000, signal?: AbortSignal): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    if (this.active > 0) {
      // The grace's own signal ends its timer once the attempts are done, so it keeps no process alive.
      const grace = new AbortController();
      const settled = new Promise<void>((resolve) => this.quiet.push(resolve));
      await Promise.race([settled, sleep(graceMs, signal ? AbortSignal.any([signal, grace.signal]) : grace.signal)]);
      grace.abort();
    }
    // An attempt still in flight after the grace is cut off (it stays owed in the journal): close() would
    // wait for the target's answer, up to the forward timeout.
    await (this.active > 0 ? this.dispatcher?.destroy() : this.dispatcher?.close())?.catch(() => undefined);
  }

  private pump(): void {
    if (this.stopped) return;
    const concurrency = this.options.concurrency ?? 8;
    const now = Date.now();
    for (const [name, lane] of this.lanes) {
      if (this.active >= concurrency) return;
      if (lane.busy || lane.items.length === 0) continue;
      if (lane.notBefore > now) {
        if (!lane.timer) {
          lane.timer = setTimeout(() => {
            lane.timer = undefined;
            this.pump();
          }, lane.notBefore - now);
          lane.timer.unref();
        }
        continue;
      }
      lane.busy = true;
      this.active++;
      void this.run(name, lane);
    }
  }

  private async run(name: string, lane: Lane): Promise<void> {
    const item = lane.items[0]!;
    lane.attempts++;
    const started = Date.now();
    const outcome = await this.attempt(item, lane.attempts);
    this.active--;
    if (this.active === 0) for (const resolve of this.quiet.splice(0)) resolve();
    lane.busy = false;
    this.options.onAnswer?.(item, {
      status: outcome.status,
      error: outcome.status === undefined ? outcome.error : undefined,
      ms: Date.now() - started,
      bodyPreview: outcome.bodyPreview ?? '',
      attempt: lane.attempts,
      willRetry: outcome.kind === 'retry' && !this.stopped,
    });
    if (outcome.kind === 'done' || outcome.kind === 'permanent' || outcome.kind === 'lost') {
      lane.items.shift();
      this.queued--;
      const report: ForwardOutcome = { item, status: outcome.status, error: outcome.error, attempts: lane.attempts };
      lane.attempts = 0;
      lane.notBefore = 0;
      if (outcome.kind === 'done') {
        this.forwarded++;
        this.options.journal.markForwarded(item.ref.id, 'ok');
        this.options.onForwarded?.(report);
      } else {
        this.gaveUp++;
        this.options.journal.markForwarded(item.ref.id, outcome.kind === 'lost' ? 'lost' : 'gave-up');
        this.options.onGaveUp?.(report);
      }
      if (lane.items.length === 0) this.lanes.delete(name);
      if (this.queued === 0) for (const resolve of this.drained.splice(0)) resolve();
    } else {
      const base = this.options.baseBackoffMs ?? 250;
      const cap = this.options.maxBackoffMs ?? 30_000;
      const delayMs = Math.min(cap, base * 2 ** Math.min(lane.attempts - 1, 20));
      // Half fixed, half jitter: retries of many lanes do not hit a recovering target in lockstep.
      const jittered = Math.round(delayMs / 2 + Math.random() * (delayMs / 2));
      lane.notBefore = Date.now() + jittered;
      this.options.onRetry?.({ item, status: outcome.status, error: outcome.error, attempts: lane.attempts, delayMs: jittered });
    }
    this.pump();
  }

  private async attempt(
    item: ForwardItem,
    attempt: number,
  ): Promise<{ kind: 'done' | 'retry' | 'permanent' | 'lost'; status?: number; error?: string; bodyPreview?: string }> {
    const entry = await this.options.journal.read(item.ref).catch(() => undefined);
    if (!entry) return { kind: 'lost', error: 'the journal entry is gone (pruned or unreadable)' };
    if (!this.requestFn) {
      const undici = await import('undici');
      this.requestFn = undici.request;
      this.dispatcher = new undici.Agent({ connections: (this.options.concurrency ?? 8) * 2, keepAliveTimeout: 4_000 });
    }
    const headers: Record<string, string> = { ...entry.headers };
    headers['content-type'] ??= 'application/json';
    // The journal entry id is stable too, for an event decoded without one.
    headers[DELIVERY_ID_HEADER] = item.deliveryId || item.ref.id;
    const timeout = this.options.timeoutMs ?? 10_000;
    try {
      const response = await this.requestFn(this.options.url, {
        method: 'POST',
        headers,
        body: entry.body,
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const bodyPreview = await readPreview(response.body);
      const status = response.statusCode;
      this.options.debugLog?.(`forward ${item.ref.id} attempt ${attempt} → HTTP ${status}`);
      return { kind: forwardVerdict(status), status, bodyPreview };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const code = (error as NodeJS.ErrnoException).code ?? cause?.code ?? (error as Error).name;
      this.options.debugLog?.(`forward ${item.ref.id} attempt ${attempt} failed: ${code}`);
      return { kind: 'retry', error: String(code) };
    }
  }
}
