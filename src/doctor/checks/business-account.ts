// `business-account`: only Business Accounts can use the messaging API (§7). business/get says so in
// `is_business_account` (medium confidence); a messaging refusal naming a personal account says it too.
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck, FIX, readRefusals } from './shared.js';

export const businessAccount: Check = {
  id: 'business-account',
  title: 'Business Account',
  category: 'account',
  requires: ['token'],
  async run(ctx): Promise<CheckOutcome> {
    const account = ctx.account!;
    const profile = await ctx.probes.profile();
    const who = profile?.ok && profile.value.username ? `@${profile.value.username}` : account.username ? `@${account.username}` : account.businessId;
    const personal = (reason: string): CheckOutcome => ({
      status: 'fail',
      detail: `${who} is a personal account (${reason}); only Business Accounts can use direct messages through the API`,
      fix: FIX.businessAccount,
    });
    if (profile?.ok && profile.value.isBusinessAccount === false) return personal('business/get says is_business_account false');
    if (profile && !profile.ok && /personal account/i.test(profile.error.message)) return personal(profile.error.message);
    const refusals = readRefusals(await ctx.probes.messagingCalls());
    const refusal = refusals.refused.find((candidate) => candidate.cause === 'personal');
    if (refusal) return personal(refusal.error.message);
    if (profile?.ok && profile.value.isBusinessAccount === true) {
      return { status: 'ok', detail: `${who} is a Business Account${profile.value.isVerified ? ' (verified)' : ''}` };
    }
    if (profile && !profile.ok && !refusals.passed && refusals.other.length) return couldNotCheck('read the account type', profile.error);
    return { status: 'ok', detail: `TikTok did not report the account type of ${who}; no call was refused for a personal account` };
  },
};
