// The sandbox's request handler driven in process (no HTTP), for the unit tests of its routes: a JSON
// call, and a world with a controlled clock whose webhooks go inline to a captured poster, its
// callback registered and the default account connected.
import { expect } from 'vitest';
import { createSandboxHandler, type SandboxHandler } from '../../src/sandbox/handler.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import type { WebhookPoster } from '../../src/sandbox/webhook-delivery.js';
import type { Delivery } from './events.js';

export const REDIRECT = 'http://127.0.0.1:53682/callback/';
export const SCOPES = 'user.info.basic,message.list.read,message.list.send,message.list.manage';
/** The clock every handler world starts at. */
export const START = Date.UTC(2026, 3, 1, 12, 0, 0);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed; undefined when it is not JSON. */
  json: any;
}

/** One request through the handler, a JSON body when `json` is given. */
export async function call(handler: SandboxHandler, method: string, url: string, json?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await handler.handle({
    method,
    url,
    headers: json === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: json === undefined ? undefined : encoder.encode(JSON.stringify(json)),
  });
  const text = decoder.decode(response.body);
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: parsed };
}

/**
 * A handler at START whose deliveries are captured inline, with DIRECT_MESSAGE webhooks registered and
 * an access token for the default account (consent through the control API, then the code exchange).
 * `origin`: where the requests claim to go (the phone's same-origin guard looks at it).
 */
export async function connectedWorld(origin: string, options: { commentToMessage?: boolean } = {}) {
  let now = START;
  const api = `${origin}/open_api/v1.3/`;
  const deliveries: Delivery[] = [];
  const poster: WebhookPoster = async (_url, init) => {
    deliveries.push({ headers: init.headers, body: init.body });
    return { status: 200 };
  };
  const handler = createSandboxHandler({ clock: () => now, poster, webhookDelivery: 'inline' });
  const register = await call(handler, 'POST', `${api}business/webhook/update/`, {
    app_id: SANDBOX_APP.client_key,
    secret: SANDBOX_APP.client_secret,
    event_type: 'DIRECT_MESSAGE',
    callback_url: 'https://hooks.example.test/tiktok',
  });
  expect(register.json.code).toBe(0);
  const consent = await call(handler, 'POST', `${origin}/sandbox/authorize`, {
    client_key: SANDBOX_APP.client_key,
    redirect_uri: REDIRECT,
    scope: SCOPES,
    state: 's',
  });
  const tokens = await call(handler, 'POST', `${api}tt_user/oauth2/token/`, {
    client_id: SANDBOX_APP.client_key,
    client_secret: SANDBOX_APP.client_secret,
    grant_type: 'authorization_code',
    auth_code: consent.json.code,
    redirect_uri: REDIRECT,
  });
  if (options.commentToMessage) {
    // High-intent comments arrive only while the account's Comment-to-Message switch is on (off for a new account).
    const enable = await call(
      handler,
      'POST',
      `${api}business/message/direct_reply/update/`,
      { business_id: SEED.defaultBusinessId, direct_reply_type: 'COMMENT_TO_MESSAGE', operation_status: 'ENABLE' },
      { 'access-token': tokens.json.data.access_token },
    );
    expect(enable.json.code).toBe(0);
  }
  return {
    handler,
    deliveries,
    token: tokens.json.data.access_token as string,
    now: () => now,
    tick: (ms: number) => (now += ms),
  };
}
