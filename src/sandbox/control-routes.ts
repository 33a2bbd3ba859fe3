// The control API under /sandbox (plain JSON, no TikTok envelope): the world's state, what a TikTok
// user does, faults, limits, the clock, reset, webhook flushing, media downloads and the phone page.
import type { RawRequest, RawResponse } from '../http/raw.js';
import { checkAuthorize, decideAuthorize } from './auth.js';
import { addFault, clearFaults, consentedToken, expireTokens, reset, setClock, setLimits, updateAccount, view } from './control.js';
import { setOAuthModes } from './metering.js';
import { platformEvent } from './events.js';
import { PLACEHOLDER_PNG } from './media.js';
import { phoneRequest } from './phone.js';
import { decoder, jsonResponse, respond, type SandboxContext } from './routing.js';
import { CONTROL_PREFIX } from './types.js';
import { userWrites } from './users.js';
import { AuthorizeError, ControlError, type Params } from './world.js';

export async function handleControl(context: SandboxContext, request: RawRequest, url: URL, rid: string): Promise<RawResponse> {
  const { world, state, clock, dispatcher, mode, flushOptions, applyStartupModes, log, unhandled } = context;
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
    if (request.body?.length) {
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
        return ok(view(world));
      case 'GET app': {
        const app = state.apps[state.default_client_key]!;
        return ok({ client_key: app.client_key, client_secret: app.client_secret });
      }
      case 'POST messages':
        return ok(userWrites(world, body as never));
      case 'POST events':
        return ok(platformEvent(world, body));
      case 'POST accounts':
        if (!rest) return fail(400, 'POST /sandbox/accounts/{business_id}');
        return ok(updateAccount(world, rest, body));
      case 'POST clock':
        return ok(setClock(world, body));
      case 'POST oauth':
        return ok(setOAuthModes(world, body));
      case 'GET oauth':
        return ok(setOAuthModes(world, {}));
      case 'POST faults':
        return ok(addFault(world, body));
      case 'GET faults':
        return ok({ faults: state.faults });
      case 'DELETE faults':
        clearFaults(world);
        return ok({ faults: [] });
      case 'POST limits':
        return ok(setLimits(world, body));
      case 'POST token':
        return ok(consentedToken(world, body));
      case 'POST tokens':
        if (rest !== 'expire') break;
        return ok(expireTokens(world, body));
      case 'POST authorize': {
        let check;
        try {
          check = checkAuthorize(world, { response_type: 'code', ...body });
        } catch (error) {
          if (error instanceof AuthorizeError) return fail(400, `${error.error}: ${error.message}`);
          throw error;
        }
        const decision = decideAuthorize(world, check, {
          approve: body.approve === undefined ? true : body.approve === true,
          business_id: typeof body.business_id === 'string' ? body.business_id : undefined,
        });
        return ok(decision);
      }
      case 'POST reset': {
        const answer = reset(world, body);
        applyStartupModes();
        return ok(answer);
      }
      case 'POST webhooks':
        if (rest !== 'flush') break;
        for (const d of state.outbox) d.next_attempt_at = Math.min(d.next_attempt_at, clock());
        if (mode !== 'manual') await dispatcher.flush(state, { ...flushOptions, force: true });
        return ok({ pending: state.outbox.length, delivered: state.delivered.length });
      case 'GET media':
        return serveMedia(context, request, url, rest, rid, method, path);
      case 'GET phone':
      case 'POST phone': {
        // The sandbox phone (phone.ts): its page, its snapshot and the user's doings.
        const answer = phoneRequest(world, { method, rest, query: url.searchParams, body, headers: request.headers });
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

function serveMedia(context: SandboxContext, request: RawRequest, url: URL, mediaId: string, rid: string, method: string, path: string): RawResponse {
  const { state, clock, log } = context;
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
