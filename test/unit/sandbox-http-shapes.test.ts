// The wire, through handle() with hand-built raw requests: paths, headers, envelopes and the client
// mistakes the sandbox must catch (tiktok-api.md §1–§4).
import { beforeEach, describe, expect, it } from 'vitest';
import type { RawRequest, RawResponse } from '../../src/http/raw.js';
import { createSandboxHandler, type SandboxHandler } from '../../src/sandbox/handler.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import { expectUnhandledRequests } from '../helpers/tripwire.js';

const ORIGIN = 'http://sandbox.test';
const API = `${ORIGIN}/open_api/v1.3/`;
const REDIRECT = 'http://127.0.0.1:53682/callback/';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

async function call(
  handler: SandboxHandler,
  method: string,
  url: string,
  options: { json?: unknown; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body = options.body;
  if (options.json !== undefined) {
    body = encoder.encode(JSON.stringify(options.json));
    headers['content-type'] ??= 'application/json';
  }
  const request: RawRequest = { method, url, headers, body };
  const response: RawResponse = await handler.handle(request);
  const text = decoder.decode(response.body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function connect(handler: SandboxHandler, business_id?: string): Promise<{ access_token: string; refresh_token: string }> {
  const consent = await call(handler, 'POST', `${ORIGIN}/sandbox/authorize`, {
    json: {
      client_key: SANDBOX_APP.client_key,
      redirect_uri: REDIRECT,
      scope: 'user.info.basic,message.list.read,message.list.send,message.list.manage',
      state: 'abc',
      business_id,
    },
  });
  expect(consent.status).toBe(200);
  const token = await call(handler, 'POST', `${API}tt_user/oauth2/token/`, {
    json: {
      client_id: SANDBOX_APP.client_key,
      client_secret: SANDBOX_APP.client_secret,
      grant_type: 'authorization_code',
      auth_code: consent.json.code,
      redirect_uri: REDIRECT,
    },
  });
  expect(token.json.code).toBe(0);
  return token.json.data;
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

let handler: SandboxHandler;
let token: string;
beforeEach(async () => {
  handler = createSandboxHandler({ webhookDelivery: 'manual' });
  token = (await connect(handler)).access_token;
});

describe('paths and the gateway', () => {
  it('answers 404 with a non-JSON body when the trailing slash is missing, and records it', async () => {
    expectUnhandledRequests(/missing trailing slash/);
    const reply = await call(handler, 'GET', `${API}business/get?business_id=${encodeURIComponent(SEED.defaultBusinessId)}`, {
      headers: { 'access-token': token },
    });
    expect(reply.status).toBe(404);
    expect(reply.json).toBeUndefined();
    expect(reply.headers['x-tt-logid']).toMatch(/^\d{14}[0-9A-F]+$/);
    expect(handler.state.unhandled.at(-1)).toMatchObject({
      method: 'GET',
      path: '/open_api/v1.3/business/get',
      reason: expect.stringMatching(/trailing slash/),
    });
  });

  it('answers 404 for an unknown path and for the wrong method', async () => {
    expectUnhandledRequests(/unknown API path/, /method GET not served here/, /unknown path/);
    expect((await call(handler, 'GET', `${API}business/nothing/`)).status).toBe(404);
    const wrongMethod = await call(handler, 'GET', `${API}business/message/send/`, { headers: { 'access-token': token } });
    expect(wrongMethod.status).toBe(404);
    expect(handler.state.unhandled.map((u) => u.reason)).toEqual([expect.stringMatching(/unknown API path/), expect.stringMatching(/expects POST/)]);
    // The authorize page is served in both slash forms (tiktok-api.md §2); other paths beside it are not.
    expect((await call(handler, 'GET', `${ORIGIN}/v2/auth/authorise/?client_key=x`)).status).toBe(404);
  });

  it('wraps answers in the envelope with a request_id equal to x-tt-logid', async () => {
    const reply = await call(handler, 'GET', `${API}business/get/?${query({ business_id: SEED.defaultBusinessId, fields: '["username","display_name"]' })}`, {
      headers: { 'access-token': token },
    });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json)).toEqual(['code', 'message', 'request_id', 'data']);
    expect(reply.json).toMatchObject({ code: 0, message: 'OK', data: { username: 'acme.studio', display_name: 'Acme Studio' } });
    expect(reply.json.request_id).toBe(reply.headers['x-tt-logid']);
    expect(Object.keys(reply.json.data)).toEqual(['username', 'display_name']);
  });

  it('answers refusals with HTTP 200, a non-zero code and data {}', async () => {
    const reply = await call(handler, 'GET', `${API}business/get/?${query({ business_id: SEED.eeaBusinessId })}`, { headers: { 'access-token': token } });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ code: 40001, data: {} });
    expect(reply.json.request_id).toEqual(expect.any(String));
  });
});

