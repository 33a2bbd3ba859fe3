// How one event reads on a terminal: time, direction and who, what happened, and markers that matter to
// a business (our own API send echoed back vs a person answering in TikTok's app or web inbox, the
// referral tag a QR code carried, a delivery for an account not connected here, a signed delivery that
// could not be read and where its bytes are kept).
// And the JSON line: `replayed: true` for what --since replays, and no `raw` when it cannot be printed.
import { displaySafe, displayWidth, escapeUnsafe, truncateToWidth } from '../io/format.js';
import type { Colors } from '../io/io.js';
import { isUnreadableDelivery, NOT_A_JSON_OBJECT, type DecodedEvent } from '../tiktok/events.js';
import { describeEvent } from '../tiktok/event-describe.js';

export interface RenderOptions {
  color: Colors;
  /** Shown when several accounts are served. */
  accountLabel?: string;
  /** The delivery names a business id no served account has. */
  unknownAccount?: boolean;
  /** Fallback time when the event carries none (receive time, ms). */
  receivedAt?: number;
  /** Replayed from the journal (--since). */
  replayed?: boolean;
  /** The forward target's answer (--forward-to, `tail replay`). */
  forward?: ForwardShown;
  /** The terminal's width: the target's body preview is cut to fit the line. */
  columns?: number;
}

/** The target's answer to a forward, as shown next to its event. */
export interface ForwardShown {
  status?: number;
  /** No HTTP answer (ECONNREFUSED, a timeout), or why no attempt was made (queued, dry run). */
  error?: string;
  ms?: number;
  bodyPreview?: string;
  willRetry?: boolean;
  /** Attempts made (a replay retries a few times before it reports the last answer). */
  attempts?: number;
  /** Not sent (`tail replay --dry-run`). */
  dryRun?: boolean;
}

/** `→ 500 in 12 ms: TypeError: …  (will retry)`, the body preview display-safe and cut to `room` columns. */
export function renderForward(forward: ForwardShown, color: Colors, room?: number): string {
  if (forward.dryRun) return color.dim('→ not sent (--dry-run)');
  const ok = forward.status !== undefined && ((forward.status >= 200 && forward.status < 300) || forward.status === 409);
  const head = forward.status !== undefined ? `→ ${forward.status}` : `→ ${displaySafe(forward.error ?? 'no answer')}`;
  const time = forward.ms !== undefined ? ` in ${forward.ms} ms` : '';
  const retry = forward.willRetry ? '  (will retry)' : forward.attempts && forward.attempts > 1 ? `  (${forward.attempts} attempts)` : '';
  let text = `${head}${time}`;
  const body = displaySafe(forward.bodyPreview ?? '').trim();
  if (body) {
    const left = room === undefined ? 120 : room - displayWidth(text) - displayWidth(retry) - 2;
    if (left >= 8) text += `: ${truncateToWidth(body, left)}`;
  }
  text += retry;
  return ok ? color.green(text) : forward.status === undefined && !forward.error ? color.dim(text) : color.red(text);
}

/** The event's line, with the forward answer after it when there is one (cut to the terminal). */
function withForward(line: string, options: RenderOptions): string {
  if (!options.forward) return line;
  const room = options.columns ? options.columns - displayWidth(line) - 2 : undefined;
  // On a narrow terminal the answer goes on its own line rather than wrapping mid-word.
  if (room !== undefined && room < 40) return `${line}\n  ${renderForward(options.forward, options.color, options.columns! - 2)}`;
  return `${line}  ${renderForward(options.forward, options.color, room)}`;
}

/** The `forward` object of a JSON line. */
export function forwardJson(forward: ForwardShown): Record<string, unknown> {
  return {
    status: forward.status ?? null,
    ms: forward.ms ?? null,
    body_preview: forward.bodyPreview ?? null,
    ...(forward.error ? { error: forward.error } : {}),
    ...(forward.willRetry ? { will_retry: true } : {}),
    ...(forward.attempts && forward.attempts > 1 ? { attempts: forward.attempts } : {}),
    ...(forward.dryRun ? { dry_run: true } : {}),
  };
}

