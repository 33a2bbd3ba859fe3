// `region`: accounts registered in the EEA, Switzerland or the UK cannot manage or send DMs through the
// API (fail); in the US Business Messaging is an open beta (warn). The region comes from connect
// (`--region`, or the sandbox), else from the evidence: refusals naming the region, and webhook events
// that TikTok reduced for EEA users (im_receive_msg_eu, kept in tail's journal).
import { join } from 'node:path';
import { dmRegionVerdict, normalizeRegion } from '../../tiktok/limits.js';
import type { Check, CheckOutcome, DoctorContext } from '../types.js';
import { couldNotCheck, FIX, plural, readRefusals } from './shared.js';

/** Journal entries older than TikTok's retry window (72 h) plus a margin say nothing about today. */
const JOURNAL_LOOKBACK_MS = 7 * 24 * 3600_000;
/** Enough evidence, read in well under the check's time limit even from a full journal. */
const JOURNAL_MAX_ENTRIES = 100_000;
const EU_EVENT = 'im_receive_msg_eu';

/**
 * Deliveries TikTok reduced because the user is in the EEA, CH or UK, as tail journaled them for this
 * account. The journal keeps each body base64-encoded, so it is read through its own reader.
 */
export async function countReducedEvents(configDir: string | undefined, businessId: string, now: number): Promise<number> {
  if (!configDir) return 0;
  const { Journal } = await import('../../tail/journal.js');
  let count = 0;
  let read = 0;
  try {
    for await (const entry of Journal.reader(join(configDir, 'journal')).entries({ since: now - JOURNAL_LOOKBACK_MS })) {
      if (++read > JOURNAL_MAX_ENTRIES) break;
      if (entry.duplicate || (entry.account !== null && entry.account !== businessId) || !('body' in entry)) continue;
      // Cheap filter first; the event name decides (a user's text could contain the word).
      if (!entry.body.includes(EU_EVENT)) continue;
      try {
        if ((JSON.parse(entry.body.toString('utf8')) as { event?: unknown }).event === EU_EVENT) count++;
      } catch {
        // a body that is not JSON is not TikTok's event
      }
    }
  } catch {
    return count; // an unreadable journal is tail's problem; doctor reports what it could read
  }
  return count;
}

function where(region: string): string {
  return region === 'CH' ? 'Switzerland' : region === 'GB' ? 'the UK' : 'the EEA';
}

export const region: Check = {
  id: 'region',
  title: 'Region allows DMs',
  category: 'account',
  requires: ['network'],
  async run(ctx: DoctorContext): Promise<CheckOutcome> {
    const account = ctx.account;
    if (!account) return { status: 'skip', detail: 'skipped: no account (see config)' };
    const stored = normalizeRegion(account.region);
    const verdict = dmRegionVerdict(stored);
    const refusals = readRefusals(await ctx.probes.messagingCalls());
    const regionRefusal = refusals.refused.find((refusal) => refusal.cause === 'region');
    const reduced = await countReducedEvents(ctx.configDir, account.businessId, ctx.now);
    const details = [
      `stored region: ${stored ?? 'unknown'}`,
      `messaging calls refused for the region: ${refusals.refused.filter((r) => r.cause === 'region').length}`,
    ];
    if (reduced) details.push(`journaled im_receive_msg_eu events: ${reduced}`);

    if (verdict === 'blocked') {
      return {
        status: 'fail',
        detail: `registered in ${stored} (${where(stored!)}): TikTok's API cannot manage or send DMs for accounts registered in the EEA, Switzerland or the UK`,
        fix: FIX.region,
        details,
      };
    }
    if (regionRefusal) {
      return {
        status: 'fail',
        detail: `TikTok refuses messaging calls for the account's region (${regionRefusal.error.message})${stored ? `; the region stored at connect is ${stored}` : ''}`,
        fix: FIX.region,
        details,
      };
    }
    if (verdict === 'restricted') {
      return {
        status: 'warn',
        detail: `registered in ${stored}: Business Messaging is an open beta there, and some platforms do not offer it to US-registered organisations`,
        fix: 'Nothing to change while messaging calls pass; if TikTok refuses them, ask TikTok whether the beta covers this account.',
        details,
      };
    }
    if (reduced) {
      return {
        status: 'warn',
        detail: `${plural(reduced, 'message')} came from users in the EEA, Switzerland or the UK (im_receive_msg_eu): TikTok sends no text or conversation for those, so the API cannot read or answer them`,
        fix: 'Answer those users in the TikTok app; nothing to change here.',
        details,
      };
    }
    if (stored) return { status: 'ok', detail: `registered in ${stored}, where the API may send DMs`, details };
    // No messaging call answered at all (TikTok failing): "no call was refused for it" would be hollow.
    if (!refusals.passed && !refusals.refused.length && refusals.other.length)
      return { ...couldNotCheck('call the messaging API', refusals.other[0]!), details };
    const unexplained = refusals.refused.some((refusal) => refusal.cause === 'unspecified');
    if (unexplained) {
      return {
        status: 'warn',
        detail:
          'region unknown (not stored at connect), and messaging calls are refused without a reason: an account registered in the EEA, Switzerland or the UK is one explanation',
        fix: `If the account is registered there: ${FIX.region} Otherwise reconnect with \`tiktok-channel connect --region CC\` so doctor can rule it out.`,
        details,
      };
    }
    return { status: 'ok', detail: 'region not stored at connect, but no call was refused for it', details };
  },
};
