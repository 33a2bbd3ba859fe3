// `token`: the access token (valid / expiring within 2 h / expired or revoked), the refresh token
// (valid / ending within 30 days / expired: its 365 days run from the consent and refreshing does not
// extend them, so only a new consent helps) and the account holder's removal of the app (tail marks it). TikTok's token info says whether the access token works;
// a 40105 on a token that should still be valid means it was revoked or replaced, or (env tokens) was
// pasted with a `Bearer ` prefix. By default doctor only reports; `--fix` may renew (see commands/doctor).
import { formatDuration, formatTime } from '../../io/format.js';
import type { Check, CheckOutcome, DoctorContext } from '../types.js';
import { accountFlag, quoteTikTok, reauthorizeCommand } from './shared.js';
import { daysLeft, daysText, REFRESH_TOKEN_WARN_DAYS, revocationText } from '../../auth/lifetimes.js';

const TWO_HOURS = 2 * 3600_000;

const ENV_RENEW =
  'Run `tiktok-channel refresh --json` with TIKTOK_CHANNEL_REFRESH_TOKEN, TIKTOK_CHANNEL_CLIENT_KEY and TIKTOK_CHANNEL_CLIENT_SECRET set, ' +
  'and store the printed pair as TIKTOK_CHANNEL_ACCESS_TOKEN / TIKTOK_CHANNEL_REFRESH_TOKEN.';

function refreshState(ctx: DoctorContext): { usable: boolean; line: string; outcome?: CheckOutcome } {
  const account = ctx.account!;
  if (!account.refreshToken)
    return { usable: false, line: account.source === 'env' ? 'no refresh token (TIKTOK_CHANNEL_REFRESH_TOKEN is not set)' : 'no refresh token stored' };
  if (!Number.isFinite(account.refreshTokenExpiresAt)) return { usable: true, line: 'refresh token expiry unknown (env)' };
  const left = account.refreshTokenExpiresAt - ctx.now;
  if (left <= 0) {
    return {
      usable: false,
      line: `refresh token expired ${formatTime(account.refreshTokenExpiresAt)}`,
      outcome: {
        status: 'fail',
        detail: `the refresh token expired ${formatTime(account.refreshTokenExpiresAt)}, so the access token cannot be renewed`,
        fix: `Run ${reauthorizeCommand(account)} to sign in again (a new consent gives a refresh token for 365 days).`,
      },
    };
  }
  const days = daysLeft(account.refreshTokenExpiresAt, ctx.now)!;
  if (days < REFRESH_TOKEN_WARN_DAYS) {
    return {
      usable: true,
      line: `refresh token expires in ${daysText(days)}`,
      outcome: {
        status: 'warn',
        detail:
          `the refresh token expires in ${daysText(days)} (${formatTime(account.refreshTokenExpiresAt)}): TikTok counts its 365 days from the consent ` +
          'and refreshing does not extend them, so after that only a new consent helps',
        fix: `Run ${reauthorizeCommand(account)} before ${formatTime(account.refreshTokenExpiresAt)}.`,
      },
    };
  }
  return { usable: true, line: `refresh token valid for ${daysText(days)}` };
}

