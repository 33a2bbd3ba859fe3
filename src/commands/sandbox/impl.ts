// The sandbox verbs that act on a sandbox: token, message, event, set, clock, reset. They act on the
// embedded sandbox in the config dir, or on a served one (--control-url, or the one
// TIKTOK_CHANNEL_API_BASE_URL points at), through the same control API, and return their result once
// (output()). serve and phone, which serve until stopped, are ./servers.ts.
import { usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { parseDuration } from '../../io/duration.js';
import { displaySafe } from '../../io/format.js';
import { output, type Output } from '../../io/output.js';
import type { EventResult } from '../../sandbox/events.js';
import type { ClockOptions } from './clock.js';
import type { EventOptions } from './event.js';
import type { MessageOptions } from './message.js';
import type { ResetOptions } from './reset.js';
import type { SetOptions } from './set.js';
import type { TokenOptions } from './token.js';
import { control, controlTarget, sandboxBusinessId, shellQuote } from './target.js';

export type { ClockOptions, EventOptions, MessageOptions, ResetOptions, SetOptions, TokenOptions };

/** Delivery variations every event (and `sandbox message`) accepts. */
type ShapeOptions = Pick<MessageOptions, 'createTimeMs' | 'casing' | 'sceneType'>;

function shapeBody(options: ShapeOptions): Record<string, unknown> {
  const sceneType = options.sceneType === undefined ? undefined : /^-?\d+$/.test(options.sceneType) ? Number(options.sceneType) : options.sceneType;
  return { create_time_ms: options.createTimeMs || undefined, casing: options.casing, scene_type: sceneType };
}

interface MessageResult {
  conversation_id: string;
  message_id: string | null;
  event?: string;
  events?: string[];
  webhooks_queued?: number;
  username?: unknown;
}

export async function message(options: MessageOptions, deps: Deps): Promise<Output<MessageResult>> {
  if (!options.text && !options.ref && !options.viaAd && !options.image) {
    throw usageError('Say what the user does: --text TEXT or --image, and/or --ref TAG (arrives through a tiktok.me link) or --via-ad.');
  }
  if (options.text && options.image) throw usageError('--text and --image are two messages; send them one at a time.');
  if (options.ref && options.viaAd) throw usageError('--ref and --via-ad are two different ways to arrive; pick one.');
  if (options.from !== undefined && !/^@?[A-Za-z0-9._]{2,24}$/.test(options.from)) {
    throw usageError(
      `--from must be a TikTok username (2 to 24 letters, digits, "_" or "."); got ${JSON.stringify(options.from)}.`,
      'e.g. --from maya.lopez, or leave --from out for the seeded user.',
    );
  }
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<MessageResult>(deps, target, 'POST', '/messages', {
    from_username: options.from?.replace(/^@/, ''),
    text: options.text,
    business_id: sandboxBusinessId(deps, target),
    ref: options.ref,
    via_ad: options.viaAd || undefined,
    eu: options.eu || undefined,
    image: options.image || undefined,
    ...shapeBody(options),
  });
  return output(result, (result, io) => {
    const what = options.text ? `wrote "${displaySafe(truncate(options.text, 60))}"` : options.image ? 'sent an image' : 'arrived';
    // The sandbox's full username: `--from maya` may be a first name it matched to @maya.lopez.
    const writer = typeof result.username === 'string' ? result.username : options.from?.replace(/^@/, '');
    io.out(`${writer ? `@${displaySafe(writer)}` : 'The user'} ${what} in conversation ${result.conversation_id}`);
    if (result.message_id) io.out(`message_id ${result.message_id}`);
    if (result.events?.length)
      io.err(io.color.dim(`events: ${result.events.join(', ')}${result.webhooks_queued ? ` (${deliveriesQueued(result.webhooks_queued)})` : ''}`));
  });
}

type EventFlag = Exclude<keyof EventOptions, 'kind' | 'from' | 'controlUrl' | 'createTimeMs' | 'casing' | 'sceneType'>;

/** Which flags each kind takes (flag → control body field), and which of them it needs. */
const EVENT_FLAGS: Record<string, { takes: EventFlag[]; needs: EventFlag[] }> = {
  sticker: { takes: [], needs: [] },
  image: { takes: [], needs: [] },
  video: { takes: [], needs: [] },
  emoji: { takes: [], needs: [] },
  'share-post': { takes: ['item'], needs: [] },
  'template-tap': { takes: ['button'], needs: ['button'] },
  'app-reply': { takes: ['text', 'web'], needs: ['text'] },
  read: { takes: [], needs: [] },
  reaction: { takes: ['emoji', 'message', 'remove'], needs: ['emoji'] },
  'smart-plus-ad': { takes: [], needs: [] },
  'auto-message': { takes: ['type', 'action'], needs: ['type', 'action'] },
  'auto-message-audit': { takes: ['status', 'type'], needs: ['status'] },
  'high-intent-comment': { takes: ['text'], needs: ['text'] },
  'authorization-removed': { takes: ['reason'], needs: [] },
  unknown: { takes: ['name'], needs: ['name'] },
};
const FLAG_NAMES: Record<EventFlag, string> = {
  button: '--button',
  text: '--text',
  web: '--web',
  emoji: '--emoji',
  message: '--message',
  remove: '--remove',
  type: '--type',
  action: '--action',
  status: '--status',
  name: '--name',
  item: '--item',
  reason: '--reason',
};

/** `sandbox event KIND`: every other delivery TikTok makes (POST {controlUrl}/events). */
export async function event(options: EventOptions & { kind: string }, deps: Deps): Promise<Output<EventResult>> {
  const { kind } = options;
  const flags = EVENT_FLAGS[kind];
  if (!flags) throw usageError(`Unknown event kind "${kind}".`, `Kinds: ${Object.keys(EVENT_FLAGS).join(', ')}.`);
  for (const [key, flag] of Object.entries(FLAG_NAMES) as [EventFlag, string][]) {
    if (options[key] !== undefined && !flags.takes.includes(key)) throw usageError(`${flag} does not apply to ${kind}.`);
  }
  const missing = flags.needs.filter((key) => options[key] === undefined);
  if (missing.length) throw usageError(`${kind} needs ${missing.map((key) => FLAG_NAMES[key]).join(' and ')}.`);
  if (options.reason !== undefined && !/^[0-5]$/.test(options.reason.trim())) {
    throw usageError(
      `--reason must be 0 to 5 (got ${JSON.stringify(options.reason)}).`,
      '0 unknown, 1 disconnected in TikTok, 2 account deleted, 3 age changed, 4 account banned, 5 developer revoked access.',
    );
  }
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<EventResult>(deps, target, 'POST', '/events', {
    kind,
    from_username: options.from?.replace(/^@/, ''),
    business_id: sandboxBusinessId(deps, target),
    button_id: options.button,
    text: options.text,
    web: options.web || undefined,
    emoji: options.emoji,
    message_id: options.message,
    remove: options.remove || undefined,
    type: options.type,
    action: options.action,
    status: options.status,
    name: options.name,
    item_id: options.item,
    reason: options.reason === undefined ? undefined : Number(options.reason),
    ...shapeBody(options),
  });
  return output(result, (result, io) => {
    io.out(`${kind}: ${result.events.join(', ')}`);
    if (result.conversation_id) io.out(`conversation_id ${result.conversation_id}`);
    if (result.message_id) io.out(`message_id ${result.message_id}`);
    if (result.comment_id) io.out(`comment_id ${result.comment_id}`);
    if (result.revoked_tokens !== undefined) io.out(`revoked ${result.revoked_tokens} token${result.revoked_tokens === 1 ? '' : 's'} of the account`);
    io.err(io.color.dim(result.webhooks_queued ? deliveriesQueued(result.webhooks_queued) : 'No webhook registered: nothing to deliver.'));
  });
}

export async function set(options: SetOptions, deps: Deps): Promise<Output<Record<string, unknown>>> {
  const body: Record<string, unknown> = {};
  if (options.region) body.region = options.region.toUpperCase();
  if (options.advancedAccess) body.advanced_access = options.advancedAccess === 'on';
  if (options.dmSetting) body.dm_setting = options.dmSetting;
  if (options.media) body.media = options.media === 'on';
  if (options.riskControl) body.risk_control = options.riskControl === 'on';
  if (!Object.keys(body).length) {
    throw usageError('Nothing to change.', 'Give at least one of --region, --advanced-access, --dm-setting, --media, --risk-control.');
  }
  const target = await controlTarget(deps, options.controlUrl);
  const businessId = sandboxBusinessId(deps, target) ?? 'default';
  const account = await control<Record<string, unknown>>(deps, target, 'POST', `/accounts/${encodeURIComponent(businessId)}`, body);
  return output(account, (account, io) =>
    io.out(
      `Updated sandbox account ${displaySafe(String(account.username ? `@${account.username}` : businessId))}: ${Object.entries(body)
        .map(([key, value]) => `${key}=${displaySafe(String(value))}`)
        .join(', ')}`,
    ),
  );
}

export async function clock(options: ClockOptions, deps: Deps): Promise<Output<{ advanced_seconds: number }>> {
  const seconds = parseDuration(options.advance, '--advance');
  if (seconds <= 0) throw usageError('--advance must be a positive duration.');
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<{ advanced_seconds: number }>(deps, target, 'POST', '/clock', { advance_seconds: seconds });
  return output(result, (_result, io) => io.out(`The sandbox moved ${options.advance} forward: messages, windows and tokens are that much older.`));
}

/**
 * `sandbox token`: a live access token and the business id of the default account of the sandbox the
 * other verbs act on. Plain output is two `export` lines, so `eval "$(tiktok-channel sandbox token)"` works.
 */
export async function token(options: TokenOptions, deps: Deps): Promise<Output<{ accessToken: string; businessId: string }>> {
  const target = await controlTarget(deps, options.controlUrl);
  const answer = await control<{ access_token: string; business_id: string }>(deps, target, 'POST', '/token', {});
  return output({ accessToken: answer.access_token, businessId: answer.business_id }, (data, io) => {
    io.out(
      [`export TIKTOK_CHANNEL_ACCESS_TOKEN=${shellQuote(data.accessToken)}`, `export TIKTOK_CHANNEL_BUSINESS_ID=${shellQuote(data.businessId)}`].join('\n'),
    );
    io.err(io.color.dim('A live access token for 24 hours (sandbox time), as if the account holder had consented.'));
  });
}

interface ResetResult {
  renewed_access_tokens?: number;
  renewed_refresh_tokens?: number;
  default_account_live_tokens?: number;
}

export async function reset(options: ResetOptions, deps: Deps): Promise<Output<ResetResult>> {
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<ResetResult>(deps, target, 'POST', '/reset', options.scenario ? { scenario: options.scenario } : {});
  return output(result, (result, io) => {
    io.out(`The sandbox world was reseeded${options.scenario ? ` with the "${options.scenario}" scenario` : ''}.`);
    if (options.scenario === 'expired-tokens') {
      io.info('Every token of the default account has expired (the point of this scenario): `tiktok-channel status` exits 3 until the next `sandbox reset`.');
    } else if (result.renewed_access_tokens || result.renewed_refresh_tokens) {
      // Said, so a user who saw status fail before knows why it works now.
      io.info(
        `Expired tokens were renewed (${result.renewed_access_tokens ?? 0} access, ${result.renewed_refresh_tokens ?? 0} refresh): connected accounts are valid again.`,
      );
    } else {
      io.info('Connected accounts keep their tokens, still valid.');
    }
  });
}

function truncate(text: string, length: number): string {
  const characters = [...text];
  return characters.length > length ? `${characters.slice(0, length - 1).join('')}…` : text;
}

function deliveriesQueued(count: number): string {
  return `${count} webhook ${count === 1 ? 'delivery' : 'deliveries'} queued`;
}
