// The emulator's rules, pure over a SandboxState with an injected clock. Each refusal uses the code of
// tiktok-api.md §6; messages are TikTok-like and name the rule (clients must match on codes, not text).
// Inputs arrive with their wire names (query strings as strings, JSON bodies as parsed), so the rules
// catch client mistakes: wrong field names, `Bearer ` prefixes, non-JSON-array `fields`, etc.
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AUTH_CODE_TTL_SECONDS,
  CONTENT_LIST_MAX_MESSAGES,
  CONVERSATION_HISTORY_DAYS,
  CONVERSATION_LIST_MAX_LIMIT,
  IMAGE_MAX_BYTES,
  MEDIA_TTL_MS,
  MESSAGES_PER_WINDOW,
  MESSAGING_SCOPES,
  REFRESH_TOKEN_TTL_SECONDS,
  REPLY_WINDOW_MS,
  REQUIRED_SCOPES,
  TEXT_MAX_CHARACTERS,
  TEXT_MIN_CHARACTERS,
  EEA_REGIONS,
  dmRegionVerdict,
  isMediaBlockedRegion,
  normalizeRegion,
} from '../tiktok/limits.js';
import * as ids from './ids.js';
import { isScenarioName, resetWorld, SCENARIO_NAMES } from './seed.js';
import {
  ageState,
  type AccessTokenRecord,
  type AccountRecord,
  type AppRecord,
  type ConversationRecord,
  type FaultKind,
  type FaultRecord,
  type MessageRecord,
  type SandboxState,
  type ScenarioName,
  type TemplateBlock,
  type UserRecord,
} from './types.js';
import { enqueueEvent, euContent, messageContent, referralContent } from './webhooks.js';

export const CODE = {
  OK: 0,
  NO_PERMISSION: 40001,
  INVALID_PARAM: 40002,
  NOT_FOUND: 40007,
  DM_RULE: 40064,
  RATE_LIMIT: 40100,
  TOKEN_MISSING: 40104,
  TOKEN_INVALID: 40105,
  UNSUPPORTED_FILE: 40908,
} as const;

/** A refusal in TikTok's envelope (HTTP 200, non-zero code). */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A control-API error: plain HTTP 4xx with `{"error": {"message"}}`. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** An authorize request that cannot go on; `redirect` is set when the error may go back to the client. */
export class AuthorizeError extends Error {
  constructor(
    readonly error: string,
    message: string,
    readonly redirect?: { redirect_uri: string; state: string },
  ) {
    super(message);
    this.name = 'AuthorizeError';
  }
}

export type Params = Record<string, unknown>;
export type ConversationType = 'SINGLE' | 'STRANGER';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MESSAGES_KEPT_PER_CONVERSATION = 500;
const INLINE_MEDIA_BYTES = 256 * 1024;
const SEND_TYPES = ['TEXT', 'IMAGE', 'SHARE_POST', 'SENDER_ACTION', 'TEMPLATE'] as const;
const BLOCK_OF: Record<(typeof SEND_TYPES)[number], string> = {
  TEXT: 'text',
  IMAGE: 'image',
  SHARE_POST: 'share_post',
  SENDER_ACTION: 'sender_action',
  TEMPLATE: 'template',
};
export const BUSINESS_FIELDS = [
  'username',
  'display_name',
  'profile_image',
  'is_business_account',
  'is_verified',
  'profile_deep_link',
  'bio_description',
  'followers_count',
  'following_count',
  'total_likes',
  'videos_count',
] as const;
const DEFAULT_BUSINESS_FIELDS = ['username', 'display_name', 'profile_image'];
const KNOWN_CAPABILITIES = ['IMAGE_SEND'];
/** Who writes when `sandbox message` names nobody: the seeded regular customer. */
const DEFAULT_WRITER = 'maya.lopez';

/** The wire names of a `codePoints` count: 😀 is one character, two UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function sniffImage(data: Uint8Array): 'image/jpeg' | 'image/png' | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (data.length >= 8 && png.every((b, i) => data[i] === b)) return 'image/png';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(params: Params, name: string, hint = ''): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw new ApiError(CODE.INVALID_PARAM, `${name} is required${hint}`);
  return value;
}

function parseJsonArray(raw: unknown, name: string, example: string): string[] {
  if (typeof raw !== 'string') throw new ApiError(CODE.INVALID_PARAM, `${name} is required: a JSON array, e.g. ${example}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new ApiError(CODE.INVALID_PARAM, `${name} must be a JSON array of strings, e.g. ${example} (got ${JSON.stringify(raw)})`);
  }
  return parsed as string[];
}

function isLoopbackRedirect(uri: URL): boolean {
  return uri.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(uri.hostname);
}

export interface WindowInfo {
  /** Last message from the user (ms), if any. */
  last_user_message_at: number | null;
  /** When replies stop being allowed (ms). */
  closes_at: number | null;
  open: boolean;
  messages_used: number;
  messages_left: number;
}

export interface UserMessageInput {
  from_username: string;
  text?: string;
  business_id?: string;
  ref?: string;
  prefilled_message?: string;
  prefilled_message_audit_status?: 'PASS' | 'REJECT';
  via_ad?: boolean;
  eu?: boolean;
  follower?: boolean;
  image?: boolean;
  display_name?: string;
  region?: string;
}

const USER_MESSAGE_KEYS = [
  'from_username',
  'text',
  'business_id',
  'ref',
  'prefilled_message',
  'prefilled_message_audit_status',
  'via_ad',
  'eu',
  'follower',
  'image',
  'display_name',
  'region',
];

export interface UserMessageResult {
  conversation_id: string;
  message_id: string | null;
  /** The first event produced (im_referral_msg for arrivals, else the message event). */
  event: string;
  events: string[];
  /** Deliveries queued (0 when no callback is registered). */
  webhooks_queued: number;
}

export interface AuthorizeCheck {
  app: AppRecord;
  redirect_uri: string;
  scopes: string[];
  state: string;
}

export interface AuthorizeDecision {
  redirect_url: string;
  code?: string;
  scopes: string;
  state: string;
  error?: string;
  error_description?: string;
}

export class SandboxCore {
  constructor(
    public state: SandboxState,
    readonly clock: () => number = Date.now,
  ) {}

  now(): number {
    return this.clock();
  }

  // -------------------------------------------------------------------------------------------------
  // OAuth

  /** Validates an authorize request (query of /v2/auth/authorize/ or the control API's body). */
  checkAuthorize(params: Params): AuthorizeCheck {
    const clientKey = params.client_key;
    const app = typeof clientKey === 'string' ? this.state.apps[clientKey] : undefined;
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
    const scopes = params.scope.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = scopes.filter((s) => !(MESSAGING_SCOPES as readonly string[]).includes(s));
    if (unknown.length) throw new AuthorizeError('invalid_scope', `Unknown scope(s): ${unknown.join(', ')} (scopes are comma-separated).`, redirect);
    return { app, redirect_uri: redirectUri, scopes: [...new Set(scopes)], state };
  }

