// A served sandbox for one test file (the same server `tiktok-channel sandbox serve` runs, on
// 127.0.0.1:0), its control API, and a streaming CLI child for flows that wait on a browser.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startSandboxServer, SEED, type SandboxServer } from '../../src/sandbox/index.js';
import { tempConfigDir } from './cli.js';
import { runInProcess, startInProcess } from './run.js';

export { startCli, type RunningCli } from './cli.js';

export { SEED };

export interface ServedSandbox {
  server: SandboxServer;
  /** JSON call to the control API; throws on a non-2xx answer. */
  control<T = any>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  state(): Promise<any>;
  /** Reseeds the world and clears the request log (including `unhandled`). */
  reset(scenario?: string): Promise<void>;
  /** Env for the CLI: the sandbox's API and authorize page, its app credentials, CI=true. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Approves an authorize URL through the control API, as the consent page would, and returns the redirect. */
  approve(authorizeUrl: string, options?: { businessId?: string; approve?: boolean; scope?: string }): Promise<string>;
  /** Calls an API path with a token, e.g. to prove a stored token works. Returns TikTok's envelope. */
  api(path: string, accessToken: string, query?: Record<string, string>): Promise<{ code: number; message: string; data: any }>;
  close(): Promise<void>;
}

export async function startServedSandbox(options: { autoApprove?: boolean; latencyMs?: number; clock?: () => number } = {}): Promise<ServedSandbox> {
  const server = await startSandboxServer({ port: 0, autoApprove: options.autoApprove, latencyMs: options.latencyMs, clock: options.clock });
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.controlUrl}/${path.replace(/^\//, '')}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${path} → ${response.status}: ${text}`);
    return JSON.parse(text);
  };
  return {
    server,
    control,
    state: () => control('GET', 'state'),
    async reset(scenario = 'healthy') {
      await control('POST', 'reset', { scenario, clear_log: true });
      await control('DELETE', 'faults');
    },
    env(extra = {}) {
      return {
        CI: 'true',
        TIKTOK_CHANNEL_API_BASE_URL: server.apiBaseUrl,
        TIKTOK_CHANNEL_AUTH_URL: server.authUrl,
        TIKTOK_CHANNEL_CLIENT_KEY: server.clientKey,
        TIKTOK_CHANNEL_CLIENT_SECRET: server.clientSecret,
        ...extra,
      };
    },
    async approve(authorizeUrl, approveOptions = {}) {
      const url = new URL(authorizeUrl);
      const answer = await control('POST', 'authorize', {
        client_key: url.searchParams.get('client_key'),
        redirect_uri: url.searchParams.get('redirect_uri'),
        scope: approveOptions.scope ?? url.searchParams.get('scope'),
        state: url.searchParams.get('state'),
        approve: approveOptions.approve ?? true,
        ...(approveOptions.businessId ? { business_id: approveOptions.businessId } : {}),
      });
      return answer.redirect_url as string;
    },
    async api(path, accessToken, query = {}) {
      const url = new URL(path, server.apiBaseUrl);
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
      const response = await fetch(url, { headers: { 'access-token': accessToken } });
      return (await response.json()) as { code: number; message: string; data: any };
    },
    close: () => server.close(),
  };
}

/**
 * One served sandbox for a test file, reseeded (faults cleared) before each test. Returns a stand-in
 * that forwards to the running sandbox, so tests keep writing `sandbox.control(…)`.
 */
export function useServedSandbox(options: { autoApprove?: boolean; latencyMs?: number } = {}): ServedSandbox {
  let current: ServedSandbox | undefined;
  beforeAll(async () => {
    current = await startServedSandbox(options);
  });
  afterAll(async () => current?.close());
  beforeEach(async () => current!.reset());
  return new Proxy({} as ServedSandbox, {
    get: (_target, key) => {
      if (!current) throw new Error('the served sandbox is used outside a test (it starts in beforeAll)');
      return current[key as keyof ServedSandbox];
    },
  });
}

export function readStore(configDir: string): { defaultAccount?: string; accounts: Record<string, any> } {
  return JSON.parse(readFileSync(join(configDir, 'accounts.json'), 'utf8'));
}

export function storeMode(configDir: string): number {
  return statSync(join(configDir, 'accounts.json')).mode & 0o777;
}

/** Every token the store holds (plus extra ones), for "no token in any output" assertions. */
export function tokensIn(configDir: string, extra: string[] = []): string[] {
  let accounts: any[] = [];
  try {
    accounts = Object.values(readStore(configDir).accounts);
  } catch {
    accounts = [];
  }
  return [...accounts.flatMap((account) => [account.accessToken, account.refreshToken, account.clientSecret]), ...extra].filter(
    (token): token is string => typeof token === 'string' && token.length > 0,
  );
}

export function expectNoTokens(result: { stdout: string; stderr: string }, tokens: string[]): void {
  for (const token of tokens) {
    if (result.stdout.includes(token) || result.stderr.includes(token)) {
      throw new Error(`a secret (${token.slice(0, 6)}…) appeared in the CLI's output:\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    }
  }
}

/** Connects an account through the real CLI (`connect`, approved via the control API); returns its record. */
export async function connectAccount(sandbox: ServedSandbox, configDir: string, options: { businessId?: string; args?: string[] } = {}): Promise<any> {
  // Set-up, not the behaviour under test: in this process (connect-flow.test.ts runs connect as a child).
  const cli = startInProcess(['connect', ...(options.args ?? [])], { env: sandbox.env(), configDir });
  const landed = await fetch(await sandbox.approve(await cli.authorizeUrl(), { businessId: options.businessId }));
  await landed.text();
  const result = await cli.done;
  if (result.code !== 0) throw new Error(`connect failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return readStore(configDir).accounts[options.businessId ?? SEED.defaultBusinessId];
}

/** A config dir with an embedded sandbox account (`connect --sandbox`) and, given `text`, that message from maya. */
export async function embeddedAccount(text?: string): Promise<string> {
  const configDir = tempConfigDir();
  const connected = await runInProcess(['connect', '--sandbox'], { configDir });
  expect(connected.code).toBe(0);
  if (text !== undefined) expect((await runInProcess(['sandbox', 'message', '--from', 'maya', '--text', text], { configDir })).code).toBe(0);
  return configDir;
}

/** API requests the sandbox logged for a path suffix such as "tt_user/oauth2/refresh_token/". */
export function requestsTo(state: any, path: string): Array<{ path: string; status: number; code?: number }> {
  return (state.requests as Array<{ path: string; status: number; code?: number }>).filter((entry) => entry.path.endsWith(`/${path}`));
}

/** Rewrites one stored account (e.g. to age its tokens), as another process might. */
export function patchStoredAccount(configDir: string, businessId: string, patch: Record<string, unknown>): void {
  const path = join(configDir, 'accounts.json');
  const store = JSON.parse(readFileSync(path, 'utf8'));
  Object.assign(store.accounts[businessId], patch);
  writeFileSync(path, JSON.stringify(store), { mode: 0o600 });
}
