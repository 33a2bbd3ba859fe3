// TIKTOK_CHANNEL_MAX_RPS against a served sandbox: `conversations` over many conversations (a pool of
// content/list calls) stays under the per-account rate, counted per sliding one-second window from the
// sandbox's own request log. The sandbox itself enforces the bound (no more than 12 in any
// sliding second at the default 10; 5 at 4) and would answer 40100 past it, so none may come back: that
// leaves room for loopback jitter on a busy machine, which bench/pace.mjs measures against a strict 10.
// A bad value is a usage error before any request.
//
// The budget is the app's, shared by every process on the machine through the config dir (issue 22 §4):
// two CLI processes listing at once against a sandbox that counts per app stay under it together.
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/library/index.js';
import { useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';

const ctx = useConnectedWorld();

/** The most requests in any sliding window of `windowMs` (both ends inclusive: the strictest count). */
function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function addConversations(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await ctx.world.control('POST', 'messages', { from_username: `pace.user${i}`, text: `hello ${i}` });
}

async function pacedRun(extraEnv: Record<string, string>, conversations: number, sandboxRps: number) {
  await addConversations(conversations);
  await ctx.world.control('POST', 'limits', { requests_per_second: sandboxRps });
  const before = ctx.world.apiRequests(await ctx.world.state()).length;
  const started = Date.now();
  const result = await runCli(['conversations', '--json'], { env: { ...ctx.world.env(ctx.account), ...extraEnv }, timeoutMs: 60_000 });
  const elapsedMs = Date.now() - started;
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const requests = ctx.world.apiRequests(await ctx.world.state()).slice(before);
  return { result, requests, times: requests.map((entry: { at: number }) => entry.at), elapsedMs };
}

describe('pacing at TIKTOK_CHANNEL_MAX_RPS', () => {
  it('default 10: no sliding second holds more than 12 requests, none answered 40100', async () => {
    const { result, requests, times } = await pacedRun({}, 40, 12);
    expect(parseJson(result.stdout).conversations.length).toBeGreaterThanOrEqual(40);
    expect(requests.length).toBeGreaterThanOrEqual(42);
    expect(maxInWindow(times)).toBeLessThanOrEqual(12);
    expect(requests.filter((entry: { code?: number }) => entry.code === 40100)).toEqual([]);
    // Paced, not bursted then stalled: the run spreads over about requests ÷ 10 seconds.
    const spreadSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    expect(spreadSeconds).toBeGreaterThan((requests.length - 12) / 10);
  }, 60_000);

  it('TIKTOK_CHANNEL_MAX_RPS=4 paces at 4 per second', async () => {
    const { requests, times } = await pacedRun({ TIKTOK_CHANNEL_MAX_RPS: '4' }, 12, 5);
    expect(requests.length).toBeGreaterThanOrEqual(14);
    expect(requests.filter((entry: { code?: number }) => entry.code === 40100)).toEqual([]);
    expect(maxInWindow(times)).toBeLessThanOrEqual(5);
    expect((Math.max(...times) - Math.min(...times)) / 1000).toBeGreaterThan((requests.length - 5) / 4);
  }, 60_000);

  it.each(['0', 'fast', '-3'])('TIKTOK_CHANNEL_MAX_RPS=%s is a usage error (exit 2) before any request', async (value) => {
    const before = ctx.world.apiRequests(await ctx.world.state()).length;
    const result = await runCli(['conversations', '--json'], { env: { ...ctx.world.env(ctx.account), TIKTOK_CHANNEL_MAX_RPS: value } });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error.kind).toBe('usage');
    expect(error.message).toContain('TIKTOK_CHANNEL_MAX_RPS');
    expect(ctx.world.apiRequests(await ctx.world.state()).length).toBe(before);
  });
});

