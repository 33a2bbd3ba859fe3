// `media`: whether images can be sent, per conversation (capabilities/get IMAGE_SEND for the most recent
// ones; a missing answer means unknown), plus the reference's list of regions where image sending is
// unavailable. Refusals come from TikTok's "media send strategy" (regions, accounts) and "risk control
// strategy" (a flagged account): TikTok-side limits nothing here can change.
import { isMediaBlockedRegion, normalizeRegion } from '../../tiktok/limits.js';
import { MEDIA_CONVERSATIONS } from '../probes.js';
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck, plural } from './shared.js';

const WHY =
  'TikTok limits images by region and account ("media send strategy": both sides\' regions count) and for accounts ' +
  'its "risk control strategy" flags; both are TikTok-side limits that cannot be fixed from here';

export const media: Check = {
  id: 'media',
  title: 'Image sending',
  category: 'messaging',
  requires: ['advanced-access'],
  async run(ctx): Promise<CheckOutcome> {
    const account = ctx.account!;
    const region = normalizeRegion(account.region);
    const regionBlocked = isMediaBlockedRegion(region);
    const recent = (await ctx.probes.recent()).slice(0, MEDIA_CONVERSATIONS);
    const answers: Array<{ id: string; result: boolean | undefined }> = [];
    for (const conversation of recent) {
      const outcome = await ctx.probes.imageSend(conversation.conversationId);
      if (!outcome) continue;
      if (!outcome.ok) return couldNotCheck(`ask whether images can be sent in ${conversation.conversationId}`, outcome.error);
      answers.push({ id: conversation.conversationId, result: outcome.value });
    }
    const details = answers.map((answer) => `IMAGE_SEND ${answer.id}: ${answer.result === undefined ? 'unknown' : answer.result ? 'yes' : 'no'}`);
    if (regionBlocked) details.push(`${region} is on the reference's list of regions where image sending is unavailable`);
    const refused = answers.filter((answer) => answer.result === false);
    const fix = 'Send text (or share a post) to these users instead; if you think the account is flagged by mistake, contact TikTok support.';
    if (refused.length) {
      return {
        status: 'warn',
        detail: `images cannot be sent in ${refused.length} of ${plural(answers.length, 'recent conversation')}: ${WHY}`,
        fix,
        details,
      };
    }
    if (!answers.length && regionBlocked) {
      return { status: 'warn', detail: `the account is registered in ${region}, where image sending is unavailable: ${WHY}`, fix, details };
    }
    if (!answers.length) return { status: 'ok', detail: 'no conversation to ask about (TikTok answers per conversation)', details };
    const known = answers.filter((answer) => answer.result === true).length;
    return {
      status: 'ok',
      detail: `images can be sent in ${known} of ${plural(answers.length, 'recent conversation')}${known < answers.length ? ' (the others unknown)' : ''}`,
      details,
    };
  },
};
