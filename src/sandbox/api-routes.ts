// The API under /open_api/v1.3/: one route per path TikTok serves (method, input, the fields it knows,
// which app a call is charged to), each calling its area module directly; faults and the request log
// apply to every one of them alike. The areas a read does not need (send, media, webhooks, the
// Comment-to-Message switch, multipart) load on their first call: the embedded sandbox runs inside every
// CLI command that uses it, and `send --dry-run` or `conversations` only reads.
import type { RawRequest, RawResponse } from '../http/raw.js';
import { appOfToken, exchangeCode, refresh, revoke, tokenInfo } from './auth.js';
import { getBusiness } from './business.js';
import { chargeRate, consumeFault, departureOf, SENT_AT_HEADER } from './metering.js';
import { listConversations, listMessages } from './conversations.js';
import { decoder, firstParams, jsonResponse, respond, sleep, type SandboxContext } from './routing.js';
import { API_PREFIX } from './types.js';
import { reportUnhandled } from './tripwire.js';
import { ApiError, type Params, type World } from './world.js';

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
  world: World;
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
    run: ({ world, params }) => exchangeCode(world, params),
  },
  'tt_user/oauth2/refresh_token/': {
    method: 'POST',
    input: 'json',
    fields: ['client_id', 'client_secret', 'grant_type', 'refresh_token'],
    app: 'client_id',
    run: ({ world, params }) => refresh(world, params),
  },
  'tt_user/oauth2/revoke/': {
    method: 'POST',
    input: 'json',
    fields: ['client_id', 'client_secret', 'access_token'],
    app: 'client_id',
    run: ({ world, params }) => revoke(world, params),
  },
  'tt_user/token_info/get/': {
    method: 'POST',
    input: 'json',
    fields: ['app_id', 'access_token'],
    app: 'app_id',
    run: ({ world, params }) => tokenInfo(world, params),
  },
  'business/get/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'fields'],
    app: 'token',
    run: ({ world, params, accessToken, authorizationHeader }) => getBusiness(world, accessToken, params, authorizationHeader),
  },
  'business/message/conversation/list/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'conversation_type', 'cursor', 'limit'],
    app: 'token',
    run: ({ world, params, accessToken, authorizationHeader }) => listConversations(world, accessToken, params, authorizationHeader),
  },
  'business/message/content/list/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'conversation_id'],
    app: 'token',
    run: ({ world, params, accessToken, authorizationHeader }) => listMessages(world, accessToken, params, authorizationHeader),
  },
  'business/message/send/': {
    method: 'POST',
    input: 'json',
    fields: [
      'business_id',
      'recipient_type',
      'recipient',
      'message_type',
      'text',
      'image',
      'share_post',
      'sender_action',
      'template',
      'referenced_message_info',
      'direct_reply',
    ],
    app: 'token',
    run: async ({ world, params, accessToken, authorizationHeader }) => (await import('./send.js')).send(world, accessToken, params, authorizationHeader),
  },
  'business/message/direct_reply/update/': {
    method: 'POST',
    input: 'json',
    fields: ['business_id', 'direct_reply_type', 'operation_status'],
    app: 'token',
    run: async ({ world, params, accessToken, authorizationHeader }) =>
      (await import('./comment-to-message.js')).updateDirectReply(world, accessToken, params, authorizationHeader),
  },
  'business/message/direct_reply/get/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'direct_reply_type'],
    app: 'token',
    run: async ({ world, params, accessToken, authorizationHeader }) =>
      (await import('./comment-to-message.js')).getDirectReply(world, accessToken, params, authorizationHeader),
  },
  'business/message/media/upload/': {
    method: 'POST',
    input: 'multipart',
    fields: ['business_id', 'media_type', 'file'],
    app: 'token',
    run: async ({ world, params, accessToken, authorizationHeader, file }) =>
      (await import('./media.js')).uploadMedia(world, accessToken, params, file, authorizationHeader),
  },
  'business/message/media/download/': {
    method: 'POST',
    input: 'json',
    fields: ['business_id', 'conversation_id', 'message_id', 'media_id', 'media_type'],
    app: 'token',
    run: async ({ world, params, accessToken, authorizationHeader, origin }) =>
      (await import('./media.js')).downloadMedia(world, accessToken, params, origin, authorizationHeader),
  },
  'business/message/capabilities/get/': {
    method: 'GET',
    input: 'query',
    fields: ['business_id', 'capability_types', 'conversation_id', 'conversation_type'],
    app: 'token',
    run: async ({ world, params, accessToken, authorizationHeader }) =>
      (await import('./media.js')).capabilities(world, accessToken, params, authorizationHeader),
  },
  'business/webhook/update/': {
    method: 'POST',
    input: 'json',
    fields: ['app_id', 'secret', 'event_type', 'callback_url', 'item_list'],
    app: 'app_id',
    run: async ({ world, params }) => (await import('./webhooks.js')).webhookUpdate(world, params),
  },
  'business/webhook/list/': {
    method: 'GET',
    input: 'query',
    fields: ['app_id', 'secret', 'event_type'],
    app: 'app_id',
    run: async ({ world, params }) => (await import('./webhooks.js')).webhookList(world, params),
  },
  'business/webhook/delete/': {
    method: 'POST',
    input: 'json',
    fields: ['app_id', 'secret', 'event_type'],
    app: 'app_id',
    run: async ({ world, params }) => (await import('./webhooks.js')).webhookDelete(world, params),
  },
};

export async function handleApi(context: SandboxContext, request: RawRequest, url: URL, rid: string): Promise<RawResponse> {
  const { options, world, log, unhandled, notFound } = context;
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

  const consumed = consumeFault(world, relative);
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
      return respond(
        502,
        'text/html; charset=utf-8',
        '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n',
        rid,
      );
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
      const { MultipartError, multipartBoundary, parseMultipart } = await import('./multipart.js');
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
    if (error instanceof ApiError) {
      reportUnhandled({ method, path, reason: `refused: ${error.message}`, request_id: rid });
      return envelope(error.code, error.message, {});
    }
    throw error;
  }

  const unknown = Object.keys(params).filter((k) => !route.fields.includes(k));
  if (unknown.length) unhandled(method, path, `unknown field(s): ${unknown.join(', ')}`, rid);

  const accessToken = request.headers['access-token'];
  const appKey = route.app === 'token' ? appOfToken(world, accessToken) : typeof params[route.app] === 'string' ? (params[route.app] as string) : undefined;
  // TikTok counts per developer app (§1, §6): a token's calls count for the app that token was issued
  // to, with every other account of that app and its app-level calls.
  try {
    chargeRate(world, appKey ?? 'anonymous', departureOf(world, request.headers[SENT_AT_HEADER]));
    const data = await route.run({
      world,
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
