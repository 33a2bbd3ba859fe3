// OAuth (tiktok-api.md §2): the authorize checks and consent decision, the token exchange, refresh with
// rotation, revoke, token info, and `authenticate`, the token and account checks every API call runs.
import { ACCESS_TOKEN_TTL_SECONDS, AUTH_CODE_TTL_SECONDS, MESSAGING_SCOPES, REFRESH_TOKEN_TTL_SECONDS, dmRegionVerdict } from '../tiktok/limits.js';
import { nodeCrypto } from '../lazy-crypto.js';
import * as ids from './ids.js';
import type { AccessTokenRecord, AccountRecord, AppRecord } from './types.js';
import { ApiError, AuthorizeError, CODE, ControlError, requireString, type Params, type World } from './world.js';

export interface AuthorizeCheck {
  app: AppRecord;
  redirect_uri: string;
  scopes: string[];
  state: string;
  /** PKCE, kept on the code for the exchange. */
  code_challenge?: string;
  code_challenge_method?: string;
}

/**
 * Real TikTok scopes outside messaging (tiktok-api.md §2). The sandbox app is approved for the messaging
 * set only, so these are refused as TikTok refuses an unapproved scope, not as unknown names.
 */
export const UNAPPROVED_REAL_SCOPES = ['video.list', 'comment.list', 'comment.list.manage'] as const;

/** The token exchange's documented fields; `strict_exchange_fields` mode refuses any other by name. */
const EXCHANGE_FIELDS = ['client_id', 'client_secret', 'grant_type', 'auth_code', 'redirect_uri'];

/** TikTok's unusual PKCE challenge: the lowercase hex SHA-256 of the verifier (not base64url). */
export function hexChallenge(verifier: string): string {
  return nodeCrypto().createHash('sha256').update(verifier).digest('hex');
}

export interface AuthorizeDecision {
  redirect_url: string;
  code?: string;
  scopes: string;
  state: string;
  error?: string;
  error_description?: string;
}

function isLoopbackRedirect(uri: URL): boolean {
  return uri.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(uri.hostname);
}