async function run2(fn: () => Promise<[Awaited<ReturnType<typeof runCli>>, Awaited<ReturnType<typeof runCli>>]>) {
  const seen = new Map<string, { at: number; code?: number; path: string; request_id: string }>();
  const collect = async () => {
    for (const entry of (await ctx.world.state()).requests) if (!seen.has(entry.request_id)) seen.set(entry.request_id, entry);
  };
  await collect();
  const before = new Set(seen.keys());
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => (polling = polling.then(collect, () => undefined)), 500);
  const started = Date.now();
  let results;
  try {
    results = await fn();
  } finally {
    clearInterval(timer);
  }
  const elapsedMs = Date.now() - started;
  await polling;
  await collect();
  const requests = [...seen.values()].filter((entry) => !before.has(entry.request_id) && entry.path.startsWith('/open_api/'));
  return { results, requests, elapsedMs };
}

describe('one budget per app across processes (config dir)', () => {
  it('two processes each listing 150 conversations against a sandbox limited to 12/s per app: 0 refusals, within 1.2 × requests ÷ 10 + 2 s', async () => {
    await addConversations(148); // and the two the seed has: 150 each
    await ctx.world.control('POST', 'limits', { requests_per_second: 12 });
    const configDir = await ctx.world.store(ctx.account);
    const listing = () => runCli(['conversations', '--json', '--debug'], { configDir, timeoutMs: 90_000 });
    const { results, requests, elapsedMs } = await run2(() => Promise.all([listing(), listing()]));
    for (const result of results) {
      expect(
        result.code,
        result.stderr
          .split('\n')
          .filter((line) => !line.includes(' → '))
          .join('\n'),
      ).toBe(0);
      expect(parseJson(result.stdout).conversations.length).toBeGreaterThanOrEqual(150);
      // The client's own trace: no answer was a rate limit.
      expect(result.stderr).not.toMatch(/code=40100/);
    }
    expect(requests.length).toBeGreaterThanOrEqual(2 * 152);
    expect(requests.filter((entry) => entry.code === 40100)).toEqual([]);
    expect(maxInWindow(requests.map((entry) => entry.at))).toBeLessThanOrEqual(12);
    // Both ran at once (not one after the other), and together they kept the pace of one budget.
    expect(elapsedMs).toBeLessThan(1.2 * (requests.length / 10) * 1000 + 2_000);
    expect(elapsedMs).toBeGreaterThan(((requests.length - 20) / 10) * 1000);
  }, 120_000);

  it('env credentials without a client key: the account stands in for the app, still shared through the config dir', async () => {
    await addConversations(30);
    await ctx.world.control('POST', 'limits', { requests_per_second: 12 });
    const env = ctx.world.env(ctx.account); // one config dir for both
    expect(env.TIKTOK_CHANNEL_CLIENT_KEY).toBeUndefined();
    const listing = () => runCli(['conversations', '--json'], { env, timeoutMs: 60_000 });
    const { results, requests } = await run2(() => Promise.all([listing(), listing()]));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(requests.filter((entry) => entry.code === 40100)).toEqual([]);
    expect(maxInWindow(requests.map((entry) => entry.at))).toBeLessThanOrEqual(12);
  }, 90_000);

  it("the library's `limiter` is awaited before every request, and nothing else paces", async () => {
    const sandboxToken = ctx.account.grant.accessToken;
    let acquired = 0;
    const limiter = { acquire: async () => void acquired++ };
    const client = createClient({ accessToken: sandboxToken, businessId: ctx.account.businessId, apiBaseUrl: ctx.world.server.apiBaseUrl, limiter });
    const before = ctx.world.apiRequests(await ctx.world.state()).length;
    await client.conversations();
    for (let i = 0; i < 12; i++) await client.messages((await client.conversations({ type: 'SINGLE' }))[0]!.conversationId);
    const sent = ctx.world.apiRequests(await ctx.world.state()).length - before;
    expect(sent).toBeGreaterThan(12);
    expect(acquired).toBe(sent);
  });
});
