// An account as the JSON of `accounts`, `status`, `connect` and `rename` shows it, from stored state only
// (no network), so the commands that list accounts load nothing of the HTTP client.
import { isoOrNull } from '../../io/format.js';
import { daysLeft, revocationText } from '../../auth/lifetimes.js';
import type { ResolvedAccount } from '../../store/accounts.js';
import { CHAT_LINK_BASE, REQUIRED_SCOPES } from '../../tiktok/limits.js';

export interface TokenState {
  expires_at: string | null;
  expired: boolean;
  expires_in_seconds: number | null;
  /** Whole days left (24 days 23 hours is 24), 0 once expired. */
  expires_in_days: number | null;
}

export function tokenState(expiresAt: number, now: number): TokenState {
  if (!Number.isFinite(expiresAt)) return { expires_at: null, expired: false, expires_in_seconds: null, expires_in_days: null };
  return {
    expires_at: isoOrNull(expiresAt),
    expired: expiresAt <= now,
    expires_in_seconds: Math.round((expiresAt - now) / 1000),
    expires_in_days: daysLeft(expiresAt, now),
  };
}

export function describeAccount(account: ResolvedAccount, isDefault: boolean, now: number) {
  const missingScopes = REQUIRED_SCOPES.filter((scope) => !account.scopes.includes(scope));
  const access = tokenState(account.accessTokenExpiresAt, now);
  const refresh = account.refreshToken
    ? tokenState(account.refreshTokenExpiresAt, now)
    : { expires_at: null, expired: true, expires_in_seconds: null, expires_in_days: null };
  const removal = revocationText(account);
  return {
    business_id: account.businessId,
    channel_name: account.channelName,
    username: account.username ?? null,
    display_name: account.displayName ?? null,
    region: account.region ?? null,
    source: account.source,
    sandbox: account.sandbox ?? null,
    default: isDefault,
    chat_link: account.username ? `${CHAT_LINK_BASE}${account.username}` : null,
    access_token: access,
    refresh_token: refresh,
    // null for accounts stored before it was kept; the refresh token's end above comes from TikTok either way.
    consented_at: isoOrNull(account.consentedAt),
    revoked: account.revoked ? { at: new Date(account.revoked.at).toISOString(), reason: account.revoked.reason, reason_text: removal!.reason } : null,
    scopes: account.scopes,
    // Env credentials carry no scope list; only stored accounts can be judged on it.
    missing_scopes: account.source === 'env' && account.scopes.length === 0 ? [] : missingScopes,
    usable: (!access.expired || !refresh.expired) && !account.revoked,
  };
}

export type AccountDescription = ReturnType<typeof describeAccount>;
