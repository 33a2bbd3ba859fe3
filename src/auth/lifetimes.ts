// What the CLI says about an account's token lifetimes and revocation, from stored state alone. Kept
// apart from the session (which loads the OAuth client) so `accounts` and `status --offline` stay light.
import { CliError } from '../errors.js';
import { formatTime } from '../io/format.js';
import type { ResolvedAccount, StoredAccount } from '../store/accounts.js';
import { authorizationRemovedReason } from '../tiktok/removal-reasons.js';

/** Inside this many days of the refresh token's end, a new consent is due: doctor warns, status and refresh say so. */
export const REFRESH_TOKEN_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

/** Whole days left before `expiresAt` (never overstated: 24 days 23 hours is 24), null when unknown. */
export function daysLeft(expiresAt: number, now: number): number | null {
  if (!Number.isFinite(expiresAt)) return null;
  return Math.max(0, Math.floor((expiresAt - now) / DAY_MS));
}

/** "24 days" / "1 day" / "less than a day". */
export function daysText(days: number): string {
  return days === 0 ? 'less than a day' : `${days} day${days === 1 ? '' : 's'}`;
}

/** The day as YYYY-MM-DD (UTC), how the revocation is named to the user. */
function day(ms: number): string {
  return formatTime(ms).slice(0, 10);
}

/** What to say about an account whose holder removed the app (tail marked it from authorization.removed). */
export function revocationText(account: Pick<StoredAccount, 'revoked'>): { detail: string; reason: string; fix: string } | undefined {
  const revoked = account.revoked;
  if (!revoked) return undefined;
  return {
    detail: `the account holder removed the app on ${day(revoked.at)}: run \`tiktok-channel connect\` again`,
    reason: authorizationRemovedReason(revoked.reason),
    fix: 'Run `tiktok-channel connect` and have the account holder approve the app again; the new consent clears the mark.',
  };
}

/** The auth error (exit 3) every use of a revoked account ends with. */
export function revocationError(account: ResolvedAccount): CliError | undefined {
  const text = revocationText(account);
  if (!text) return undefined;
  return new CliError('auth', `${account.channelName}: ${text.detail} (TikTok's reason: ${text.reason}).`, {
    hint: text.fix,
    details: { revoked: { at: new Date(account.revoked!.at).toISOString(), reason: account.revoked!.reason, reason_text: text.reason } },
  });
}

/** Quotes a value for a command line we suggest to the user. */
export function quoteArg(value: string): string {
  return /^[\w@.-]+$/.test(value) ? value : `"${value.replace(/"/g, '\\"')}"`;
}
