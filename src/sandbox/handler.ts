// One request handler for everything the sandbox serves, by path: the API under /open_api/v1.3/
// (api-routes.ts), the consent page under /v2/auth/authorize/ (authorize-routes.ts) and the control API
// under /sandbox (control-routes.ts). The HTTP server and the embedded transport both call `handle`, so
// every rule behaves the same in both modes. The routers call the area modules directly, one per area
// of TikTok's platform, all working on one World (the state and the clock, world.ts):
//   auth.ts           OAuth: authorize, token exchange, refresh, revoke, token info, authenticate (tiktok-api.md §2)
//   business.ts       business/get (§3)
//   conversations.ts  conversation/list, content/list, the 48-hour window and its quota (§4)
//   send.ts           business/message/send: content blocks, cards, sender actions, DM rules (§4, §7)
//   comment-to-message.ts  direct_reply/update|get: the Comment-to-Message switch (§4)
//   media.ts          upload, download, capabilities, media strategy (§4)
//   webhooks.ts       registration, content shapes, signing, the outbox (§5)
//   users.ts          a TikTok user writes or arrives (control API)
//   events.ts         every other delivery: stickers, taps, app replies, reads, reactions, comments, … (§5)
//   control.ts        settings, time travel, faults, rate limits, tokens, reset, the /state view
//   metering.ts       what every API call goes through: a fault's next use, the rate limits, start-up modes
import type { RawRequest, RawResponse } from '../http/raw.js';
import { handleApi } from './api-routes.js';
import { setClockSkew, setOAuthModes, setRequestsPerSecond } from './metering.js';
import { requestId } from './ids.js';
import { respond, type LogEntry, type SandboxContext } from './routing.js';
import { seedWorld } from './seed.js';
import { reportUnhandled } from './tripwire.js';
import { API_PREFIX, AUTHORIZE_PATH, CONTROL_PREFIX, REQUESTS_KEPT, type SandboxState, type ScenarioName } from './types.js';
import { defaultPoster, WebhookDispatcher, type FlushOptions, type WebhookPoster } from './webhook-delivery.js';
import { World } from './world.js';

export { SandboxConnectionReset } from './api-routes.js';

export interface SandboxHandlerOptions {
  /** The world to serve (embedded mode passes the loaded one); otherwise a fresh one is seeded. */
  state?: SandboxState;
  clock?: () => number;
  /** Scenario of a freshly seeded world. */
  scenario?: ScenarioName;
  /** false = a minimal world: the app and the accounts, no users or conversations. */
  seed?: boolean;
  /** GET /v2/auth/authorize/ answers the redirect at once, for the default account. */
  autoApprove?: boolean;
  /** Added before every API and authorize response. */
  latencyMs?: number;
  poster?: WebhookPoster;
  /**
   * When webhooks go out: `inline` = awaited within each call (deterministic; default), `background`
   * = fire and forget (served mode, plus a timer), `manual` = only through flushWebhooks() (embedded
   * mode delivers outside its file lock).
   */
  webhookDelivery?: 'inline' | 'background' | 'manual';
  /** Wall-clock budget of inline delivery per call (ms). */
  deliveryBudgetMs?: number;
  /** Timeout of one webhook POST (ms). */
  attemptTimeoutMs?: number;
  /** Per-second limit per app (all its accounts together); kept across resets. 0/undefined = off. */
  rps?: number;
  /** OAuth modes (kept across resets): authorize demands a hex S256 code_challenge. */
  requirePkce?: boolean;
  /** The token exchange refuses any undocumented field by name (e.g. code_verifier). */
  strictOAuth?: boolean;
  /** Offset of every answer's Date header (s), kept across resets. */
  clockSkewSeconds?: number;
  /** Entries of the request log kept in `GET /sandbox/state` (default 200). */
  requestsKept?: number;
}

export interface SandboxHandler {
  handle(request: RawRequest): Promise<RawResponse>;
  /** The state and clock the routers work on (the area modules take it as their first argument). */
  readonly world: World;
  readonly state: SandboxState;
  readonly dispatcher: WebhookDispatcher;
  /** Attempts queued webhook deliveries now (due ones, or all with `force`). */
  flushWebhooks(options?: FlushOptions): Promise<void>;
}

