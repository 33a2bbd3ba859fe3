// One request handler for everything the sandbox serves, by path: the API under /open_api/v1.3/, the
// consent page under /v2/auth/authorize/ and the control API under /sandbox. The HTTP server and the
// embedded transport both call `handle`, so every rule behaves the same in both modes.
import type { RawRequest, RawResponse } from '../http/raw.js';
import { renderConsentPage, renderErrorPage } from './consent.js';
import { setClockSkew, setRequestsPerSecond } from './control.js';
import { ApiError, AuthorizeError, ControlError, PLACEHOLDER_PNG, SandboxCore, type Params } from './core.js';
import { requestId } from './ids.js';
import { MultipartError, multipartBoundary, parseMultipart } from './multipart.js';
import { phoneRequest } from './phone.js';
import { seedWorld } from './seed.js';
import { API_PREFIX, AUTHORIZE_PATH, CONTROL_PREFIX, type FaultKind, type SandboxState, type ScenarioName } from './types.js';
import { defaultPoster, WebhookDispatcher, type FlushOptions, type WebhookPoster } from './webhooks.js';

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
  readonly core: SandboxCore;
  readonly state: SandboxState;
  readonly dispatcher: WebhookDispatcher;
  /** Attempts queued webhook deliveries now (due ones, or all with `force`). */
  flushWebhooks(options?: FlushOptions): Promise<void>;
}

/** Thrown for a `reset` fault: the server destroys the socket, the embedded transport rethrows it. */
export class SandboxConnectionReset extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('socket hang up (sandbox fault: reset)');
    this.name = 'SandboxConnectionReset';
  }
}

type RouteInput = 'json' | 'query' | 'multipart';
interface RouteContext {
  core: SandboxCore;
  params: Params;
  accessToken: string | undefined;
  authorizationHeader: boolean;
  origin: string;
  file?: { data: Uint8Array; filename?: string };
}
interface ApiRoute {
  method: 'GET' | 'POST';
  input: RouteInput;
  fields: string[];
  /** Which app a request is charged to for the per-minute budget. */
  app: 'client_id' | 'app_id' | 'token';
  run(ctx: RouteContext): unknown;
}