describe('the Access-Token header', () => {
  const url = () => `${API}business/get/?${query({ business_id: SEED.defaultBusinessId })}`;

  it('refuses a "Bearer " prefix with 40105', async () => {
    const reply = await call(handler, 'GET', url(), { headers: { 'access-token': `Bearer ${token}` } });
    expect(reply.json.code).toBe(40105);
    expect(reply.json.message).toMatch(/Bearer/);
  });

  it('answers 40104 for an Authorization header alone, and for no header', async () => {
    const authorization = await call(handler, 'GET', url(), { headers: { authorization: `Bearer ${token}` } });
    expect(authorization.json.code).toBe(40104);
    expect(authorization.json.message).toMatch(/Access-Token/);
    expect((await call(handler, 'GET', url())).json.code).toBe(40104);
  });

  it('answers 40105 for an unknown token', async () => {
    expect((await call(handler, 'GET', url(), { headers: { 'access-token': 'act.nope' } })).json.code).toBe(40105);
  });
});

describe('OAuth bodies', () => {
  it('refuses `code` in place of `auth_code` with 40002 naming the field, and records the unknown field', async () => {
    expectUnhandledRequests(/unknown field\(s\): code/);
    const consent = await call(handler, 'POST', `${ORIGIN}/sandbox/authorize`, {
      json: { client_key: SANDBOX_APP.client_key, redirect_uri: REDIRECT, scope: 'message.list.read', state: 's' },
    });
    const reply = await call(handler, 'POST', `${API}tt_user/oauth2/token/`, {
      json: {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'authorization_code',
        code: consent.json.code,
        redirect_uri: REDIRECT,
      },
    });
    expect(reply.json.code).toBe(40002);
    expect(reply.json.message).toMatch(/auth_code/);
    expect(handler.state.unhandled.at(-1)?.reason).toMatch(/unknown field\(s\): code/);
  });

  it('refuses a form-encoded token body: bodies are JSON', async () => {
    expectUnhandledRequests(/refused: Content-Type must be application\/json/);
    const reply = await call(handler, 'POST', `${API}tt_user/oauth2/token/`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encoder.encode(
        query({
          client_id: SANDBOX_APP.client_key,
          client_secret: SANDBOX_APP.client_secret,
          grant_type: 'authorization_code',
          auth_code: 'x',
          redirect_uri: REDIRECT,
        }),
      ),
    });
    expect(reply.json.code).toBe(40002);
    expect(reply.json.message).toMatch(/application\/json/);
  });

  it('shapes the token exchange, refresh, token info and revoke answers', async () => {
    const consent = await call(handler, 'POST', `${ORIGIN}/sandbox/authorize`, {
      json: { client_key: SANDBOX_APP.client_key, redirect_uri: REDIRECT, scope: 'user.info.basic,message.list.send', state: 's' },
    });
    expect(consent.json).toMatchObject({ scopes: 'user.info.basic,message.list.send', state: 's' });
    const redirect = new URL(consent.json.redirect_url);
    expect(redirect.searchParams.get('code')).toBe(consent.json.code);
    const exchange = await call(handler, 'POST', `${API}tt_user/oauth2/token/`, {
      json: {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'authorization_code',
        auth_code: redirect.searchParams.get('code'),
        redirect_uri: REDIRECT,
      },
    });
    expect(Object.keys(exchange.json.data).sort()).toEqual([
      'access_token',
      'expires_in',
      'open_id',
      'refresh_token',
      'refresh_token_expires_in',
      'scope',
      'token_type',
    ]);
    const refreshed = await call(handler, 'POST', `${API}tt_user/oauth2/refresh_token/`, {
      json: {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'refresh_token',
        refresh_token: exchange.json.data.refresh_token,
      },
    });
    expect(refreshed.json.code).toBe(0);
    const info = await call(handler, 'POST', `${API}tt_user/token_info/get/`, {
      json: { app_id: SANDBOX_APP.client_key, access_token: refreshed.json.data.access_token },
    });
    expect(info.json.data).toEqual({ app_id: SANDBOX_APP.client_key, creator_id: SEED.defaultBusinessId, scope: 'user.info.basic,message.list.send' });
    const revoked = await call(handler, 'POST', `${API}tt_user/oauth2/revoke/`, {
      json: { client_id: SANDBOX_APP.client_key, client_secret: SANDBOX_APP.client_secret, access_token: refreshed.json.data.access_token },
    });
    expect(revoked.json).toMatchObject({ code: 0, data: {} });
    const after = await call(handler, 'POST', `${API}tt_user/token_info/get/`, {
      json: { app_id: SANDBOX_APP.client_key, access_token: refreshed.json.data.access_token },
    });
    expect(after.json.code).toBe(40105);
  });
});

