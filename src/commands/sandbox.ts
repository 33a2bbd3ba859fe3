// `sandbox serve|token|message|event|set|clock|reset|phone`: the built-in emulator. `serve` runs it over HTTP; the other
// verbs act on the embedded sandbox in the config dir, or on a served one (--control-url, or the one
// TIKTOK_CHANNEL_API_BASE_URL points at), through the same control API.
import { CliError, usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import { parseDuration } from '../io/duration.js';
import type { ControlTarget } from '../http/control.js';
import { LoopbackPortError } from '../http/listen.js';
import type { EventResult } from '../sandbox/events.js';

export interface ServeOptions {
  port?: number;
  latency?: number;
  autoApprove?: boolean;
  scenario?: string;
  rps?: number;
  requirePkce?: boolean;
  strictOauth?: boolean;
}

export async function serve(options: ServeOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const { startSandboxServer } = await import('../sandbox/index.js');
  const server = await listening(() =>
    startSandboxServer({
      port: options.port,
      latencyMs: options.latency,
      autoApprove: options.autoApprove,
      scenario: options.scenario as never,
      rps: options.rps,
      requirePkce: options.requirePkce,
      strictOAuth: options.strictOauth,
    }),
  );
  // A live token for the default account, as if its holder had consented: a CI job needs no consent step.
  const { consentedToken } = await import('../sandbox/control.js');
  const token = consentedToken(server.handler.world);
  const info = {
    apiBaseUrl: server.apiBaseUrl,
    authUrl: server.authUrl,
    controlUrl: server.controlUrl,
    phoneUrl: server.phoneUrl,
    clientKey: server.clientKey,
    clientSecret: server.clientSecret,
    accessToken: token.access_token,
    businessId: token.business_id,
  };
  if (io.json) {
    io.printJson(info);
  } else {
    io.out(
      [
        `Sandbox serving on 127.0.0.1:${server.port}`,
        `  API base      ${info.apiBaseUrl}`,
        `  authorize     ${info.authUrl}`,
        `  control       ${info.controlUrl}`,
        `  phone         ${info.phoneUrl}  (open it and write as the customer)`,
        `  client key    ${info.clientKey}`,
        `  client secret ${info.clientSecret}`,
        '',
        'Point the CLI at it:',
        `  export TIKTOK_CHANNEL_API_BASE_URL=${info.apiBaseUrl}`,
        `  export TIKTOK_CHANNEL_AUTH_URL=${info.authUrl}`,
        `  export TIKTOK_CHANNEL_CLIENT_KEY=${info.clientKey}`,
        `  export TIKTOK_CHANNEL_CLIENT_SECRET=${info.clientSecret}`,
        '',
        'Or use its default account without connecting (a live token, 24 hours; `sandbox token` prints another):',
        `  export TIKTOK_CHANNEL_ACCESS_TOKEN=${info.accessToken}`,
        `  export TIKTOK_CHANNEL_BUSINESS_ID=${shellQuote(info.businessId)}`,
      ].join('\n'),
    );
  }
  io.err(io.color.dim('Ready. Press Ctrl-C to stop.'));
  await serveUntilStopped(deps, server);
}

/** Starts a server on 127.0.0.1; a --port already in use (or privileged) is a usage error. */
async function listening<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof LoopbackPortError) throw usageError(error.message, 'Pick another --port, or omit it for any free port.');
    throw error;
  }
}

/** Serves until Ctrl-C or SIGTERM, then closes the server. */
async function serveUntilStopped(deps: Deps, server: { close(): Promise<void> }): Promise<void> {
  const stoppedBy = await new Promise<'ctrl-c' | 'sigterm'>((resolve) => {
    if (deps.signal.aborted) return resolve('ctrl-c');
    deps.signal.addEventListener('abort', () => resolve('ctrl-c'), { once: true });
    // CI pipelines stop a background server with SIGTERM: a clean stop, exit 0.
    process.once('SIGTERM', () => resolve('sigterm'));
  });
  await server.close();
  // Ctrl-C ends a server the way it ends any command: exit 130 (stdout keeps its one JSON document).
  if (stoppedBy === 'ctrl-c') throw new CliError('cancelled', 'Stopped.');
}

