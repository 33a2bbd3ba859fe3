// TikTok's failures in TikTok's terms (../shared/tiktok-api.md §6): the envelope code, TikTok's own
// message, its request_id, and a kind. Nothing here knows of exit codes, hints or commands: the CLI maps
// kinds and codes to those in its own table (src/errors.ts), and the library hands these errors out as is.

export type TikTokErrorKind = 'auth' | 'permission' | 'window' | 'quota' | 'region' | 'validation' | 'network' | 'rate_limit' | 'media' | 'server';

/**
 * A finer account where one helps: what TikTok's message text suggests (§6: the text is a hint, never the
 * kind), or what went wrong when TikTok's API did not answer with its envelope.
 */
export type TikTokErrorReason =
  | 'media-send-strategy'
  | 'risk-control'
  | 'personal-account'
  | 'advanced-access'
  | 'region'
  /** No connection, a reset, a name that does not resolve. */
  | 'unreachable'
  | 'timeout'
  /** Something other than TikTok's API answered (an HTML page, an empty body) or a 4xx/5xx around a success envelope. */
  | 'gateway'
  /** TikTok's envelope with code 0 but an HTTP error status. */
  | 'http-status'
  /** A signed media URL refused the request (401/403: the token or the URL's 24 hours ran out). */
  | 'download-refused'
  /** A signed media URL answered another 4xx (the media may be gone). */
  | 'download-gone'
  /** A signed media URL answered 5xx. */
  | 'download-failed'
  /** TikTok said yes but left out what the call is for (an access token, a media id, a download URL). */
  | 'incomplete-answer';

/** Calls not retried blindly, and so reported as "may have happened" when no answer arrived. */
export type UnsureOperation = 'send' | 'code-exchange' | 'refresh';

export interface UnsureOutcome {
  operation: UnsureOperation;
  /** e.g. "the message may or may not have been sent" */
  outcome: string;
}

export interface TikTokApiErrorFields {
  kind: TikTokErrorKind;
  code?: number | null;
  requestId?: string | null;
  httpStatus?: number | null;
  reason?: TikTokErrorReason;
  retryable?: boolean;
  /** The origin the request went to (the API base, a sandbox, a proxy, or a media host). */
  origin?: string;
  unsure?: UnsureOutcome;
  cause?: unknown;
}

/**
 * One failed call. `code` and `message` are TikTok's own, as sent, when TikTok's envelope came back
 * (`code` null otherwise: a network failure, a gateway page; `message` then describes what happened).
 */
export class TikTokApiError extends Error {
  readonly kind: TikTokErrorKind;
  readonly code: number | null;
  readonly requestId: string | null;
  readonly httpStatus: number | null;
  readonly reason?: TikTokErrorReason;
  /** Whether the same request may succeed if sent again (the client has already retried what it safely could). */
  readonly retryable: boolean;
  readonly origin?: string;
  /** Set when no answer arrived for a call that is never retried blindly: what may have happened. */
  readonly unsure?: UnsureOutcome;

  constructor(message: string, fields: TikTokApiErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'TikTokApiError';
    this.kind = fields.kind;
    this.code = fields.code ?? null;
    this.requestId = fields.requestId ?? null;
    this.httpStatus = fields.httpStatus ?? null;
    this.reason = fields.reason;
    this.retryable = fields.retryable ?? false;
    this.origin = fields.origin;
    this.unsure = fields.unsure;
  }

  /** The same failure with what may have happened added (the message says it too). */
  withUnsure(unsure: UnsureOutcome): TikTokApiError {
    return new TikTokApiError(`${this.message} (${unsure.outcome})`, { ...this, code: this.code, unsure, cause: this });
  }
}

/** A call stopped by its signal (Ctrl-C, the library's `signal`); `unsure` when the request may have gone out. */
export class TikTokAbortError extends Error {
  readonly unsure?: UnsureOutcome;
  constructor(unsure?: UnsureOutcome) {
    super(unsure ? `Cancelled (${unsure.outcome}).` : 'Cancelled.');
    // The name every AbortSignal-aware caller already recognises.
    this.name = 'AbortError';
    this.unsure = unsure;
  }
}

interface CodeRule {
  kind: TikTokErrorKind;
  retryable: boolean;
}

