// A served sandbox and a connected account for black-box tests, built with the project's own OAuth
// code (control POST /authorize gives a code without a browser; exchangeCode turns it into tokens).
// The account is handed to the CLI either as env credentials (the CI path) or stored in a temp config dir.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { requestsTo, startServedSandbox } from './sandbox.js';
import { AccountStore, type StoredAccount } from '../../src/store/accounts.js';
import { networkTransport } from '../../src/http/network.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import { exchangeCode, type TokenGrant } from '../../src/tiktok/oauth.js';
import { sendMessage } from '../../src/tiktok/messaging-api.js';
import { MESSAGING_SCOPES } from '../../src/tiktok/limits.js';
import { SEED } from '../../src/sandbox/index.js';
import { tempConfigDir } from './cli.js';

export { SEED };

export interface Connected {
  businessId: string;
  grant: TokenGrant;
}

export interface World {
  server: SandboxServer;
  client: TikTokClient;
  /** JSON call to the control API (throws on a non-2xx answer). */
  control<T = any>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  state(): Promise<any>;
  reset(scenario?: string): Promise<void>;
  /** Consent for an account (default: the seeded acme.studio) and a token exchange. */
  connect(businessId?: string): Promise<Connected>;
  /** Env credentials for runCli: the CI path. */
  env(account: Connected): Record<string, string>;
  /** A temp config dir holding the account, as `connect` would have stored it. */
  store(account: Connected, extra?: Partial<StoredAccount>): Promise<string>;
  /** Business messages sent in-process through the project's client (fast set-up, no CLI spawn). */
  sendTexts(account: Connected, conversationId: string, count: number): Promise<void>;
  /** Requests the sandbox saw for an API path (e.g. "business/message/send/"). */
  requestsTo(state: any, path: string): any[];
  /** Every API request the sandbox saw since the last reset (control calls excluded). */
  apiRequests(state: any): any[];
  close(): Promise<void>;
}

const REDIRECT_URI = 'http://127.0.0.1:8723/callback/';

/** `clock`: the sandbox's own time (e.g. skewed, for doctor's clock check). */
export async function startWorld(options: { clock?: () => number } = {}): Promise<World> {
  const sandbox = await startServedSandbox({ clock: options.clock });
  const { server, control } = sandbox;
  // Set-up traffic is not paced (pacer: false): it is not what the tests measure.
  const client = new TikTokClient({ baseUrl: server.apiBaseUrl, transport: networkTransport, sleep: async () => undefined, pacer: false });

  const world: World = {
    server,
    client,
    control,
    state: sandbox.state,
    reset: sandbox.reset,
    async connect(businessId = SEED.defaultBusinessId) {
      const { code } = await control('POST', 'authorize', {
        client_key: server.clientKey,
        redirect_uri: REDIRECT_URI,
        scope: MESSAGING_SCOPES.join(','),
        state: 'test-state',
        business_id: businessId,
      });
      const grant = await exchangeCode(client, { clientKey: server.clientKey, clientSecret: server.clientSecret }, code, REDIRECT_URI);
      return { businessId: grant.openId ?? businessId, grant };
    },
    env(account) {
      return {
        TIKTOK_CHANNEL_ACCESS_TOKEN: account.grant.accessToken,
        TIKTOK_CHANNEL_BUSINESS_ID: account.businessId,
        TIKTOK_CHANNEL_API_BASE_URL: server.apiBaseUrl,
        // An empty config dir, so no developer's stored account can leak into a test.
        TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir('ttc-env-'),
      };
    },
    async store(account, extra = {}) {
      const dir = tempConfigDir('ttc-store-');
      const now = Date.now();
      const username =
        account.businessId === SEED.defaultBusinessId ? 'acme.studio' : account.businessId === SEED.eeaBusinessId ? 'brotzeit.berlin' : undefined;
      await new AccountStore({ configDir: dir }).upsert(
        {
          businessId: account.businessId,
          channelName: username ?? account.businessId,
          username,
          scopes: account.grant.scopes,
          accessToken: account.grant.accessToken,
          accessTokenExpiresAt: account.grant.accessTokenExpiresAt,
          refreshToken: account.grant.refreshToken,
          refreshTokenExpiresAt: account.grant.refreshTokenExpiresAt,
          clientKey: server.clientKey,
          clientSecret: server.clientSecret,
          apiBaseUrl: server.apiBaseUrl,
          authUrl: server.authUrl,
          connectedAt: now,
          updatedAt: now,
          ...extra,
        },
        { makeDefault: true },
      );
      return dir;
    },
    async sendTexts(account, conversationId, count) {
      for (let i = 0; i < count; i++) {
        await sendMessage(client, account.grant.accessToken, account.businessId, conversationId, { kind: 'text', body: `set-up message ${i + 1}` });
      }
    },
    requestsTo,
    apiRequests(state) {
      return (state.requests as Array<{ path: string }>).filter((entry) => entry.path.startsWith('/open_api/'));
    },
    close: sandbox.close,
  };
  return world;
}

export function conversation(state: any, conversationId: string): any {
  const found = (state.conversations as Array<{ conversation_id: string }>).find((candidate) => candidate.conversation_id === conversationId);
  if (!found) throw new Error(`conversation ${conversationId} is not in the sandbox state`);
  return found;
}

export interface ConnectedWorld {
  readonly world: World;
  /** The seeded account (acme.studio), connected through the project's OAuth code. */
  readonly account: Connected;
  /** `world.env(account)`, made once per connected account (one empty temp config dir). */
  readonly env: Record<string, string>;
}

/**
 * The usual hooks of a black-box test file (or describe block): one served sandbox with the seeded
 * account connected (beforeAll), closed afterAll, and the sandbox reset before each test.
 * `reset: false` keeps the state between tests; `connectEach: true` resets and then connects again
 * before each test (a fresh token per test); `clock` is passed to startWorld.
 * Call it at the top of the file or describe; read `world`, `account` and `env` inside hooks and tests.
 */
export function useConnectedWorld(options: { clock?: () => number; reset?: boolean; connectEach?: boolean } = {}): ConnectedWorld {
  let world: World | undefined;
  let account: Connected | undefined;
  let env: Record<string, string> | undefined;
  const connect = async () => {
    account = await world!.connect();
    env = undefined;
  };
  beforeAll(async () => {
    world = await startWorld({ clock: options.clock });
    if (!options.connectEach) await connect();
  });
  afterAll(async () => world?.close());
  if (options.connectEach) {
    beforeEach(async () => {
      await world!.reset();
      await connect();
    });
  } else if (options.reset !== false) {
    beforeEach(async () => world!.reset());
  }
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useConnectedWorld: ${name} is read before its beforeAll/beforeEach ran`);
    return value;
  };
  return {
    get world() {
      return ready(world, 'world');
    },
    get account() {
      return ready(account, 'account');
    },
    get env() {
      env ??= ready(world, 'world').env(ready(account, 'account'));
      return env;
    },
  };
}
