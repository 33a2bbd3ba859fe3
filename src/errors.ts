// Every failure the CLI reports is a CliError of one kind; the kind alone decides the exit code
// (../shared/cli-contract.md "Exit codes"), so the table below is the only place that mapping lives.
// TikTok's own failures (src/tiktok's TikTokApiError) become CliErrors here too, through one table of
// TikTok's kinds and codes (TIKTOK_KINDS, TIKTOK_CODES below).
import { API_BASE_URL } from './tiktok/limits.js';
import { TikTokAbortError, TikTokApiError, isKnownCode, type TikTokErrorKind, type UnsureOutcome } from './tiktok/errors.js';

export type ErrorKind =
  | 'usage'
  | 'config'
  | 'validation'
  | 'auth'
  | 'permission'
  | 'region'
  | 'window'
  | 'quota'
  | 'policy'
  | 'network'
  | 'rateLimit'
  | 'cancelled'
  | 'timeout'
  | 'unexpected';

export const EXIT_CODES: Record<ErrorKind, number> = {
  unexpected: 1,
  usage: 2,
  config: 1,
  validation: 2,
  auth: 3,
  permission: 4,
  region: 4,
  window: 5,
  quota: 5,
  policy: 5,
  network: 6,
  rateLimit: 6,
  timeout: 7,
  cancelled: 130,
};

/** The fix we suggest when the thrower has nothing more specific to say. */
const DEFAULT_HINTS: Record<ErrorKind, string> = {
  unexpected: 'Run again with --debug and report the output (tokens are redacted).',
  usage: 'Run `tiktok-channel <command> --help` to see the options.',
  config: 'Check the config dir (TIKTOK_CHANNEL_CONFIG_DIR, else the per-user default) and its accounts.json.',
  validation: 'Fix the value named above and run the command again.',
  auth: 'Run `tiktok-channel connect` to connect an account, or `tiktok-channel refresh --reauthorize`.',
  permission:
    'Check the granted scopes and Advanced Access: link the account to TikTok for Business or a Business Center, then run `tiktok-channel refresh --reauthorize`.',
  region: 'TikTok does not offer the DM API to accounts registered in the EEA, Switzerland or the UK; use an account registered elsewhere.',
  window: "TikTok allows replies for 48 hours after the user's last message; wait until the user writes again.",
  quota: 'TikTok allows 10 business messages per window; they reset when the user writes again.',
  policy: 'TikTok refused the message under its direct-message rules; see the message above.',
  network: 'Check your connection and https://business-api.tiktok.com, then try again; --debug shows each request.',
  rateLimit: 'TikTok is rate limiting this app; wait a few minutes (per-day limits reset at midnight UTC).',
  cancelled: '',
  timeout: 'Nothing arrived within the time limit; wait longer (a larger SECONDS value) or check `tiktok-channel doctor`.',
};

export interface CliErrorOptions {
  hint?: string;
  /** TikTok's envelope code, when TikTok produced the error. */
  tiktokCode?: number;
  requestId?: string;
  cause?: unknown;
  /** Extra machine-readable fields for --json (e.g. window_closed_at). */
  details?: Record<string, unknown>;
}

export class CliError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string;
  readonly tiktokCode?: number;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.kind = kind;
    this.hint = options.hint ?? DEFAULT_HINTS[kind];
    this.tiktokCode = options.tiktokCode;
    this.requestId = options.requestId;
    this.details = options.details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  /** The contract's JSON error document body. */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      code: this.exitCode,
      message: this.message,
      hint: this.hint || null,
      tiktok_code: this.tiktokCode ?? null,
      request_id: this.requestId ?? null,
      ...(this.details ?? {}),
    };
  }
}

/**
 * For catch sites that inspect what a TikTok call threw: TikTok's failures as the CliError the CLI would
 * report, anything else unchanged (so a rethrow keeps what it was).
 */
export function asCliError(error: unknown): unknown {
  return error instanceof TikTokApiError || error instanceof TikTokAbortError ? toCliError(error) : error;
}

/** TikTok's envelope code of a failure, whichever side has it (a TikTokApiError, or a CliError made from one). */
export function tiktokCodeOf(error: unknown): number | undefined {
  if (error instanceof CliError) return error.tiktokCode;
  return error instanceof TikTokApiError && error.code !== null ? error.code : undefined;
}

/** Stands for the command that ran in hints; the top level fills it in (`tiktok-channel send --help`). */
export const COMMAND_PLACEHOLDER = '<command>';

