// The sandbox phone (cli-contract.md "Sandbox phone"): a page where the developer plays the TikTok user.
// This file is what the page reads and does, under {controlUrl}/phone: a JSON snapshot of one user's
// chat with one account (GET state, also pushed by server-sent events, see phone-server.ts), the users
// it can play (POST users), a tiktok.me link opened the way a customer does (POST open), and the
// user's doings through the very functions behind `sandbox message` and `sandbox event` (POST messages,
// POST events), so the page produces the same deliveries and REST data as the CLI. The page itself
// (HTML, CSS, script, CSP) is in phone/ and phone-page.ts. Nothing here renders HTML: the page builds its DOM
// from this JSON with textContent only.
import { MESSAGES_PER_WINDOW, normalizeRegion } from '../tiktok/limits.js';
import { conversationType, windowOf, type WindowInfo } from './conversations.js';
import { platformEvent } from './events.js';
import { PLACEHOLDER_PNG } from './media.js';
import { phonePage } from './phone-page.js';
import type { AccountRecord, ConversationRecord, MessageRecord, UserRecord } from './types.js';
import { DEFAULT_WRITER, ensureUser, findUser, isEeaUser, userWrites, writerName, type UserMessageInput } from './users.js';
import { codePointLength, ControlError, type Params, type World } from './world.js';

/** Where the page lives, relative to the sandbox's origin (the control API's `/phone`). */
export const PHONE_PATH = '/sandbox/phone';
/** The server-sent events stream of snapshots (served by the HTTP hosts, see phone-server.ts). */
export const PHONE_EVENTS_PATH = `${PHONE_PATH}/events`;

/** The most recent messages a snapshot carries (the page is a phone, not an archive). */
const MESSAGES_SHOWN = 100;
const NAME_MAX = 64;

export interface PhoneQuery {
  business_id?: string;
  username?: string;
}

export interface PhoneAccount {
  business_id: string;
  username: string;
  display_name: string;
  dm_setting: string;
}

export interface PhoneUser {
  username: string;
  display_name: string;
  region: string;
  /** Follows the account the snapshot is about. */
  follower: boolean;
  /** EEA users' messages arrive as im_receive_msg_eu (no content in the webhook). */
  eea: boolean;
}

export interface PhoneMessage {
  message_id: string;
  timestamp: number;
  /** Contract hook values: in = the user's, out = the business's. */
  direction: 'in' | 'out';
  /** API (the integration), APP or WEB (a person in TikTok's inbox), … */
  source: string;
  type: string;
  text?: string;
  media_id?: string;
  item_id?: string;
  template?: { type: string; title: string; buttons: { id: string; title: string }[] };
  /** A card tap: the card and the button. */
  tapped?: { message_id: string; button_id: string };
  quoted_message_id?: string;
  reactions: { emoji: string; mine: boolean }[];
}

export interface PhoneSnapshot {
  now: number;
  messages_per_window: number;
  business: PhoneAccount;
  businesses: PhoneAccount[];
  users: PhoneUser[];
  user: PhoneUser | null;
  posts: { item_id: string; description: string }[];
  conversation: null | {
    conversation_id: string;
    type: 'SINGLE' | 'STRANGER';
    window: WindowInfo;
    typing_until: number | null;
    refs: string[];
    /** The chat links the user arrived through, when (the page shows each in the thread). */
    referrals: { ref: string; timestamp: number }[];
    messages: PhoneMessage[];
  };
}

function accountView(account: AccountRecord): PhoneAccount {
  return { business_id: account.business_id, username: account.username, display_name: account.display_name, dm_setting: account.dm_setting };
}

function userView(user: UserRecord, businessId: string): PhoneUser {
  return {
    username: user.username,
    display_name: user.display_name,
    region: user.region,
    follower: user.follows.includes(businessId),
    eea: isEeaUser(user),
  };
}

