// `scopes`: the scopes TikTok says the token carries (token info) include the three messaging needs.
// Without the client key token info cannot be asked: then the scopes stored at connect, and failing
// that, what the messaging calls' refusals say.
import { REQUIRED_SCOPES } from '../../tiktok/limits.js';
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck, FIX, readRefusals } from './shared.js';

export const scopes: Check = {
  id: 'scopes',
  title: 'Messaging scopes granted',
  category: 'account',
  requires: ['token'],
  async run(ctx): Promise<CheckOutcome> {
    const account = ctx.account!;
    const info = await ctx.probes.tokenInfo();
    let granted: string[] | undefined;
    let source: string;
    if (info?.ok) {
      granted = info.value.scopes;
      source = 'token info';
    } else if (account.scopes.length) {
      granted = account.scopes;
      source = 'stored at connect';
    } else {
      source = 'unknown';
    }
    if (!granted) {
      const refusals = readRefusals(await ctx.probes.messagingCalls());
      const scopeRefusal = refusals.refused.find((refusal) => refusal.cause === 'scope');
      if (scopeRefusal) {
        return { status: 'fail', detail: `TikTok refuses messaging calls for a missing scope: ${scopeRefusal.error.message}`, fix: FIX.scopes(account) };
      }
      if (!refusals.passed && refusals.other.length)
        return couldNotCheck('read the granted scopes or call the messaging API', info && !info.ok ? info.error : refusals.other[0]!);
      return {
        status: 'ok',
        detail: `granted scopes unknown (token info needs TIKTOK_CHANNEL_CLIENT_KEY); no messaging call was refused for a scope`,
      };
    }
    const details = [`granted (${source}): ${granted.join(', ') || 'none'}`];
    const missing = REQUIRED_SCOPES.filter((scope) => !granted!.includes(scope));
    if (missing.length) {
      return {
        status: 'fail',
        detail: `the token lacks ${missing.join(', ')} (${source}), which messaging needs`,
        fix: FIX.scopes(account),
        details,
      };
    }
    if (!granted.includes('user.info.basic')) {
      return {
        status: 'warn',
        detail: "the token lacks user.info.basic: the account's profile (username, account type) cannot be read",
        fix: FIX.scopes(account),
        details,
      };
    }
    return { status: 'ok', detail: `${REQUIRED_SCOPES.join(', ')} granted (${source})`, details };
  },
};