describe('query strings', () => {
  it('does not find a conversation whose "+" was sent unencoded, and finds it with %2B', async () => {
    const id = SEED.conversations.maya;
    const raw = `${API}business/message/content/list/?business_id=${encodeURIComponent(SEED.defaultBusinessId)}&conversation_id=${id}`;
    const broken = await call(handler, 'GET', raw, { headers: { 'access-token': token } });
    expect(broken.json.code).toBe(40007);
    expect(broken.json.message).toMatch(/%2B/);
    const fixed = await call(handler, 'GET', `${API}business/message/content/list/?${query({ business_id: SEED.defaultBusinessId, conversation_id: id })}`, {
      headers: { 'access-token': token },
    });
    expect(fixed.json.code).toBe(0);
  });

  it('requires fields to be a JSON array', async () => {
    const bad = await call(handler, 'GET', `${API}business/get/?${query({ business_id: SEED.defaultBusinessId, fields: 'username,display_name' })}`, {
      headers: { 'access-token': token },
    });
    expect(bad.json.code).toBe(40002);
    expect(bad.json.message).toMatch(/JSON array/);
    const unknown = await call(handler, 'GET', `${API}business/get/?${query({ business_id: SEED.defaultBusinessId, fields: '["user_name"]' })}`, {
      headers: { 'access-token': token },
    });
    expect(unknown.json.code).toBe(40002);
    const caps = await call(
      handler,
      'GET',
      `${API}business/message/capabilities/get/?${query({ business_id: SEED.defaultBusinessId, capability_types: 'IMAGE_SEND', conversation_id: SEED.conversations.maya, conversation_type: 'SINGLE' })}`,
      { headers: { 'access-token': token } },
    );
    expect(caps.json.code).toBe(40002);
  });

  it('shapes content/list in REST casing with participants carrying no username', async () => {
    const reply = await call(
      handler,
      'GET',
      `${API}business/message/content/list/?${query({ business_id: SEED.defaultBusinessId, conversation_id: SEED.conversations.maya })}`,
      { headers: { 'access-token': token } },
    );
    const { messages, participants } = reply.json.data;
    expect(messages).toHaveLength(3);
    expect(messages[0].timestamp).toBeGreaterThan(messages[2].timestamp);
    expect(messages[0]).toMatchObject({
      message_type: 'TEXT',
      from_user: { id: SEED.users.maya, role: 'PERSONAL_ACCOUNT' },
      to_user: { id: SEED.defaultBusinessId, role: 'BUSINESS_ACCOUNT' },
      sender: 'maya.lopez',
      recipient: 'acme.studio',
      text: { body: expect.any(String) },
      message_tag: { source: expect.any(String) },
    });
    expect(messages[0].message_id).toEqual(expect.any(String));
    expect(participants).toHaveLength(2);
    for (const p of participants) {
      expect(p).not.toHaveProperty('username');
      expect(p).toMatchObject({
        id: expect.any(String),
        role: expect.stringMatching(/^(BUSINESS|PERSONAL)_ACCOUNT$/),
        display_name: expect.any(String),
        profile_image: expect.stringMatching(/^https:/),
      });
    }
    expect(participants.find((p: any) => p.role === 'PERSONAL_ACCOUNT').is_follower).toBe(true);
  });

  it('returns only the 20 most recent messages', async () => {
    for (let i = 0; i < 25; i++) await call(handler, 'POST', `${ORIGIN}/sandbox/messages`, { json: { from_username: 'chatty', text: `m${i}` } });
    const id =
      handler.state.conversations[
        Object.keys(handler.state.conversations).find((k) => handler.state.users[handler.state.conversations[k]!.user_id]!.username === 'chatty')!
      ]!.conversation_id;
    const reply = await call(handler, 'GET', `${API}business/message/content/list/?${query({ business_id: SEED.defaultBusinessId, conversation_id: id })}`, {
      headers: { 'access-token': token },
    });
    expect(reply.json.data.messages).toHaveLength(20);
    expect(reply.json.data.messages[0].text.body).toBe('m24');
  });

  it('shapes conversation/list with referral arrays', async () => {
    const reply = await call(
      handler,
      'GET',
      `${API}business/message/conversation/list/?${query({ business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE', cursor: '0', limit: '50' })}`,
      { headers: { 'access-token': token } },
    );
    const { conversations, has_more, cursor } = reply.json.data;
    expect(has_more).toBe(false);
    expect(cursor).toBe(conversations.length);
    const tom = conversations.find((c: any) => c.conversation_id === SEED.conversations.tom);
    expect(Object.keys(tom).sort()).toEqual(['conversation_id', 'referral', 'update_time']);
    expect(Array.isArray(tom.referral.ad)).toBe(true);
    expect(Object.keys(tom.referral.ad[0]).sort()).toEqual(['ad_id', 'ad_name', 'advertiser_id', 'embed_url', 'message_material_id', 'timestamp']);
    const jonas = conversations.find((c: any) => c.conversation_id === SEED.conversations.jonas);
    expect(jonas.referral.short_link).toEqual([{ ref: 'spring-qr', prefilled_message: 'Hi Acme!', prefilled_message_audit_status: 'PASS' }]);
    const maya = conversations.find((c: any) => c.conversation_id === SEED.conversations.maya);
    expect(maya).not.toHaveProperty('referral');
  });
});