export const usageError = (message: string, hint?: string) => new CliError('usage', message, { hint });
export const validationError = (message: string, hint?: string) => new CliError('validation', message, { hint });

/** Turns anything thrown into a CliError so the top level has one shape to print. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof TikTokApiError) return cliErrorFromTikTok(error);
  if (error instanceof TikTokAbortError) return new CliError('cancelled', error.message, { hint: error.unsure ? unsureHint(error.unsure) : undefined });
  if (isPromptCancel(error)) return new CliError('cancelled', 'Cancelled.');
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('unexpected', message, { cause: error });
}

function isPromptCancel(error: unknown): boolean {
  // @inquirer/prompts throws ExitPromptError on Ctrl-C and AbortPromptError on abort.
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'AbortError';
}

interface TikTokRule {
  kind: ErrorKind;
  hint?: string;
}

/** TikTok's kinds (src/tiktok/errors.ts) as the CLI reports them; a code of TIKTOK_CODES overrides. */
const TIKTOK_KINDS: Record<TikTokErrorKind, TikTokRule> = {
  auth: { kind: 'auth' },
  permission: { kind: 'permission' },
  region: { kind: 'region' },
  window: { kind: 'window' },
  quota: { kind: 'quota' },
  media: { kind: 'policy' },
  validation: { kind: 'validation' },
  rate_limit: { kind: 'rateLimit' },
  network: { kind: 'network' },
  server: { kind: 'network', hint: 'TikTok had a system error; try again in a moment.' },
};

const REAUTHORIZE = 'run `tiktok-channel refresh --reauthorize` (the account holder consents again)';

/** TikTok's codes whose exit code or hint differs from their kind's (../shared/tiktok-api.md §6). */
const TIKTOK_CODES: Record<number, TikTokRule> = {
  40001: {
    kind: 'permission',
    hint:
      'TikTok refused permission: check the granted scopes (`tiktok-channel status`), that the account has Advanced Access ' +
      '(linked to TikTok for Business or a Business Center) and is not registered in the EEA, Switzerland or the UK. ' +
      'After fixing, run `tiktok-channel refresh --reauthorize`. `tiktok-channel doctor` checks each of these.',
  },
  40002: { kind: 'validation', hint: 'TikTok rejected a parameter; the message above names it.' },
  40007: { kind: 'validation', hint: 'The conversation, message or media id does not exist (media ids last about 30 days).' },
  40016: { kind: 'rateLimit', hint: 'TikTok is throttling this app; wait a few minutes (per-day limits reset at midnight UTC).' },
  40050: {
    kind: 'validation',
    hint: 'TikTok saw this as a duplicate of an earlier request, which may have gone through: check `tiktok-channel messages CONVERSATION_ID` before sending again.',
  },
  40064: {
    kind: 'policy',
    // TikTok has one code for several rules, so the hint lists them instead of guessing.
    hint:
      "TikTok's direct-message rules refused this: the 48-hour window may be closed, the 10 messages of this window used, " +
      'or messages sent too fast. `tiktok-channel conversations` shows the window and messages left.',
  },
  40100: { kind: 'rateLimit' },
  40101: {
    kind: 'auth',
    hint: 'TikTok says the app id and secret do not match: check the client key and secret (TIKTOK_CHANNEL_CLIENT_KEY, TIKTOK_CHANNEL_CLIENT_SECRET).',
  },
  40102: { kind: 'auth', hint: 'The access token expired: run `tiktok-channel refresh`.' },
  40103: { kind: 'auth', hint: `The refresh token expired (365 days after consent, whatever the refreshes): ${REAUTHORIZE}.` },
  40104: { kind: 'auth', hint: 'No access token was sent; run `tiktok-channel connect`.' },
  40105: {
    kind: 'auth',
    hint: 'The access token is invalid or expired: run `tiktok-channel refresh`, or `tiktok-channel refresh --reauthorize` if that fails.',
  },
  40107: { kind: 'auth', hint: `TikTok does not accept the stored refresh token: ${REAUTHORIZE}.` },
  40110: { kind: 'auth', hint: 'The authorization code was cancelled, already used or expired: run `tiktok-channel connect` again.' },
  40113: {
    kind: 'auth',
    hint: "TikTok does not know this app, has blocked it, or the token belongs to another app: check the client key (a blocked app is TikTok's decision; see the developer portal).",
  },
  40118: {
    kind: 'permission',
    hint: "The app or account is not allow-listed for this feature, or TikTok does not offer it in the account's region; apply for access in the developer portal.",
  },
  40133: { kind: 'rateLimit', hint: 'TikTok is throttling requests for this advertiser; wait a few minutes and try again.' },
  40908: { kind: 'validation', hint: 'TikTok accepts JPG or PNG images only.' },
  41000: {
    kind: 'region',
    hint: "TikTok refuses requests from the country this machine's IP address is in (it is about where the request comes from, not the account's region): run it from another network or a server elsewhere.",
  },
  60001: { kind: 'network', hint: 'TikTok is under maintenance: try again later.' },
};

