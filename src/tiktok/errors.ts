// TikTok's envelope codes (../shared/tiktok-api.md §6) mapped once to our error kinds.
import { CliError, type ErrorKind } from '../errors.js';

interface CodeRule {
  kind: ErrorKind;
  retryable: boolean;
  hint?: string;
}

const CODE_TABLE: Record<number, CodeRule> = {
  40001: {
    kind: 'permission',
    retryable: false,
    hint:
      'TikTok refused permission: check the granted scopes (`tiktok-channel status`), that the account has Advanced Access ' +
      '(linked to TikTok for Business or a Business Center) and is not registered in the EEA, Switzerland or the UK. ' +
      'After fixing, run `tiktok-channel refresh --reauthorize`. `tiktok-channel doctor` checks each of these.',
  },
  40002: { kind: 'validation', retryable: false, hint: 'TikTok rejected a parameter; the message above names it.' },
  40007: { kind: 'validation', retryable: false, hint: 'The conversation, message or media id does not exist (media ids last about 30 days).' },
  40064: {
    kind: 'policy',
    retryable: false,
    // TikTok has one code for several rules, so the hint lists them instead of guessing.
    hint:
      'TikTok\'s direct-message rules refused this: the 48-hour window may be closed, the 10 messages of this window used, ' +
      'or messages sent too fast. `tiktok-channel conversations` shows the window and messages left.',
  },
  // 40016 (app throttled) and 40133 (advertiser throttled) are throttles like 40100 (§6): back off and retry.
  40016: { kind: 'rateLimit', retryable: true },
  40100: { kind: 'rateLimit', retryable: true },
  40133: { kind: 'rateLimit', retryable: true },
  40104: { kind: 'auth', retryable: false, hint: 'No access token was sent; run `tiktok-channel connect`.' },
  40105: {
    kind: 'auth',
    retryable: false,
    hint: 'The access token is invalid or expired: run `tiktok-channel refresh`, or `tiktok-channel refresh --reauthorize` if that fails.',
  },
  40908: { kind: 'validation', retryable: false, hint: 'TikTok accepts JPG or PNG images only.' },
  51065: { kind: 'network', retryable: true, hint: 'TikTok had a system error; try again in a moment.' },
};

export interface TikTokFailure {
  code: number;
  message: string;
  requestId?: string;
}

/** Whether the client may retry a request that failed with this envelope code. */
export function isRetryableCode(code: number): boolean {
  const rule = CODE_TABLE[code];
  if (rule) return rule.retryable;
  // 5xxxx are TikTok system errors; unknown codes get one retry (§6 "treat as retryable once").
  return code >= 50000 && code < 60000;
}

export function kindForCode(code: number): ErrorKind {
  if (CODE_TABLE[code]) return CODE_TABLE[code].kind;
  if (code >= 50000 && code < 60000) return 'network';
  return 'unexpected';
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
 * TikTok's refusal as a CliError. The code decides the kind (and so the exit code); the message text only
 * picks a more precise hint, as the reference says (§6): the same text under another code changes nothing.
 */
export function tiktokError(failure: TikTokFailure): CliError {
  const rule = CODE_TABLE[failure.code];
  const kind = kindForCode(failure.code);
  let hint = rule?.hint;
  const media = mediaRefusalReason(failure.message);
  const permission = failure.code === 40001 ? permissionReason(failure.message) : undefined;
  if (media) {
    hint =
      media === 'media-send-strategy'
        ? 'TikTok does not allow sending images here (its media send strategy limits some regions and accounts); this cannot be fixed from the CLI. Send text instead.'
        : 'TikTok\'s risk control refused this media for the account; this cannot be fixed from the CLI. Send text instead or contact TikTok support.';
  } else if (permission === 'region') {
    hint = 'TikTok does not offer the DM API to accounts registered in the EEA, Switzerland or the UK; use an account registered elsewhere.';
  } else if (permission === 'personal-account') {
    hint = 'Only Business Accounts can use direct messaging through the API. In the TikTok app: Profile → ⋯ → Settings and privacy → Manage account → Switch to Business Account.';
  }
  const text = failure.message ? `TikTok error ${failure.code}: ${failure.message}` : `TikTok error ${failure.code}`;
  return new CliError(kind, text, { hint, tiktokCode: failure.code, requestId: failure.requestId });
}