describe('send and media over the wire', () => {
  it('answers data.message.message_id for a send', async () => {
    const reply = await call(handler, 'POST', `${API}business/message/send/`, {
      headers: { 'access-token': token },
      json: {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'TEXT',
        text: { body: 'Yes, M is in stock!' },
      },
    });
    expect(reply.json.code).toBe(0);
    expect(reply.json.data).toEqual({ message: { message_id: expect.stringMatching(/^\d+$/) } });
  });

  function multipart(boundary: string, parts: { headers: string[]; data: Uint8Array | string }[]): Uint8Array {
    const chunks: Buffer[] = [Buffer.from('preamble is ignored\r\n')];
    for (const part of parts) {
      chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return new Uint8Array(Buffer.concat(chunks));
  }

  it('parses a multipart upload (quoted boundary, binary data containing CRLF) and the image can be sent', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('\r\n--not-the-boundary\r\n'),
      Buffer.alloc(1000, 7),
    ]);
    const boundary = 'x-Boundary_42';
    const body = multipart(boundary, [
      { headers: ['Content-Disposition: form-data; name="business_id"'], data: SEED.defaultBusinessId },
      { headers: ['Content-Disposition: form-data; name="media_type"'], data: 'IMAGE' },
      { headers: ['Content-Disposition: form-data; name="file"; filename="photo; 1.png"', 'Content-Type: image/png'], data: png },
    ]);
    const upload = await call(handler, 'POST', `${API}business/message/media/upload/`, {
      headers: { 'access-token': token, 'content-type': `multipart/form-data; boundary="${boundary}"` },
      body,
    });
    expect(upload.json.code).toBe(0);
    const mediaId = upload.json.data.media_id;
    expect(handler.state.media[mediaId]!.size).toBe(png.length);
    const send = await call(handler, 'POST', `${API}business/message/send/`, {
      headers: { 'access-token': token },
      json: {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'IMAGE',
        image: { media_id: mediaId },
      },
    });
    expect(send.json.code).toBe(0);
  });

  it('refuses a malformed multipart body, a missing file, and a JSON upload', async () => {
    expectUnhandledRequests(/refused: (Malformed multipart body|Content-Type must be multipart)/);
    const headers = { 'access-token': token, 'content-type': 'multipart/form-data; boundary=abc' };
    const malformed = await call(handler, 'POST', `${API}business/message/media/upload/`, {
      headers,
      body: encoder.encode('--abc\r\nContent-Disposition: form-data; name="business_id"\r\n\r\nno end'),
    });
    expect(malformed.json.code).toBe(40002);
    const noFile = await call(handler, 'POST', `${API}business/message/media/upload/`, {
      headers,
      body: multipart('abc', [
        { headers: ['Content-Disposition: form-data; name="business_id"'], data: SEED.defaultBusinessId },
        { headers: ['Content-Disposition: form-data; name="media_type"'], data: 'IMAGE' },
      ]),
    });
    expect(noFile.json).toMatchObject({ code: 40002, message: expect.stringMatching(/file/) });
    const json = await call(handler, 'POST', `${API}business/message/media/upload/`, {
      headers: { 'access-token': token },
      json: { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' },
    });
    expect(json.json.code).toBe(40002);
    expect(json.json.message).toMatch(/multipart/);
  });

  it('gives a download URL for a user image that needs the x-user header', async () => {
    const sent = await call(handler, 'POST', `${ORIGIN}/sandbox/messages`, { json: { from_username: 'maya.lopez', image: true } });
    const conv = handler.state.conversations[sent.json.conversation_id]!;
    const media_id = conv.messages.at(-1)!.image!.media_id;
    const reply = await call(handler, 'POST', `${API}business/message/media/download/`, {
      headers: { 'access-token': token },
      json: { business_id: SEED.defaultBusinessId, conversation_id: conv.conversation_id, message_id: sent.json.message_id, media_id, media_type: 'IMAGE' },
    });
    expect(reply.json.code).toBe(0);
    const url = reply.json.data.download_url as string;
    expect(url.startsWith(`${ORIGIN}/sandbox/media/`)).toBe(true);
    expect((await call(handler, 'GET', url)).status).toBe(403);
    const image = await call(handler, 'GET', url, { headers: { 'x-user': token } });
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
  });
});

