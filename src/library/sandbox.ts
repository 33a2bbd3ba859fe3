// `tiktok-channel/sandbox`: the CLI's sandbox as a library, for test suites. `startSandbox()` serves one
// rule-enforcing TikTok on a free loopback port (the same server as `sandbox serve`) and offers the
// control verbs as methods. Each instance holds its own world: several can run side by side.
// Control calls go straight to the instance's request handler, in process (the same routes as the
// served control API, so answers are the control API's JSON).
import { randomBytes } from 'node:crypto';
import type { RawRequest, RawResponse } from '../http/raw.js';
import { startSandboxServer } from '../sandbox/index.js';
import type { EventKind, EventResult } from '../sandbox/events.js';
import type { UserMessageResult } from '../sandbox/users.js';
import type { ScenarioName } from '../sandbox/types.js';
import { MESSAGING_SCOPES } from '../tiktok/limits.js';

export { SCENARIO_NAMES, type ScenarioName } from '../sandbox/types.js';
/** sticker, image, video, emoji, share-post, template-tap, app-reply, read, reaction, smart-plus-ad, auto-message, auto-message-audit, high-intent-comment, unknown. */
export type SandboxEventKind = EventKind;

export interface StartSandboxOptions {
  /** 0 or undefined: a free port chosen by the OS. Always bound to 127.0.0.1. */
  port?: number;
  /** The world to start from (default `healthy`). */
  scenario?: ScenarioName;
  /** Milliseconds added before every API and authorize answer. */
  latency?: number;
  /** Requests per second per app (all its accounts together) before TikTok's 40100 (default: no limit). */
  rps?: number;
}

/** Options in camelCase or snake_case; camelCase keys are sent as snake_case (`buttonId` → `button_id`). */
export type ControlOptions = Record<string, unknown>;

/** What `message()` answers: the control API's POST /messages result. */
export type SandboxMessageResult = UserMessageResult;
/** What `event()` answers: the control API's POST /events result. */
export type SandboxEventResult = EventResult;

export interface SandboxAccountSettings {
  /** Default: the default account. */
  businessId?: string;
  region?: string;
  advancedAccess?: boolean;
  dmSetting?: 'everyone' | 'followers';
  media?: boolean;
  riskControl?: boolean;
  accountType?: 'business' | 'personal';
}

export interface SandboxFault {
  /** API path relative to the base (`business/message/send/`) or `*`. */
  path: string;
  kind: 'html502' | 'reset' | 'code';
  /** TikTok's envelope code for kind `code` (e.g. 40100, 51065). */
  code?: number;
  message?: string;
  /** Uses before it clears itself (default 1); -1 = until clearFaults(). */
  times?: number;
  /** Refuse only every Nth matching request. */
  every?: number;
}