/** §6's code table. Throttles are `refused` too: TikTok did nothing, so even a send may be retried. */
const CODE_TABLE: Record<number, CodeRule> = {
  40001: { kind: 'permission', retryable: false },
  40002: { kind: 'validation', retryable: false },
  40007: { kind: 'validation', retryable: false },
  40016: { kind: 'rate_limit', retryable: true },
  // The first request may have gone through: repeating it is the caller's decision, never the client's.
  40050: { kind: 'validation', retryable: false },
  40064: { kind: 'window', retryable: false },
  40100: { kind: 'rate_limit', retryable: true },
  40101: { kind: 'auth', retryable: false },
  40102: { kind: 'auth', retryable: false },
  40103: { kind: 'auth', retryable: false },
  40104: { kind: 'auth', retryable: false },
  40105: { kind: 'auth', retryable: false },
  40107: { kind: 'auth', retryable: false },
  40110: { kind: 'auth', retryable: false },
  40113: { kind: 'auth', retryable: false },
  40118: { kind: 'permission', retryable: false },
  40133: { kind: 'rate_limit', retryable: true },
  40908: { kind: 'validation', retryable: false },
  // Where the request comes from, not the account's region (§6).
  41000: { kind: 'region', retryable: false },
  // Maintenance lasts longer than any backoff of ours: say so rather than retry.
  60001: { kind: 'server', retryable: false },
};

/** Throttles: TikTok refused before acting, so a retry cannot act twice. */
export const THROTTLE_CODES: ReadonlySet<number> = new Set([40016, 40100, 40133]);

/** Whether TikTok knows this code (§6); unknown codes are retried once and reported as such. */
export function isKnownCode(code: number): boolean {
  return code in CODE_TABLE || isSystemErrorCode(code);
}

export function isSystemErrorCode(code: number): boolean {
  return code >= 50000 && code < 60000;
}

/** Whether the client may retry a request that failed with this envelope code. */
export function isRetryableCode(code: number): boolean {
  const rule = CODE_TABLE[code];
  if (rule) return rule.retryable;
  // 5xxxx are TikTok system errors; unknown codes get one retry (§6 "treat as retryable once").
  return true;
}

export function kindForCode(code: number): TikTokErrorKind {
  return CODE_TABLE[code]?.kind ?? 'server';
}

/** Media refusals come as a message text, not a code of their own (§6): match it only as a hint. */
export function mediaRefusalReason(message: string): 'media-send-strategy' | 'risk-control' | undefined {
  if (/media send strategy/i.test(message)) return 'media-send-strategy';
  if (/risk control strategy/i.test(message)) return 'risk-control';
  return undefined;
}

/** 40001's message hints at which permission is missing (§6: text is a hint, never the kind). */
export function permissionReason(message: string): 'region' | 'personal-account' | 'advanced-access' | undefined {
  if (/personal account/i.test(message)) return 'personal-account';
  if (/region|eea|not available in your/i.test(message)) return 'region';
  if (/advanced access/i.test(message)) return 'advanced-access';
  return undefined;
}

/**
 * 40064 is one code for several direct-message rules (§6); the text picks the likelier one so a library
 * caller can branch, but the code alone never claims which rule it was.
 */
function dmRuleKind(message: string, media: TikTokErrorReason | undefined): TikTokErrorKind {
  if (media) return 'media';
  if (/too fast/i.test(message)) return 'rate_limit';
  if (/more messages|messages were sent|\bquota\b|message limit/i.test(message)) return 'quota';
  return 'window';
}

/** TikTok's refusal (an envelope with a non-zero code) as a TikTokApiError. */
export function tiktokError(failure: { code: number; message: string; requestId?: string; httpStatus?: number; origin?: string }): TikTokApiError {
  const media = mediaRefusalReason(failure.message);
  const permission = failure.code === 40001 ? permissionReason(failure.message) : undefined;
  let kind = kindForCode(failure.code);
  if (failure.code === 40064) kind = dmRuleKind(failure.message, media);
  else if (permission === 'region') kind = 'region';
  return new TikTokApiError(failure.message, {
    kind,
    code: failure.code,
    requestId: failure.requestId,
    httpStatus: failure.httpStatus,
    reason: media ?? permission,
    retryable: isRetryableCode(failure.code),
    origin: failure.origin,
  });
}

/** TikTok's code when the error carries one. */
export function tiktokCodeOf(error: unknown): number | undefined {
  return error instanceof TikTokApiError && error.code !== null ? error.code : undefined;
}
