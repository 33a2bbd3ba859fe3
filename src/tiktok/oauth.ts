// Account-holder OAuth (../shared/tiktok-api.md §2): the authorize URL and the token endpoints.
import { nodeCrypto as crypto } from '../lazy-crypto.js';
import type { TikTokClient } from './client.js';
import { TikTokApiError, tiktokCodeOf } from './errors.js';
import { ACCESS_TOKEN_TTL_SECONDS, AUTH_URL, MESSAGING_SCOPES, REFRESH_TOKEN_TTL_SECONDS } from './limits.js';

export interface AppCredentials {
  clientKey: string;
  clientSecret: string;
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  /** epoch ms */
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
  scopes: string[];
  /** The business_id; not guaranteed on refresh. */
  openId?: string;
}

interface TokenData {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  refresh_token_expires_in?: number;
  scope?: string;
  open_id?: string;
}

export function newState(): string {
  return crypto().randomBytes(24).toString('base64url');
}

/** A PKCE code_verifier: 43 characters of [A-Za-z0-9-_] (RFC 7636: 43 to 128 unreserved characters). */
export function newCodeVerifier(): string {
  return crypto().randomBytes(32).toString('base64url');
}

/**
 * The code_challenge TikTok's authorize page wants (§2): the lowercase **hex** SHA-256 of the verifier,
 * not RFC 7636's base64url, sent with code_challenge_method=S256.
 */
export function codeChallengeFor(verifier: string): string {
  return crypto().createHash('sha256').update(verifier).digest('hex');
}