const UNHANDLED_KEPT = 500;

export function createSandboxHandler(options: SandboxHandlerOptions = {}): SandboxHandler {
  const clock = options.clock ?? Date.now;
  const state = options.state ?? seedWorld(clock, options.scenario ?? 'healthy', { empty: options.seed === false });
  const world = new World(state, clock);
  const dispatcher = new WebhookDispatcher(options.poster ?? defaultPoster, clock);
  const mode = options.webhookDelivery ?? 'inline';
  const flushOptions: FlushOptions = { budgetMs: options.deliveryBudgetMs ?? 3_000, attemptTimeoutMs: options.attemptTimeoutMs ?? 2_000 };
  const requestsKept = options.requestsKept ?? REQUESTS_KEPT;

  /** The host's modes (serve flags, startSandboxServer options) outlive `POST /sandbox/reset`. */
  const applyStartupModes = () => {
    if (options.rps !== undefined) setRequestsPerSecond(world, options.rps);
    if (options.clockSkewSeconds !== undefined) setClockSkew(world, options.clockSkewSeconds);
    if (options.requirePkce !== undefined || options.strictOAuth !== undefined) {
      setOAuthModes(world, {
        ...(options.requirePkce !== undefined ? { require_pkce: options.requirePkce } : {}),
        ...(options.strictOAuth !== undefined ? { strict_exchange_fields: options.strictOAuth } : {}),
      });
    }
  };
  applyStartupModes();

  const log = (entry: LogEntry) => {
    state.requests.push({ at: clock(), ...entry });
    if (state.requests.length > requestsKept) state.requests.splice(0, state.requests.length - requestsKept);
  };
  const unhandled = (method: string, path: string, reason: string, rid: string) => {
    state.unhandled.push({ at: clock(), method, path, reason, request_id: rid });
    reportUnhandled({ method, path, reason, request_id: rid });
    if (state.unhandled.length > UNHANDLED_KEPT) state.unhandled.splice(0, state.unhandled.length - UNHANDLED_KEPT);
  };
  const notFound = (method: string, path: string, reason: string, rid: string): RawResponse => {
    unhandled(method, path, reason, rid);
    log({ method, path, status: 404, request_id: rid });
    // Like TikTok's gateway: a bare 404, not the JSON envelope.
    return respond(404, 'text/plain; charset=utf-8', '404 page not found', rid);
  };

  const context: SandboxContext = { options, world, state, clock, dispatcher, mode, flushOptions, applyStartupModes, log, unhandled, notFound };

  async function deliverAfterCall(): Promise<void> {
    if (!state.outbox.length) return;
    if (mode === 'inline') await dispatcher.flush(state, flushOptions);
    else if (mode === 'background') void dispatcher.flush(state, flushOptions);
  }

  async function handle(request: RawRequest): Promise<RawResponse> {
    const rid = requestId(clock());
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return respond(400, 'text/plain; charset=utf-8', 'bad request URL', rid);
    }
    const path = url.pathname;
    let response: RawResponse;
    if (path.startsWith(API_PREFIX)) response = await handleApi(context, request, url, rid);
    // The authorize page is requested both ways in production (tiktok-api.md §2): the trailing-slash
    // rule is the API gateway's, not this page's.
    // The consent page and the control API load on their first request: a CLI command through the
    // embedded sandbox (send, conversations) only calls the API, and loads only what that needs.
    else if (path === AUTHORIZE_PATH || `${path}/` === AUTHORIZE_PATH)
      response = await (await import('./authorize-routes.js')).handleAuthorize(context, request, url, rid);
    else if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`))
      response = await (await import('./control-routes.js')).handleControl(context, request, url, rid);
    else response = notFound(request.method.toUpperCase(), path, 'unknown path', rid);
    // `date` lets a clock check work in embedded mode too (the sandbox's clock is the real one).
    // A skewed server clock (doctor's clock check) moves this header only.
    response.headers.date ??= new Date(clock() + (state.clock_skew_seconds ?? 0) * 1000).toUTCString();
    await deliverAfterCall();
    return response;
  }

  return {
    handle,
    world,
    state,
    dispatcher,
    flushWebhooks: (flush) => dispatcher.flush(state, { ...flushOptions, ...flush }),
  };
}