function messageView(message: MessageRecord, userId: string): PhoneMessage {
  const out: PhoneMessage = {
    message_id: message.message_id,
    timestamp: message.timestamp,
    direction: message.direction,
    source: message.source,
    type: message.message_type.toLowerCase(),
    reactions: (message.reactions ?? []).map((r) => ({ emoji: r.emoji, mine: r.unique_identifier === userId })),
  };
  if (message.text) out.text = message.text.body;
  const media = message.image?.media_id ?? message.video?.media_id;
  if (media) out.media_id = media;
  if (message.share_post) out.item_id = message.share_post.item_id;
  if (message.template) {
    out.template = { type: message.template.type, title: message.template.title, buttons: message.template.buttons.map((b) => ({ id: b.id, title: b.title })) };
  }
  if (message.reply_source) out.tapped = { message_id: message.reply_source.reply_source_msg_id, button_id: message.reply_source.reply_source_unique_id };
  if (message.referenced_message_id) out.quoted_message_id = message.referenced_message_id;
  return out;
}

/** The account a phone request is about: the one named, else the sandbox's default. */
function phoneAccount(world: World, businessId: unknown): AccountRecord {
  if (businessId !== undefined && businessId !== '' && typeof businessId !== 'string') throw new ControlError(400, 'business_id must be a string.');
  return world.account((businessId as string | undefined) || undefined);
}

/**
 * What the page shows: the account, the users one can play, and the chosen user's conversation with
 * the account as the business sees it (type, 48-hour window, messages left, "typing…" until when).
 * No username: the seeded regular customer when there is one, so a newcomer can write at once.
 */
export function phoneSnapshot(world: World, query: PhoneQuery): PhoneSnapshot {
  const state = world.state;
  const account = phoneAccount(world, query.business_id);
  const users = Object.values(state.users);
  const wanted = query.username ? query.username.replace(/^@/, '') : undefined;
  const user = wanted !== undefined ? users.find((u) => u.username === wanted) : (findUser(world, DEFAULT_WRITER) ?? users[0]);
  const conv = user && Object.values(state.conversations).find((c) => c.business_id === account.business_id && c.user_id === user.id);
  return {
    now: world.now(),
    messages_per_window: MESSAGES_PER_WINDOW,
    business: accountView(account),
    businesses: Object.values(state.accounts).map(accountView),
    users: users.map((u) => userView(u, account.business_id)),
    user: user ? userView(user, account.business_id) : null,
    posts: account.posts.map((p) => ({ item_id: p.item_id, description: p.description })),
    conversation: conv ? conversationView(world, conv) : null,
  };
}

function conversationView(world: World, conv: ConversationRecord): NonNullable<PhoneSnapshot['conversation']> {
  return {
    conversation_id: conv.conversation_id,
    type: conversationType(world, conv),
    window: windowOf(world, conv),
    typing_until: conv.typing_until ?? null,
    refs: (conv.referral?.short_link ?? []).map((s) => s.ref),
    referrals: (conv.referral?.short_link ?? []).map((s) => ({ ref: s.ref, timestamp: s.created_at })),
    messages: conv.messages.slice(-MESSAGES_SHOWN).map((m) => messageView(m, conv.user_id)),
  };
}