export interface Sandbox {
  /** Hand this to `createClient({apiBaseUrl})` or TIKTOK_CHANNEL_API_BASE_URL; ends with "/". */
  readonly apiBaseUrl: string;
  readonly authUrl: string;
  readonly controlUrl: string;
  readonly port: number;
  /** The sandbox app's credentials; webhooks are signed with clientSecret. */
  readonly clientKey: string;
  readonly clientSecret: string;
  /** The default account's business_id. */
  readonly businessId: string;
  /** A fresh, live access token for the account (default: the default account), as if its holder had consented. */
  accessToken(options?: { businessId?: string }): Promise<string>;
  /** A TikTok user writes to the account (default user: the seeded regular). */
  message(input: { text?: string; from?: string } & ControlOptions): Promise<SandboxMessageResult>;
  /** Any other delivery TikTok makes: sticker, image, video, emoji, share-post, template-tap, app-reply, read, reaction, smart-plus-ad, auto-message, auto-message-audit, high-intent-comment, unknown. */
  event(kind: SandboxEventKind, options?: { from?: string } & ControlOptions): Promise<SandboxEventResult>;
  /** Changes an account's region, Advanced Access, DM setting or media permission. */
  set(settings: SandboxAccountSettings): Promise<Record<string, unknown>>;
  /** Moves the sandbox's clock forward (windows close, tokens expire). */
  advance(seconds: number): Promise<void>;
  /** Back to a fresh world of that scenario (default `healthy`); issued tokens stay valid. */
  reset(scenario?: ScenarioName): Promise<void>;
  /** Registers the app's webhook callback (business/webhook/update/), where signed deliveries go. */
  registerWebhook(callbackUrl: string): Promise<void>;
  /** The next matching API call(s) fail this way. */
  fault(fault: SandboxFault): Promise<void>;
  clearFaults(): Promise<void>;
  /** The whole world, readable (`GET {controlUrl}/state`). */
  state(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A control call the sandbox refused (400 for a bad value, 404 for an unknown account or route). */
export class SandboxError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'SandboxError';
    this.status = status;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function snakeKeys(options: ControlOptions, renames: Record<string, string> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[renames[key] ?? snakeCase(key)] = value;
  return out;
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const server = await startSandboxServer({ port: options.port, scenario: options.scenario, latencyMs: options.latency, rps: options.rps });
  const handle = (method: string, url: string, body?: unknown): Promise<RawResponse> => {
    const request: RawRequest = { method, url, headers: {} };
    if (body !== undefined) {
      request.headers['content-type'] = 'application/json';
      request.body = encoder.encode(JSON.stringify(body));
    }
    return server.handler.handle(request);
  };
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await handle(method, `${server.controlUrl}/${path}`, body);
    const text = decoder.decode(response.body);
    let parsed: { error?: { message?: string } } | undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.status !== 200) throw new SandboxError(parsed?.error?.message ?? text, response.status);
    return parsed as T;
  };
  /** The API as TikTok answers it: code 0 or a SandboxError naming TikTok's code. */
  const api = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await handle('POST', `${server.apiBaseUrl}${path}`, body);
    const envelope = JSON.parse(decoder.decode(response.body)) as { code: number; message: string; data: T };
    if (envelope.code !== 0) throw new SandboxError(`TikTok error ${envelope.code}: ${envelope.message}`, response.status);
    return envelope.data;
  };
  const defaultBusinessId = () => server.core.state.default_business_id;

  return {
    apiBaseUrl: server.apiBaseUrl,
    authUrl: server.authUrl,
    controlUrl: server.controlUrl,
    port: server.port,
    clientKey: server.clientKey,
    clientSecret: server.clientSecret,
    get businessId() {
      return defaultBusinessId();
    },
    async accessToken(account = {}) {
      // The consent the account holder would give, then the app's code exchange, as in `connect`.
      const redirectUri = 'http://127.0.0.1/callback/';
      const { code } = await control<{ code?: string; error_description?: string }>('POST', 'authorize', {
        client_key: server.clientKey,
        redirect_uri: redirectUri,
        scope: MESSAGING_SCOPES.join(','),
        state: randomBytes(8).toString('hex'),
        ...(account.businessId ? { business_id: account.businessId } : {}),
      });
      const tokens = await api<{ access_token: string }>('tt_user/oauth2/token/', {
        client_id: server.clientKey,
        client_secret: server.clientSecret,
        grant_type: 'authorization_code',
        auth_code: code,
        redirect_uri: redirectUri,
      });
      return tokens.access_token;
    },
    message: ({ from, ...rest }) => control('POST', 'messages', { ...(from === undefined ? {} : { from_username: from }), ...snakeKeys(rest) }),
    event: (kind, { from, ...rest } = {}) => control('POST', 'events', { kind, ...(from === undefined ? {} : { from_username: from }), ...snakeKeys(rest) }),
    set: ({ businessId: account, ...settings }) =>
      control('POST', `accounts/${encodeURIComponent(account ?? defaultBusinessId())}`, snakeKeys(settings as ControlOptions)),
    advance: async (seconds) => {
      await control('POST', 'clock', { advance_seconds: seconds });
    },
    reset: async (scenario) => {
      await control('POST', 'reset', scenario === undefined ? {} : { scenario });
    },
    registerWebhook: async (callbackUrl) => {
      await api('business/webhook/update/', { app_id: server.clientKey, secret: server.clientSecret, event_type: 'DIRECT_MESSAGE', callback_url: callbackUrl });
    },
    fault: async (fault) => {
      await control('POST', 'faults', fault);
    },
    clearFaults: async () => {
      await control('DELETE', 'faults');
    },
    state: () => control('GET', 'state'),
    close: () => server.close(),
  };
}
