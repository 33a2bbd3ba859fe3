// What happens to an authorization code, whichever way it was obtained: exchange it, learn who approved
// and what was granted (token info + profile, in parallel), refuse personal accounts, and store the
// account under the store's lock (re-connecting a business_id updates it in place).
import { asCliError, CliError } from '../errors.js';
import type { Deps } from '../deps.js';
import type { TikTokClient } from '../tiktok/client.js';
import { API_BASE_URL, AUTH_URL, REQUIRED_SCOPES, normalizeRegion } from '../tiktok/limits.js';
import { getBusinessProfile, type BusinessProfile } from '../tiktok/messaging-api.js';
import { exchangeCode, getTokenInfo, revokeToken, type AppCredentials, type TokenGrant, type TokenInfo } from '../tiktok/oauth.js';
import type { StoredAccount } from '../store/accounts.js';
import type { AuthorizedCode } from './consent-flow.js';
import { permissionReason } from '../tiktok/errors.js';

export interface CompletionOptions {
  client: TikTokClient;
  app: AppCredentials;
  authorized: AuthorizedCode;
  /** --name; else the stored channel name on re-connect; else the @username. */
  name?: string;
  /** --region; else the stored region on re-connect; else unknown. */
  region?: string;
  sandbox?: 'embedded';
  /** The API base and authorize page used, stored only when they are not TikTok's. */
  apiBaseUrl?: string;
  authUrl?: string;
}

export interface Connected {
  account: StoredAccount;
  /** The record this replaced (re-connect), if any. */
  previous?: StoredAccount;
  created: boolean;
  isDefault: boolean;
  missingScopes: string[];
  warnings: string[];
}

export const BUSINESS_ACCOUNT_SWITCH = 'In the TikTok app: Profile → ⋯ → Settings and privacy → Manage account → Switch to Business Account';

/** The base URL to remember for an account: only when it is not TikTok's own. */
export function customUrl(url: string | undefined, defaultUrl: string): string | undefined {
  if (!url) return undefined;
  const normalized = url.endsWith('/') ? url : `${url}/`;
  return normalized === defaultUrl ? undefined : url;
}

export async function completeAuthorization(deps: Deps, options: CompletionOptions): Promise<Connected> {
  const { io } = deps;
  const { client, app, authorized } = options;
  const warnings: string[] = [];

  const grant = await io.progress('Exchanging the authorization code…', async () => {
    try {
      return await exchangeCode(client, app, authorized.code, authorized.redirectUri, deps.now, {
        codeVerifier: authorized.codeVerifier,
        debugLog: io.debug ? (line) => io.debugLog(line) : undefined,
      });
    } catch (error) {
      throw explainExchangeFailure(error);
    }
  });

  let businessId = grant.openId;
  let tokenInfo: TokenInfo | undefined;
  let profile: BusinessProfile | undefined;
  let profileError: unknown;
  await io.progress('Reading the account and its permissions…', async () => {
    const info = getTokenInfo(client, app.clientKey, grant.accessToken).then(
      (value) => value,
      (error: unknown) => {
        warnings.push(`Could not read the token's granted scopes (${describe(error)}); using the scopes from the token exchange.`);
        return undefined;
      },
    );
    if (!businessId) {
      tokenInfo = await info;
      businessId = tokenInfo?.creatorId;
      if (!businessId)
        throw new CliError('unexpected', 'TikTok answered the token exchange without an open_id, and token info did not name the account either.');
    }
    const id = businessId;
    [tokenInfo, profile] = await Promise.all([
      tokenInfo ? Promise.resolve(tokenInfo) : info,
      getBusinessProfile(client, grant.accessToken, id).catch((error: unknown) => {
        profileError = error;
        return undefined;
      }),
    ]);
  });
  const id = businessId as string;

  if (profile?.isBusinessAccount === false || isPersonalAccountRefusal(profileError)) {
    // Do not leave a live token behind for an account that cannot be used, unless it is a re-connect:
    // TikTok's revoke de-authorizes the app for the whole account, so it would also kill the stored
    // token this new one could not replace.
    const kept = deps.store().read().accounts[id];
    if (!kept) await revokeToken(client, app, grant.accessToken).catch(() => undefined);
    const outcome = kept ? `Nothing was changed: the stored tokens of ${kept.channelName} were kept, not revoked.` : 'Nothing was stored.';
    throw new CliError(
      'permission',
      `@${profile?.username ?? id} is a personal TikTok account; only Business Accounts can use direct messaging through the API. ${outcome}`,
      {
        hint: `${BUSINESS_ACCOUNT_SWITCH}, then run \`tiktok-channel connect\` again.`,
      },
    );
  }

  const scopes = tokenInfo?.scopes.length ? tokenInfo.scopes : grant.scopes.length ? grant.scopes : authorized.scopes;
  const missingScopes = REQUIRED_SCOPES.filter((scope) => !scopes.includes(scope));
  const stored = await store(deps, options, id, grant, scopes, profile);

  if (profileError !== undefined) {
    const failure = asCliError(profileError);
    const cause = failure instanceof CliError ? failure : undefined;
    throw new CliError(cause?.kind ?? 'unexpected', `Connected and stored ${id}, but its profile could not be read: ${describe(profileError)}`, {
      hint: 'The tokens are stored. Run `tiktok-channel doctor` to see what is wrong; `tiktok-channel refresh --reauthorize` re-reads the profile.',
      tiktokCode: cause?.tiktokCode,
      requestId: cause?.requestId,
      details: { stored: true, business_id: id },
    });
  }
  return { ...stored, missingScopes, warnings };
}

