// `status`: who am I, with the tokens checked by TikTok (token info: one call), as `gh auth status` does,
// so an expired or revoked token is reported before a send finds out; `--offline` judges from local state
// and loads nothing of the HTTP client (the TikTok calls are imported when status asks).
import { asCliError, CliError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { displaySafe, formatDuration, formatTime } from '../../io/format.js';
import type { IO } from '../../io/io.js';
import { output, type Output } from '../../io/output.js';
import type { ResolvedAccount } from '../../store/accounts.js';
import { daysText, quoteArg, REFRESH_TOKEN_WARN_DAYS, revocationError } from '../../auth/lifetimes.js';
import type { StatusOptions } from '../status.js';
import { describeAccount, type AccountDescription, type TokenState } from '../accounts/describe.js';

/** What TikTok said about the token (token info), when status asked. */
export interface TikTokCheck {
  scopes?: string[];
  /** The access token was renewed first (it was about to expire, or TikTok answered 40105). */
  renewed: boolean;
}

export type StatusData = AccountDescription & { checked_with_tiktok: boolean; renewed: boolean };

/**
 * The stored expiry corrected by what TikTok just said: the account is not usable, the access token is
 * expired when TikTok called it expired or invalid (40105/40104), and the refresh token when TikTok
 * refused it too. The stored times stay as they are (they are what the store believed).
 */
function refusedByTikTok(described: AccountDescription, error: CliError, refreshRefused: boolean) {
  const accessRefused = refreshRefused || error.tiktokCode === 40105 || error.tiktokCode === 40104;
  return {
    ...described,
    access_token: accessRefused ? { ...described.access_token, expired: true } : described.access_token,
    refresh_token: refreshRefused ? { ...described.refresh_token, expired: true } : described.refresh_token,
    usable: false,
  };
}

/**
 * Asks TikTok whether the token works: token info (needs the app's client key), else the profile for
 * env credentials without one. Through the session, so an expiring token is renewed as any command would.
 */
async function checkWithTikTok(deps: Deps, account: ResolvedAccount, isDefault: boolean): Promise<{ account: ResolvedAccount; check: TikTokCheck }> {
  const [session, { getTokenInfo }, { getBusinessProfile }] = await Promise.all([
    deps.session(account),
    import('../../tiktok/oauth.js'),
    import('../../tiktok/messaging-api.js'),
  ]);
  const before = account.accessToken;
  let scopes: string[] | undefined;
  try {
    if (account.clientKey) {
      const info = await session.call((token) => getTokenInfo(session.client, session.current.clientKey, token));
      if (info.creatorId && info.creatorId !== account.businessId) {
        throw new CliError('auth', `The token of ${account.channelName} belongs to another account (${info.creatorId}), not ${account.businessId}.`, {
          hint: `Run \`tiktok-channel refresh --reauthorize --account ${quoteArg(account.businessId)}\` and sign in as this account.`,
        });
      }
      scopes = info.scopes.length ? info.scopes : undefined;
    } else {
      await session.call((token) => getBusinessProfile(session.client, token, account.businessId, { fields: ['username'] }));
    }
  } catch (error) {
    error = asCliError(error);
    if (error instanceof CliError && error.kind === 'auth') {
      throw new CliError('auth', `TikTok does not accept the tokens of ${account.channelName}: ${error.message}`, {
        hint: error.hint,
        tiktokCode: error.tiktokCode,
        requestId: error.requestId,
        details: {
          account: refusedByTikTok(describeAccount(session.current, isDefault, deps.now()), error, session.refreshRefused),
          checked_with_tiktok: true,
        },
      });
    }
    if (error instanceof CliError && (error.kind === 'network' || error.kind === 'rateLimit')) {
      throw new CliError(error.kind, `Could not check the token with TikTok: ${error.message}`, {
        hint: `${error.hint} \`tiktok-channel status --offline\` shows the stored state without asking TikTok.`,
        tiktokCode: error.tiktokCode,
        requestId: error.requestId,
      });
    }
    throw error;
  }
  return { account: { ...session.current, ...(scopes ? { scopes } : {}) }, check: { scopes, renewed: session.current.accessToken !== before } };
}

export async function status(options: StatusOptions, deps: Deps): Promise<Output<StatusData>> {
  let account = deps.resolveAccount();
  const isDefault = account.source === 'store' && deps.store().defaultBusinessId() === account.businessId;
  const local = describeAccount(account, isDefault, deps.now());

  const revoked = revocationError(account);
  if (revoked) throw new CliError('auth', revoked.message, { hint: revoked.hint, details: { account: local } });
  if (!local.usable) {
    throw new CliError('auth', `The tokens of ${account.channelName} have expired (access and refresh).`, {
      hint: `Run \`tiktok-channel refresh --reauthorize --account ${quoteArg(account.businessId)}\` to sign in again.`,
      details: { account: local },
    });
  }
  let check: TikTokCheck | undefined;
  if (!options.offline) {
    ({ account, check } = await deps.io.progress('Checking the token with TikTok…', () => checkWithTikTok(deps, account, isDefault)));
  }
  const now = deps.now();
  const data: StatusData = { ...describeAccount(account, isDefault, now), checked_with_tiktok: Boolean(check), renewed: check?.renewed ?? false };
  return output(data, (status, io) => renderStatus(status, account, check, now, io));
}

function renderStatus(status: StatusData, account: ResolvedAccount, check: TikTokCheck | undefined, now: number, io: IO): void {
  const { color } = io;
  const label = (text: string) => color.dim(text.padEnd(15));
  // Names, ids, regions and scopes come from TikTok or a person: shown display-safe.
  const lines = [
    `${color.bold(displaySafe(account.channelName))}${account.username ? displaySafe(` (@${account.username})`) : ''}${status.default ? color.dim('  default') : ''}`,
    `${label('business_id')}${displaySafe(account.businessId)}`,
    `${label('source')}${account.source === 'env' ? 'TIKTOK_CHANNEL_ACCESS_TOKEN (env)' : 'stored account'}${account.sandbox ? ' · embedded sandbox' : ''}`,
    `${label('region')}${displaySafe(account.region ?? 'unknown')}`,
    `${label('access token')}${describeToken(status.access_token, now)}`,
    `${label('refresh token')}${account.refreshToken ? describeToken(status.refresh_token, now) : 'none'}`,
    `${label('consented')}${status.consented_at ? `${formatTime(account.consentedAt!)} (a refresh token ends 365 days after consent)` : 'unknown (stored by an older version)'}`,
    `${label('scopes')}${account.scopes.length ? displaySafe(account.scopes.join(', ')) : 'unknown'}`,
    `${label('checked')}${check ? `with TikTok just now (token info)${check.renewed ? '; the access token was renewed first' : ''}` : 'offline: stored state only (--offline)'}`,
  ];
  if (status.chat_link) lines.push(`${label('chat link')}${displaySafe(status.chat_link)}`);
  io.out(lines.join('\n'));
  if (status.access_token.expired && !check) io.warn('The access token has expired; the next command renews it with the refresh token.');
  const refreshDays = status.refresh_token.expires_in_days;
  if (account.refreshToken && refreshDays !== null && !status.refresh_token.expired && refreshDays < REFRESH_TOKEN_WARN_DAYS) {
    io.warn(
      `The refresh token ends in ${daysText(refreshDays)} and refreshing does not extend it: run \`tiktok-channel refresh --reauthorize --account ${quoteArg(account.businessId)}\` before then.`,
    );
  }
  if (status.missing_scopes.length) {
    io.warn(`Missing scopes for messaging: ${status.missing_scopes.join(', ')}. Run \`tiktok-channel refresh --reauthorize\` and approve them.`);
  }
}

function describeToken(state: TokenState, now: number): string {
  if (state.expires_at === null) return 'expiry unknown';
  const at = Date.parse(state.expires_at);
  if (state.expired) return `expired ${formatTime(at)}`;
  const days = state.expires_in_days !== null && state.expires_in_days > 0 ? `, ${daysText(state.expires_in_days)} left` : '';
  return `expires in ${formatDuration(at - now)} (${formatTime(at)}${days})`;
}
