// Shared by the benches (not a bench itself: the runner only runs bench/*.mjs): a served sandbox, an account
// connected through the project's own OAuth code, the sandbox's request log, and the built CLI as a child.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandboxServer, SEED } from '../../dist/sandbox/index.js';
import { TikTokClient } from '../../dist/tiktok/client.js';
import { networkTransport } from '../../dist/http/network.js';
import { exchangeCode } from '../../dist/tiktok/oauth.js';
import { AccountStore } from '../../dist/store/accounts.js';
import { MESSAGING_SCOPES } from '../../dist/tiktok/limits.js';

export { SEED };
export const BIN = fileURLToPath(new URL('../../bin/tiktok-channel.js', import.meta.url));
export const quick = process.argv.includes('--quick');

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The most entries in any sliding window of `windowMs` (both ends inclusive: the strictest count). */
export function maxInWindow(times, windowMs = 1000) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] > windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export async function startWorld(options = {}) {
  const server = await startSandboxServer({ port: 0, ...options });
  const control = async (method, path, body) => {
    const response = await fetch(`${server.controlUrl}/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const must = async (method, path, body) => {
    const answer = await control(method, path, body);
    if (answer.status >= 300) throw new Error(`control ${method} ${path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  // Set-up traffic is not what a bench measures: unpaced.
  const client = new TikTokClient({ baseUrl: server.apiBaseUrl, transport: networkTransport, pacer: false });

  // The request log keeps the last 200 entries: `watch` polls it and keeps every entry, by request_id.
  const seen = new Map();
  const collect = async () => {
    for (const entry of (await must('GET', 'state')).requests) if (!seen.has(entry.request_id)) seen.set(entry.request_id, entry);
  };

  return {
    server,
    control,
    must,
    /** Consent for the seeded account through the control API, then a token exchange. */
    async connect(businessId = SEED.defaultBusinessId) {
      const redirectUri = 'http://127.0.0.1:1/callback/';
      const consent = await must('POST', 'authorize', {
        client_key: server.clientKey,
        redirect_uri: redirectUri,
        scope: MESSAGING_SCOPES.join(','),
        state: 'bench',
        business_id: businessId,
      });
      const grant = await exchangeCode(client, { clientKey: server.clientKey, clientSecret: server.clientSecret }, consent.code, redirectUri);
      return { businessId: grant.openId ?? businessId, grant };
    },
    /** A temp config dir holding the account with its fresh tokens, as `connect` stores it. */
    async store(account) {
      const dir = mkdtempSync(join(tmpdir(), 'ttc-bench-'));
      const now = Date.now();
      await new AccountStore({ configDir: dir }).upsert(
        {
          businessId: account.businessId,
          channelName: 'acme.studio',
          username: 'acme.studio',
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
        },
        { makeDefault: true },
      );
      return dir;
    },
    env(configDir, extra = {}) {
      const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TIKTOK_CHANNEL_')));
      return { ...inherited, CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir, TIKTOK_CHANNEL_API_BASE_URL: server.apiBaseUrl, ...extra };
    },
    /** API requests (control calls excluded) the sandbox logged, every one since the first collect(). */
    async requests() {
      await collect();
      return [...seen.values()].filter((entry) => entry.path.startsWith('/open_api/')).sort((a, b) => a.at - b.at);
    },
    /** Polls the log every `everyMs` while fn runs, so no entry is lost to the 200-entry cap. */
    async watch(fn, everyMs = 2_000) {
      await collect();
      const timer = setInterval(() => void collect().catch(() => undefined), everyMs);
      try {
        return await fn();
      } finally {
        clearInterval(timer);
        await collect();
      }
    },
    close: () => server.close(),
  };
}

/** Runs the built CLI to its end; resolves with its exit code, output and wall time. */
export function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The last line every bench prints: what `npm run bench` (bench/run.mjs) tabulates. */
export function summary(result) {
  console.log(JSON.stringify(result));
  process.exitCode = result.ok ? 0 : 1;
}