const ROUTES: Record<string, ApiRoute> = {
  'tt_user/oauth2/token/': {
    method: 'POST',
    input: 'json',
    // code_verifier: PKCE is unconfirmed for Business apps (tiktok-api.md §2); accepted and ignored.
    fields: ['client_id', 'client_secret', 'grant_type', 'auth_code', 'redirect_uri', 'code_verifier'],
    app: 'client_id',
    run: ({ core, params }) => core.exchangeCode(params),
  },
  'tt_user/oauth2/refresh_token/': {
    method: 'POST',
    input: 'json',
    fields: ['client_id', 'client_secret', 'grant_type', 'refresh_token'],
    app: 'client_id',
    run: ({ core, params }) => core.refresh(params),
  },
  'tt_user/oauth2/revoke/': {
    method: 'POST',
    input: 'json',
    fields: ['client_id', 'client_secret', 'access_token'],
    app: 'client_id',
    run: ({ core, params }) => core.revoke(params),
  },
  'tt_user/token_info/get/': {
    method: 'POST',
    input: 'json',
    fields: ['app_id', 'access_token'],
    app: 'app_id',
    run: ({ core, params }) => core.tokenInfo(params),
  },
  'business/get/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'fields'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.getBusiness(accessToken, params, authorizationHeader),
  },
  'business/message/conversation/list/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'conversation_type', 'cursor', 'limit'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.listConversations(accessToken, params, authorizationHeader),
  },
  'business/message/content/list/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'conversation_id'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.listMessages(accessToken, params, authorizationHeader),
  },
  'business/message/send/': {
    method: 'POST',
    input: 'json',
    fields: ['business_id', 'recipient_type', 'recipient', 'message_type', 'text', 'image', 'share_post', 'sender_action', 'template', 'referenced_message_info', 'direct_reply'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.send(accessToken, params, authorizationHeader),
  },
  'business/message/direct_reply/update/': {
    method: 'POST',
    input: 'json',
    fields: ['business_id', 'direct_reply_type', 'operation_status'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.updateDirectReply(accessToken, params, authorizationHeader),
  },
  'business/message/direct_reply/get/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'direct_reply_type'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.getDirectReply(accessToken, params, authorizationHeader),
  },
  'business/message/media/upload/': {
    method: 'POST',
    input: 'multipart',
    fields: ['business_id', 'media_type', 'file'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader, file }) => core.uploadMedia(accessToken, params, file, authorizationHeader),
  },
  'business/message/media/download/': {
    method: 'POST',
    input: 'json',
    fields: ['business_id', 'conversation_id', 'message_id', 'media_id', 'media_type'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader, origin }) => core.downloadMedia(accessToken, params, origin, authorizationHeader),
  },
  'business/message/capabilities/get/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'capability_types', 'conversation_id', 'conversation_type'],
    app: 'token',
    run: ({ core, params, accessToken, authorizationHeader }) => core.capabilities(accessToken, params, authorizationHeader),
  },
  'business/webhook/update/': {
    method: 'POST',
    input: 'json',
    fields: ['app_id', 'secret', 'event_type', 'callback_url', 'item_list'],
    app: 'app_id',
    run: ({ core, params }) => core.webhookUpdate(params),
  },
  'business/webhook/list/': {
    method: 'GET',
    input: 'query',
    fields: ['app_id', 'secret', 'event_type'],
    app: 'app_id',
    run: ({ core, params }) => core.webhookList(params),
  },
  'business/webhook/delete/': {
    method: 'POST',
    input: 'json',
    fields: ['app_id', 'secret', 'event_type'],
    app: 'app_id',
    run: ({ core, params }) => core.webhookDelete(params),
  },
};

/** The API paths the sandbox serves, relative to the base (for docs and `sandbox serve`). */
export const API_PATHS = Object.keys(ROUTES);

const AUTHORIZE_FIELDS = ['client_key', 'scope', 'response_type', 'redirect_uri', 'state', 'disable_auto_auth', 'code_challenge', 'code_challenge_method'];
const REQUESTS_KEPT = 200;
const UNHANDLED_KEPT = 500;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function firstParams(search: URLSearchParams): Params {
  const out: Params = {};
  for (const [key, value] of search) if (!(key in out)) out[key] = value;
  return out;
}

function respond(status: number, contentType: string, body: string | Uint8Array, rid: string, extra: Record<string, string> = {}): RawResponse {
  return {
    status,
    headers: { 'content-type': contentType, 'x-tt-logid': rid, ...extra },
    body: typeof body === 'string' ? encoder.encode(body) : body,
  };
}

