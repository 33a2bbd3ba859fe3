// Every failure the CLI reports is a CliError of one kind; the kind alone decides the exit code
// (../shared/cli-contract.md "Exit codes"), so the table below is the only place that mapping lives.

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
  region:
    'TikTok does not offer the DM API to accounts registered in the EEA, Switzerland or the UK; use an account registered elsewhere.',
  window: 'TikTok allows replies for 48 hours after the user\'s last message; wait until the user writes again.',
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

/** Stands for the command that ran in hints; the top level fills it in (`tiktok-channel send --help`). */
export const COMMAND_PLACEHOLDER = '<command>';

export const usageError = (message: string, hint?: string) => new CliError('usage', message, { hint });
export const validationError = (message: string, hint?: string) => new CliError('validation', message, { hint });

/** Turns anything thrown into a CliError so the top level has one shape to print. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (isPromptCancel(error)) return new CliError('cancelled', 'Cancelled.');
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('unexpected', message, { cause: error });
}

function isPromptCancel(error: unknown): boolean {
  // @inquirer/prompts throws ExitPromptError on Ctrl-C and AbortPromptError on abort.
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'AbortError';
}
