// The consent page under /v2/auth/authorize/: GET shows it (or answers at once with autoApprove), POST
// is the holder's Approve or Deny; refusals go back to the redirect URI when TikTok would send them there.
import type { RawRequest, RawResponse } from '../http/raw.js';
import { checkAuthorize, decideAuthorize } from './auth.js';
import { renderConsentPage, renderErrorPage } from './consent.js';
import { decoder, firstParams, respond, sleep, type SandboxContext } from './routing.js';
import { AUTHORIZE_PATH } from './types.js';
import { AuthorizeError, type Params } from './world.js';

const AUTHORIZE_FIELDS = ['client_key', 'scope', 'response_type', 'redirect_uri', 'state', 'disable_auto_auth', 'code_challenge', 'code_challenge_method'];

export async function handleAuthorize(context: SandboxContext, request: RawRequest, url: URL, rid: string): Promise<RawResponse> {
  const { options, world, state, log, unhandled, notFound } = context;
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
    check = checkAuthorize(world, params);
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
    if (options.autoApprove) return redirect(decideAuthorize(world, check, { approve: true }).redirect_url);
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
  return redirect(decideAuthorize(world, check, { approve: decision === 'approve', business_id: businessId }).redirect_url);
}