describe('webhook registration', () => {
  it('updates, lists (flat object) and deletes the app callback', async () => {
    const creds = { app_id: SANDBOX_APP.client_key, secret: SANDBOX_APP.client_secret, event_type: 'DIRECT_MESSAGE' };
    const empty = await call(handler, 'GET', `${API}business/webhook/list/?${query(creds)}`);
    expect(empty.json.data).toEqual({ app_id: SANDBOX_APP.client_key, event_type: 'DIRECT_MESSAGE' });
    const update = await call(handler, 'POST', `${API}business/webhook/update/`, { json: { ...creds, callback_url: 'https://example.test/hook' } });
    expect(update.json.data).toEqual({ app_id: SANDBOX_APP.client_key, event_type: 'DIRECT_MESSAGE', callback_url: 'https://example.test/hook' });
    const listed = await call(handler, 'GET', `${API}business/webhook/list/?${query(creds)}`);
    expect(listed.json.data.callback_url).toBe('https://example.test/hook');
    expect((await call(handler, 'POST', `${API}business/webhook/delete/`, { json: creds })).json).toMatchObject({ code: 0, data: {} });
    const wrong = await call(handler, 'GET', `${API}business/webhook/list/?${query({ ...creds, secret: 'wrong' })}`);
    expect(wrong.json.code).toBe(40001);
    // The secret travels in the query: the request log keeps the path only.
    expect(handler.state.requests.every((r) => !r.path.includes(SANDBOX_APP.client_secret))).toBe(true);
  });
});