/** The hint for a TikTok message text that names a rule (§6: the text is a hint, never the kind). */
const TIKTOK_REASON_HINTS: Partial<Record<string, string>> = {
  'media-send-strategy':
    'TikTok does not allow sending images here (its media send strategy limits some regions and accounts); this cannot be fixed from the CLI. Send text instead.',
  'risk-control': "TikTok's risk control refused this media for the account; this cannot be fixed from the CLI. Send text instead or contact TikTok support.",
  region: 'TikTok does not offer the DM API to accounts registered in the EEA, Switzerland or the UK; use an account registered elsewhere.',
  'personal-account':
    'Only Business Accounts can use direct messaging through the API. In the TikTok app: Profile → ⋯ → Settings and privacy → Manage account → Switch to Business Account.',
};

const UNSURE_HINTS: Record<UnsureOutcome['operation'], string> = {
  send: 'TikTok has no way to make a retried send safe, so it was not retried. Check `tiktok-channel conversations` before sending again.',
  'code-exchange': 'Run the consent flow again (`tiktok-channel connect`, or `tiktok-channel refresh --reauthorize`) to get a new code.',
  refresh: 'Run `tiktok-channel refresh` again; if TikTok refuses the stored refresh token, run `tiktok-channel refresh --reauthorize`.',
};

export function unsureHint(unsure: UnsureOutcome): string {
  return UNSURE_HINTS[unsure.operation];
}

/** The fix for a failure to reach the API, naming the host actually configured (a sandbox, a proxy, or TikTok). */
export function networkHint(origin: string | undefined): string {
  if (!origin || origin === new URL(API_BASE_URL).origin)
    return `Check your connection and ${origin ?? new URL(API_BASE_URL).origin}, then try again; --debug shows each request.`;
  return `Check your connection and that ${origin} is up (the API base set by TIKTOK_CHANNEL_API_BASE_URL or stored with the account), then try again; --debug shows each request.`;
}

/** When TikTok's API did not answer with its envelope: the kind and hint by what happened. */
function unansweredRule(error: TikTokApiError): TikTokRule {
  switch (error.reason) {
    case 'download-refused':
      return { kind: 'auth', hint: 'Run the command again for a fresh URL; if it persists, `tiktok-channel refresh`.' };
    case 'download-gone':
      return { kind: 'validation', hint: 'The media may be gone (TikTok keeps media for a limited time).' };
    case 'download-failed':
      return { kind: 'network' };
    case 'incomplete-answer':
      return { kind: 'unexpected', hint: 'Try again; if it persists, run with --debug and report the request_id.' };
    case 'gateway':
      if ((error.httpStatus ?? 0) < 500)
        return { kind: 'network', hint: 'Check TIKTOK_CHANNEL_API_BASE_URL; a proxy or gateway may be answering instead of TikTok.' };
      return { kind: 'network', hint: networkHint(error.origin) };
    default:
      return { kind: 'network', hint: networkHint(error.origin) };
  }
}

/** A TikTokApiError as the CLI reports it: kind (so exit code) and hint from the tables above. */
function cliErrorFromTikTok(error: TikTokApiError): CliError {
  const options = { requestId: error.requestId ?? undefined, cause: error };
  if (error.code === null) {
    const rule = unansweredRule(error);
    return new CliError(rule.kind, error.message, { ...options, hint: error.unsure ? unsureHint(error.unsure) : rule.hint });
  }
  const byCode = TIKTOK_CODES[error.code];
  // Unknown codes are reported as such (exit 1); TikTok's system errors (5xxxx) as TikTok being unavailable.
  const rule = byCode ?? (isKnownCode(error.code) ? TIKTOK_KINDS[error.kind] : { kind: 'unexpected' as const });
  const textHint = error.reason ? TIKTOK_REASON_HINTS[error.reason] : undefined;
  const message = error.message ? `TikTok error ${error.code}: ${error.message}` : `TikTok error ${error.code}`;
  return new CliError(rule.kind, message, { ...options, tiktokCode: error.code, hint: textHint ?? rule.hint });
}