/** Validates an authorize request (query of /v2/auth/authorize/ or the control API's body). */
export function checkAuthorize(world: World, params: Params): AuthorizeCheck {
  const clientKey = params.client_key;
  const app = typeof clientKey === 'string' ? world.state.apps[clientKey] : undefined;
  if (!app) throw new AuthorizeError('invalid_client', `Unknown client_key ${JSON.stringify(clientKey ?? null)}.`);
  const redirectUri = params.redirect_uri;
  if (typeof redirectUri !== 'string' || !redirectUri) throw new AuthorizeError('invalid_request', 'redirect_uri is required.');
  let parsed: URL;
  try {
    parsed = new URL(redirectUri);
  } catch {
    throw new AuthorizeError('invalid_request', `redirect_uri is not a URL: ${redirectUri}`);
  }
  if (!isLoopbackRedirect(parsed) && !app.redirect_uris.includes(redirectUri)) {
    throw new AuthorizeError('invalid_request', `redirect_uri ${redirectUri} is not registered for this app (the sandbox accepts http loopback URIs).`);
  }
  const state = typeof params.state === 'string' ? params.state : '';
  const redirect = { redirect_uri: redirectUri, state };
  if (params.response_type !== 'code') {
    throw new AuthorizeError('unsupported_response_type', `response_type must be "code" (got ${JSON.stringify(params.response_type ?? null)}).`, redirect);
  }
  if (!state) throw new AuthorizeError('invalid_request', 'state is required.', redirect);
  if (typeof params.scope !== 'string' || !params.scope.trim()) throw new AuthorizeError('invalid_scope', 'scope is required (comma-separated).', redirect);
  const scopes = params.scope
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // One scope the app may not have fails the whole request: TikTok grants nothing (tiktok-api.md §2).
  const unknown = scopes.filter((s) => !(MESSAGING_SCOPES as readonly string[]).includes(s) && !(UNAPPROVED_REAL_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new AuthorizeError('invalid_scope', `Unknown scope(s): ${unknown.join(', ')} (scopes are comma-separated).`, redirect, 'scope');
  const unapproved = scopes.filter((s) => (UNAPPROVED_REAL_SCOPES as readonly string[]).includes(s));
  if (unapproved.length) {
    throw new AuthorizeError(
      'invalid_scope',
      `Scope(s) ${unapproved.join(', ')} not approved for this app: add them to the app's permissions in the developer portal, or leave them out of scope.`,
      redirect,
      'scope',
    );
  }
  const challenge = typeof params.code_challenge === 'string' && params.code_challenge ? params.code_challenge : undefined;
  const method = typeof params.code_challenge_method === 'string' && params.code_challenge_method ? params.code_challenge_method : undefined;
  if (world.state.oauth?.require_pkce) {
    // Login Kit's behaviour for loopback redirects (tiktok-api.md §2): a hex S256 challenge or nothing.
    if (!challenge)
      throw new AuthorizeError(
        'invalid_request',
        'code_challenge is required (PKCE): send the lowercase hex SHA-256 of a code_verifier with code_challenge_method=S256.',
        redirect,
      );
    if (method !== 'S256') throw new AuthorizeError('invalid_request', `code_challenge_method must be S256 (got ${JSON.stringify(method ?? null)}).`, redirect);
    if (!/^[0-9a-f]{64}$/.test(challenge)) {
      throw new AuthorizeError(
        'invalid_request',
        'code_challenge must be the lowercase hex SHA-256 of the code_verifier (64 hex characters), not base64url.',
        redirect,
      );
    }
  }
  const check: AuthorizeCheck = { app, redirect_uri: redirectUri, scopes: [...new Set(scopes)], state };
  if (challenge) {
    check.code_challenge = challenge;
    check.code_challenge_method = method ?? 'S256';
  }
  return check;
}

/** The consent decision: a single-use code bound to client and redirect_uri, or access_denied. */
export function decideAuthorize(world: World, check: AuthorizeCheck, decision: { approve: boolean; business_id?: string }): AuthorizeDecision {
  const url = new URL(check.redirect_uri);
  if (!decision.approve) {
    const description = 'The user denied the authorization request.';
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_description', description);
    url.searchParams.set('state', check.state);
    return { redirect_url: url.toString(), scopes: '', state: check.state, error: 'access_denied', error_description: description };
  }
  const businessId = decision.business_id ?? world.state.default_business_id;
  if (!world.state.accounts[businessId]) throw new ControlError(400, `Unknown business_id ${businessId}.`);
  const now = world.now();
  const code = ids.authCode();
  world.state.auth_codes[code] = {
    code,
    client_key: check.app.client_key,
    redirect_uri: check.redirect_uri,
    business_id: businessId,
    scopes: check.scopes,
    issued_at: now,
    expires_at: now + AUTH_CODE_TTL_SECONDS * 1000,
    ...(check.code_challenge ? { code_challenge: check.code_challenge, code_challenge_method: check.code_challenge_method } : {}),
  };
  // Granted = requested (every messaging scope is grantable to the sandbox app).
  const scopes = check.scopes.join(',');
  url.searchParams.set('code', code);
  url.searchParams.set('scopes', scopes);
  url.searchParams.set('state', check.state);
  return { redirect_url: url.toString(), code, scopes, state: check.state };
}

/** The app named by a request's credentials; a wrong secret is 40001 (our reading: a permission failure). */
export function clientApp(world: World, params: Params, idField: 'client_id' | 'app_id', secretField: 'client_secret' | 'secret' | null): AppRecord {
  const id = requireString(params, idField);
  const app = world.state.apps[id];
  if (secretField) {
    const secret = requireString(params, secretField);
    if (!app || app.client_secret !== secret) throw new ApiError(CODE.NO_PERMISSION, `Invalid ${idField} or ${secretField}.`);
  } else if (!app) {
    throw new ApiError(CODE.NO_PERMISSION, `Unknown ${idField} ${id}.`);
  }
  return app;
}

/**
 * `refreshExpiresAt`: on refresh, the spent token's end: the 365 days run from the consent and rotation
 * does not extend them (tiktok-api.md §2), so the answer's refresh_token_expires_in is what is left.
 */
function issueTokens(world: World, clientKey: string, businessId: string, scopes: string[], refreshExpiresAt?: number) {
  const now = world.now();
  const refreshEnds = refreshExpiresAt ?? now + REFRESH_TOKEN_TTL_SECONDS * 1000;
  const access = ids.accessToken();
  const refresh = ids.refreshToken();
  world.state.access_tokens[access] = {
    access_token: access,
    client_key: clientKey,
    business_id: businessId,
    scopes,
    refresh_token: refresh,
    issued_at: now,
    expires_at: now + ACCESS_TOKEN_TTL_SECONDS * 1000,
  };
  world.state.refresh_tokens[refresh] = {
    refresh_token: refresh,
    client_key: clientKey,
    business_id: businessId,
    scopes,
    issued_at: now,
    expires_at: refreshEnds,
  };
  return {
    access_token: access,
    token_type: 'Bearer',
    scope: scopes.join(','),
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refresh,
    refresh_token_expires_in: Math.max(0, Math.floor((refreshEnds - now) / 1000)),
    open_id: businessId,
  };
}

/** POST tt_user/oauth2/token/ */
export function exchangeCode(world: World, body: Params) {
  // strict_exchange_fields: a token endpoint that knows only its documented fields (and so no PKCE).
  const strict = world.state.oauth?.strict_exchange_fields === true;
  if (strict) {
    const unknown = Object.keys(body).filter((k) => !EXCHANGE_FIELDS.includes(k));
    if (unknown.length) throw new ApiError(CODE.INVALID_PARAM, `Unknown parameter: ${unknown[0]}`);
  }
  if (body.auth_code === undefined && body.code !== undefined) {
    throw new ApiError(CODE.INVALID_PARAM, 'auth_code is required: the field is named "auth_code", not "code".');
  }
  const app = clientApp(world, body, 'client_id', 'client_secret');
  if (body.grant_type !== 'authorization_code') {
    throw new ApiError(CODE.INVALID_PARAM, `grant_type must be "authorization_code" (got ${JSON.stringify(body.grant_type ?? null)}).`);
  }
  const code = requireString(body, 'auth_code');
  const redirectUri = requireString(body, 'redirect_uri');
  const record = world.state.auth_codes[code];
  const now = world.now();
  // Code problems are validation errors (40002): the CLI re-runs consent either way.
  if (!record || record.client_key !== app.client_key) throw new ApiError(CODE.INVALID_PARAM, 'auth_code is invalid.');
  if (record.used_at !== undefined) throw new ApiError(CODE.INVALID_PARAM, 'auth_code has already been used (codes are single-use).');
  if (now >= record.expires_at) throw new ApiError(CODE.INVALID_PARAM, 'auth_code has expired (codes live 10 minutes).');
  if (record.redirect_uri !== redirectUri) throw new ApiError(CODE.INVALID_PARAM, 'redirect_uri does not match the one used to authorize.');
  if (record.code_challenge !== undefined && !strict) {
    const verifier = body.code_verifier;
    if (typeof verifier !== 'string' || !verifier) {
      throw new ApiError(
        CODE.INVALID_PARAM,
        'code_verifier does not match the code_challenge: none was sent, and the code was issued for a code_challenge (PKCE).',
      );
    }
    if (hexChallenge(verifier) !== record.code_challenge) throw new ApiError(CODE.INVALID_PARAM, 'code_verifier does not match the code_challenge.');
  }
  record.used_at = now;
  return issueTokens(world, app.client_key, record.business_id, record.scopes);
}

/**
 * POST tt_user/oauth2/refresh_token/. Rotation: the presented refresh token is spent; an unknown or
 * revoked one answers 40107 ("the refresh token is invalid", TikTok's code table, §6), and so does one
 * already used: which code TikTok gives a token rotated away is not recorded (unconfirmed: 40107 is the
 * likely one, and the client treats 40103, 40107 and any auth refusal of a refresh alike). One past its
 * end answers 40103. The new one keeps the spent one's end. The previous access token stays valid until
 * it expires.
 */
export function refresh(world: World, body: Params) {
  const app = clientApp(world, body, 'client_id', 'client_secret');
  if (body.grant_type !== 'refresh_token') {
    throw new ApiError(CODE.INVALID_PARAM, `grant_type must be "refresh_token" (got ${JSON.stringify(body.grant_type ?? null)}).`);
  }
  const token = requireString(body, 'refresh_token');
  const record = world.state.refresh_tokens[token];
  const now = world.now();
  if (!record || record.client_key !== app.client_key) throw new ApiError(CODE.REFRESH_TOKEN_INVALID, 'refresh_token is invalid.');
  if (record.revoked_at !== undefined) throw new ApiError(CODE.REFRESH_TOKEN_INVALID, 'refresh_token has been revoked.');
  if (record.used_at !== undefined)
    throw new ApiError(CODE.REFRESH_TOKEN_INVALID, 'refresh_token has already been used: refresh tokens rotate, use the newest one.');
  // 40103 is TikTok's own code for an expired refresh token (§6): the consent's 365 days are over.
  if (now >= record.expires_at) throw new ApiError(40103, 'refresh_token has expired: the account holder must authorize the app again.');
  record.used_at = now;
  // Recorded real refresh answers carry open_id; the `omit_open_id` fault leaves it out (tiktok-api.md §2
  // does not guarantee it), so the client's tolerance of its absence stays tested.
  return issueTokens(world, app.client_key, record.business_id, record.scopes, record.expires_at);
}

/** POST tt_user/oauth2/revoke/: de-authorizes the app for the account (every token of the pair). */
export function revoke(world: World, body: Params) {
  const app = clientApp(world, body, 'client_id', 'client_secret');
  const token = requireString(body, 'access_token');
  const record = world.state.access_tokens[token];
  if (!record || record.client_key !== app.client_key) throw new ApiError(CODE.TOKEN_INVALID, 'access_token is invalid.');
  const now = world.now();
  for (const t of Object.values(world.state.access_tokens)) {
    if (t.client_key === record.client_key && t.business_id === record.business_id && t.revoked_at === undefined) t.revoked_at = now;
  }
  for (const t of Object.values(world.state.refresh_tokens)) {
    if (t.client_key === record.client_key && t.business_id === record.business_id && t.revoked_at === undefined) t.revoked_at = now;
  }
  return {};
}

/** POST tt_user/token_info/get/: `{app_id, access_token}`, no secret. */
export function tokenInfo(world: World, body: Params) {
  const app = clientApp(world, body, 'app_id', null);
  const token = requireString(body, 'access_token');
  const record = validToken(world, token);
  if (record.client_key !== app.client_key) throw new ApiError(CODE.NO_PERMISSION, 'access_token was not issued to this app_id.');
  return { app_id: app.client_key, creator_id: record.business_id, scope: record.scopes.join(',') };
}

function validToken(world: World, token: string): AccessTokenRecord {
  const record = world.state.access_tokens[token];
  if (!record) throw new ApiError(CODE.TOKEN_INVALID, 'Access token is invalid or has been revoked.');
  if (record.revoked_at !== undefined) throw new ApiError(CODE.TOKEN_INVALID, 'Access token has been revoked.');
  if (world.now() >= record.expires_at) throw new ApiError(CODE.TOKEN_INVALID, 'Access token has expired.');
  return record;
}

/** The app a presented token belongs to (for the per-app rate limit), without validating it. */
export function appOfToken(world: World, header: string | undefined): string | undefined {
  return header ? world.state.access_tokens[header]?.client_key : undefined;
}

/** The account a presented token belongs to (for the per-account rate limit), without validating it. */
export function accountOfToken(world: World, header: string | undefined): string | undefined {
  return header ? world.state.access_tokens[header]?.business_id : undefined;
}

/**
 * Header and token checks shared by business/get and every messaging endpoint, in TikTok's order:
 * token (40104/40105), business_id (40002/40001), scopes (40001), then for messaging the account
 * itself: business account, Advanced Access, region (40001 each).
 */
export function authenticate(
  world: World,
  accessToken: string | undefined,
  businessId: unknown,
  options: { scopes: readonly string[]; messaging: boolean; authorizationHeader?: boolean },
): { token: AccessTokenRecord; account: AccountRecord } {
  if (accessToken === undefined || accessToken === '') {
    const hint = options.authorizationHeader ? ' An Authorization header was sent: TikTok reads the token from the Access-Token header.' : '';
    throw new ApiError(CODE.TOKEN_MISSING, `Access token is missing: send it in the Access-Token header.${hint}`);
  }
  if (/^bearer\s/i.test(accessToken)) {
    throw new ApiError(CODE.TOKEN_INVALID, 'Access token is invalid: the Access-Token header must carry the bare token, without a "Bearer " prefix.');
  }
  const token = validToken(world, accessToken);
  if (typeof businessId !== 'string' || businessId === '') throw new ApiError(CODE.INVALID_PARAM, 'business_id is required.');
  if (businessId !== token.business_id) {
    throw new ApiError(CODE.NO_PERMISSION, `No permission to operate business_id ${businessId}: the access token was issued for another account.`);
  }
  const account = world.state.accounts[token.business_id];
  if (!account) throw new ApiError(CODE.TOKEN_INVALID, 'Access token is invalid: its account no longer exists.');
  const missing = options.scopes.filter((s) => !token.scopes.includes(s));
  if (missing.length) {
    throw new ApiError(
      CODE.NO_PERMISSION,
      `Permission denied: the access token lacks scope(s) ${missing.join(', ')}. Authorize again with the messaging scopes.`,
    );
  }
  if (options.messaging) {
    if (account.account_type !== 'business') {
      throw new ApiError(
        CODE.NO_PERMISSION,
        'Permission denied: personal accounts cannot use the Business Messaging API. Switch to a Business Account (Settings and privacy → Manage account).',
      );
    }
    if (!account.advanced_access) {
      throw new ApiError(
        CODE.NO_PERMISSION,
        'Permission denied: this account needs Advanced Access to use messaging. Link it to TikTok for Business (TT4B) or a Business Center, then authorize again.',
      );
    }
    if (dmRegionVerdict(account.region) === 'blocked') {
      throw new ApiError(
        CODE.NO_PERMISSION,
        `Permission denied: direct messages are unavailable through the API for accounts registered in ${account.region} (EEA, Switzerland, UK).`,
      );
    }
  }
  return { token, account };
}