/** --control-url, TIKTOK_CHANNEL_SANDBOX_CONTROL_URL, or the sandbox TIKTOK_CHANNEL_API_BASE_URL points at; else embedded. */
async function controlTarget(deps: Deps, controlUrl?: string): Promise<ControlTarget> {
  const { sandboxControlTarget, servedControlUrl } = await import('../http/control.js');
  const explicit = controlUrl ?? deps.env.TIKTOK_CHANNEL_SANDBOX_CONTROL_URL;
  const apiBase = deps.env.TIKTOK_CHANNEL_API_BASE_URL;
  return sandboxControlTarget(() => deps.store().dir, explicit || (apiBase ? servedControlUrl(deps.env, apiBase) : undefined));
}

/** The sandbox account to act on: --account when given, else the default account if it is a sandbox one. */
function sandboxBusinessId(deps: Deps, target: ControlTarget): string | undefined {
  if (deps.globals.account) return deps.resolveAccount(deps.globals.account).businessId;
  if (!target.embedded) return undefined;
  const businessId = deps.store().defaultBusinessId();
  const account = businessId ? deps.store().read().accounts[businessId] : undefined;
  return account?.sandbox === 'embedded' ? account.businessId : undefined;
}

async function control<T>(deps: Deps, target: ControlTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const { controlRequest } = await import('../http/control.js');
  return deps.io.progress('Talking to the sandbox', () =>
    controlRequest<T>(target.transport, method, `${target.controlUrl}${path}`, body, { signal: deps.signal }),
  );
}

/** Delivery variations every event (and `sandbox message`) accepts. */
export interface ShapeOptions {
  createTimeMs?: boolean;
  casing?: 'lower' | 'upper';
  sceneType?: string;
}

function shapeBody(options: ShapeOptions): Record<string, unknown> {
  const sceneType = options.sceneType === undefined ? undefined : /^-?\d+$/.test(options.sceneType) ? Number(options.sceneType) : options.sceneType;
  return { create_time_ms: options.createTimeMs || undefined, casing: options.casing, scene_type: sceneType };
}

export interface MessageOptions extends ShapeOptions {
  text?: string;
  from?: string;
  ref?: string;
  viaAd?: boolean;
  eu?: boolean;
  image?: boolean;
  controlUrl?: string;
}

export async function message(options: MessageOptions, deps: Deps): Promise<void> {
  if (!options.text && !options.ref && !options.viaAd && !options.image) {
    throw usageError('Say what the user does: --text TEXT or --image, and/or --ref TAG (arrives through a tiktok.me link) or --via-ad.');
  }
  if (options.text && options.image) throw usageError('--text and --image are two messages; send them one at a time.');
  if (options.ref && options.viaAd) throw usageError('--ref and --via-ad are two different ways to arrive; pick one.');
  if (options.from !== undefined && !/^@?[A-Za-z0-9._]{2,24}$/.test(options.from)) {
    throw usageError(`--from must be a TikTok username (2 to 24 letters, digits, "_" or "."); got ${JSON.stringify(options.from)}.`, 'e.g. --from maya.lopez, or leave --from out for the seeded user.');
  }
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<{ conversation_id: string; message_id: string | null; event?: string; events?: string[]; webhooks_queued?: number; username?: unknown }>(
    deps,
    target,
    'POST',
    '/messages',
    {
      from_username: options.from?.replace(/^@/, ''),
      text: options.text,
      business_id: sandboxBusinessId(deps, target),
      ref: options.ref,
      via_ad: options.viaAd || undefined,
      eu: options.eu || undefined,
      image: options.image || undefined,
      ...shapeBody(options),
    },
  );
  if (deps.io.json) return deps.io.printJson(result);
  const what = options.text ? `wrote "${truncate(options.text, 60)}"` : options.image ? 'sent an image' : 'arrived';
  // The sandbox's full username: `--from maya` may be a first name it matched to @maya.lopez.
  const writer = typeof result.username === 'string' ? result.username : options.from?.replace(/^@/, '');
  deps.io.out(`${writer ? `@${writer}` : 'The user'} ${what} in conversation ${result.conversation_id}`);
  if (result.message_id) deps.io.out(`message_id ${result.message_id}`);
  if (result.events?.length) deps.io.err(deps.io.color.dim(`events: ${result.events.join(', ')}${result.webhooks_queued ? ` (${deliveriesQueued(result.webhooks_queued)})` : ''}`));
}

