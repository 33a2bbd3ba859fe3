// `advanced-access`: since April 2026 messaging needs Advanced Access (the account linked to TikTok for
// Business or a Business Center). Without it the token is valid but messaging calls are refused with
// 40001. Scopes, account type and region explain a 40001 too, so they are checked first (prerequisites).
// The rollout is gradual: some calls passing while others are refused is its signature.
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck, FIX, plural, readRefusals } from './shared.js';

export const advancedAccess: Check = {
  id: 'advanced-access',
  title: 'Advanced Access',
  category: 'account',
  requires: ['token', 'scopes', 'business-account', 'region'],
  async run(ctx): Promise<CheckOutcome> {
    const account = ctx.account!;
    const refusals = readRefusals(await ctx.probes.messagingCalls());
    const refused = refusals.refused.filter((refusal) => refusal.cause === 'advanced-access' || refusal.cause === 'unspecified');
    const details = [
      `${refusals.calls} messaging calls: ${refusals.passed} passed, ${refusals.refused.length} refused, ${refusals.other.length} failed otherwise`,
    ];
    details.push(
      ...refusals.refused.map((refusal) => `refused: ${refusal.error.message}${refusal.error.requestId ? ` (request_id ${refusal.error.requestId})` : ''}`),
    );
    if (refused.length && refusals.passed > 0) {
      return {
        status: 'fail',
        detail:
          `${refused.length} of ${plural(refusals.calls, 'messaging call')} were refused with TikTok error 40001 while ${refusals.passed} passed: ` +
          'Advanced Access (needed since April 2026) is rolling out gradually, so failures may be intermittent until the account has it',
        fix: FIX.advancedAccess(account),
        details,
      };
    }
    if (refused.length) {
      return {
        status: 'fail',
        detail: `TikTok refuses messaging calls although the token is valid (${refused[0]!.error.message}): the account has no Advanced Access, needed since April 2026`,
        fix: FIX.advancedAccess(account),
        details,
      };
    }
    if (refusals.passed === 0 && refusals.other.length) return { ...couldNotCheck('call the messaging API', refusals.other[0]!), details };
    return { status: 'ok', detail: `messaging calls are permitted (${refusals.passed} of ${refusals.calls} passed)`, details };
  },
};