  /** The consent decision: a single-use code bound to client and redirect_uri, or access_denied. */
  decideAuthorize(check: AuthorizeCheck, decision: { approve: boolean; business_id?: string }): AuthorizeDecision {
    const url = new URL(check.redirect_uri);
    if (!decision.approve) {
      const description = 'The user denied the authorization request.';
      url.searchParams.set('error', 'access_denied');
      url.searchParams.set('error_description', description);
      url.searchParams.set('state', check.state);
      return { redirect_url: url.toString(), scopes: '', state: check.state, error: 'access_denied', error_description: description };
    }
    const businessId = decision.business_id ?? this.state.default_business_id;
    if (!this.state.accounts[businessId]) throw new ControlError(400, `Unknown business_id ${businessId}.`);
    const now = this.now();
    const code = ids.authCode();
    this.state.auth_codes[code] = {
      code,
      client_key: check.app.client_key,
      redirect_uri: check.redirect_uri,
      business_id: businessId,
      scopes: check.scopes,
      issued_at: now,
      expires_at: now + AUTH_CODE_TTL_SECONDS * 1000,
    };
    // Granted = requested (every messaging scope is grantable to the sandbox app).
    const scopes = check.scopes.join(',');
    url.searchParams.set('code', code);
    url.searchParams.set('scopes', scopes);
    url.searchParams.set('state', check.state);
    return { redirect_url: url.toString(), code, scopes, state: check.state };
  }

  private clientApp(params: Params, idField: 'client_id' | 'app_id', secretField: 'client_secret' | 'secret' | null): AppRecord {
    const id = requireString(params, idField);
    const app = this.state.apps[id];
    if (secretField) {
      const secret = requireString(params, secretField);
      // 40001: the app's credentials do not match (our reading: a permission failure, not validation).
      if (!app || app.client_secret !== secret) throw new ApiError(CODE.NO_PERMISSION, `Invalid ${idField} or ${secretField}.`);
    } else if (!app) {
      throw new ApiError(CODE.NO_PERMISSION, `Unknown ${idField} ${id}.`);
    }
    return app;
  }

  private issueTokens(clientKey: string, businessId: string, scopes: string[]) {
    const now = this.now();
    const access = ids.accessToken();
    const refresh = ids.refreshToken();
    this.state.access_tokens[access] = {
      access_token: access,
      client_key: clientKey,
      business_id: businessId,
      scopes,
      refresh_token: refresh,
      issued_at: now,
      expires_at: now + ACCESS_TOKEN_TTL_SECONDS * 1000,
    };
    this.state.refresh_tokens[refresh] = {
      refresh_token: refresh,
      client_key: clientKey,
      business_id: businessId,
      scopes,
      issued_at: now,
      expires_at: now + REFRESH_TOKEN_TTL_SECONDS * 1000,
    };
    return {
      access_token: access,
      token_type: 'Bearer',
      scope: scopes.join(','),
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refresh,
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
      open_id: businessId,
    };
  }

  /** POST tt_user/oauth2/token/ */
  exchangeCode(body: Params) {
    if (body.auth_code === undefined && body.code !== undefined) {
      throw new ApiError(CODE.INVALID_PARAM, 'auth_code is required: the field is named "auth_code", not "code".');
    }
    const app = this.clientApp(body, 'client_id', 'client_secret');
    if (body.grant_type !== 'authorization_code') {
      throw new ApiError(CODE.INVALID_PARAM, `grant_type must be "authorization_code" (got ${JSON.stringify(body.grant_type ?? null)}).`);
    }
    const code = requireString(body, 'auth_code');
    const redirectUri = requireString(body, 'redirect_uri');
    const record = this.state.auth_codes[code];
    const now = this.now();
    // Code problems are validation errors (40002): the CLI re-runs consent either way.
    if (!record || record.client_key !== app.client_key) throw new ApiError(CODE.INVALID_PARAM, 'auth_code is invalid.');
    if (record.used_at !== undefined) throw new ApiError(CODE.INVALID_PARAM, 'auth_code has already been used (codes are single-use).');
    if (now >= record.expires_at) throw new ApiError(CODE.INVALID_PARAM, 'auth_code has expired (codes live 10 minutes).');
    if (record.redirect_uri !== redirectUri) throw new ApiError(CODE.INVALID_PARAM, 'redirect_uri does not match the one used to authorize.');
    record.used_at = now;
    return this.issueTokens(app.client_key, record.business_id, record.scopes);
  }

  /**
   * POST tt_user/oauth2/refresh_token/. Rotation: the presented refresh token is spent; reusing it
   * answers 40105 (an auth failure: the client must re-authorize). The previous access token stays
   * valid until it expires.
   */
  refresh(body: Params) {
    const app = this.clientApp(body, 'client_id', 'client_secret');
    if (body.grant_type !== 'refresh_token') {
      throw new ApiError(CODE.INVALID_PARAM, `grant_type must be "refresh_token" (got ${JSON.stringify(body.grant_type ?? null)}).`);
    }
    const token = requireString(body, 'refresh_token');
    const record = this.state.refresh_tokens[token];
    const now = this.now();
    if (!record || record.client_key !== app.client_key) throw new ApiError(CODE.TOKEN_INVALID, 'refresh_token is invalid.');
    if (record.revoked_at !== undefined) throw new ApiError(CODE.TOKEN_INVALID, 'refresh_token has been revoked.');
    if (record.used_at !== undefined) throw new ApiError(CODE.TOKEN_INVALID, 'refresh_token has already been used: refresh tokens rotate, use the newest one.');
    if (now >= record.expires_at) throw new ApiError(CODE.TOKEN_INVALID, 'refresh_token has expired: authorize again.');
    record.used_at = now;
    // open_id is "not guaranteed" on refresh (tiktok-api.md §2): leave it out so a client relying on it breaks here.
    const { open_id: _openId, ...answer } = this.issueTokens(app.client_key, record.business_id, record.scopes);
    return answer;
  }

  /** POST tt_user/oauth2/revoke/: de-authorizes the app for the account (every token of the pair). */
  revoke(body: Params) {
    const app = this.clientApp(body, 'client_id', 'client_secret');
    const token = requireString(body, 'access_token');
    const record = this.state.access_tokens[token];
    if (!record || record.client_key !== app.client_key) throw new ApiError(CODE.TOKEN_INVALID, 'access_token is invalid.');
    const now = this.now();
    for (const t of Object.values(this.state.access_tokens)) {
      if (t.client_key === record.client_key && t.business_id === record.business_id && t.revoked_at === undefined) t.revoked_at = now;
    }
    for (const t of Object.values(this.state.refresh_tokens)) {
      if (t.client_key === record.client_key && t.business_id === record.business_id && t.revoked_at === undefined) t.revoked_at = now;
    }
    return {};
  }

