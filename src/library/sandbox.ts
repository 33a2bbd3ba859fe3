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
import { SCENARIO_NAMES, type ScenarioName } from '../sandbox/types.js';
import { MESSAGING_SCOPES } from '../tiktok/limits.js';

export { SCENARIO_NAMES, type ScenarioName } from '../sandbox/types.js';
/** sticker, image, video, emoji, share-post, template-tap, app-reply, read, reaction, smart-plus-ad, auto-message, auto-message-audit, high-intent-comment, authorization-removed, unknown. */
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
  /** `hold`: served as usual, the answer held `hold_ms`; `omit_open_id`: served without `open_id`. */
  kind: 'html502' | 'reset' | 'code' | 'hold' | 'omit_open_id';
  /** TikTok's envelope code for kind `code` (e.g. 40100, 51065). */
  code?: number;
  hold_ms?: number;
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
  /** Any other delivery TikTok makes: sticker, image, video, emoji, share-post, template-tap, app-reply, read, reaction, smart-plus-ad, auto-message, auto-message-audit, high-intent-comment, authorization-removed, unknown. */
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

/** A wrong argument to the library: a SandboxError with status 400, like a refused control call. */
function refuse(message: string): never {
  throw new SandboxError(message, 400);
}

function checkScenario(where: string, scenario: unknown): void {
  if (scenario !== undefined && !(SCENARIO_NAMES as readonly unknown[]).includes(scenario)) {
    refuse(`${where}: unknown scenario ${JSON.stringify(scenario) ?? String(scenario)}; use one of ${SCENARIO_NAMES.join(', ')}.`);
  }
}

/** Every option is checked before anything listens: a port of 'abc' would be a UNIX socket named abc. */
function checkOptions(options: unknown): StartSandboxOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) refuse('startSandbox(options): options must be an object.');
  const { port, scenario, latency, rps } = options as Record<string, unknown>;
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535)) {
    refuse(`startSandbox: port must be an integer from 0 to 65535 (0: a free port), got ${JSON.stringify(port) ?? String(port)}.`);
  }
  checkScenario('startSandbox', scenario);
  if (latency !== undefined && !(typeof latency === 'number' && Number.isFinite(latency) && latency >= 0)) {
    refuse(`startSandbox: latency must be milliseconds, 0 or more, got ${JSON.stringify(latency) ?? String(latency)}.`);
  }
  if (rps !== undefined && !(typeof rps === 'number' && Number.isFinite(rps) && rps > 0)) {
    refuse(`startSandbox: rps must be a positive number of requests per second, got ${JSON.stringify(rps) ?? String(rps)}.`);
  }
  return options as StartSandboxOptions;
}

function checkObject(where: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(`${where}: options must be an object.`);
  return value as Record<string, unknown>;
}

export async function startSandbox(options_: StartSandboxOptions = {}): Promise<Sandbox> {
  const options = checkOptions(options_);
  const server = await startSandboxServer({ port: options.port, scenario: options.scenario, latencyMs: options.latency, rps: options.rps });
  let closing: Promise<void> | undefined;
  const handle = async (method: string, url: string, body?: unknown): Promise<RawResponse> => {
    // The handler lives in process and would go on answering: a closed sandbox is closed for its verbs too.
    if (closing) throw new SandboxError('This sandbox is closed; start another with startSandbox().', 410);
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
  const defaultBusinessId = () => server.handler.state.default_business_id;

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
    message: async (input) => {
      const { from, ...rest } = checkObject('message()', input);
      return control('POST', 'messages', { ...(from === undefined ? {} : { from_username: from }), ...snakeKeys(rest) });
    },
    event: async (kind, input) => {
      if (typeof kind !== 'string' || (kind as string) === '') refuse('event(kind, options): kind must name a delivery, e.g. "reaction" or "template-tap".');
      const { from, ...rest } = checkObject('event()', input);
      return control('POST', 'events', { kind, ...(from === undefined ? {} : { from_username: from }), ...snakeKeys(rest) });
    },
    set: async (input) => {
      const { businessId: account, ...settings } = checkObject('set()', input);
      if (account !== undefined && (typeof account !== 'string' || account === '')) refuse('set(): businessId must be a non-empty string.');
      return control('POST', `accounts/${encodeURIComponent((account as string | undefined) ?? defaultBusinessId())}`, snakeKeys(settings));
    },
    advance: async (seconds) => {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
        refuse(`advance(seconds): seconds must be a finite number, 0 or more, got ${JSON.stringify(seconds) ?? String(seconds)}.`);
      await control('POST', 'clock', { advance_seconds: seconds });
    },
    reset: async (scenario) => {
      checkScenario('reset(scenario)', scenario);
      await control('POST', 'reset', scenario === undefined ? {} : { scenario });
    },
    registerWebhook: async (callbackUrl) => {
      if (typeof callbackUrl !== 'string' || !URL.canParse(callbackUrl))
        refuse(`registerWebhook(url): url must be an absolute URL string, got ${JSON.stringify(callbackUrl) ?? String(callbackUrl)}.`);
      await api('business/webhook/update/', { app_id: server.clientKey, secret: server.clientSecret, event_type: 'DIRECT_MESSAGE', callback_url: callbackUrl });
    },
    fault: async (fault) => {
      checkObject('fault()', fault);
      if (fault === undefined) refuse('fault(fault): pass {path, kind}.');
      await control('POST', 'faults', fault);
    },
    clearFaults: async () => {
      await control('DELETE', 'faults');
    },
    state: () => control('GET', 'state'),
    // Twice is fine: the second call waits for the first.
    close: () => (closing ??= server.close()),
  };
}