async function store(
  deps: Deps,
  options: CompletionOptions,
  businessId: string,
  grant: TokenGrant,
  scopes: string[],
  profile: BusinessProfile | undefined,
): Promise<Omit<Connected, 'missingScopes' | 'warnings'>> {
  const now = deps.now();
  return deps.store().transaction((shape) => {
    const previous = shape.accounts[businessId];
    const username = profile?.username ?? previous?.username;
    // A re-connect keeps the channel name the user chose, unless it was only the fallback business_id.
    const keptName = previous && previous.channelName !== previous.businessId ? previous.channelName : undefined;
    const account: StoredAccount = {
      businessId,
      channelName: options.name ?? keptName ?? username ?? businessId,
      username,
      displayName: profile?.displayName ?? previous?.displayName,
      region: normalizeRegion(options.region) ?? previous?.region,
      scopes,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
      refreshToken: grant.refreshToken,
      refreshTokenExpiresAt: grant.refreshTokenExpiresAt,
      // The refresh token's 365 days run from here; a new consent also clears a `revoked` mark.
      consentedAt: now,
      clientKey: options.app.clientKey,
      clientSecret: options.app.clientSecret,
      connectedAt: previous?.connectedAt ?? now,
      updatedAt: now,
    };
    if (options.sandbox) account.sandbox = options.sandbox;
    const apiBaseUrl = customUrl(options.apiBaseUrl, API_BASE_URL);
    const authUrl = customUrl(options.authUrl, AUTH_URL);
    if (apiBaseUrl) account.apiBaseUrl = apiBaseUrl;
    if (authUrl) account.authUrl = authUrl;
    shape.accounts[businessId] = account;
    if (!shape.defaultAccount || !shape.accounts[shape.defaultAccount]) shape.defaultAccount = businessId;
    return { account, previous, created: !previous, isDefault: shape.defaultAccount === businessId };
  });
}

/** TikTok's permission code (40001) decides; its text only says which permission (§6). */
function isPersonalAccountRefusal(error: unknown): boolean {
  error = asCliError(error);
  return error instanceof CliError && error.tiktokCode === 40001 && permissionReason(error.message) === 'personal-account';
}

function explainExchangeFailure(error: unknown): unknown {
  error = asCliError(error);
  if (!(error instanceof CliError)) return error;
  const base = { tiktokCode: error.tiktokCode, requestId: error.requestId, cause: error };
  if (error.kind === 'validation' || error.kind === 'auth') {
    return new CliError('auth', `TikTok refused the authorization code: ${error.message}`, {
      ...base,
      hint: 'Codes are single-use and live about 10 minutes: run the command again and approve once more.',
    });
  }
  if (error.kind === 'permission') {
    return new CliError('permission', `TikTok refused the app's credentials: ${error.message}`, {
      ...base,
      hint: 'Check the client key and secret (--client-key/--client-secret or TIKTOK_CHANNEL_CLIENT_KEY/SECRET) in the TikTok developer portal.',
    });
  }
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