function clock(ms: number): string {
  const date = new Date(ms);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

function who(event: DecodedEvent): string {
  return displaySafe(whoUnsafe(event));
}

function whoUnsafe(event: DecodedEvent): string {
  const username = event.user?.username ?? (event.direction === 'inbound' ? event.sender?.username : event.recipient?.username);
  if (username) return `@${username}`;
  const id = event.user?.id ?? event.sender?.id;
  return id ? `user ${id}` : '';
}

function referralTag(event: DecodedEvent): string | undefined {
  const tag = referralTagUnsafe(event);
  return tag === undefined ? undefined : displaySafe(tag);
}

function referralTagUnsafe(event: DecodedEvent): string | undefined {
  const referral = event.referral;
  if (!referral) return undefined;
  if (referral.ref) return `ref ${referral.ref}`;
  if (referral.source === 'ad') return referral.ad?.ad_name ? `ad ${referral.ad.ad_name}` : 'ad';
  return referral.source ?? undefined;
}

const PREVIEW_CHARS = 80;

/**
 * The start of a body that could not be read, quoted and escaped: JSON escapes C0 controls, quotes and
 * newlines; every other character displaySafe() would drop (DEL, C1 controls, bidi overrides) is shown
 * as its \uXXXX escape, so the bytes cannot rewrite the screen and the evidence stays visible.
 */
function preview(text: string): string {
  const cut = text.length > PREVIEW_CHARS;
  // JSON.stringify escapes what is below U+0020; what displaySafe would drop beyond that is shown escaped.
  const quoted = escapeUnsafe(JSON.stringify(cut ? text.slice(0, PREVIEW_CHARS) : text));
  return cut ? `${quoted}… (${text.length} characters)` : quoted;
}

/** One line for a terminal (two when the forward answer does not fit beside it). */
export function renderEvent(event: DecodedEvent, options: RenderOptions): string {
  return withForward(renderEventOnly(event, options), options);
}

function renderEventOnly(event: DecodedEvent, options: RenderOptions): string {
  const { color } = options;
  const time = event.timestamp ?? options.receivedAt ?? Date.now();
  const parts: string[] = [color.dim(clock(time))];
  if (options.accountLabel) parts.push(color.dim(`[${displaySafe(options.accountLabel)}]`));

  if (isUnreadableDelivery(event)) {
    const body = typeof event.raw.body === 'string' ? event.raw.body : '';
    parts.push(color.yellow('!'), color.yellow('unreadable signed delivery (not a JSON object):'), body ? preview(body) : '(empty body)');
    const notes = event.problems.filter((problem) => problem !== NOT_A_JSON_OBJECT);
    if (notes.length) parts.push(color.dim(notes.join('; ')));
    if (options.replayed) parts.push(color.dim('(from the journal)'));
    return parts.join('  ');
  }

  if (options.unknownAccount) {
    parts.push(color.red('?'), color.red(`for business_id ${displaySafe(event.business_id ?? 'unknown')}, not connected here:`));
  } else if (event.kind === 'authorization_removed') {
    // The account's tokens are dead: this must not read like one more message.
    parts.push(color.red('✖'), color.bold(color.red('APP REMOVED')));
  } else if (event.kind === 'read') {
    parts.push(color.dim('✓✓'));
  } else if (event.kind === 'referral') {
    parts.push(color.green('★'));
  } else if (event.direction === 'outbound') {
    parts.push('→');
  } else if (event.direction === 'inbound') {
    parts.push(color.cyan('←'));
  } else {
    parts.push(color.dim('·'));
  }

  if (event.direction === 'outbound') {
    const source = event.source ?? 'UNKNOWN_SOURCE';
    const marker =
      source === 'API'
        ? color.dim('API echo')
        : source === 'APP' || source === 'WEB'
          ? color.yellow(`${source} reply`)
          : color.dim(displaySafe(source.toLowerCase()));
    parts.push(marker);
    const to = who(event);
    if (to) parts.push(color.dim(`to ${to}`));
  } else {
    const from = who(event);
    if (from) parts.push(color.bold(from));
  }

  // The text and ids come from whoever wrote the message: their control characters must not recolour
  // or rewrite the screen (the same rule as for echoed arguments).
  parts.push(displaySafe(describeEvent(event)));
  // `send --comment-reply` needs the comment's id.
  if (event.kind === 'high_intent_comment' && event.comment?.id) parts.push(color.dim(`comment ${displaySafe(event.comment.id)}`));
  const tag = referralTag(event);
  if (tag && event.kind !== 'referral') parts.push(color.cyan(`[${tag}]`));
  if (event.kind === 'unknown' && event.event) parts.push(color.yellow('(unknown event, kept raw)'));
  if (event.conversation_id) parts.push(color.dim(`conv ${displaySafe(event.conversation_id)}`));
  if (options.replayed) parts.push(color.dim('(from the journal)'));
  return parts.join('  ');
}

export interface PrintContext {
  unknownAccount?: boolean;
  receivedAt?: number;
  replayed?: boolean;
  /** The journal entry holding the delivery's exact bytes. */
  journalId?: string;
  forward?: ForwardShown;
  /** Printed while tail stops (an event still waiting for its forward's answer). */
  stopping?: boolean;
}

/**
 * The event without `raw`, saying why: a signed body can nest deeper than JSON.stringify can recurse
 * (20,000 arrays), and one such delivery must not stop the printing of everything after it.
 */
export function withoutRaw(event: DecodedEvent, error: unknown, context: PrintContext): DecodedEvent {
  const where = context.journalId ? `journal entry ${context.journalId}` : 'the journal';
  const copy = {
    ...event,
    problems: [...event.problems, `raw omitted: too deeply nested to print (${(error as Error).message}); its exact bytes are ${where}`],
  } as Partial<DecodedEvent>;
  delete copy.raw;
  return copy as DecodedEvent;
}

/** Where each record's delivery bytes are (its journal entry), kept out of its JSON. */
const journalIds = new WeakMap<object, string>();

/** An event as its JSON line shows it: `replayed: true` for what --since replays, `forward` with the target's answer. */
export type EventRecord = DecodedEvent & { replayed?: true; forward?: Record<string, unknown> };

export function eventRecord(event: DecodedEvent, context: PrintContext): EventRecord {
  // Most events carry nothing extra: the event itself, no copy per line under a burst.
  const record: EventRecord =
    context.replayed || context.forward
      ? { ...event, ...(context.replayed ? { replayed: true as const } : {}), ...(context.forward ? { forward: forwardJson(context.forward) } : {}) }
      : event;
  if (context.journalId) journalIds.set(record, context.journalId);
  return record;
}

/** One JSON line; without `raw`, saying why, when it nests deeper than JSON.stringify can recurse. */
export function eventJsonLine(record: EventRecord): string {
  try {
    return JSON.stringify(record);
  } catch (error) {
    const bare = withoutRaw(record, error, { journalId: journalIds.get(record) });
    try {
      return JSON.stringify(bare);
    } catch {
      const extra = { ...(record.replayed ? { replayed: true } : {}), ...(record.forward ? { forward: record.forward } : {}) };
      return JSON.stringify({ id: record.id, event: record.event, kind: record.kind, business_id: record.business_id, problems: bare.problems, ...extra });
    }
  }
}

export interface LineOptions {
  color: Colors;
  columns?: number;
  accountLabel?: string;
}

/** The human line of an event; one whose raw nests too deep to describe is shown as unknown, saying why. */
export function eventLine(event: DecodedEvent, context: PrintContext, options: LineOptions): string {
  const renderOptions: RenderOptions = {
    ...options,
    unknownAccount: context.unknownAccount,
    receivedAt: context.receivedAt,
    replayed: context.replayed,
    forward: context.forward,
  };
  try {
    return renderEvent(event, renderOptions);
  } catch (error) {
    return renderEvent({ ...withoutRaw(event, error, context), kind: 'unknown' }, renderOptions);
  }
}