function nameField(body: Params, key: string, required: boolean): string | undefined {
  const value = body[key];
  if (value === undefined || value === '') {
    if (required) throw new ControlError(400, `${key} is required.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new ControlError(400, `${key} must be a string.`);
  const trimmed = value.trim();
  if (!trimmed) throw new ControlError(400, `${key} must not be blank.`);
  if (codePointLength(trimmed) > NAME_MAX) throw new ControlError(400, `${key} must be at most ${NAME_MAX} characters.`);
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new ControlError(400, `${key} must not contain control characters.`);
  return trimmed;
}

/**
 * POST {controlUrl}/phone/users `{username, display_name?, region?, follower?, business_id?}`: picks or
 * creates the user the developer plays (ensureUser, as `sandbox message --from` does), and sets whether
 * they follow the account (which decides SINGLE vs STRANGER under followers-only DMs).
 */
export function phoneUser(world: World, body: Params): PhoneUser {
  const known = ['username', 'display_name', 'region', 'follower', 'business_id'];
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw new ControlError(400, `Unknown field(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const username = writerName(nameField(body, 'username', true));
  if (/\s/.test(username)) throw new ControlError(400, 'username must not contain spaces (TikTok usernames are one word, e.g. sam.rivera).');
  const displayName = nameField(body, 'display_name', false);
  let region: string | undefined;
  if (body.region !== undefined && body.region !== '') {
    region = typeof body.region === 'string' ? normalizeRegion(body.region) : undefined;
    if (!region || !/^[A-Z]{2}$/.test(region)) throw new ControlError(400, 'region must be a two-letter country code, e.g. CA or DE.');
  }
  if (body.follower !== undefined && typeof body.follower !== 'boolean') throw new ControlError(400, 'follower must be true or false.');
  const account = phoneAccount(world, body.business_id);
  const existing = Object.values(world.state.users).find((u) => u.username === username);
  const user = existing ?? ensureUser(world, username, { region, display_name: displayName });
  if (existing) {
    if (displayName !== undefined) user.display_name = displayName;
    if (region !== undefined) user.region = region;
  }
  if (body.follower === true && !user.follows.includes(account.business_id)) user.follows.push(account.business_id);
  if (body.follower === false) user.follows = user.follows.filter((b) => b !== account.business_id);
  return userView(user, account.business_id);
}

export interface PhoneOpenResult {
  business_id: string;
  business_username: string;
  ref: string | null;
  /** The link's pre-filled message, for the composer ("" when none). */
  message: string;
  /** The arrival (im_referral_msg) when the link carried a ref; null otherwise. */
  arrival: ReturnType<typeof userWrites> | null;
}

const LINK_HOSTS = ['tiktok.me', 'www.tiktok.me'];

/**
 * POST {controlUrl}/phone/open `{link, username}`: the user opens a `https://tiktok.me/{account}?ref=…&message=…`
 * link. With a ref it arrives as `sandbox message --ref` does (im_referral_msg with the ref and the
 * pre-filled message); the message itself is only pre-filled, the user still sends it.
 */
export function phoneOpen(world: World, body: Params): PhoneOpenResult {
  const known = ['link', 'username'];
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw new ControlError(400, `Unknown field(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const example = 'e.g. https://tiktok.me/acme.studio?ref=spring-poster&message=Hi';
  if (typeof body.link !== 'string' || !body.link.trim()) throw new ControlError(400, `Paste a chat link, ${example}.`);
  let url: URL;
  try {
    url = new URL(body.link.trim());
  } catch {
    throw new ControlError(400, `That is not a link: paste a chat link, ${example}.`);
  }
  if (!LINK_HOSTS.includes(url.hostname.toLowerCase()) || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ControlError(400, `Only tiktok.me chat links open a chat here, ${example}.`);
  }
  let handle: string;
  try {
    handle = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')).replace(/^@/, '');
  } catch {
    throw new ControlError(400, `The link's account name is not readable, ${example}.`);
  }
  const accounts = Object.values(world.state.accounts);
  const account = accounts.find((a) => a.username.toLowerCase() === handle.toLowerCase());
  if (!account) {
    throw new ControlError(400, `No sandbox account is called @${handle || '(none)'}: the sandbox has ${accounts.map((a) => `@${a.username}`).join(', ')}.`);
  }
  const ref = url.searchParams.get('ref') || null;
  const message = url.searchParams.get('message') ?? '';
  let arrival: PhoneOpenResult['arrival'] = null;
  if (ref !== null) {
    arrival = userWrites(world, { from_username: writerName(body.username), business_id: account.business_id, ref, prefilled_message: message });
  }
  return { business_id: account.business_id, business_username: account.username, ref, message, arrival };
}

/**
 * Refuses requests a web page elsewhere could make or read: the Host must be a loopback name (no DNS
 * rebinding), and a POST must be JSON (a cross-site form cannot send that without a preflight, which is
 * never granted) from this very origin when the browser says where it comes from.
 */
export function phoneGuard(method: string, headers: Record<string, string | undefined>): string | undefined {
  const host = headers.host;
  if (host !== undefined) {
    let hostname: string;
    try {
      hostname = new URL(`http://${host}`).hostname;
    } catch {
      return 'Bad Host header.';
    }
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) return `The phone page is served on 127.0.0.1 only (Host ${JSON.stringify(host)} refused).`;
  }
  if (method !== 'POST') return undefined;
  if (!/^application\/json\b/i.test((headers['content-type'] ?? '').trim())) return 'Phone actions take a JSON body (content-type: application/json).';
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return 'Bad Origin header.';
    }
    if (host !== undefined && originHost !== host) return `Cross-origin phone actions are refused (Origin ${JSON.stringify(origin)}).`;
  } else if (origin === 'null') {
    return 'Cross-origin phone actions are refused (Origin null).';
  }
  return undefined;
}

