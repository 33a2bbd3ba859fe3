// The served sandbox over real loopback HTTP: every event kind arrives, signed, at a node:http receiver
// registered through business/webhook/update/; the per-second limit, the Date skew and the PKCE mode as
// a client meets them; and `sandbox serve --rps --require-pkce --strict-oauth` from the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED, startSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { startServe } from '../helpers/cli.js';
import {
  CONSENT_REDIRECT as REDIRECT,
  CONSENT_SCOPES as SCOPES,
  consentedToken,
  expectDelivery,
  KIND_CASES,
  postJson,
  startReceiver,
  type Casing,
  type Receiver,
  type ShapeContext,
} from '../helpers/events.js';

describe('served: every kind arrives at the registered receiver', () => {
  let sandbox: SandboxServer;
  let receiver: Receiver;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandboxServer({ port: 0 });
    receiver = await startReceiver();
    const registered = await postJson(`${sandbox.apiBaseUrl}business/webhook/update/`, {
      app_id: sandbox.clientKey,
      secret: sandbox.clientSecret,
      event_type: 'DIRECT_MESSAGE',
      callback_url: receiver.url,
    });
    expect(registered.json).toMatchObject({ code: 0, data: { callback_url: receiver.url } });
    token = await consentedToken(sandbox);
    // High-intent comments arrive only while Comment-to-Message is on (off for a new account).
    const enabled = await postJson(
      `${sandbox.apiBaseUrl}business/message/direct_reply/update/`,
      { business_id: SEED.defaultBusinessId, direct_reply_type: 'COMMENT_TO_MESSAGE', operation_status: 'ENABLE' },
      { 'access-token': token },
    );
    expect(enabled.json.code).toBe(0);
  });

  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  for (const casing of ['lower', 'upper'] as Casing[]) {
    for (const kindCase of KIND_CASES) {
      it(`${kindCase.kind} ${kindCase.flags.join(' ')} (${casing} case)`, async () => {
        const ctx: ShapeContext = { businessId: SEED.defaultBusinessId, businessUsername: 'acme.studio', userId: SEED.users.maya, username: 'maya.lopez' };
        if (kindCase.needsCard) {
          const card = await postJson(
            `${sandbox.apiBaseUrl}business/message/send/`,
            {
              business_id: SEED.defaultBusinessId,
              recipient_type: 'CONVERSATION',
              recipient: SEED.conversations.maya,
              message_type: 'TEMPLATE',
              template: { type: 'QA_BUTTON_CARD', title: 'Which size?', buttons: [{ type: 'REPLY', title: 'Medium', id: 'size-m' }] },
            },
            { 'access-token': token },
          );
          expect(card.json.code).toBe(0);
          ctx.card = { message_id: card.json.data.message.message_id, button_id: 'size-m', label: 'Medium' };
        }
        const before = receiver.deliveries.length;
        const answer = await postJson(`${sandbox.controlUrl}/events`, { kind: kindCase.kind, from_username: 'maya.lopez', ...kindCase.body, casing });
        expect(answer.status).toBe(200);
        expect(answer.json).toMatchObject({ event: kindCase.event, webhooks_queued: 1 });
        const delivery = await receiver.waitFor((d) => receiver.deliveries.indexOf(d) >= before && JSON.parse(d.body).event === kindCase.event);
        expect(delivery.headers['content-type']).toBe('application/json');
        expect(delivery.headers['x-tt-logid']).toEqual(expect.any(String));
        expectDelivery(delivery, kindCase, answer.json, ctx, casing, sandbox.clientSecret, sandbox.clientKey);
      });
    }
  }
});

describe('served: the per-second limit, as a client meets it', () => {
  let sandbox: SandboxServer;
  let token: string;
  const business = async () => {
    const response = await fetch(`${sandbox.apiBaseUrl}business/get/?${new URLSearchParams({ business_id: SEED.defaultBusinessId })}`, {
      headers: { 'access-token': token },
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  beforeAll(async () => {
    sandbox = await startSandboxServer({ port: 0, rps: 3 });
    token = await consentedToken(sandbox);
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });
  afterAll(async () => sandbox.close());

  it('answers 40100 (HTTP 200) past 3 requests in one second, and none at 3 per second', async () => {
    const burst = await Promise.all(Array.from({ length: 6 }, business));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    const codes = burst.map((r) => r.json.code).sort();
    expect(codes).toEqual([0, 0, 0, 40100, 40100, 40100]);
    expect(burst.find((r) => r.json.code === 40100)!.json.message).toBe('Too many requests. Please retry later.');
    for (let round = 0; round < 2; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const paced: number[] = [];
      for (let i = 0; i < 3; i++) paced.push((await business()).json.code);
      expect(paced).toEqual([0, 0, 0]);
    }
    const state = (await (await fetch(`${sandbox.controlUrl}/state`)).json()) as any;
    const log = state.requests.filter((r: any) => r.path.endsWith('/business/get/'));
    expect(log.filter((r: any) => r.code === 40100)).toHaveLength(3);
    expect(log.filter((r: any) => r.code === 0)).toHaveLength(9);
  });
});

describe('served: Date skew and PKCE as options of startSandboxServer', () => {
  it('offsets the Date header by clockSkewSeconds', async () => {
    const sandbox = await startSandboxServer({ port: 0, clockSkewSeconds: 3600 });
    try {
      const response = await fetch(`${sandbox.controlUrl}/state`);
      await response.arrayBuffer();
      const skew = Date.parse(response.headers.get('date')!) - Date.now();
      expect(Math.abs(skew - 3_600_000)).toBeLessThan(5_000);
    } finally {
      await sandbox.close();
    }
  });

  it('requirePkce: the authorize page redirects a request without a challenge with invalid_request', async () => {
    const sandbox = await startSandboxServer({ port: 0, requirePkce: true });
    try {
      const url = `${sandbox.authUrl}?${new URLSearchParams({ client_key: sandbox.clientKey, scope: SCOPES, response_type: 'code', redirect_uri: REDIRECT, state: 'abc' })}`;
      const response = await fetch(url, { redirect: 'manual' });
      await response.arrayBuffer();
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toMatch(/code_challenge is required/);
    } finally {
      await sandbox.close();
    }
  });
});

describe('sandbox serve flags', () => {
  it('--rps, --require-pkce, --strict-oauth and --scenario advanced-access-rollout reach the served world', async () => {
    const { cli, info } = await startServe(['--rps', '2', '--require-pkce', '--strict-oauth', '--scenario', 'advanced-access-rollout']);
    try {
      const state = (await (await fetch(`${info.controlUrl}/state`)).json()) as any;
      expect(state.limits.requests_per_second).toBe(2);
      expect(state.oauth).toEqual({ require_pkce: true, strict_exchange_fields: true });
      expect(state.scenario).toBe('advanced-access-rollout');
      const exchange = await postJson(`${info.apiBaseUrl}tt_user/oauth2/token/`, {
        client_id: info.clientKey,
        client_secret: info.clientSecret,
        grant_type: 'authorization_code',
        auth_code: 'x',
        redirect_uri: REDIRECT,
        code_verifier: 'v',
      });
      expect(exchange.json).toMatchObject({ code: 40002, message: 'Unknown parameter: code_verifier' });
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  });
});
