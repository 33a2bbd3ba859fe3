// `region`: accounts registered in the EEA, Switzerland or the UK cannot manage or send DMs through the
// API (fail); in the US Business Messaging is an open beta (warn). The region comes from connect
// (`--region`, or the sandbox), else from the evidence: refusals naming the region, and webhook events
// that TikTok reduced for EEA users (im_receive_msg_eu, kept in tail's journal).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dmRegionVerdict, normalizeRegion } from '../../tiktok/limits.js';
import type { Check, CheckOutcome, DoctorContext } from '../types.js';
import { couldNotCheck, FIX, plural, readRefusals } from './shared.js';

const JOURNAL_BYTES_READ = 4 * 1024 * 1024;

/** Deliveries TikTok reduced because the user is in the EEA, CH or UK, as tail journaled them. */
export function countReducedEvents(configDir: string | undefined): number {
  if (!configDir) return 0;
  const dir = join(configDir, 'journal');
  let count = 0;
  let budget = JOURNAL_BYTES_READ;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const size = statSync(path).size;
      if (!statSync(path).isFile() || size > budget) continue;
      budget -= size;
      // Tolerant of the journal's format: one event per line, its name somewhere in it.
      for (const line of readFileSync(path, 'utf8').split('\n')) if (line.includes('im_receive_msg_eu')) count++;
    } catch {
      continue;
    }
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
    const reduced = countReducedEvents(ctx.configDir);
    const details = [`stored region: ${stored ?? 'unknown'}`, `messaging calls refused for the region: ${refusals.refused.filter((r) => r.cause === 'region').length}`];
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
    if (!refusals.passed && !refusals.refused.length && refusals.other.length) return { ...couldNotCheck('call the messaging API', refusals.other[0]!), details };
    const unexplained = refusals.refused.some((refusal) => refusal.cause === 'unspecified');
    if (unexplained) {
      return {
        status: 'warn',
        detail: 'region unknown (not stored at connect), and messaging calls are refused without a reason: an account registered in the EEA, Switzerland or the UK is one explanation',
        fix: `If the account is registered there: ${FIX.region} Otherwise reconnect with \`tiktok-channel connect --region CC\` so doctor can rule it out.`,
        details,
      };
    }
    return { status: 'ok', detail: 'region not stored at connect, but no call was refused for it', details };
  },
};