export interface PhoneAnswer {
  status: number;
  contentType: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
}

const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

function json(value: unknown): PhoneAnswer {
  return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value), headers: { ...NO_STORE } };
}

/**
 * One request under {controlUrl}/phone (`rest` is the path after it). Refusals are ControlErrors, so
 * the control API answers them like its other routes (`{"error": {"message"}}`).
 */
export function phoneRequest(
  world: World,
  request: { method: string; rest: string; query: URLSearchParams; body: Params; headers: Record<string, string | undefined> },
): PhoneAnswer {
  const refusal = phoneGuard(request.method, request.headers);
  if (refusal) throw new ControlError(403, refusal);
  const [head, ...tail] = request.rest.split('/');
  const route = `${request.method} ${head ?? ''}`;
  switch (route) {
    case 'GET ': {
      const page = phonePage();
      return {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: page.html,
        headers: { ...NO_STORE, 'content-security-policy': page.csp, 'x-frame-options': 'DENY' },
      };
    }
    case 'GET phone.js':
      return {
        status: 200,
        contentType: 'text/javascript; charset=utf-8',
        body: phonePage().script,
        headers: { ...NO_STORE, 'content-security-policy': "default-src 'none'" },
      };
    case 'GET icon.svg':
      return {
        status: 200,
        contentType: 'image/svg+xml',
        body: phonePage().icon,
        headers: { 'cache-control': 'max-age=86400', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'" },
      };
    case 'GET state':
      return json(phoneSnapshot(world, { business_id: request.query.get('business_id') ?? undefined, username: request.query.get('username') ?? undefined }));
    case 'GET media': {
      const media = world.state.media[tail.join('/')];
      if (!media) throw new ControlError(404, 'Media not found.');
      const bytes =
        media.data_base64 && media.media_type === 'IMAGE' ? new Uint8Array(Buffer.from(media.data_base64, 'base64')) : new Uint8Array(PLACEHOLDER_PNG);
      const mime = media.data_base64 && media.media_type === 'IMAGE' ? media.mime : 'image/png';
      return { status: 200, contentType: mime, body: bytes, headers: { ...NO_STORE, 'content-security-policy': "default-src 'none'" } };
    }
    case 'POST users':
      return json(phoneUser(world, request.body));
    case 'POST open':
      return json(phoneOpen(world, request.body));
    // The user's doings: exactly `sandbox message` and `sandbox event` (POST {controlUrl}/messages, /events).
    case 'POST messages':
      return json(userWrites(world, request.body as unknown as UserMessageInput));
    case 'POST events':
      return json(platformEvent(world, request.body));
  }
  throw new ControlError(404, `Unknown phone route: ${request.method} ${PHONE_PATH}/${request.rest}`);
}
