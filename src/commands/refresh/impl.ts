// `refresh`: renew the access token with the refresh token (rotated pair stored under the store's lock
// before anything else), or `--reauthorize`: run the consent flow again for the same account.
import { CliError, usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { displaySafe, formatDuration, formatTime, isoOrNull } from '../../io/format.js';
import { output, renderResult, type Output } from '../../io/output.js';
import { completeAuthorization, type Connected } from '../../auth/authorize.js';
import { runBrowserConsent, sandboxConsent, type AuthorizedCode } from '../../auth/consent-flow.js';
import { sandboxControlTarget } from '../../http/control.js';
import { REFRESH_MARGIN_SECONDS } from '../../tiktok/limits.js';
import type { StoredAccount } from '../../store/accounts.js';
import { DEFAULT_TIMEOUT_SECONDS, reportConnected } from '../connect/impl.js';
import { storedAccount } from '../accounts/impl.js';
import { daysLeft, daysText, quoteArg, REFRESH_TOKEN_WARN_DAYS } from '../../auth/lifetimes.js';
import { critically } from '../../io/interrupt.js';
import type { RefreshOptions } from '../refresh.js';

export interface Refreshed {
  business_id: string;
  channel_name: string;
  rotated: boolean;
  access_token_expires_at: string | null;
  refresh_token_expires_at: string | null;
  refresh_token_expires_in_days: number | null;
  consented_at: string | null;
}

export async function refresh(options: RefreshOptions, deps: Deps): Promise<Output<Refreshed> | void> {
  if (options.reauthorize) return reauthorize(options, deps);
  const { io } = deps;
  const resolved = deps.resolveAccount();

  if (resolved.source === 'env') {
    // The old refresh token dies on use: the new pair must reach the pipeline, and it is printed only as JSON.
    if (!io.json) {
      throw usageError(
        'With env credentials, refresh rotates TIKTOK_CHANNEL_REFRESH_TOKEN, and the new pair is printed only with --json.',
        'Run `tiktok-channel refresh --json` and store the printed access_token and refresh_token (e.g. as CI secrets).',
      );
    }
    const session = await deps.session(resolved);
    // stdout is the only place the new pair goes: SIGTERM/SIGHUP wait until it is printed.
    await critically(async () => {
      const { grant } = await session.refresh();
      const account = session.current;
      const pair = {
        business_id: account.businessId,
        access_token: account.accessToken,
        refresh_token: account.refreshToken,
        access_token_expires_at: isoOrNull(account.accessTokenExpiresAt),
        refresh_token_expires_at: isoOrNull(account.refreshTokenExpiresAt),
        scopes: grant?.scopes.length ? grant.scopes : account.scopes,
        rotated: true,
      };
      // Rendered inside the critical section, not returned: the section's end may let a held SIGTERM
      // exit at once, and the pair must be on stdout by then. Only --json gets here (checked above).
      renderResult(
        io,
        output(pair, () => undefined),
      );
    });
    return;
  }

  // Exactly one rotation when many processes refresh at once: a process adopts the token another one
  // rotated since it started instead of spending the (single-use) refresh token again. The decision is
  // re-checked under the store's lock by Session.refresh (it compares with the token we pass as stale).
  const fresh = deps.store().read().accounts[resolved.businessId] ?? resolved;
  const now = deps.now();
  const renewedSinceStart = fresh.updatedAt >= deps.startedAt && fresh.accessTokenExpiresAt - now > REFRESH_MARGIN_SECONDS * 1000;
  const session = await deps.session({ ...fresh, source: 'store' });
  // An empty stale token can never equal the stored one, so the session adopts what is stored.
  const { rotated } = await io.progress('Renewing the access token…', () => session.refresh({ staleToken: renewedSinceStart ? '' : fresh.accessToken }));
  const account = session.current;

  const data: Refreshed = {
    business_id: account.businessId,
    channel_name: account.channelName,
    rotated,
    access_token_expires_at: isoOrNull(account.accessTokenExpiresAt),
    refresh_token_expires_at: isoOrNull(account.refreshTokenExpiresAt),
    refresh_token_expires_in_days: daysLeft(account.refreshTokenExpiresAt, deps.now()),
    consented_at: isoOrNull(account.consentedAt),
  };
  return output(data, (_data, io) => {
    const at = deps.now();
    const name = displaySafe(account.channelName);
    const days = daysLeft(account.refreshTokenExpiresAt, at);
    const refreshEnd =
      days === null
        ? 'the refresh token at a time TikTok did not say'
        : `the refresh token in ${daysText(days)} (${formatTime(account.refreshTokenExpiresAt)})`;
    const expiry = `the access token expires in ${formatDuration(account.accessTokenExpiresAt - at)} (${formatTime(account.accessTokenExpiresAt)}), ${refreshEnd}`;
    io.success(
      rotated
        ? `Renewed the tokens of ${name}: ${expiry}.`
        : `Another tiktok-channel process renewed the tokens of ${name} moments ago; using those: ${expiry}.`,
    );
    // A refresh renews the access token only: the refresh token still ends 365 days after the consent.
    if (days !== null && days < REFRESH_TOKEN_WARN_DAYS) {
      io.warn(
        `Refreshing does not extend the refresh token: in ${daysText(days)} only a new consent helps. Run \`tiktok-channel refresh --reauthorize --account ${quoteArg(name)}\` before then.`,
      );
    }
  });
}

/**
 * `--reauthorize`: the consent flow again for the same account. Reported by connect's reporter (the
 * same lines, and the same scope refusal after them, as `connect`).
 */
async function reauthorize(options: RefreshOptions, deps: Deps): Promise<void> {
  const { env } = deps;
  if (env.TIKTOK_CHANNEL_ACCESS_TOKEN || env.TIKTOK_CHANNEL_BUSINESS_ID) {
    throw usageError(
      '--reauthorize re-connects a stored account, but env credentials (TIKTOK_CHANNEL_ACCESS_TOKEN / TIKTOK_CHANNEL_BUSINESS_ID) are set.',
      'Unset them to re-authorize a stored account, then run `tiktok-channel refresh --json` to print a new pair for CI.',
    );
  }
  const account = storedAccount(deps);
  const accountArg = deps.globals.account ? ` --account ${quoteArg(deps.globals.account)}` : '';
  const app = {
    clientKey: env.TIKTOK_CHANNEL_CLIENT_KEY || account.clientKey,
    clientSecret: env.TIKTOK_CHANNEL_CLIENT_SECRET || account.clientSecret,
  };
  const client = await deps.client(account);
  const apiBaseUrl = env.TIKTOK_CHANNEL_API_BASE_URL || account.apiBaseUrl;
  const complete = (authorized: AuthorizedCode) =>
    completeAuthorization(deps, {
      client,
      app,
      authorized,
      sandbox: account.sandbox,
      apiBaseUrl: account.sandbox ? undefined : apiBaseUrl,
      authUrl: authUrlFor(deps, account),
    });

  let connected: Connected;
  if (account.sandbox === 'embedded' && !env.TIKTOK_CHANNEL_API_BASE_URL) {
    const { transport, controlUrl } = await sandboxControlTarget(() => deps.store().dir, undefined);
    const authorized = await deps.io.progress('Approving again in the sandbox…', () =>
      sandboxConsent(deps, { transport, controlUrl, app, businessId: account.businessId, pkce: options.pkce }),
    );
    connected = await complete(authorized);
  } else {
    connected = await runBrowserConsent(
      deps,
      {
        app,
        authUrl: authUrlFor(deps, account),
        port: options.port,
        browser: options.browser !== false,
        timeoutSeconds: options.timeout ?? DEFAULT_TIMEOUT_SECONDS,
        forceConsent: true,
        pkce: options.pkce,
        retryCommand: `tiktok-channel refresh --reauthorize${accountArg}${options.pkce === false ? ' --no-pkce' : ''}`,
      },
      async (authorized) => {
        const result = await complete(authorized);
        const page = result.missingScopes.length || result.account.businessId !== account.businessId ? 'partial' : 'success';
        return { value: result, page };
      },
    );
  }

  if (connected.account.businessId !== account.businessId) {
    // Nothing is lost: the approved account is stored as well; the one asked for is untouched.
    throw new CliError(
      'auth',
      `TikTok's consent was given for ${connected.account.username ? `@${connected.account.username}` : connected.account.businessId}, not for ${account.channelName}${account.username ? ` (@${account.username})` : ''}. ` +
        `${connected.created ? 'That account is now connected too; ' : ''}${account.channelName} was not re-authorized.`,
      {
        hint: `Run \`tiktok-channel refresh --reauthorize${accountArg}\` again and sign in to TikTok as ${account.username ? `@${account.username}` : account.channelName}.`,
      },
    );
  }
  reportConnected(deps, connected, { verb: 'Re-authorized' });
}

function authUrlFor(deps: Deps, account: StoredAccount): string | undefined {
  return deps.env.TIKTOK_CHANNEL_AUTH_URL || account.authUrl || undefined;
}