describe('consent page and control API', () => {
  const authorizeUrl = (params: Record<string, string>) => `${ORIGIN}/v2/auth/authorize/?${query(params)}`;

  it('renders a consent page with escaped reflections', async () => {
    const page = await call(
      handler,
      'GET',
      authorizeUrl({
        client_key: SANDBOX_APP.client_key,
        scope: 'message.list.send,message.list.read',
        response_type: 'code',
        redirect_uri: REDIRECT,
        state: '"><script>alert(1)</script>',
      }),
    );
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain(`<title>Authorize ${SANDBOX_APP.name}</title>`);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;');
    expect(page.text).toMatch(/id="approve"[^>]*>Approve</);
    expect(page.text).toMatch(/id="deny"[^>]*>Deny</);
    expect(page.text).toContain('@lena.makes');
  });

  it('redirects authorize errors when it can, and shows a page when it cannot', async () => {
    const bad = await call(
      handler,
      'GET',
      authorizeUrl({ client_key: SANDBOX_APP.client_key, scope: 'message.list.send', response_type: 'token', redirect_uri: REDIRECT, state: 's1' }),
    );
    expect(bad.status).toBe(302);
    const location = new URL(bad.headers.location!);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('s1');
    const unknown = await call(
      handler,
      'GET',
      authorizeUrl({ client_key: 'nope', scope: 'message.list.send', response_type: 'code', redirect_uri: REDIRECT, state: 's' }),
    );
    expect(unknown.status).toBe(400);
    const remote = await call(
      handler,
      'GET',
      authorizeUrl({ client_key: SANDBOX_APP.client_key, scope: 'message.list.send', response_type: 'code', redirect_uri: 'https://evil.test/cb', state: 's' }),
    );
    expect(remote.status).toBe(400);
  });

  it('auto-approves for the default account when asked', async () => {
    const auto = createSandboxHandler({ autoApprove: true, webhookDelivery: 'manual' });
    const reply = await call(
      auto,
      'GET',
      authorizeUrl({ client_key: SANDBOX_APP.client_key, scope: 'message.list.send', response_type: 'code', redirect_uri: REDIRECT, state: 'zz' }),
    );
    expect(reply.status).toBe(302);
    const location = new URL(reply.headers.location!);
    expect(location.origin + location.pathname).toBe(REDIRECT.slice(0, -1) + '/');
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('scopes')).toBe('message.list.send');
    expect(location.searchParams.get('state')).toBe('zz');
  });

  it('serves faults: html502, code, and reset as an ECONNRESET error', async () => {
    const url = `${API}business/get/?${query({ business_id: SEED.defaultBusinessId })}`;
    await call(handler, 'POST', `${ORIGIN}/sandbox/faults`, { json: { path: 'business/get/', kind: 'html502' } });
    const gateway = await call(handler, 'GET', url, { headers: { 'access-token': token } });
    expect(gateway.status).toBe(502);
    expect(gateway.headers['content-type']).toMatch(/text\/html/);
    expect(gateway.text).toContain('<html>');
    await call(handler, 'POST', `${ORIGIN}/sandbox/faults`, { json: { path: '*', kind: 'code', code: 51065, times: 1 } });
    expect((await call(handler, 'GET', url, { headers: { 'access-token': token } })).json).toMatchObject({ code: 51065, data: {} });
    await call(handler, 'POST', `${ORIGIN}/sandbox/faults`, { json: { path: 'business/get/', kind: 'reset' } });
    await expect(handler.handle({ method: 'GET', url, headers: { 'access-token': token } })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await call(handler, 'GET', url, { headers: { 'access-token': token } })).json.code).toBe(0);
  });

  it('rate-limits per app with 40100', async () => {
    await call(handler, 'POST', `${ORIGIN}/sandbox/limits`, { json: { requests_per_minute: 2 } });
    const url = `${API}business/get/?${query({ business_id: SEED.defaultBusinessId })}`;
    expect((await call(handler, 'GET', url, { headers: { 'access-token': token } })).json.code).toBe(0);
    expect((await call(handler, 'GET', url, { headers: { 'access-token': token } })).json.code).toBe(0);
    expect((await call(handler, 'GET', url, { headers: { 'access-token': token } })).json).toMatchObject({
      code: 40100,
      message: expect.stringMatching(/Too many requests/),
    });
  });

  it('answers control errors as HTTP 4xx with {error: {message}}', async () => {
    expectUnhandledRequests(/unknown control route/);
    const bad = await call(handler, 'POST', `${ORIGIN}/sandbox/accounts/${encodeURIComponent(SEED.defaultBusinessId)}`, { json: { dm_settings: 'everyone' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { message: expect.stringMatching(/dm_settings/) } });
    const missing = await call(handler, 'POST', `${ORIGIN}/sandbox/accounts/nope`, { json: { media: false } });
    expect(missing.status).toBe(404);
    expect((await call(handler, 'GET', `${ORIGIN}/sandbox/whatever`)).status).toBe(404);
    const set = await call(handler, 'POST', `${ORIGIN}/sandbox/accounts/${encodeURIComponent(SEED.defaultBusinessId)}`, {
      json: { region: 'uk', media: false },
    });
    expect(set.json).toMatchObject({ region: 'GB', media: false });
  });

  it('exposes the app, the clock and the state view with unhandled requests', async () => {
    expectUnhandledRequests(/unknown API path/);
    expect((await call(handler, 'GET', `${ORIGIN}/sandbox/app`)).json).toEqual({
      client_key: SANDBOX_APP.client_key,
      client_secret: SANDBOX_APP.client_secret,
    });
    expect((await call(handler, 'POST', `${ORIGIN}/sandbox/clock`, { json: { advance_seconds: 3600 } })).json).toEqual({ advanced_seconds: 3600 });
    await call(handler, 'GET', `${API}oops`);
    const state = (await call(handler, 'GET', `${ORIGIN}/sandbox/state`)).json;
    expect(state.app.client_key).toBe(SANDBOX_APP.client_key);
    expect(state.accounts.map((a: any) => a.username)).toEqual(expect.arrayContaining(['acme.studio', 'brotzeit.berlin', 'lena.makes']));
    expect(state.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya)).toMatchObject({ type: 'SINGLE', window: { open: true } });
    expect(state.unhandled).toEqual([expect.objectContaining({ path: '/open_api/v1.3/oops' })]);
    expect(state.requests.length).toBeGreaterThan(0);
  });

  it('resets to a scenario', async () => {
    const reply = await call(handler, 'POST', `${ORIGIN}/sandbox/reset`, { json: { scenario: 'no-advanced-access' } });
    expect(reply.json).toMatchObject({ scenario: 'no-advanced-access' });
    const list = await call(
      handler,
      'GET',
      `${API}business/message/conversation/list/?${query({ business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE' })}`,
      { headers: { 'access-token': token } },
    );
    expect(list.json).toMatchObject({ code: 40001, message: expect.stringMatching(/Advanced Access/) });
    expect((await call(handler, 'POST', `${ORIGIN}/sandbox/reset`, { json: { scenario: 'bogus' } })).status).toBe(400);
  });
});