export interface EventOptions extends ShapeOptions {
  from?: string;
  button?: string;
  text?: string;
  web?: boolean;
  emoji?: string;
  message?: string;
  remove?: boolean;
  type?: string;
  action?: string;
  status?: string;
  name?: string;
  item?: string;
  /** authorization-removed: TikTok's reason, 0 to 5 (commander gives the text). */
  reason?: string;
  controlUrl?: string;
}

/** Which flags each kind takes (flag → control body field), and which of them it needs. */
const EVENT_FLAGS: Record<string, { takes: (keyof EventOptions)[]; needs: (keyof EventOptions)[] }> = {
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
const FLAG_NAMES: Partial<Record<keyof EventOptions, string>> = {
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
export async function event(kind: string, options: EventOptions, deps: Deps): Promise<void> {
  const flags = EVENT_FLAGS[kind];
  if (!flags) throw usageError(`Unknown event kind "${kind}".`, `Kinds: ${Object.keys(EVENT_FLAGS).join(', ')}.`);
  for (const [key, flag] of Object.entries(FLAG_NAMES) as [keyof EventOptions, string][]) {
    if (options[key] !== undefined && !flags.takes.includes(key)) throw usageError(`${flag} does not apply to ${kind}.`);
  }
  const missing = flags.needs.filter((key) => options[key] === undefined);
  if (missing.length) throw usageError(`${kind} needs ${missing.map((key) => FLAG_NAMES[key]).join(' and ')}.`);
  if (options.reason !== undefined && !/^[0-5]$/.test(options.reason.trim())) {
    throw usageError(`--reason must be 0 to 5 (got ${JSON.stringify(options.reason)}).`, '0 unknown, 1 disconnected in TikTok, 2 account deleted, 3 age changed, 4 account banned, 5 developer revoked access.');
  }
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<EventResult>(
    deps,
    target,
    'POST',
    '/events',
    {
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
    },
  );
  if (deps.io.json) return deps.io.printJson(result);
  deps.io.out(`${kind}: ${result.events.join(', ')}`);
  if (result.conversation_id) deps.io.out(`conversation_id ${result.conversation_id}`);
  if (result.message_id) deps.io.out(`message_id ${result.message_id}`);
  if (result.comment_id) deps.io.out(`comment_id ${result.comment_id}`);
  if (result.revoked_tokens !== undefined) deps.io.out(`revoked ${result.revoked_tokens} token${result.revoked_tokens === 1 ? '' : 's'} of the account`);
  deps.io.err(deps.io.color.dim(result.webhooks_queued ? deliveriesQueued(result.webhooks_queued) : 'No webhook registered: nothing to deliver.'));
}

export interface SetOptions {
  region?: string;
  advancedAccess?: 'on' | 'off';
  dmSetting?: 'everyone' | 'followers';
  media?: 'on' | 'off';
  riskControl?: 'on' | 'off';
  controlUrl?: string;
}

export async function set(options: SetOptions, deps: Deps): Promise<void> {
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
  if (deps.io.json) return deps.io.printJson(account);
  deps.io.out(`Updated sandbox account ${String(account.username ? `@${account.username}` : businessId)}: ${Object.entries(body).map(([key, value]) => `${key}=${value}`).join(', ')}`);
}

export async function clock(options: { advance: string; controlUrl?: string }, deps: Deps): Promise<void> {
  const seconds = parseDuration(options.advance, '--advance');
  if (seconds <= 0) throw usageError('--advance must be a positive duration.');
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<{ advanced_seconds: number }>(deps, target, 'POST', '/clock', { advance_seconds: seconds });
  if (deps.io.json) return deps.io.printJson(result);
  deps.io.out(`The sandbox moved ${options.advance} forward: messages, windows and tokens are that much older.`);
}

/**
 * `sandbox token`: a live access token and the business id of the default account of the sandbox the
 * other verbs act on. Plain output is two `export` lines, so `eval "$(tiktok-channel sandbox token)"` works.
 */
export async function token(options: { controlUrl?: string }, deps: Deps): Promise<void> {
  const target = await controlTarget(deps, options.controlUrl);
  const answer = await control<{ access_token: string; business_id: string }>(deps, target, 'POST', '/token', {});
  if (deps.io.json) return deps.io.printJson({ accessToken: answer.access_token, businessId: answer.business_id });
  deps.io.out([`export TIKTOK_CHANNEL_ACCESS_TOKEN=${shellQuote(answer.access_token)}`, `export TIKTOK_CHANNEL_BUSINESS_ID=${shellQuote(answer.business_id)}`].join('\n'));
  deps.io.err(deps.io.color.dim('A live access token for 24 hours (sandbox time), as if the account holder had consented.'));
}

/** Single-quoted for sh when it holds anything but safe characters. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function reset(options: { scenario?: string; controlUrl?: string }, deps: Deps): Promise<void> {
  const target = await controlTarget(deps, options.controlUrl);
  const result = await control<{ renewed_access_tokens?: number; renewed_refresh_tokens?: number; default_account_live_tokens?: number }>(
    deps,
    target,
    'POST',
    '/reset',
    options.scenario ? { scenario: options.scenario } : {},
  );
  if (deps.io.json) return deps.io.printJson(result);
  deps.io.out(`The sandbox world was reseeded${options.scenario ? ` with the "${options.scenario}" scenario` : ''}.`);
  if (options.scenario === 'expired-tokens') {
    deps.io.info('Every token of the default account has expired (the point of this scenario): `tiktok-channel status` exits 3 until the next `sandbox reset`.');
  } else if (result.renewed_access_tokens || result.renewed_refresh_tokens) {
    // Said, so a user who saw status fail before knows why it works now.
    deps.io.info(`Expired tokens were renewed (${result.renewed_access_tokens ?? 0} access, ${result.renewed_refresh_tokens ?? 0} refresh): connected accounts are valid again.`);
  } else {
    deps.io.info('Connected accounts keep their tokens, still valid.');
  }
}

export interface PhoneOptions {
  port?: number;
  /** false with --no-browser */
  browser?: boolean;
  controlUrl?: string;
}

/**
 * `sandbox phone`: the page where you play the TikTok user. For the embedded sandbox it serves the page
 * on 127.0.0.1 from the state in the config dir until Ctrl-C; for a served sandbox (--control-url or
 * TIKTOK_CHANNEL_API_BASE_URL) the page is already there, so it only says where and opens it.
 */
export async function phone(options: PhoneOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const target = await controlTarget(deps, options.controlUrl);
  const businessId = sandboxBusinessId(deps, target);
  const withBusiness = (url: string) => (businessId ? `${url}?business=${encodeURIComponent(businessId)}` : url);
  const open = async (url: string) => {
    if (options.browser === false || !io.canPrompt()) return;
    try {
      await deps.openBrowser(url);
      io.err(io.color.dim('Opened your browser.'));
    } catch (error) {
      io.warn(`Could not open a browser (${error instanceof Error ? error.message : String(error)}); open the URL above yourself.`);
    }
  };
  if (!target.embedded) {
    if (options.port !== undefined) throw usageError('--port applies to the embedded sandbox only: a served sandbox already serves its phone page.');
    const phoneUrl = withBusiness(`${target.controlUrl}/phone`);
    if (io.json) io.printJson({ phoneUrl });
    else io.out(phoneUrl);
    await open(phoneUrl);
    return;
  }
  const { embeddedSandbox } = await import('../http/control.js');
  const { startPhoneServer } = await import('../sandbox/phone-server.js');
  const embedded = await embeddedSandbox(deps.store().dir);
  // Seeds the world on first use, so the page has someone to play and something to write to.
  await io.progress('Opening the embedded sandbox', () => embedded.withState(() => undefined));
  const server = await listening(() => startPhoneServer({ transport: embedded.transport, statePath: embedded.statePath, port: options.port }));
  const phoneUrl = withBusiness(server.phoneUrl);
  if (io.json) {
    io.printJson({ phoneUrl });
  } else {
    io.out(phoneUrl);
    io.err(
      [
        'The sandbox phone: you play the TikTok user in this page, the CLI plays the business.',
        '  Write from the page, then: tiktok-channel conversations   (and tiktok-channel send --to <conversation_id> --text …)',
      ].join('\n'),
    );
  }
  await open(phoneUrl);
  io.err(io.color.dim('Serving the phone page. Press Ctrl-C to stop.'));
  await serveUntilStopped(deps, server);
}

function truncate(text: string, length: number): string {
  const characters = [...text];
  return characters.length > length ? `${characters.slice(0, length - 1).join('')}…` : text;
}

function deliveriesQueued(count: number): string {
  return `${count} webhook ${count === 1 ? 'delivery' : 'deliveries'} queued`;
}
