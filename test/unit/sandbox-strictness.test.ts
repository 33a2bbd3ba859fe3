// Issue 19, "as strict as TikTok, no stricter": the authorize page in both slash forms, webhook
// registration per event_type, scope refusals that name real scopes correctly, and the
// Comment-to-Message switch (tiktok-api.md §2, §4, §5). Driven in process through the handler.
import { describe, expect, it } from 'vitest';
import { createSandboxHandler } from '../../src/sandbox/handler.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import { call, connectedWorld, REDIRECT, SCOPES } from '../helpers/handler.js';

const ORIGIN = 'http://sandbox.test';
const API = `${ORIGIN}/open_api/v1.3/`;
const APP = { app_id: SANDBOX_APP.client_key, secret: SANDBOX_APP.client_secret };

function authorizeQuery(scope: string): string {
  return new URLSearchParams({ client_key: SANDBOX_APP.client_key, scope, response_type: 'code', redirect_uri: REDIRECT, state: 'st8' }).toString();
}

describe('the authorize page', () => {
  it('is served with and without the trailing slash (Chatwoot requests /v2/auth/authorize)', async () => {
    const handler = createSandboxHandler();
    for (const path of ['/v2/auth/authorize/', '/v2/auth/authorize']) {
      const page = await call(handler, 'GET', `${ORIGIN}${path}?${authorizeQuery(SCOPES)}`);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toContain('Approve');
    }
    expect(handler.state.unhandled).toEqual([]);
  });

  it('approves through the slash-less form too (the decision POST)', async () => {
    const handler = createSandboxHandler({ autoApprove: true });
    const answer = await call(handler, 'GET', `${ORIGIN}/v2/auth/authorize?${authorizeQuery(SCOPES)}`);
    expect(answer.status).toBe(302);
    expect(new URL(answer.headers.location!).searchParams.get('code')).toBeTruthy();
  });
});

describe('scope refusals', () => {
  for (const scope of ['video.list', 'comment.list', 'comment.list.manage']) {
    it(`a real but unapproved scope (${scope}) fails the whole request with invalid_scope / error_type=scope`, async () => {
      const handler = createSandboxHandler({ autoApprove: true });
      const answer = await call(handler, 'GET', `${ORIGIN}/v2/auth/authorize/?${authorizeQuery(`${SCOPES},${scope}`)}`);
      expect(answer.status).toBe(302);
      const params = new URL(answer.headers.location!).searchParams;
      expect(params.get('error')).toBe('invalid_scope');
      expect(params.get('error_type')).toBe('scope');
      expect(params.get('error_description')).toMatch(new RegExp(`${scope.replace(/\./g, '\\.')}.*not approved for this app`));
      expect(params.get('error_description')).not.toMatch(/unknown/i);
      // Nothing granted: no code for the approved rest.
      expect(params.get('code')).toBeNull();
      expect(params.get('state')).toBe('st8');
    });
  }

  it('an invented scope is still called unknown', async () => {
    const handler = createSandboxHandler({ autoApprove: true });
    const answer = await call(handler, 'GET', `${ORIGIN}/v2/auth/authorize/?${authorizeQuery(`${SCOPES},message.list.delete`)}`);
    const params = new URL(answer.headers.location!).searchParams;
    expect(params.get('error')).toBe('invalid_scope');
    expect(params.get('error_description')).toMatch(/Unknown scope\(s\): message\.list\.delete/);
  });
});

