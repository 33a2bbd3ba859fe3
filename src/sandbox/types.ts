// The sandbox's world as one JSON-serialisable object, so embedded mode can persist it between commands.
// Every instant is an epoch-milliseconds number stored under a key listed in TIME_KEYS: `advance()`
// ages the world by subtracting from exactly those keys (see ageState), so the sandbox's "now" never
// drifts from the real clock the CLI uses.

export const STATE_VERSION = 1;

export const SCENARIO_NAMES = [
  'healthy',
  'eea',
  'no-advanced-access',
  'followers-only',
  'expired-tokens',
  'personal-account',
  'media-blocked',
  'advanced-access-rollout',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export type AccountType = 'business' | 'personal';
export type DmSetting = 'everyone' | 'followers';
export type MessageSource = 'APP' | 'WEB' | 'API' | 'OTHERS' | 'UNKNOWN_SOURCE';
export type StoredMessageType = 'TEXT' | 'IMAGE' | 'SHARE_POST' | 'TEMPLATE' | 'VIDEO' | 'EMOJI' | 'STICKER' | 'OTHER';

/** Subscription types (tiktok-api.md §5); only DIRECT_MESSAGE's events are emulated and delivered. */
export const WEBHOOK_EVENT_TYPES = ['DIRECT_MESSAGE', 'COMMENT', 'VIDEO', 'BRAND_MENTION'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookRegistration {
  event_type: WebhookEventType;
  callback_url: string;
  registered_at: number;
  /** COMMENT only: video ids, which only grow per app (tiktok-api.md §5, medium). */
  item_list?: string[];
}

export interface AppRecord {
  client_key: string;
  client_secret: string;
  name: string;
  /** Extra non-loopback redirect URIs; loopback URIs are always accepted (desktop-style registration). */
  redirect_uris: string[];
  /** The DIRECT_MESSAGE subscription: the one deliveries go to. */
  webhook?: WebhookRegistration;
  /** COMMENT, VIDEO, BRAND_MENTION: stored and listed, never delivered to (the sandbox emulates none of their events). */
  other_webhooks?: Partial<Record<WebhookEventType, WebhookRegistration>>;
}

export interface PostRecord {
  item_id: string;
  description: string;
  embed_url: string;
}

export interface AccountRecord {
  business_id: string;
  username: string;
  display_name: string;
  bio_description: string;
  region: string;
  account_type: AccountType;
  advanced_access: boolean;
  dm_setting: DmSetting;
  /** Off = images refused with "Due to Media send strategy". */
  media: boolean;
  /** On = images refused with "Due to risk control strategy". */
  risk_control: boolean;
  is_verified: boolean;
  followers_count: number;
  following_count: number;
  total_likes: number;
  videos_count: number;
  posts: PostRecord[];
  created_at: number;
  /** TikTok's Comment-to-Message switch: high-intent comments arrive only while on. Absent = off. */
  comment_to_message?: boolean;
}

export interface UserRecord {
  /** The user's open id; also used as `unique_identifier` in webhooks. */
  id: string;
  username: string;
  display_name: string;
  region: string;
  /** business_ids this user follows. */
  follows: string[];
}

export interface TemplateButton {
  type: string;
  title: string;
  id: string;
}
export interface TemplateBlock {
  type: 'QA_BUTTON_CARD' | 'QA_LINK_CARD';
  title: string;
  buttons: TemplateButton[];
}

/** A reaction riding on the message it targets (REST `reactions[]`). */
export interface ReactionRecord {
  type: 'EMOJI';
  emoji: string;
  /** The reacting user's id. */
  unique_identifier: string;
  timestamp: number;
}

export interface MessageRecord {
  message_id: string;
  timestamp: number;
  /** in = the user wrote; out = the business sent (API) or a person in TikTok's app/web inbox. */
  direction: 'in' | 'out';
  message_type: StoredMessageType;
  source: MessageSource;
  text?: { body: string };
  image?: { media_id: string };
  video?: { media_id: string };
  sticker?: { url: string };
  emoji?: { url: string };
  share_post?: { item_id: string; embed_url: string };
  template?: TemplateBlock;
  referenced_message_id?: string;
  /** A template-button tap: the card's message id and the tapped button's id (webhooks only). */
  reply_source?: { reply_source_msg_id: string; reply_source_unique_id: string };
  reactions?: ReactionRecord[];
}

/** A high-intent comment a business may answer once privately (direct_reply). */
export interface CommentRecord {
  comment_id: string;
  business_id: string;
  user_id: string;
  text: string;
  timestamp: number;
  /** Set by the first direct reply; a second one is refused. */
  replied_at?: number;
  conversation_id?: string;
}

export interface AdReferral {
  advertiser_id: string;
  ad_id: string;
  timestamp: number;
  ad_name: string;
  embed_url: string;
  message_material_id: string;
}
export interface ShortLinkReferral {
  ref: string;
  prefilled_message: string;
  prefilled_message_audit_status: 'PASS' | 'REJECT';
  /** Bookkeeping only (not on the wire); aged like every timestamp. */
  created_at: number;
}

export interface ConversationRecord {
  conversation_id: string;
  business_id: string;
  user_id: string;
  created_at: number;
  update_time: number;
  /** Smart+ leads may carry an ad without details, hence Partial. */
  referral?: { ad: Partial<AdReferral>[]; short_link: ShortLinkReferral[] };
  messages: MessageRecord[];
  /** Until when the business shows as typing (a SENDER_ACTION TYPING lasts about 5 s). */
  typing_until?: number;
}

export interface AuthCodeRecord {
  code: string;
  client_key: string;
  redirect_uri: string;
  business_id: string;
  scopes: string[];
  issued_at: number;
  expires_at: number;
  used_at?: number;
  /** PKCE: lowercase-hex SHA-256 of the verifier the exchange must present. */
  code_challenge?: string;
  code_challenge_method?: string;
}

export interface AccessTokenRecord {
  access_token: string;
  client_key: string;
  business_id: string;
  scopes: string[];
  refresh_token: string;
  issued_at: number;
  expires_at: number;
  revoked_at?: number;
}

export interface RefreshTokenRecord {
  refresh_token: string;
  client_key: string;
  business_id: string;
  scopes: string[];
  issued_at: number;
  expires_at: number;
  /** Set when rotated: a used refresh token is refused afterwards. */
  used_at?: number;
  revoked_at?: number;
}

export interface MediaRecord {
  media_id: string;
  business_id: string;
  media_type: 'IMAGE' | 'VIDEO';
  mime: string;
  size: number;
  /** Kept only for small files, so the state file stays small; downloads fall back to a placeholder. */
  data_base64?: string;
  created_at: number;
  expires_at: number;
}

export interface WebhookDelivery {
  id: string;
  client_key: string;
  event: string;
  business_id: string;
  /** The exact raw JSON body, fixed at event time; the signature is computed over it at each attempt. */
  body: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at?: number;
  last_status?: number;
  last_error?: string;
  delivered_at?: number;
  callback_url?: string;
}

// 'hold': the request is served as usual (a refresh rotates) and its answer held `hold_ms` (a slow network
// after TikTok acted); 'omit_open_id': served as usual, without `open_id` in the answer (tiktok-api.md §2
// calls it not guaranteed on refresh, so clients must cope with its absence).
export type FaultKind = 'html502' | 'reset' | 'code' | 'hold' | 'omit_open_id';
export interface FaultRecord {
  id: string;
  /** API path relative to the base (e.g. `business/message/send/`), a prefix ending in `*` (`business/message/*`), or `*`. */
  path: string;
  kind: FaultKind;
  code?: number;
  message?: string;
  /** For kind 'hold': how long the answer is held, in ms. */
  hold_ms?: number;
  /** Remaining uses; -1 = until DELETE /faults. */
  times: number;
  /** Refuse only every Nth matching request (intermittent failures); absent = every one. */
  every?: number;
  /** Matching requests seen so far (for `every`). */
  seen?: number;
}

/** Requests `GET /sandbox/state` lists by default (the served sandbox keeps more: server.ts). */
export const REQUESTS_KEPT = 200;

export interface RequestLogEntry {
  at: number;
  method: string;
  /** Path only: queries may carry the app secret (webhook/list). */
  path: string;
  status: number;
  code?: number;
  request_id: string;
  fault?: FaultKind;
}

export interface UnhandledEntry {
  at: number;
  method: string;
  path: string;
  reason: string;
  request_id: string;
}

export interface SandboxState {
  version: typeof STATE_VERSION;
  scenario: ScenarioName;
  default_client_key: string;
  default_business_id: string;
  apps: Record<string, AppRecord>;
  accounts: Record<string, AccountRecord>;
  users: Record<string, UserRecord>;
  conversations: Record<string, ConversationRecord>;
  auth_codes: Record<string, AuthCodeRecord>;
  access_tokens: Record<string, AccessTokenRecord>;
  refresh_tokens: Record<string, RefreshTokenRecord>;
  media: Record<string, MediaRecord>;
  outbox: WebhookDelivery[];
  delivered: WebhookDelivery[];
  faults: FaultRecord[];
  /** `requests_per_second`: per app (all its accounts and its app-level calls together), sliding one-second window; 0/absent = off. */
  limits: { requests_per_minute: number; requests_per_second?: number };
  rate: Record<string, { window_start: number; count: number }>;
  /** Recent request instants per rate key, for the per-second limit (absent in older state files). */
  rate_recent?: Record<string, number[]>;
  /** High-intent comments by comment_id (absent in older state files). */
  comments?: Record<string, CommentRecord>;
  /** OAuth strictness modes (PKCE). */
  oauth?: { require_pkce?: boolean; strict_exchange_fields?: boolean };
  /** The Date header of every answer is offset by this much (doctor's clock check). */
  clock_skew_seconds?: number;
  requests: RequestLogEntry[];
  unhandled: UnhandledEntry[];
}

/** Keys whose numeric values are instants (epoch ms). Ageing subtracts from these and nothing else. */
export const TIME_KEYS: ReadonlySet<string> = new Set([
  'at',
  'created_at',
  'update_time',
  'timestamp',
  'issued_at',
  'expires_at',
  'used_at',
  'revoked_at',
  'registered_at',
  'next_attempt_at',
  'last_attempt_at',
  'delivered_at',
  'window_start',
  'typing_until',
  'replied_at',
]);

/** Ages every stored instant by `ms` (the world moves into the past, so "now" moves forward). */
export function ageState(state: SandboxState, ms: number): void {
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(record)) {
      if (typeof child === 'number' && TIME_KEYS.has(key)) record[key] = child - ms;
      else if (typeof child === 'object') walk(child);
    }
  };
  walk(state);
  // The per-second windows are lists of instants under app keys, which TIME_KEYS cannot name.
  for (const [key, times] of Object.entries(state.rate_recent ?? {})) state.rate_recent![key] = times.map((t) => t - ms);
}

/** Embedded mode's fake origin: requests to it are served in-process, never over the network. */
export const EMBEDDED_ORIGIN = 'http://sandbox.embedded';
export const EMBEDDED_API_BASE_URL = `${EMBEDDED_ORIGIN}/open_api/v1.3/`;
export const EMBEDDED_AUTH_URL = `${EMBEDDED_ORIGIN}/v2/auth/authorize/`;
export const EMBEDDED_CONTROL_URL = `${EMBEDDED_ORIGIN}/sandbox`;

export const API_PREFIX = '/open_api/v1.3/';
export const AUTHORIZE_PATH = '/v2/auth/authorize/';
export const CONTROL_PREFIX = '/sandbox';
