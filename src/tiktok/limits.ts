// Plain facts about TikTok Business Messaging (../shared/tiktok-api.md §1, §2, §7), each stated once.
// The client and the sandbox both read these numbers; nothing here knows the wire format.

export const API_BASE_URL = 'https://business-api.tiktok.com/open_api/v1.3/';
export const AUTH_URL = 'https://www.tiktok.com/v2/auth/authorize/';

/** Access tokens live 24 hours. */
export const ACCESS_TOKEN_TTL_SECONDS = 86_400;
/** Refresh tokens live 365 days and rotate on every use. */
export const REFRESH_TOKEN_TTL_SECONDS = 31_536_000;
/** Refresh automatically when the access token expires within this margin. */
export const REFRESH_MARGIN_SECONDS = 300;
/** An authorization code is single-use and lives about 10 minutes (medium confidence). */
export const AUTH_CODE_TTL_SECONDS = 600;

/** Replies are allowed for 48 hours after the user's last message. */
export const REPLY_WINDOW_MS = 48 * 60 * 60 * 1000;
/** Business messages allowed per window; a new user message resets the count. */
export const MESSAGES_PER_WINDOW = 10;
/** Text bodies: 1 to 6000 characters (counted as code points). */
export const TEXT_MIN_CHARACTERS = 1;
export const TEXT_MAX_CHARACTERS = 6000;
/** Images: JPG or PNG, at most 3 MB. */
export const IMAGE_MAX_BYTES = 3 * 1024 * 1024;
export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png'] as const;
/** Q&A cards (TEMPLATE, medium-high): title up to 40, 1 to 3 buttons, labels up to 20 (button card) or 40 (link card), ids up to 40. */
export const CARD_TITLE_MAX_CHARACTERS = 40;
export const CARD_MIN_BUTTONS = 1;
export const CARD_MAX_BUTTONS = 3;
export const CARD_BUTTON_LABEL_MAX_CHARACTERS = 20;
export const CARD_LINK_LABEL_MAX_CHARACTERS = 40;
export const CARD_BUTTON_ID_MAX_CHARACTERS = 40;
/** A TYPING sender action shows for about 5 seconds (medium confidence). */
export const TYPING_INDICATOR_MS = 5_000;
/** Uploaded media ids are usable for about 30 days (medium confidence). */
export const MEDIA_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** content/list returns only the 20 most recent messages. */
export const CONTENT_LIST_MAX_MESSAGES = 20;
/** conversation/list accepts limit 1 to 100. */
export const CONVERSATION_LIST_MAX_LIMIT = 100;
/** conversation/list only covers the last 90 days. */
export const CONVERSATION_HISTORY_DAYS = 90;
/** Webhook signature tolerance: TikTok's sample uses 5 s; we default to a few minutes for drifting clocks. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Scopes needed for messaging (Chatwoot's list); messaging needs at least the three message.list.*. */
export const MESSAGING_SCOPES = [
  'user.info.basic',
  'user.info.username',
  'user.info.stats',
  'user.info.profile',
  'user.account.type',
  'user.insights',
  'message.list.read',
  'message.list.send',
  'message.list.manage',
] as const;
export const REQUIRED_SCOPES = ['message.list.read', 'message.list.send', 'message.list.manage'] as const;

/** EEA members (EU + Iceland, Liechtenstein, Norway), as ISO 3166-1 alpha-2. */
export const EEA_REGIONS = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
] as const;
/** Accounts registered here cannot manage or send DMs through the API (EEA, Switzerland, UK). */
export const DM_API_BLOCKED_REGIONS: readonly string[] = [...EEA_REGIONS, 'CH', 'GB'];
/** US: Business Messaging is in open beta and some platforms do not offer it; warn, do not block. */
export const DM_API_RESTRICTED_REGIONS: readonly string[] = ['US'];
/**
 * Image sending is unavailable for these regions (respond.io's list, medium confidence; "EU" expanded to
 * the EU members). The capabilities endpoint answers per conversation and is authoritative.
 */
const EU_MEMBERS = EEA_REGIONS.filter((region) => !['IS', 'LI', 'NO'].includes(region));
export const MEDIA_BLOCKED_REGIONS: readonly string[] = ['AU', 'CO', ...EU_MEMBERS, 'IN', 'IR', 'JP', 'NG', 'KP', 'PH', 'RU', 'KR', 'TR', 'UA', 'GB', 'US'];

export function normalizeRegion(region: string | undefined | null): string | undefined {
  if (!region) return undefined;
  const upper = region.trim().toUpperCase();
  // "UK" is what people type; ISO says GB.
  return upper === 'UK' ? 'GB' : upper;
}

export type RegionVerdict = 'blocked' | 'restricted' | 'ok' | 'unknown';

export function dmRegionVerdict(region: string | undefined | null): RegionVerdict {
  const code = normalizeRegion(region);
  if (!code) return 'unknown';
  if (DM_API_BLOCKED_REGIONS.includes(code)) return 'blocked';
  if (DM_API_RESTRICTED_REGIONS.includes(code)) return 'restricted';
  return 'ok';
}

export function isMediaBlockedRegion(region: string | undefined | null): boolean {
  const code = normalizeRegion(region);
  return code ? MEDIA_BLOCKED_REGIONS.includes(code) : false;
}

/** The chat link for an account, with an optional pre-filled message and tracking tag. */
export const CHAT_LINK_BASE = 'https://tiktok.me/';