function jsonResponse(status: number, value: unknown, rid: string): RawResponse {
  return respond(status, 'application/json; charset=utf-8', JSON.stringify(value), rid);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSandboxHandler(options: SandboxHandlerOptions = {}): SandboxHandler {
  const clock = options.clock ?? Date.now;
  const state = options.state ?? seedWorld(clock, options.scenario ?? 'healthy', { empty: options.seed === false });
  const core = new SandboxCore(state, clock);
  const dispatcher = new WebhookDispatcher(options.poster ?? defaultPoster, clock);
  const mode = options.webhookDelivery ?? 'inline';
  const flushOptions: FlushOptions = { budgetMs: options.deliveryBudgetMs ?? 3_000, attemptTimeoutMs: options.attemptTimeoutMs ?? 2_000 };
  const requestsKept = options.requestsKept ?? REQUESTS_KEPT;

  /** The host's modes (serve flags, startSandboxServer options) outlive `POST /sandbox/reset`. */
  const applyStartupModes = () => {
    if (options.rps !== undefined) setRequestsPerSecond(core.world, options.rps);
    if (options.clockSkewSeconds !== undefined) setClockSkew(core.world, options.clockSkewSeconds);
    if (options.requirePkce !== undefined || options.strictOAuth !== undefined) {
      core.setOAuthModes({
        ...(options.requirePkce !== undefined ? { require_pkce: options.requirePkce } : {}),
        ...(options.strictOAuth !== undefined ? { strict_exchange_fields: options.strictOAuth } : {}),
      });
    }
  };
  applyStartupModes();

  const log = (entry: { method: string; path: string; status: number; code?: number; request_id: string; fault?: FaultKind }) => {
    state.requests.push({ at: clock(), ...entry });
    if (state.requests.length > requestsKept) state.requests.splice(0, state.requests.length - requestsKept);
  };
  const unhandled = (method: string, path: string, reason: string, rid: string) => {
    state.unhandled.push({ at: clock(), method, path, reason, request_id: rid });
    if (state.unhandled.length > UNHANDLED_KEPT) state.unhandled.splice(0, state.unhandled.length - UNHANDLED_KEPT);
  };
  const notFound = (method: string, path: string, reason: string, rid: string): RawResponse => {
    unhandled(method, path, reason, rid);
    log({ method, path, status: 404, request_id: rid });
    // Like TikTok's gateway: a bare 404, not the JSON envelope.
    return respond(404, 'text/plain; charset=utf-8', '404 page not found', rid);
  };

  async function deliverAfterCall(): Promise<void> {
    if (!state.outbox.length) return;
    if (mode === 'inline') await dispatcher.flush(state, flushOptions);
    else if (mode === 'background') void dispatcher.flush(state, flushOptions);
  }

  async function handleApi(request: RawRequest, url: URL, rid: string): Promise<RawResponse> {
    const method = request.method.toUpperCase();
    const path = url.pathname;
    const relative = path.slice(API_PREFIX.length);
    const route = ROUTES[relative];
    if (!route) {
      const reason = ROUTES[`${relative}/`] ? 'missing trailing slash (every TikTok path ends with "/")' : 'unknown API path';
      return notFound(method, path, reason, rid);
    }
    if (route.method !== method) return notFound(method, path, `method ${method} not served here (expects ${route.method})`, rid);
    if (options.latencyMs) await sleep(options.latencyMs);

    const consumed = core.consumeFault(relative);
    // hold / omit_open_id change a served answer instead of replacing it.
    const altered = consumed?.kind === 'hold' || consumed?.kind === 'omit_open_id' ? consumed : undefined;
    const fault = altered ? undefined : consumed;
    if (fault) {
      if (fault.kind === 'reset') {
        log({ method, path, status: 0, request_id: rid, fault: 'reset' });
        throw new SandboxConnectionReset();
      }
      if (fault.kind === 'html502') {
        log({ method, path, status: 502, request_id: rid, fault: 'html502' });
        return respond(502, 'text/html; charset=utf-8', '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n', rid);
      }
      const code = fault.code ?? 51065;
      log({ method, path, status: 200, code, request_id: rid, fault: 'code' });
      return jsonResponse(200, { code, message: fault.message ?? defaultFaultMessage(code), request_id: rid, data: {} }, rid);
    }

    const envelope = async (code: number, message: string, data: unknown) => {
      log({ method, path, status: 200, code, request_id: rid, ...(altered ? { fault: altered.kind } : {}) });
      if (altered?.kind === 'omit_open_id' && data && typeof data === 'object') delete (data as { open_id?: unknown }).open_id;
      if (altered?.kind === 'hold') await sleep(altered.hold_ms ?? 0);
      return jsonResponse(200, { code, message, request_id: rid, data }, rid);
    };

    let params: Params = {};
    let file: RouteContext['file'];
    const contentType = request.headers['content-type'];
    try {
      if (route.input === 'query') {
        params = firstParams(url.searchParams);
      } else if (route.input === 'json') {
        if (!contentType || !/^application\/json\b/i.test(contentType.trim())) {
          throw new ApiError(40002, `Content-Type must be application/json (got ${JSON.stringify(contentType ?? null)}).`);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(decoder.decode(request.body ?? new Uint8Array()));
        } catch {
          throw new ApiError(40002, 'The request body is not valid JSON.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(40002, 'The request body must be a JSON object.');
        params = parsed as Params;
      } else {
        const boundary = multipartBoundary(contentType);
        if (!boundary) throw new ApiError(40002, `Content-Type must be multipart/form-data with a boundary (got ${JSON.stringify(contentType ?? null)}).`);
        let parts;
        try {
          parts = parseMultipart(request.body ?? new Uint8Array(), boundary);
        } catch (error) {
          if (error instanceof MultipartError) throw new ApiError(40002, `Malformed multipart body: ${error.message}.`);
          throw error;
        }
        for (const part of parts) {
          if (part.name === 'file' && part.filename !== undefined) file ??= { data: part.data, filename: part.filename };
          else if (!(part.name in params)) params[part.name] = part.data.toString('utf8');
        }
        if (!file) {
          const plain = parts.find((p) => p.name === 'file');
          if (plain) file = { data: plain.data };
        }
        if (file) params.file = '(file)';
      }
    } catch (error) {
      if (error instanceof ApiError) return envelope(error.code, error.message, {});
      throw error;
    }

    const unknown = Object.keys(params).filter((k) => !route.fields.includes(k));
    if (unknown.length) unhandled(method, path, `unknown field(s): ${unknown.join(', ')}`, rid);

    const accessToken = request.headers['access-token'];
    const appKey =
      route.app === 'token'
        ? core.appOfToken(accessToken)
        : typeof params[route.app] === 'string'
          ? (params[route.app] as string)
          : undefined;
    // TikTok counts per developer app (§1, §6): a token's calls count for the app that token was issued
    // to, with every other account of that app and its app-level calls.
    try {
      core.chargeRate(appKey ?? 'anonymous');
      const data = route.run({
        core,
        params,
        accessToken,
        authorizationHeader: request.headers.authorization !== undefined,
        origin: `${url.protocol}//${url.host}`,
        file,
      });
      return envelope(0, 'OK', data);
    } catch (error) {
      if (error instanceof ApiError) return envelope(error.code, error.message, {});
      throw error;
    }
  }

  async function handleAuthorize(request: RawRequest, url: URL, rid: string): Promise<RawResponse> {
    const method = request.method.toUpperCase();
    const path = url.pathname;
    if (method !== 'GET' && method !== 'POST') return notFound(method, path, `method ${method} not served here`, rid);
    if (options.latencyMs) await sleep(options.latencyMs);
    let params: Params;
    if (method === 'GET') {
      params = firstParams(url.searchParams);
      const unknown = Object.keys(params).filter((k) => !AUTHORIZE_FIELDS.includes(k));
      if (unknown.length) unhandled(method, path, `unknown query parameter(s): ${unknown.join(', ')}`, rid);
    } else {
      params = firstParams(new URLSearchParams(decoder.decode(request.body ?? new Uint8Array())));
    }
    const html = (status: number, page: string) => {
      log({ method, path, status, request_id: rid });
      return respond(status, 'text/html; charset=utf-8', page, rid);
    };
    const redirect = (location: string) => {
      log({ method, path, status: 302, request_id: rid });
      return respond(302, 'text/html; charset=utf-8', `<a href="${location.replace(/"/g, '%22')}">Continue</a>`, rid, { location });
    };
    let check;
    try {
      check = core.checkAuthorize(params);
    } catch (error) {
      if (!(error instanceof AuthorizeError)) throw error;
      if (error.redirect) {
        const target = new URL(error.redirect.redirect_uri);
        target.searchParams.set('error', error.error);
        if (error.errorType) target.searchParams.set('error_type', error.errorType);
        target.searchParams.set('error_description', error.message);
        target.searchParams.set('state', error.redirect.state);
        return redirect(target.toString());
      }
      return html(400, renderErrorPage('Something went wrong', error.message));
    }
    if (method === 'GET') {
      if (options.autoApprove) return redirect(core.decideAuthorize(check, { approve: true }).redirect_url);
      const page = renderConsentPage({
        appName: check.app.name,
        accounts: Object.values(state.accounts),
        defaultBusinessId: state.default_business_id,
        scopes: check.scopes,
        hidden: {
          client_key: check.app.client_key,
          redirect_uri: check.redirect_uri,
          scope: check.scopes.join(','),
          state: check.state,
          response_type: 'code',
          ...(check.code_challenge ? { code_challenge: check.code_challenge, code_challenge_method: check.code_challenge_method ?? 'S256' } : {}),
        },
        action: AUTHORIZE_PATH,
      });
      return html(200, page);
    }
    const decision = params.decision;
    if (decision !== 'approve' && decision !== 'deny') return html(400, renderErrorPage('Something went wrong', 'Choose Approve or Deny.'));
    const businessId = typeof params.business_id === 'string' ? params.business_id : undefined;
    if (decision === 'approve' && (!businessId || !state.accounts[businessId])) return html(400, renderErrorPage('Something went wrong', 'Choose an account.'));
    return redirect(core.decideAuthorize(check, { approve: decision === 'approve', business_id: businessId }).redirect_url);
  }

  async function handleControl(request: RawRequest, url: URL, rid: string): Promise<RawResponse> {
    const method = request.method.toUpperCase();
    const path = url.pathname;
    const sub = path.slice(CONTROL_PREFIX.length).replace(/^\/+|\/+$/g, '');
    const ok = (value: unknown) => {
      log({ method, path, status: 200, request_id: rid });
      return jsonResponse(200, value, rid);
    };
    const fail = (status: number, message: string) => {
      log({ method, path, status, request_id: rid });
      return jsonResponse(status, { error: { message } }, rid);
    };
    try {
      let body: Params = {};
      if (request.body && request.body.length) {
        try {
          const parsed: unknown = JSON.parse(decoder.decode(request.body));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(400, 'The body must be a JSON object.');
          body = parsed as Params;
        } catch {
          return fail(400, 'The body is not valid JSON.');
        }
      }
      const route = `${method} ${sub.split('/')[0]}`;
      const rest = sub.split('/').slice(1).map(decodeURIComponent).join('/');
      switch (route) {
        case 'GET state':
          return ok(core.view());
        case 'GET app': {
          const app = state.apps[state.default_client_key]!;
          return ok({ client_key: app.client_key, client_secret: app.client_secret });
        }
        case 'POST messages':
          return ok(core.userWrites(body as never));
        case 'POST events':
          return ok(core.event(body));
        case 'POST accounts':
          if (!rest) return fail(400, 'POST /sandbox/accounts/{business_id}');
          return ok(core.updateAccount(rest, body));
        case 'POST clock':
          return ok(core.setClock(body));
        case 'POST oauth':
          return ok(core.setOAuthModes(body));
        case 'GET oauth':
          return ok(core.setOAuthModes({}));
        case 'POST faults':
          return ok(core.addFault(body));
        case 'GET faults':
          return ok({ faults: state.faults });
        case 'DELETE faults':
          core.clearFaults();
          return ok({ faults: [] });
        case 'POST limits':
          return ok(core.setLimits(body));
        case 'POST token':
          return ok(core.consentedToken(body));
        case 'POST tokens':
          if (rest !== 'expire') break;
          return ok(core.expireTokens(body));
        case 'POST authorize': {
          let check;
          try {
            check = core.checkAuthorize({ response_type: 'code', ...body });
          } catch (error) {
            if (error instanceof AuthorizeError) return fail(400, `${error.error}: ${error.message}`);
            throw error;
          }
          const decision = core.decideAuthorize(check, {
            approve: body.approve === undefined ? true : body.approve === true,
            business_id: typeof body.business_id === 'string' ? body.business_id : undefined,
          });
          return ok(decision);
        }
        case 'POST reset': {
          const answer = core.reset(body);
          applyStartupModes();
          return ok(answer);
        }
        case 'POST webhooks':
          if (rest !== 'flush') break;
          for (const d of state.outbox) d.next_attempt_at = Math.min(d.next_attempt_at, clock());
          if (mode !== 'manual') await dispatcher.flush(state, { ...flushOptions, force: true });
          return ok({ pending: state.outbox.length, delivered: state.delivered.length });
        case 'GET media':
          return serveMedia(request, url, rest, rid, method, path);
        case 'GET phone':
        case 'POST phone': {
          // The sandbox phone (phone.ts): its page, its snapshot and the user's doings.
          const answer = phoneRequest(core.world, { method, rest, query: url.searchParams, body, headers: request.headers });
          log({ method, path, status: answer.status, request_id: rid });
          return respond(answer.status, answer.contentType, answer.body, rid, answer.headers);
        }
      }
      unhandled(method, path, 'unknown control route', rid);
      return fail(404, `Unknown control route: ${method} ${path}`);
    } catch (error) {
      if (error instanceof ControlError) return fail(error.status, error.message);
      throw error;
    }
  }

  function serveMedia(request: RawRequest, url: URL, mediaId: string, rid: string, method: string, path: string): RawResponse {
    const media = state.media[mediaId];
    const token = state.access_tokens[request.headers['x-user'] ?? ''];
    const expires = Number(url.searchParams.get('x-expires'));
    const refuse = (status: number, message: string) => {
      log({ method, path, status, request_id: rid });
      return jsonResponse(status, { error: { message } }, rid);
    };
    if (!media) return refuse(404, 'Media not found.');
    if (!token || token.revoked_at !== undefined || clock() >= token.expires_at || token.business_id !== media.business_id) {
      return refuse(403, 'Forbidden: send the access token in the x-user header.');
    }
    if (!Number.isFinite(expires) || clock() >= expires * 1000) return refuse(403, 'Forbidden: the download URL has expired.');
    log({ method, path, status: 200, request_id: rid });
    const bytes = media.data_base64 ? Buffer.from(media.data_base64, 'base64') : PLACEHOLDER_PNG;
    return respond(200, media.data_base64 ? media.mime : 'image/png', new Uint8Array(bytes), rid);
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
    if (path.startsWith(API_PREFIX)) response = await handleApi(request, url, rid);
    // The authorize page is requested both ways in production (tiktok-api.md §2): the trailing-slash
    // rule is the API gateway's, not this page's.
    else if (path === AUTHORIZE_PATH || `${path}/` === AUTHORIZE_PATH) response = await handleAuthorize(request, url, rid);
    else if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) response = await handleControl(request, url, rid);
    else response = notFound(request.method.toUpperCase(), path, 'unknown path', rid);
    // `date` lets a clock check work in embedded mode too (the sandbox's clock is the real one).
    // A skewed server clock (doctor's clock check) moves this header only.
    response.headers.date ??= new Date(clock() + (state.clock_skew_seconds ?? 0) * 1000).toUTCString();
    await deliverAfterCall();
    return response;
  }

  return {
    handle,
    core,
    state,
    dispatcher,
    flushWebhooks: (flush) => dispatcher.flush(state, { ...flushOptions, ...flush }),
  };
}

function defaultFaultMessage(code: number): string {
  switch (code) {
    case 40001:
      return 'No permission to perform this operation.';
    case 40002:
      return 'Invalid parameter.';
    case 40064:
      return 'You are sending messages too fast. Take a rest.';
    case 40100:
      return 'Too many requests. Please retry later.';
    case 40105:
      return 'Access token is invalid or has expired.';
    default:
      return code >= 50000 ? 'System error, please retry later.' : 'Sandbox fault.';
  }
}
