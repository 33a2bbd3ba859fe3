// `status`: who am I, from local state only (no network), so it answers instantly and offline.
import { CliError } from '../errors.js';
import type { Deps } from '../deps.js';
import { formatDuration, formatTime, isoOrNull } from '../io/format.js';
import { CHAT_LINK_BASE, REQUIRED_SCOPES } from '../tiktok/limits.js';
import type { ResolvedAccount } from '../store/accounts.js';

export type StatusOptions = Record<string, never>;

export interface TokenState {
  expires_at: string | null;
  expired: boolean;
  expires_in_seconds: number | null;
}

export function tokenState(expiresAt: number, now: number): TokenState {
  if (!Number.isFinite(expiresAt)) return { expires_at: null, expired: false, expires_in_seconds: null };
  return { expires_at: isoOrNull(expiresAt), expired: expiresAt <= now, expires_in_seconds: Math.round((expiresAt - now) / 1000) };
}

export function describeAccount(account: ResolvedAccount, isDefault: boolean, now: number) {
  const missingScopes = REQUIRED_SCOPES.filter((scope) => !account.scopes.includes(scope));
  const access = tokenState(account.accessTokenExpiresAt, now);
  const refresh = account.refreshToken ? tokenState(account.refreshTokenExpiresAt, now) : { expires_at: null, expired: true, expires_in_seconds: null };
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
    scopes: account.scopes,
    // Env credentials carry no scope list; only stored accounts can be judged on it.
    missing_scopes: account.source === 'env' && account.scopes.length === 0 ? [] : missingScopes,
    usable: !access.expired || !refresh.expired,
  };
}

export async function run(_options: StatusOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const account = deps.resolveAccount();
  const now = deps.now();
  const isDefault = account.source === 'store' && deps.store().defaultBusinessId() === account.businessId;
  const status = describeAccount(account, isDefault, now);

  if (!status.usable) {
    throw new CliError('auth', `The tokens of ${account.channelName} have expired (access and refresh).`, {
      hint: `Run \`tiktok-channel refresh --reauthorize --account ${account.businessId}\` to sign in again.`,
      details: { account: status },
    });
  }
  if (io.json) {
    io.printJson(status);
    return;
  }
  const { color } = io;
  const label = (text: string) => color.dim(text.padEnd(15));
  const lines = [
    `${color.bold(account.channelName)}${account.username ? ` (@${account.username})` : ''}${isDefault ? color.dim('  default') : ''}`,
    `${label('business_id')}${account.businessId}`,
    `${label('source')}${account.source === 'env' ? 'TIKTOK_CHANNEL_ACCESS_TOKEN (env)' : 'stored account'}${account.sandbox ? ' · embedded sandbox' : ''}`,
    `${label('region')}${account.region ?? 'unknown'}`,
    `${label('access token')}${describeToken(status.access_token, now)}`,
    `${label('refresh token')}${account.refreshToken ? describeToken(status.refresh_token, now) : 'none'}`,
    `${label('scopes')}${account.scopes.length ? account.scopes.join(', ') : 'unknown'}`,
  ];
  if (status.chat_link) lines.push(`${label('chat link')}${status.chat_link}`);
  io.out(lines.join('\n'));
  if (status.access_token.expired) io.warn('The access token has expired; the next command renews it with the refresh token.');
  if (status.missing_scopes.length) {
    io.warn(`Missing scopes for messaging: ${status.missing_scopes.join(', ')}. Run \`tiktok-channel refresh --reauthorize\` and approve them.`);
  }
}

function describeToken(state: TokenState, now: number): string {
  if (state.expires_at === null) return 'expiry unknown';
  const at = Date.parse(state.expires_at);
  return state.expired ? `expired ${formatTime(at)}` : `expires in ${formatDuration(at - now)} (${formatTime(at)})`;
}
