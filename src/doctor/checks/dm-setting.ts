// `dm-setting`: the account must accept DMs from everyone, else new chats wait as message requests.
// TikTok's API does not expose the setting; conversations listed as STRANGER are the signal, and the
// meaning of STRANGER is disputed (§4), so this is a warning that says it is a heuristic.
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck, plural } from './shared.js';

export const dmSetting: Check = {
  id: 'dm-setting',
  title: 'DMs open to everyone',
  category: 'messaging',
  requires: ['advanced-access'],
  async run(ctx): Promise<CheckOutcome> {
    const [single, stranger] = await Promise.all([ctx.probes.conversations('SINGLE'), ctx.probes.conversations('STRANGER')]);
    if (!stranger || !single) return { status: 'skip', detail: 'skipped: no account (see config)' };
    if (!stranger.ok) return couldNotCheck('list STRANGER conversations', stranger.error);
    const requests = stranger.value;
    const total = requests.length + (single.ok ? single.value.length : 0);
    if (!requests.length) return { status: 'ok', detail: `no conversation waits as a message request (${plural(total, 'recent conversation')} checked)` };
    return {
      status: 'warn',
      detail:
        `${requests.length} of ${plural(total, 'recent conversation')} wait as message requests (STRANGER): DMs may not be open to everyone. ` +
        'A heuristic: what STRANGER means is disputed, and it may also mark chats the business has not answered yet',
      fix:
        'In the TikTok app: Profile → ☰ → Settings and privacy → Privacy → Direct messages → Everyone; ' +
        "then accept the waiting requests in the app's inbox (`tiktok-channel conversations --type stranger` lists them).",
      details: requests.map((conversation) => `STRANGER ${conversation.conversationId}`),
    };
  },
};