  /** POST tt_user/token_info/get/: `{app_id, access_token}`, no secret. */
  tokenInfo(body: Params) {
    const app = this.clientApp(body, 'app_id', null);
    const token = requireString(body, 'access_token');
    const record = this.validToken(token);
    if (record.client_key !== app.client_key) throw new ApiError(CODE.NO_PERMISSION, 'access_token was not issued to this app_id.');
    return { app_id: app.client_key, creator_id: record.business_id, scope: record.scopes.join(',') };
  }

  private validToken(token: string): AccessTokenRecord {
    const record = this.state.access_tokens[token];
    if (!record) throw new ApiError(CODE.TOKEN_INVALID, 'Access token is invalid or has been revoked.');
    if (record.revoked_at !== undefined) throw new ApiError(CODE.TOKEN_INVALID, 'Access token has been revoked.');
    if (this.now() >= record.expires_at) throw new ApiError(CODE.TOKEN_INVALID, 'Access token has expired.');
    return record;
  }

  /** The app a presented token belongs to (for the per-app rate limit), without validating it. */
  appOfToken(header: string | undefined): string | undefined {
    return header ? this.state.access_tokens[header]?.client_key : undefined;
  }

  /**
   * Header and token checks shared by business/get and every messaging endpoint, in TikTok's order:
   * token (40104/40105), business_id (40002/40001), scopes (40001), then for messaging the account
   * itself: business account, Advanced Access, region (40001 each).
   */
  authenticate(accessToken: string | undefined, businessId: unknown, options: { scopes: readonly string[]; messaging: boolean; authorizationHeader?: boolean }) {
    if (accessToken === undefined || accessToken === '') {
      const hint = options.authorizationHeader ? ' An Authorization header was sent: TikTok reads the token from the Access-Token header.' : '';
      throw new ApiError(CODE.TOKEN_MISSING, `Access token is missing: send it in the Access-Token header.${hint}`);
    }
    if (/^bearer\s/i.test(accessToken)) {
      throw new ApiError(CODE.TOKEN_INVALID, 'Access token is invalid: the Access-Token header must carry the bare token, without a "Bearer " prefix.');
    }
    const token = this.validToken(accessToken);
    if (typeof businessId !== 'string' || businessId === '') throw new ApiError(CODE.INVALID_PARAM, 'business_id is required.');
    if (businessId !== token.business_id) {
      throw new ApiError(CODE.NO_PERMISSION, `No permission to operate business_id ${businessId}: the access token was issued for another account.`);
    }
    const account = this.state.accounts[token.business_id];
    if (!account) throw new ApiError(CODE.TOKEN_INVALID, 'Access token is invalid: its account no longer exists.');
    const missing = options.scopes.filter((s) => !token.scopes.includes(s));
    if (missing.length) {
      throw new ApiError(CODE.NO_PERMISSION, `Permission denied: the access token lacks scope(s) ${missing.join(', ')}. Authorize again with the messaging scopes.`);
    }
    if (options.messaging) {
      if (account.account_type !== 'business') {
        throw new ApiError(CODE.NO_PERMISSION, 'Permission denied: personal accounts cannot use the Business Messaging API. Switch to a Business Account (Settings and privacy → Manage account).');
      }
      if (!account.advanced_access) {
        throw new ApiError(CODE.NO_PERMISSION, 'Permission denied: this account needs Advanced Access to use messaging. Link it to TikTok for Business (TT4B) or a Business Center, then authorize again.');
      }
      if (dmRegionVerdict(account.region) === 'blocked') {
        throw new ApiError(CODE.NO_PERMISSION, `Permission denied: direct messages are unavailable through the API for accounts registered in ${account.region} (EEA, Switzerland, UK).`);
      }
    }
    return { token, account };
  }

  // -------------------------------------------------------------------------------------------------
  // Account and messaging

  private profileImage(username: string): string {
    const expires = Math.floor(this.now() / 1000) + 86_400;
    return `https://p16-sign.tiktokcdn-us.com/tos-sandbox-avt/${encodeURIComponent(username)}~c5_168x168.jpeg?x-expires=${expires}&x-signature=sandbox`;
  }

  /** GET business/get/ */
  getBusiness(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    const { account } = this.authenticate(accessToken, params.business_id, { scopes: ['user.info.basic'], messaging: false, authorizationHeader });
    const fields = params.fields === undefined ? DEFAULT_BUSINESS_FIELDS : parseJsonArray(params.fields, 'fields', '["username","display_name"]');
    const unknown = fields.filter((f) => !(BUSINESS_FIELDS as readonly string[]).includes(f));
    if (unknown.length) throw new ApiError(CODE.INVALID_PARAM, `Unknown field(s) in fields: ${unknown.join(', ')}. Known: ${BUSINESS_FIELDS.join(', ')}.`);
    const all: Record<string, unknown> = {
      username: account.username,
      display_name: account.display_name,
      profile_image: this.profileImage(account.username),
      is_business_account: account.account_type === 'business',
      is_verified: account.is_verified,
      profile_deep_link: `https://www.tiktok.com/@${account.username}`,
      bio_description: account.bio_description,
      followers_count: account.followers_count,
      following_count: account.following_count,
      total_likes: account.total_likes,
      videos_count: account.videos_count,
    };
    return Object.fromEntries(fields.map((f) => [f, all[f]]));
  }

  /**
   * SINGLE or STRANGER. Heuristic (tiktok-api.md §4 calls STRANGER disputed): a conversation is a
   * message request (STRANGER) when the account only accepts DMs from followers and the user does not
   * follow it; a business reply accepts the request, so it becomes SINGLE.
   */
  conversationType(conv: ConversationRecord): ConversationType {
    const account = this.state.accounts[conv.business_id];
    if (!account || account.dm_setting === 'everyone') return 'SINGLE';
    if (this.state.users[conv.user_id]?.follows.includes(conv.business_id)) return 'SINGLE';
    if (conv.messages.some((m) => m.direction === 'out')) return 'SINGLE';
    return 'STRANGER';
  }

  /** Window and quota of a conversation: 48 h from the user's last message, 10 sends since it. */
  windowOf(conv: ConversationRecord): WindowInfo {
    let used = 0;
    let lastIn: MessageRecord | undefined;
    for (let i = conv.messages.length - 1; i >= 0; i--) {
      const m = conv.messages[i]!;
      if (m.direction === 'in') {
        lastIn = m;
        break;
      }
      used++;
    }
    if (!lastIn) return { last_user_message_at: null, closes_at: null, open: false, messages_used: used, messages_left: 0 };
    const closes = lastIn.timestamp + REPLY_WINDOW_MS;
    const open = this.now() < closes;
    return { last_user_message_at: lastIn.timestamp, closes_at: closes, open, messages_used: used, messages_left: open ? Math.max(0, MESSAGES_PER_WINDOW - used) : 0 };
  }