describe('webhook registration per event_type', () => {
  it('stores COMMENT, VIDEO and BRAND_MENTION beside DIRECT_MESSAGE, lists and deletes each on its own', async () => {
    const handler = createSandboxHandler();
    const post = (path: string, body: Record<string, unknown>) => call(handler, 'POST', `${API}${path}`, { ...APP, ...body });
    const list = async (eventType: string) =>
      (await call(handler, 'GET', `${API}business/webhook/list/?${new URLSearchParams({ ...APP, event_type: eventType })}`)).json;

    expect((await post('business/webhook/update/', { event_type: 'DIRECT_MESSAGE', callback_url: 'https://hooks.example.test/dm' })).json.code).toBe(0);
    for (const type of ['COMMENT', 'VIDEO', 'BRAND_MENTION']) {
      const answer = await post('business/webhook/update/', { event_type: type, callback_url: `https://hooks.example.test/${type.toLowerCase()}` });
      expect(answer.json.code, type).toBe(0);
      expect(answer.json.data).toEqual({ app_id: SANDBOX_APP.client_key, event_type: type, callback_url: `https://hooks.example.test/${type.toLowerCase()}` });
    }
    expect((await list('DIRECT_MESSAGE')).data).toEqual({
      app_id: SANDBOX_APP.client_key,
      event_type: 'DIRECT_MESSAGE',
      callback_url: 'https://hooks.example.test/dm',
    });
    expect((await list('COMMENT')).data.callback_url).toBe('https://hooks.example.test/comment');
    expect((await list('VIDEO')).data.callback_url).toBe('https://hooks.example.test/video');

    expect((await post('business/webhook/delete/', { event_type: 'COMMENT' })).json.code).toBe(0);
    expect((await list('COMMENT')).data).toEqual({ app_id: SANDBOX_APP.client_key, event_type: 'COMMENT' });
    // The other types are untouched.
    expect((await list('DIRECT_MESSAGE')).data.callback_url).toBe('https://hooks.example.test/dm');
    expect((await list('BRAND_MENTION')).data.callback_url).toBe('https://hooks.example.test/brand_mention');

    // Event names are not event types: still refused.
    const wrong = await post('business/webhook/update/', { event_type: 'im_receive_msg', callback_url: 'https://hooks.example.test/x' });
    expect(wrong.json.code).toBe(40002);
    expect(wrong.json.message).toMatch(/DIRECT_MESSAGE/);
  });

  it('delivers nothing to a COMMENT-only callback: DMs go to the DIRECT_MESSAGE one', async () => {
    const w = await connectedWorld(ORIGIN);
    await call(w.handler, 'POST', `${API}business/webhook/update/`, { ...APP, event_type: 'COMMENT', callback_url: 'https://hooks.example.test/comments' });
    await call(w.handler, 'POST', `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: 'hi' });
    expect(w.deliveries.length).toBe(1);
    await call(w.handler, 'POST', `${API}business/webhook/delete/`, { ...APP, event_type: 'DIRECT_MESSAGE' });
    await call(w.handler, 'POST', `${ORIGIN}/sandbox/messages`, { from_username: 'maya.lopez', text: 'again' });
    await call(w.handler, 'POST', `${ORIGIN}/sandbox/webhooks/flush`, {});
    expect(w.deliveries.length).toBe(1);
  });
});

describe('the Comment-to-Message switch', () => {
  it('is off for a new account, refuses the high-intent-comment event while off, and turns on and off', async () => {
    const w = await connectedWorld(ORIGIN);
    const headers = { 'access-token': w.token };
    const get = async () =>
      (
        await call(
          w.handler,
          'GET',
          `${API}business/message/direct_reply/get/?${new URLSearchParams({ business_id: SEED.defaultBusinessId, direct_reply_type: 'COMMENT_TO_MESSAGE' })}`,
          undefined,
          headers,
        )
      ).json;
    const update = async (operation_status: string, extra: Record<string, unknown> = {}) =>
      (
        await call(
          w.handler,
          'POST',
          `${API}business/message/direct_reply/update/`,
          { business_id: SEED.defaultBusinessId, direct_reply_type: 'COMMENT_TO_MESSAGE', operation_status, ...extra },
          headers,
        )
      ).json;

    const off = await get();
    expect(off.code).toBe(0);
    expect(off.data).toEqual({ business_id: SEED.defaultBusinessId, direct_reply_type: 'COMMENT_TO_MESSAGE', operation_status: 'DISABLE' });

    const refused = await call(w.handler, 'POST', `${ORIGIN}/sandbox/events`, { kind: 'high-intent-comment', text: 'price?' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/Comment-to-Message is off/);
    expect(refused.json.error.message).toMatch(/comments enable/);
    expect(w.deliveries.length).toBe(0);

    const on = await update('ENABLE');
    expect(on.code).toBe(0);
    expect((await get()).data.operation_status).toBe('ENABLE');
    const comment = await call(w.handler, 'POST', `${ORIGIN}/sandbox/events`, { kind: 'high-intent-comment', text: 'price?' });
    expect(comment.status).toBe(200);
    expect(w.deliveries.length).toBe(1);

    expect((await update('DISABLE')).code).toBe(0);
    expect((await get()).data.operation_status).toBe('DISABLE');

    // Wrong values are refused by name.
    expect((await update('ON')).code).toBe(40002);
    expect((await update('ENABLE', { direct_reply_type: 'COMMENT_REPLY' })).code).toBe(40002);
    const noToken = await call(
      w.handler,
      'GET',
      `${API}business/message/direct_reply/get/?business_id=${encodeURIComponent(SEED.defaultBusinessId)}&direct_reply_type=COMMENT_TO_MESSAGE`,
    );
    expect(noToken.json.code).toBe(40104);
    expect(w.handler.state.unhandled).toEqual([]);
  });
});
