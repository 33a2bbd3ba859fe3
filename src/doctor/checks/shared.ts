// Fix texts and readings of TikTok's refusals that several checks share, each said once.
import type { CliError } from '../../errors.js';
import { quoteArg } from '../../auth/lifetimes.js';
import { BUSINESS_ACCOUNT_SWITCH } from '../../auth/authorize.js';
import type { ResolvedAccount } from '../../store/accounts.js';
import type { Outcome } from '../probes.js';
import type { CheckOutcome } from '../types.js';

/** ` --account NAME` for commands we suggest, so they act on the account doctor looked at. */
export function accountFlag(account: ResolvedAccount | undefined): string {
  if (!account || account.source === 'env') return '';
  return ` --account ${quoteArg(account.channelName || account.businessId)}`;
}

export function reauthorizeCommand(account: ResolvedAccount | undefined): string {
  return `\`tiktok-channel refresh --reauthorize${accountFlag(account)}\``;
}

export const FIX = {
  businessAccount: `${BUSINESS_ACCOUNT_SWITCH}, then run \`tiktok-channel doctor\` again.`,
  advancedAccess: (account: ResolvedAccount | undefined) =>
    'Since April 2026 the messaging API needs Advanced Access: link the TikTok account to TikTok for Business (TT4B) ' +
    `or a Business Center (business.tiktok.com), then run ${reauthorizeCommand(account)} so the token carries the new access.`,
  region:
    'This cannot be changed in a setting: TikTok fixes the region when the account is registered. Use a Business Account ' +
    'registered outside the EEA, Switzerland and the UK (`tiktok-channel connect`), or answer these chats in the TikTok app.',
  scopes: (account: ResolvedAccount | undefined) =>
    `Run ${reauthorizeCommand(account)} and approve every permission on TikTok's consent screen. If TikTok does not ask ` +
    'for them, add the scopes to your app first (developers.tiktok.com → your app → Scopes: message.list.read, ' +
    'message.list.send, message.list.manage).',
};

export type RefusalCause = 'scope' | 'personal' | 'region' | 'advanced-access' | 'unspecified';

/** TikTok's 40001 says "no permission" for several reasons; its text (a hint only, §6) tells them apart. */
export function refusalCause(error: CliError): RefusalCause | undefined {
  if (error.tiktokCode !== 40001 && error.kind !== 'permission' && error.kind !== 'region') return undefined;
  const text = error.message;
  if (error.kind === 'region' || /region|\beea\b|switzerland|united kingdom/i.test(text)) return 'region';
  if (/scope/i.test(text)) return 'scope';
  if (/personal account|business account/i.test(text)) return 'personal';
  if (/advanced access|tt4b|tiktok for business|business center/i.test(text)) return 'advanced-access';
  return 'unspecified';
}

export interface Refusals {
  calls: number;
  passed: number;
  refused: Array<{ error: CliError; cause: RefusalCause }>;
  /** Failures that are not permission refusals (network, rate limit, …). */
  other: CliError[];
}

export function readRefusals(outcomes: Array<Outcome<unknown>>): Refusals {
  const refusals: Refusals = { calls: outcomes.length, passed: 0, refused: [], other: [] };
  for (const outcome of outcomes) {
    if (outcome.ok) {
      refusals.passed++;
      continue;
    }
    const cause = refusalCause(outcome.error);
    if (cause) refusals.refused.push({ error: outcome.error, cause });
    else refusals.other.push(outcome.error);
  }
  return refusals;
}

/** TikTok's words with its code and request_id, for a detail line. */
export function quoteTikTok(error: CliError): string {
  const reference = error.requestId ? `, request_id ${error.requestId}` : '';
  return `${error.message}${reference}`;
}

/** "1 conversation", "3 conversations". */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** A failure the check could not read anything from (network, rate limit, an unknown code). */
export function couldNotCheck(what: string, error: CliError): CheckOutcome {
  return {
    status: 'error',
    detail: `could not ${what}: ${quoteTikTok(error)}`,
    fix: error.hint || 'Run `tiktok-channel doctor --debug` to see the request that failed.',
  };
}