  private findConversation(businessId: string, id: unknown): ConversationRecord {
    if (typeof id !== 'string' || id === '') throw new ApiError(CODE.INVALID_PARAM, 'conversation_id is required.');
    const conv = this.state.conversations[id];
    if (conv && conv.business_id === businessId) return conv;
    // A `+` sent unencoded in a query string arrives as a space: say so, the id itself is opaque.
    const repaired = id.replace(/ /g, '+');
    const hint = repaired !== id && this.state.conversations[repaired] ? ' (a "+" in the id arrived as a space: percent-encode it as %2B)' : '';
    throw new ApiError(CODE.NOT_FOUND, `Conversation not found: ${id}${hint}.`);
  }

  /** GET business/message/conversation/list/ */
  listConversations(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    const { account } = this.authenticate(accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
    const type = params.conversation_type;
    if (type !== 'SINGLE' && type !== 'STRANGER') {
      throw new ApiError(CODE.INVALID_PARAM, `conversation_type must be SINGLE or STRANGER (got ${JSON.stringify(type ?? null)}).`);
    }
    const cursor = this.integerParam(params, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = this.integerParam(params, 'limit', 20, 1, CONVERSATION_LIST_MAX_LIMIT);
    const since = this.now() - CONVERSATION_HISTORY_DAYS * DAY_MS;
    const matching = Object.values(this.state.conversations)
      .filter((c) => c.business_id === account.business_id && c.update_time >= since && this.conversationType(c) === type)
      .sort((a, b) => b.update_time - a.update_time || a.conversation_id.localeCompare(b.conversation_id));
    const page = matching.slice(cursor, cursor + limit);
    return {
      conversations: page.map((c) => {
        const out: Record<string, unknown> = { conversation_id: c.conversation_id, update_time: c.update_time };
        if (c.referral && (c.referral.ad.length || c.referral.short_link.length)) {
          out.referral = {
            ad: c.referral.ad.map((a) => ({ ...a })),
            short_link: c.referral.short_link.map(({ ref, prefilled_message, prefilled_message_audit_status }) => ({ ref, prefilled_message, prefilled_message_audit_status })),
          };
        }
        return out;
      }),
      has_more: cursor + page.length < matching.length,
      cursor: cursor + page.length,
    };
  }

  private integerParam(params: Params, name: string, fallback: number, min: number, max: number): number {
    const raw = params[name];
    if (raw === undefined) return fallback;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ApiError(CODE.INVALID_PARAM, `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)}).`);
    }
    return value;
  }

  private restMessage(conv: ConversationRecord, m: MessageRecord): Record<string, unknown> {
    const account = this.state.accounts[conv.business_id]!;
    const user = this.state.users[conv.user_id]!;
    const business = { id: account.business_id, role: 'BUSINESS_ACCOUNT' };
    const person = { id: user.id, role: 'PERSONAL_ACCOUNT' };
    const inbound = m.direction === 'in';
    const out: Record<string, unknown> = {
      message_id: m.message_id,
      timestamp: m.timestamp,
      message_type: m.message_type,
      from_user: inbound ? person : business,
      to_user: inbound ? business : person,
      sender: inbound ? user.username : account.username,
      recipient: inbound ? account.username : user.username,
      message_tag: { source: m.source },
      conversation_id: conv.conversation_id,
    };
    if (m.text) out.text = { body: m.text.body };
    if (m.image) out.image = { media_id: m.image.media_id };
    if (m.share_post) out.share_post = { embed_url: m.share_post.embed_url };
    if (m.template) out.template = { type: m.template.type, title: m.template.title, buttons: m.template.buttons.map((b) => ({ ...b })) };
    if (m.referenced_message_id) out.referenced_message_info = { referenced_message_id: m.referenced_message_id };
    return out;
  }

  /** GET business/message/content/list/: the 20 most recent messages, newest first, and participants. */
  listMessages(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    const { account } = this.authenticate(accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
    const conv = this.findConversation(account.business_id, params.conversation_id);
    const user = this.state.users[conv.user_id]!;
    // Order is undocumented (clients must sort by timestamp); newest first keeps them honest.
    const recent = conv.messages.slice(-CONTENT_LIST_MAX_MESSAGES).reverse();
    return {
      messages: recent.map((m) => this.restMessage(conv, m)),
      participants: [
        { id: account.business_id, role: 'BUSINESS_ACCOUNT', display_name: account.display_name, profile_image: this.profileImage(account.username) },
        { id: user.id, role: 'PERSONAL_ACCOUNT', display_name: user.display_name, profile_image: this.profileImage(user.username), is_follower: user.follows.includes(account.business_id) },
      ],
    };
  }

  /** Whether images can go out in a conversation (media switch, risk control, both sides' regions). */
  imageRefusal(account: AccountRecord, user: UserRecord | undefined): string | undefined {
    if (!account.media || isMediaBlockedRegion(account.region) || (user && isMediaBlockedRegion(user.region))) {
      return 'Due to Media send strategy, images cannot be sent in this conversation.';
    }
    if (account.risk_control) return 'Due to risk control strategy, this message cannot be sent.';
    return undefined;
  }

  private validateTemplate(raw: unknown): TemplateBlock {
    if (!isObject(raw)) throw new ApiError(CODE.INVALID_PARAM, 'template is required for message_type TEMPLATE.');
    const type = raw.type;
    if (type !== 'QA_BUTTON_CARD' && type !== 'QA_LINK_CARD') throw new ApiError(CODE.INVALID_PARAM, 'template.type must be QA_BUTTON_CARD or QA_LINK_CARD.');
    const title = raw.title;
    if (typeof title !== 'string' || !title || codePointLength(title) > 40) throw new ApiError(CODE.INVALID_PARAM, 'template.title must be 1 to 40 characters.');
    const buttons = raw.buttons;
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) throw new ApiError(CODE.INVALID_PARAM, 'template.buttons must hold 1 to 3 buttons.');
    const maxLabel = type === 'QA_BUTTON_CARD' ? 20 : 40;
    return {
      type,
      title,
      buttons: buttons.map((b, i) => {
        if (!isObject(b) || typeof b.type !== 'string' || typeof b.title !== 'string' || typeof b.id !== 'string') {
          throw new ApiError(CODE.INVALID_PARAM, `template.buttons[${i}] needs type, title and id.`);
        }
        if (!b.title || codePointLength(b.title) > maxLabel) throw new ApiError(CODE.INVALID_PARAM, `template.buttons[${i}].title must be 1 to ${maxLabel} characters.`);
        if (!b.id || codePointLength(b.id) > 40) throw new ApiError(CODE.INVALID_PARAM, `template.buttons[${i}].id must be 1 to 40 characters.`);
        return { type: b.type, title: b.title, id: b.id };
      }),
    };
  }

  /**
   * POST business/message/send/. Order: auth → shape (40002) → objects exist (40007) → window and
   * quota (40064) → media strategy / risk control (40064: policy refusals, per the strings of §6).
   */
  send(accessToken: string | undefined, body: Params, authorizationHeader = false) {
    if (!isObject(body)) throw new ApiError(CODE.INVALID_PARAM, 'The request body must be a JSON object.');
    const { account } = this.authenticate(accessToken, body.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
    if (body.direct_reply !== undefined) throw new ApiError(CODE.INVALID_PARAM, 'direct_reply (comment replies) is not supported by the sandbox.');
    if (body.recipient_type !== 'CONVERSATION') {
      throw new ApiError(CODE.INVALID_PARAM, `recipient_type must be "CONVERSATION" (got ${JSON.stringify(body.recipient_type ?? null)}).`);
    }
    const recipient = body.recipient;
    if (typeof recipient !== 'string' || !recipient) throw new ApiError(CODE.INVALID_PARAM, 'recipient is required: the conversation_id.');
    const type = body.message_type;
    if (typeof type !== 'string' || !(SEND_TYPES as readonly string[]).includes(type)) {
      throw new ApiError(CODE.INVALID_PARAM, `message_type must be one of ${SEND_TYPES.join(', ')} (got ${JSON.stringify(type ?? null)}).`);
    }
    const messageType = type as (typeof SEND_TYPES)[number];
    const block = BLOCK_OF[messageType];
    const stray = Object.values(BLOCK_OF).filter((k) => k !== block && body[k] !== undefined);
    if (stray.length) throw new ApiError(CODE.INVALID_PARAM, `message_type ${messageType} carries a "${stray[0]}" block: send only "${block}".`);
    const conv = this.findConversation(account.business_id, recipient);
    const user = this.state.users[conv.user_id];

    const message: MessageRecord = { message_id: '', timestamp: 0, direction: 'out', message_type: 'TEXT', source: 'API' };
    let senderAction: 'TYPING' | 'MARK_READ' | undefined;
    switch (messageType) {
      case 'TEXT': {
        const text = body.text;
        if (!isObject(text) || typeof text.body !== 'string') throw new ApiError(CODE.INVALID_PARAM, 'text.body is required for message_type TEXT.');
        const length = codePointLength(text.body);
        if (length < TEXT_MIN_CHARACTERS || length > TEXT_MAX_CHARACTERS) {
          throw new ApiError(CODE.INVALID_PARAM, `text.body must be ${TEXT_MIN_CHARACTERS} to ${TEXT_MAX_CHARACTERS} characters (got ${length}).`);
        }
        message.text = { body: text.body };
        break;
      }
      case 'IMAGE': {
        const image = body.image;
        if (!isObject(image) || typeof image.media_id !== 'string' || !image.media_id) throw new ApiError(CODE.INVALID_PARAM, 'image.media_id is required for message_type IMAGE.');
        const media = this.state.media[image.media_id];
        if (!media || media.business_id !== account.business_id || this.now() >= media.expires_at) {
          throw new ApiError(CODE.NOT_FOUND, `media_id not found or expired: ${image.media_id} (upload first; media ids live about 30 days).`);
        }
        message.message_type = 'IMAGE';
        message.image = { media_id: image.media_id };
        break;
      }
      case 'SHARE_POST': {
        const share = body.share_post;
        if (!isObject(share) || typeof share.item_id !== 'string' || !share.item_id) throw new ApiError(CODE.INVALID_PARAM, 'share_post.item_id is required for message_type SHARE_POST.');
        const post = account.posts.find((p) => p.item_id === share.item_id);
        if (!post) throw new ApiError(CODE.NOT_FOUND, `Post not found: ${share.item_id} is not one of this account's posts.`);
        message.message_type = 'SHARE_POST';
        message.share_post = { item_id: post.item_id, embed_url: post.embed_url };
        break;
      }
      case 'SENDER_ACTION': {
        const action = body.sender_action;
        if (action !== 'TYPING' && action !== 'MARK_READ') throw new ApiError(CODE.INVALID_PARAM, 'sender_action must be TYPING or MARK_READ.');
        senderAction = action;
        break;
      }
      case 'TEMPLATE':
        message.message_type = 'TEMPLATE';
        message.template = this.validateTemplate(body.template);
        break;
    }
    const reference = body.referenced_message_info;
    if (reference !== undefined) {
      if (messageType !== 'TEXT') throw new ApiError(CODE.INVALID_PARAM, 'referenced_message_info is only allowed with message_type TEXT.');
      if (!isObject(reference) || typeof reference.referenced_message_id !== 'string' || !reference.referenced_message_id) {
        throw new ApiError(CODE.INVALID_PARAM, 'referenced_message_info.referenced_message_id is required.');
      }
      const refId = reference.referenced_message_id;
      if (!conv.messages.some((m) => m.message_id === refId)) throw new ApiError(CODE.NOT_FOUND, `Referenced message not found in this conversation: ${refId}.`);
      message.referenced_message_id = refId;
    }

    const window = this.windowOf(conv);
    if (window.last_user_message_at === null) {
      throw new ApiError(CODE.DM_RULE, 'You cannot send messages to this user yet: the user has not written in this conversation (only the user can start a conversation).');
    }
    if (!window.open) {
      throw new ApiError(CODE.DM_RULE, `You cannot send messages to this user: the 48-hour reply window closed at ${new Date(window.closes_at!).toISOString()}.`);
    }
    if (!senderAction && window.messages_left <= 0) {
      throw new ApiError(CODE.DM_RULE, `You cannot send more messages to this user: ${MESSAGES_PER_WINDOW} messages were sent since the user's last message. Wait for the user to reply.`);
    }
    if (messageType === 'IMAGE') {
      const refusal = this.imageRefusal(account, user);
      if (refusal) throw new ApiError(CODE.DM_RULE, refusal);
    }

    const now = this.now();
    if (senderAction) {
      // Sender actions are not messages: empty id, nothing stored; MARK_READ yields a read receipt.
      if (senderAction === 'MARK_READ' && user) {
        const content: Record<string, unknown> = {
          from: account.username,
          to: user.username,
          unique_identifier: user.id,
          from_user: { id: account.business_id, role: 'business_account' },
          to_user: { id: user.id, role: 'personal_account' },
          conversation_id: conv.conversation_id,
          timestamp: now,
          read: { last_read_timestamp: now },
        };
        enqueueEvent(this.state, now, 'im_mark_read_msg', account.business_id, content);
      }
      return { message: { message_id: '' } };
    }
    message.message_id = ids.messageId();
    message.timestamp = now;
    this.appendMessage(conv, message);
    if (user) enqueueEvent(this.state, now, 'im_send_msg', account.business_id, messageContent(account, user, conv, message));
    return { message: { message_id: message.message_id } };
  }

  private appendMessage(conv: ConversationRecord, message: MessageRecord): void {
    conv.messages.push(message);
    if (conv.messages.length > MESSAGES_KEPT_PER_CONVERSATION) conv.messages.splice(0, conv.messages.length - MESSAGES_KEPT_PER_CONVERSATION);
    conv.update_time = message.timestamp;
  }

  /** POST business/message/media/upload/ (fields already parsed from multipart). */
  uploadMedia(accessToken: string | undefined, fields: Params, file: { data: Uint8Array; filename?: string } | undefined, authorizationHeader = false) {
    const { account } = this.authenticate(accessToken, fields.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
    if (fields.media_type !== 'IMAGE') throw new ApiError(CODE.INVALID_PARAM, `media_type must be IMAGE (got ${JSON.stringify(fields.media_type ?? null)}).`);
    if (!file) throw new ApiError(CODE.INVALID_PARAM, 'file is required (a multipart file part named "file").');
    const mime = sniffImage(file.data);
    if (!mime) throw new ApiError(CODE.UNSUPPORTED_FILE, 'Unsupported file type: only JPG and PNG images can be uploaded.');
    if (file.data.length > IMAGE_MAX_BYTES) {
      throw new ApiError(CODE.INVALID_PARAM, `File too large: ${file.data.length} bytes; images must be at most 3 MB (${IMAGE_MAX_BYTES} bytes).`);
    }
    const now = this.now();
    const id = ids.mediaId();
    this.state.media[id] = {
      media_id: id,
      business_id: account.business_id,
      media_type: 'IMAGE',
      mime,
      size: file.data.length,
      data_base64: file.data.length <= INLINE_MEDIA_BYTES ? Buffer.from(file.data).toString('base64') : undefined,
      created_at: now,
      expires_at: now + MEDIA_TTL_MS,
    };
    return { media_id: id };
  }

  /** POST business/message/media/download/ → a URL valid 24 h that needs `x-user: <access_token>`. */
  downloadMedia(accessToken: string | undefined, body: Params, origin: string, authorizationHeader = false) {
    if (!isObject(body)) throw new ApiError(CODE.INVALID_PARAM, 'The request body must be a JSON object.');
    const { account } = this.authenticate(accessToken, body.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
    if (body.media_type !== 'IMAGE' && body.media_type !== 'VIDEO') throw new ApiError(CODE.INVALID_PARAM, 'media_type must be IMAGE or VIDEO.');
    const conv = this.findConversation(account.business_id, body.conversation_id);
    const messageIdValue = requireString(body, 'message_id');
    const mediaIdValue = requireString(body, 'media_id');
    const message = conv.messages.find((m) => m.message_id === messageIdValue);
    if (!message) throw new ApiError(CODE.NOT_FOUND, `Message not found in this conversation: ${messageIdValue}.`);
    if (message.image?.media_id !== mediaIdValue || !this.state.media[mediaIdValue]) throw new ApiError(CODE.NOT_FOUND, `media_id not found on this message: ${mediaIdValue}.`);
    const expires = Math.floor(this.now() / 1000) + 86_400;
    return { download_url: `${origin}/sandbox/media/${encodeURIComponent(mediaIdValue)}?x-expires=${expires}` };
  }

  /** GET business/message/capabilities/get/: per conversation; unknown capability types are omitted. */
  capabilities(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    const { account } = this.authenticate(accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
    const types = parseJsonArray(params.capability_types, 'capability_types', '["IMAGE_SEND"]');
    const infos: { capability_type: string; capability_result: boolean }[] = [];
    for (const type of types) {
      if (!KNOWN_CAPABILITIES.includes(type)) continue;
      if (params.conversation_type !== 'SINGLE' && params.conversation_type !== 'STRANGER') {
        throw new ApiError(CODE.INVALID_PARAM, 'conversation_type (SINGLE or STRANGER) is required for IMAGE_SEND.');
      }
      const conv = this.findConversation(account.business_id, params.conversation_id);
      infos.push({ capability_type: type, capability_result: !this.imageRefusal(account, this.state.users[conv.user_id]) });
    }
    return { capability_infos: infos };
  }

  // -------------------------------------------------------------------------------------------------
  // Webhook registration (app credentials: app_id/secret)

  private webhookApp(params: Params): AppRecord {
    const app = this.clientApp(params, 'app_id', 'secret');
    if (params.event_type !== 'DIRECT_MESSAGE') {
      throw new ApiError(CODE.INVALID_PARAM, `event_type must be "DIRECT_MESSAGE" (got ${JSON.stringify(params.event_type ?? null)}).`);
    }
    return app;
  }

  webhookUpdate(body: Params) {
    const app = this.webhookApp(body);
    const url = requireString(body, 'callback_url');
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) throw new ApiError(CODE.INVALID_PARAM, `callback_url must be an http(s) URL (got ${url}).`);
    // One callback per app and event type: it replaces the old one for every account.
    app.webhook = { event_type: 'DIRECT_MESSAGE', callback_url: url, registered_at: this.now() };
    return { app_id: app.client_key, event_type: 'DIRECT_MESSAGE', callback_url: url };
  }

  webhookList(params: Params) {
    const app = this.webhookApp(params);
    return app.webhook ? { app_id: app.client_key, event_type: 'DIRECT_MESSAGE', callback_url: app.webhook.callback_url } : { app_id: app.client_key, event_type: 'DIRECT_MESSAGE' };
  }

  webhookDelete(body: Params) {
    const app = this.webhookApp(body);
    delete app.webhook;
    return {};
  }

  // -------------------------------------------------------------------------------------------------
  // The world (control API)

  /** An account by business_id; undefined or "default" = the default account. */
  private account(businessId: string | undefined): AccountRecord {
    const id = businessId === undefined || businessId === 'default' ? this.state.default_business_id : businessId;
    const account = this.state.accounts[id];
    if (!account) throw new ControlError(404, `Unknown business_id ${id}.`);
    return account;
  }

  /**
   * A TikTok user writes (or arrives). `ref` → an im_referral_msg short-link arrival, `via_ad` → an
   * ad arrival (both without a message); `text`/`image` then follow as a normal message. An EEA user's
   * message is stored like any other (REST shows it: the stripped im_receive_msg_eu only tells the
   * integrator to fetch it), but its webhook carries exactly {to, to_user, timestamp}.
   */
  userWrites(input: UserMessageInput): UserMessageResult {
    const unknownKeys = Object.keys(input).filter((k) => !USER_MESSAGE_KEYS.includes(k));
    if (unknownKeys.length) throw new ControlError(400, `Unknown field(s): ${unknownKeys.join(', ')}. Known: ${USER_MESSAGE_KEYS.join(', ')}.`);
    // No from_username: the seeded regular, so `sandbox message --text hi` just works.
    const username = input.from_username === undefined ? DEFAULT_WRITER : typeof input.from_username === 'string' ? input.from_username.replace(/^@/, '').trim() : '';
    if (!username) throw new ControlError(400, 'from_username must be a non-empty username.');
    const hasText = input.text !== undefined;
    if (hasText && (typeof input.text !== 'string' || input.text === '')) throw new ControlError(400, 'text must be a non-empty string.');
    if (!hasText && !input.image && input.ref === undefined && !input.via_ad) throw new ControlError(400, 'text is required (or image, ref or via_ad for an arrival).');
    if (input.ref !== undefined && (typeof input.ref !== 'string' || !input.ref)) throw new ControlError(400, 'ref must be a non-empty string.');
    if (input.ref !== undefined && input.via_ad) throw new ControlError(400, 'Use either ref or via_ad, not both.');
    const account = this.account(input.business_id);
    const now = this.now();

    const users = Object.values(this.state.users);
    // Exact username, else a unique first name ("maya" → "maya.lopez") so scripts can stay short.
    const byFirstName = users.filter((u) => u.username.split(/[._]/)[0] === username);
    let user = users.find((u) => u.username === username) ?? (byFirstName.length === 1 ? byFirstName[0] : undefined);
    if (!user) {
      const region = normalizeRegion(input.region) ?? (input.eu ? 'DE' : 'CA');
      user = { id: ids.openId(), username, display_name: input.display_name ?? username, region, follows: [] };
      this.state.users[user.id] = user;
    } else if (input.region !== undefined) {
      user.region = normalizeRegion(input.region) ?? user.region;
    }
    if (input.eu && !(EEA_REGIONS as readonly string[]).includes(user.region)) user.region = 'DE';
    if (input.follower === true && !user.follows.includes(account.business_id)) user.follows.push(account.business_id);
    if (input.follower === false) user.follows = user.follows.filter((b) => b !== account.business_id);

    let conv = Object.values(this.state.conversations).find((c) => c.business_id === account.business_id && c.user_id === user.id);
    if (!conv) {
      conv = { conversation_id: ids.conversationId(), business_id: account.business_id, user_id: user.id, created_at: now, update_time: now, messages: [] };
      this.state.conversations[conv.conversation_id] = conv;
    }
    const events: string[] = [];
    let queued = 0;
    const emit = (event: string, content: Record<string, unknown>) => {
      events.push(event);
      queued += enqueueEvent(this.state, now, event, account.business_id, content);
    };

    if (input.ref !== undefined) {
      const shortLink = {
        ref: input.ref,
        prefilled_message: input.prefilled_message ?? '',
        prefilled_message_audit_status: input.prefilled_message_audit_status ?? ('PASS' as const),
      };
      conv.referral ??= { ad: [], short_link: [] };
      conv.referral.short_link.push({ ...shortLink, created_at: now });
      conv.update_time = now;
      emit('im_referral_msg', referralContent(account, user, conv, now, { source: 'short_link', short_link: shortLink }));
    }
    if (input.via_ad) {
      const ad = {
        advertiser_id: '7000000000000000001',
        ad_id: `17${ids.randomDigits(17)}`,
        timestamp: now,
        ad_name: 'Sandbox click-to-message ad',
        embed_url: account.posts[0]?.embed_url ?? `https://www.tiktok.com/@${account.username}`,
        message_material_id: Buffer.from(`sandbox-creative-${ids.randomDigits(6)}`).toString('base64'),
      };
      conv.referral ??= { ad: [], short_link: [] };
      conv.referral.ad.push(ad);
      conv.update_time = now;
      // Webhooks carry one `ad` object; REST's conversation referral carries an array.
      emit('im_referral_msg', referralContent(account, user, conv, now, { source: 'ad', ad: { ...ad } }));
    }

    let messageIdOut: string | null = null;
    if (hasText || input.image) {
      const message: MessageRecord = { message_id: ids.messageId(), timestamp: now, direction: 'in', message_type: 'TEXT', source: 'APP' };
      if (input.image) {
        const media = ids.mediaId();
        this.state.media[media] = { media_id: media, business_id: account.business_id, media_type: 'IMAGE', mime: 'image/png', size: PLACEHOLDER_PNG.length, created_at: now, expires_at: now + MEDIA_TTL_MS };
        message.message_type = 'IMAGE';
        message.image = { media_id: media };
      } else {
        message.text = { body: input.text! };
      }
      this.appendMessage(conv, message);
      messageIdOut = message.message_id;
      if ((EEA_REGIONS as readonly string[]).includes(user.region)) emit('im_receive_msg_eu', euContent(account, now));
      else emit('im_receive_msg', messageContent(account, user, conv, message));
    }
    return { conversation_id: conv.conversation_id, message_id: messageIdOut, event: events[0]!, events, webhooks_queued: queued };
  }

  /** Changes an account's settings; unknown keys are refused so typos in scripts do not pass silently. */
  updateAccount(businessId: string, patch: Params): AccountRecord {
    const account = this.account(businessId);
    const allowed = ['region', 'advanced_access', 'dm_setting', 'media', 'risk_control', 'account_type', 'display_name', 'username', 'is_verified'];
    const unknown = Object.keys(patch).filter((k) => !allowed.includes(k));
    if (unknown.length) throw new ControlError(400, `Unknown setting(s): ${unknown.join(', ')}. Known: ${allowed.join(', ')}.`);
    const bool = (key: string) => {
      if (typeof patch[key] !== 'boolean') throw new ControlError(400, `${key} must be true or false.`);
      return patch[key] as boolean;
    };
    if (patch.region !== undefined) {
      const region = typeof patch.region === 'string' ? normalizeRegion(patch.region) : undefined;
      if (!region || !/^[A-Z]{2}$/.test(region)) throw new ControlError(400, 'region must be a two-letter country code.');
      account.region = region;
    }
    if (patch.advanced_access !== undefined) account.advanced_access = bool('advanced_access');
    if (patch.media !== undefined) account.media = bool('media');
    if (patch.risk_control !== undefined) account.risk_control = bool('risk_control');
    if (patch.is_verified !== undefined) account.is_verified = bool('is_verified');
    if (patch.dm_setting !== undefined) {
      if (patch.dm_setting !== 'everyone' && patch.dm_setting !== 'followers') throw new ControlError(400, 'dm_setting must be "everyone" or "followers".');
      account.dm_setting = patch.dm_setting;
    }
    if (patch.account_type !== undefined) {
      if (patch.account_type !== 'business' && patch.account_type !== 'personal') throw new ControlError(400, 'account_type must be "business" or "personal".');
      account.account_type = patch.account_type;
    }
    for (const key of ['display_name', 'username'] as const) {
      if (patch[key] === undefined) continue;
      if (typeof patch[key] !== 'string' || !patch[key]) throw new ControlError(400, `${key} must be a non-empty string.`);
      account[key] = patch[key] as string;
    }
    return account;
  }

  /** Time travel by ageing every stored instant; the clock itself is untouched. */
  advance(seconds: number): { advanced_seconds: number } {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new ControlError(400, 'advance_seconds must be a number ≥ 0.');
    ageState(this.state, Math.round(seconds * 1000));
    return { advanced_seconds: seconds };
  }

  addFault(input: Params): FaultRecord {
    const path = typeof input.path === 'string' ? input.path.replace(/^\/?(open_api\/v1\.3\/)?/, '').replace(/^\/+/, '') : '';
    if (!path) throw new ControlError(400, 'path is required (e.g. "business/message/send/" or "*").');
    const kind = input.kind;
    if (kind !== 'html502' && kind !== 'reset' && kind !== 'code') throw new ControlError(400, 'kind must be "html502", "reset" or "code".');
    if (kind === 'code' && (typeof input.code !== 'number' || !Number.isInteger(input.code))) throw new ControlError(400, 'code (an integer) is required for kind "code".');
    const times = input.times === undefined ? 1 : input.times;
    if (typeof times !== 'number' || !Number.isInteger(times) || (times < 1 && times !== -1)) throw new ControlError(400, 'times must be an integer ≥ 1, or -1 for "until cleared".');
    if (input.message !== undefined && typeof input.message !== 'string') throw new ControlError(400, 'message must be a string.');
    const fault: FaultRecord = { id: ids.shortId(), path: path === '*' ? '*' : path, kind: kind as FaultKind, times };
    if (kind === 'code') fault.code = input.code as number;
    if (typeof input.message === 'string') fault.message = input.message;
    this.state.faults.push(fault);
    return fault;
  }

  clearFaults(): void {
    this.state.faults = [];
  }

  /** Takes one use of the first fault matching an API path (relative to the base). */
  consumeFault(relativePath: string): FaultRecord | undefined {
    const fault = this.state.faults.find((f) => f.path === '*' || f.path === relativePath);
    if (!fault) return undefined;
    if (fault.times > 0) {
      fault.times--;
      if (fault.times === 0) this.state.faults.splice(this.state.faults.indexOf(fault), 1);
    }
    return { ...fault };
  }

  setLimits(input: Params): { requests_per_minute: number } {
    const rpm = input.requests_per_minute;
    if (typeof rpm !== 'number' || !Number.isInteger(rpm) || rpm < 1) throw new ControlError(400, 'requests_per_minute must be an integer ≥ 1.');
    this.state.limits.requests_per_minute = rpm;
    this.state.rate = {};
    return { ...this.state.limits };
  }

  /** Per-app per-minute budget (fixed one-minute windows). */
  chargeRate(appKey: string): void {
    const now = this.now();
    let bucket = this.state.rate[appKey];
    if (!bucket || now - bucket.window_start >= 60_000 || now < bucket.window_start) {
      bucket = { window_start: now, count: 0 };
      this.state.rate[appKey] = bucket;
    }
    bucket.count++;
    if (bucket.count > this.state.limits.requests_per_minute) throw new ApiError(CODE.RATE_LIMIT, 'Too many requests. Please retry later.');
  }

  /** Expires tokens issued for an account (access by default; refresh too when asked). */
  expireTokens(input: Params): { expired_access_tokens: number; expired_refresh_tokens: number } {
    const businessId = typeof input.business_id === 'string' ? input.business_id : this.state.default_business_id;
    const access = input.access === undefined ? true : input.access === true;
    const refresh = input.refresh === true;
    const past = this.now() - 1000;
    let a = 0;
    let r = 0;
    if (access) {
      for (const t of Object.values(this.state.access_tokens)) {
        if (t.business_id === businessId && t.expires_at > past) {
          t.expires_at = past;
          a++;
        }
      }
    }
    if (refresh) {
      for (const t of Object.values(this.state.refresh_tokens)) {
        if (t.business_id === businessId && t.expires_at > past) {
          t.expires_at = past;
          r++;
        }
      }
    }
    return { expired_access_tokens: a, expired_refresh_tokens: r };
  }

  reset(input: Params): { scenario: ScenarioName; default_business_id: string } {
    const scenario = input.scenario ?? 'healthy';
    if (!isScenarioName(scenario)) throw new ControlError(400, `Unknown scenario ${JSON.stringify(scenario)}. Known: ${SCENARIO_NAMES.join(', ')}.`);
    resetWorld(this.state, this.clock, scenario, {
      keepTokens: input.keep_tokens === undefined ? true : input.keep_tokens === true,
      clearLog: input.clear_log === true,
      empty: input.empty === true,
    });
    return { scenario, default_business_id: this.state.default_business_id };
  }

  /** GET /sandbox/state: the whole world, readable. */
  view(): Record<string, unknown> {
    const s = this.state;
    const app = s.apps[s.default_client_key];
    const now = this.now();
    return {
      now,
      scenario: s.scenario,
      app: app ? { client_key: app.client_key, client_secret: app.client_secret, name: app.name } : null,
      apps: Object.values(s.apps),
      webhook: app?.webhook ?? null,
      default_business_id: s.default_business_id,
      accounts: Object.values(s.accounts).map((a) => ({ ...a, dm_api: dmRegionVerdict(a.region) })),
      users: Object.values(s.users),
      conversations: Object.values(s.conversations)
        .sort((a, b) => b.update_time - a.update_time)
        .map((c) => ({
          conversation_id: c.conversation_id,
          business_id: c.business_id,
          user: s.users[c.user_id] ? { id: c.user_id, username: s.users[c.user_id]!.username } : { id: c.user_id },
          type: this.conversationType(c),
          update_time: c.update_time,
          window: this.windowOf(c),
          referral: c.referral,
          messages: c.messages,
        })),
      access_tokens: Object.values(s.access_tokens).map((t) => ({ ...t, expired: now >= t.expires_at })),
      refresh_tokens: Object.values(s.refresh_tokens).map((t) => ({ ...t, expired: now >= t.expires_at })),
      media: Object.values(s.media).map(({ data_base64: _omit, ...rest }) => rest),
      pending_deliveries: s.outbox,
      delivered: s.delivered,
      faults: s.faults,
      limits: s.limits,
      requests: s.requests,
      unhandled: s.unhandled,
    };
  }
}

/** A 1×1 transparent PNG, served for media whose bytes were not kept. */
export const PLACEHOLDER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