export function buildAuthorizeUrl(options: {
  authUrl?: string;
  clientKey: string;
  redirectUri: string;
  state: string;
  scopes?: readonly string[];
  /** Forces the consent screen for an account that already authorized the app (re-authorize). */
  forceConsent?: boolean;
  /** PKCE: the hex S256 challenge of the verifier the exchange will send (codeChallengeFor). */
  codeChallenge?: string;
}): string {
  const url = new URL(options.authUrl ?? AUTH_URL);
  url.searchParams.set('client_key', options.clientKey);
  url.searchParams.set('scope', (options.scopes ?? MESSAGING_SCOPES).join(','));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('state', options.state);
  // PKCE by default (§2: Login Kit demands it for loopback redirects; harmless where ignored); `state` always.
  if (options.codeChallenge) {
    url.searchParams.set('code_challenge', options.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (options.forceConsent) url.searchParams.set('disable_auto_auth', '1');
  return url.toString();
}

export function parseScopes(scope: string | undefined | null): string[] {
  return (scope ?? '')
    .split(/[,\s]+/)
    .map((value) => value.trim())
    .filter(Boolean);
}

/**
 * `previous`: on refresh, an answer without a refresh_token (tolerated: field presence is not
 * guaranteed) keeps the pair's refresh token rather than throwing away a working access token.
 */
function toGrant(data: TokenData, now: number, previous?: { refreshToken: string; refreshTokenExpiresAt: number }): TokenGrant {
  const refreshToken = data.refresh_token || previous?.refreshToken;
  if (!data.access_token || !refreshToken) {
    throw new TikTokApiError('TikTok answered the token request without an access_token or refresh_token.', { kind: 'server', reason: 'incomplete-answer' });
  }
  return {
    accessToken: data.access_token,
    refreshToken,
    accessTokenExpiresAt: now + (Number(data.expires_in) || ACCESS_TOKEN_TTL_SECONDS) * 1000,
    refreshTokenExpiresAt: refreshExpiry(data, now, previous),

    scopes: parseScopes(data.scope),
    openId: data.open_id || undefined,
  };
}

/**
 * The refresh token's end, taken from TikTok's `refresh_token_expires_in` as given, counted from the
 * answer (§2: it counts down from the consent, so a refresh answer says what is left). Without that
 * field a refresh keeps the expiry it had (refreshing never extends it) and a consent gets 365 days.
 */
function refreshExpiry(data: TokenData, now: number, previous?: { refreshTokenExpiresAt: number }): number {
  const raw: unknown = data.refresh_token_expires_in;
  const seconds = Number(raw);
  const given = (typeof raw === 'number' || (typeof raw === 'string' && raw.trim() !== '')) && Number.isFinite(seconds) && seconds >= 0;
  if (given) return now + seconds * 1000;
  return previous ? previous.refreshTokenExpiresAt : now + REFRESH_TOKEN_TTL_SECONDS * 1000;
}

/** TikTok refused the code_verifier field itself (an unknown parameter), not a verifier that does not match. */
export function refusesCodeVerifier(error: unknown): boolean {
  if (tiktokCodeOf(error) !== 40002 || !(error instanceof TikTokApiError)) return false;
  return /code_verifier/i.test(error.message) && !/match/i.test(error.message);
}

export async function exchangeCode(
  client: TikTokClient,
  app: AppCredentials,
  authCode: string,
  redirectUri: string,
  now: () => number = Date.now,
  options: { codeVerifier?: string; debugLog?: (line: string) => void } = {},
): Promise<TokenGrant> {
  const exchange = (codeVerifier?: string) =>
    client.post<TokenData>('tt_user/oauth2/token/', {
      // The field is auth_code, not code; a code is single-use so a retry after a reset cannot help.
      body: {
        client_id: app.clientKey,
        client_secret: app.clientSecret,
        grant_type: 'authorization_code',
        auth_code: authCode,
        redirect_uri: redirectUri,
        ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
      },
      retry: 'refusals-only',
      unsure: { operation: 'code-exchange', outcome: 'the single-use authorization code may already be spent' },
    });
  try {
    return toGrant((await exchange(options.codeVerifier)).data, now());
  } catch (error) {
    // Whether the Business token endpoint takes code_verifier is unconfirmed (§2): when it refuses the
    // field by name, the code was not used, so ask once more without it.
    if (!options.codeVerifier || !refusesCodeVerifier(error)) throw error;
    options.debugLog?.('The token endpoint refused code_verifier: exchanging the code again without it');
    return toGrant((await exchange()).data, now());
  }
}

export async function refreshAccessToken(
  client: TikTokClient,
  app: AppCredentials,
  refreshToken: string,
  now: () => number = Date.now,
  /** Kept as the expiry if TikTok's answer carries no new refresh token. */
  refreshTokenExpiresAt = Number.POSITIVE_INFINITY,
): Promise<TokenGrant> {
  const { data } = await client.post<TokenData>('tt_user/oauth2/refresh_token/', {
    body: { client_id: app.clientKey, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken },
    // The refresh token rotates: a retry after a lost answer would spend it twice, and Ctrl-C must not
    // drop the answer that carries the new one.
    retry: 'refusals-only',
    uninterruptible: true,
    unsure: { operation: 'refresh', outcome: 'TikTok may have rotated the refresh token without our hearing the new one' },
  });
  return toGrant(data, now(), { refreshToken, refreshTokenExpiresAt });
}

export async function revokeToken(client: TikTokClient, app: AppCredentials, accessToken: string): Promise<void> {
  await client.post('tt_user/oauth2/revoke/', {
    body: { client_id: app.clientKey, client_secret: app.clientSecret, access_token: accessToken },
  });
}

export interface TokenInfo {
  appId?: string;
  /** The account's open_id (business_id). */
  creatorId?: string;
  scopes: string[];
}

export async function getTokenInfo(client: TikTokClient, clientKey: string, accessToken: string): Promise<TokenInfo> {
  const { data } = await client.post<{ app_id?: string; creator_id?: string; scope?: string }>('tt_user/token_info/get/', {
    body: { app_id: clientKey, access_token: accessToken },
  });
  return { appId: data.app_id, creatorId: data.creator_id, scopes: parseScopes(data.scope) };
}