export const token: Check = {
  id: 'token',
  title: 'Access and refresh tokens',
  category: 'account',
  requires: ['network'],
  async run(ctx): Promise<CheckOutcome> {
    const account = ctx.account;
    if (!account) return { status: 'skip', detail: 'skipped: no account (see config)' };
    // TikTok revoked the tokens when the holder removed the app: nothing but a new consent helps.
    const removal = revocationText(account);
    if (removal) return { status: 'fail', detail: `${removal.detail} (TikTok's reason: ${removal.reason})`, fix: removal.fix };
    const env = account.source === 'env';
    const bearer = /^bearer\s/i.test(account.accessToken);
    const accessExpiry = account.accessTokenExpiresAt;
    const accessLeft = accessExpiry - ctx.now;
    const refresh = refreshState(ctx);
    const evidence = ctx.probes.tokenInfo() ?? ctx.probes.profile();
    const outcome = evidence ? await evidence : undefined;
    const accessLine = Number.isFinite(accessExpiry)
      ? accessLeft > 0
        ? `access token valid for ${formatDuration(accessLeft)}`
        : `access token expired ${formatTime(accessExpiry)}`
      : 'access token expiry unknown (env)';
    const details = [accessLine, refresh.line];

    if (outcome && !outcome.ok) {
      const error = outcome.error;
      if (error.tiktokCode === 40105 || error.tiktokCode === 40104 || error.kind === 'auth') {
        if (bearer) {
          return {
            status: 'fail',
            detail: `TikTok refused the access token: TIKTOK_CHANNEL_ACCESS_TOKEN starts with "Bearer " (${quoteTikTok(error)})`,
            fix: 'Remove the `Bearer ` prefix: TikTok wants the bare token in its Access-Token header.',
            details,
          };
        }
        // TikTok refuses the access token and the refresh token is over: only a new consent helps.
        if (accessLeft > 0 && refresh.outcome?.status === 'fail') return { ...refresh.outcome, details };
        if (accessLeft <= 0) {
          if (!refresh.usable) {
            return {
              status: 'fail',
              detail: `the access token expired ${formatTime(accessExpiry)} and ${refresh.line}`,
              fix: env
                ? 'Get a new token pair: run `tiktok-channel connect` on a machine with a browser, then `tiktok-channel refresh --json`.'
                : `Run ${reauthorizeCommand(account)} to sign in again.`,
              details,
            };
          }
          if (env) return { status: 'fail', detail: `the access token expired ${formatTime(accessExpiry)}`, fix: ENV_RENEW, details };
          return {
            status: 'warn',
            detail: `the access token expired ${formatTime(accessExpiry)}; the refresh token is valid, so the next command renews it`,
            fix: `Run \`tiktok-channel refresh${accountFlag(account)}\` (or \`tiktok-channel doctor --fix\`) to renew it now and check the rest.`,
            details,
            blocksDependents: true,
            fixable: 'refresh',
          };
        }
        return {
          status: 'fail',
          detail:
            `TikTok refused an access token that should be valid${Number.isFinite(accessExpiry) ? ` until ${formatTime(accessExpiry)}` : ''}: ` +
            `it was revoked or replaced (${quoteTikTok(error)})`,
          fix: env
            ? ENV_RENEW
            : `Run \`tiktok-channel refresh${accountFlag(account)}\` (or \`tiktok-channel doctor --fix\`); if TikTok refuses the refresh token too, run ${reauthorizeCommand(account)}.`,
          details,
          fixable: !env && refresh.usable ? 'refresh' : undefined,
        };
      }
      if (error.tiktokCode === 40001 && /app/i.test(error.message)) {
        return {
          status: 'fail',
          detail: `TikTok says the access token was not issued to the app ${ctx.app.clientKey} (${quoteTikTok(error)})`,
          fix: `Use the client key of the app that authorized this account, or connect the account with this app: ${reauthorizeCommand(account)}.`,
          details,
        };
      }
      // A permission refusal of business/get (scopes) says nothing against the token itself.
      if (error.kind !== 'permission' && error.kind !== 'region') {
        return { status: 'error', detail: `could not check the access token: ${quoteTikTok(error)}`, fix: error.hint, details };
      }
    }
    if (outcome?.ok && 'creatorId' in outcome.value && outcome.value.creatorId && outcome.value.creatorId !== account.businessId) {
      return {
        status: 'fail',
        detail: `the access token belongs to business_id ${outcome.value.creatorId}, not ${account.businessId}`,
        fix: env
          ? `Set TIKTOK_CHANNEL_BUSINESS_ID=${outcome.value.creatorId}, or use the token of ${account.businessId}.`
          : `Run ${reauthorizeCommand(account)} and sign in as the right account.`,
        details,
      };
    }
    if (refresh.outcome?.status === 'fail') return { ...refresh.outcome, details };
    if (env && Number.isFinite(accessExpiry) && accessLeft < TWO_HOURS) {
      return {
        status: 'warn',
        detail: `the access token (env) ${accessLeft > 0 ? `expires in ${formatDuration(accessLeft)}` : 'has expired'}, and env tokens are not renewed automatically`,
        fix: ENV_RENEW,
        details,
      };
    }
    if (refresh.outcome) return { ...refresh.outcome, details };
    if (Number.isFinite(accessExpiry) && accessLeft < TWO_HOURS) {
      return {
        status: 'ok',
        detail: `TikTok accepts the access token; it expires in ${formatDuration(accessLeft)} and is renewed automatically just before`,
        details,
      };
    }
    const checked = outcome?.ok ? 'TikTok accepts the access token' : 'access token not checked with TikTok';
    return { status: 'ok', detail: `${checked}; ${[accessLine, refresh.line].join(', ')}`, details };
  },
};
