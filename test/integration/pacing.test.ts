// TIKTOK_CHANNEL_MAX_RPS against a served sandbox: `conversations` over many conversations (a pool of
// content/list calls) keeps to the per-app rate, N requests in any sliding second for a pacer set to N.
// That is measured where machine load cannot distort it: at the client's departures, recorded by
// test/helpers/departures.ts in each CLI process. The sandbox, at the same N as TikTok, is the second
// check: it counts each request at the departure stamped on it (x-sandbox-sent-at), and none may come
// back 40100. A bad value is a usage error before any request.
//
// The budget is the app's, shared by every process on the machine through the config dir (issue 22 §4):
// two CLI processes listing at once against a sandbox that counts per app stay under it together.
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/library/index.js';
import { useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { maxInWindow, recordDepartures, spread } from '../helpers/departures.js';

const ctx = useConnectedWorld();

async function addConversations(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await ctx.world.control('POST', 'messages', { from_username: `pace.user${i}`, text: `hello ${i}` });
}

async function pacedRun(extraEnv: Record<string, string>, conversations: number, sandboxRps: number) {
  await addConversations(conversations);
  await ctx.world.control('POST', 'limits', { requests_per_second: sandboxRps });
  const before = ctx.world.apiRequests(await ctx.world.state()).length;
  const recorder = recordDepartures();
  const result = await runCli(['conversations', '--json'], { env: { ...ctx.world.env(ctx.account), ...recorder.env, ...extraEnv }, timeoutMs: 60_000 });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const requests = ctx.world.apiRequests(await ctx.world.state()).slice(before);
  const departures = recorder.departures().map((departure) => departure.at);
  // Every request the sandbox saw left through the recorder: the departures are the whole run.
  expect(departures.length).toBe(requests.length);
  return { result, requests, departures };
}

describe('pacing at TIKTOK_CHANNEL_MAX_RPS', () => {
  it('default 10: no sliding second holds more than 10 departures; the sandbox, at 10, answered no 40100', async () => {
    // 25 conversations and the seed's two: about three seconds of budget, each second of it full.
    const { result, requests, departures } = await pacedRun({}, 25, 10);
    expect(parseJson(result.stdout).conversations.length).toBeGreaterThanOrEqual(25);
    expect(requests.length).toBeGreaterThanOrEqual(27);
    expect(maxInWindow(departures)).toBeLessThanOrEqual(10);
    expect(requests.filter((entry: { code?: number }) => entry.code === 40100)).toEqual([]);
    // Paced, not bursted then stalled: the run spreads over about requests ÷ 10 seconds.
    expect(spread(departures)).toBeGreaterThan((requests.length - 10) / 10);
  }, 60_000);

  it('TIKTOK_CHANNEL_MAX_RPS=4 paces at 4 per second', async () => {
    const { requests, departures } = await pacedRun({ TIKTOK_CHANNEL_MAX_RPS: '4' }, 8, 4);
    expect(requests.length).toBeGreaterThanOrEqual(10);
    expect(requests.filter((entry: { code?: number }) => entry.code === 40100)).toEqual([]);
    expect(maxInWindow(departures)).toBeLessThanOrEqual(4);
    expect(spread(departures)).toBeGreaterThan((requests.length - 4) / 4);
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
  let results;
  try {
    results = await fn();
  } finally {
    clearInterval(timer);
  }
  await polling;
  await collect();
  const requests = [...seen.values()].filter((entry) => !before.has(entry.request_id) && entry.path.startsWith('/open_api/'));
  return { results, requests };
}

describe('one budget per app across processes (config dir)', () => {
  it('two processes each listing 25 conversations against a sandbox limited to 10/s per app: 0 refusals, 10 departures a second together', async () => {
    await addConversations(23); // and the two the seed has: 25 each
    await ctx.world.control('POST', 'limits', { requests_per_second: 10 });
    const configDir = await ctx.world.store(ctx.account);
    const recorder = recordDepartures();
    const listing = () => runCli(['conversations', '--json', '--debug'], { configDir, env: recorder.env, timeoutMs: 90_000 });
    const { results, requests } = await run2(() => Promise.all([listing(), listing()]));
    for (const result of results) {
      expect(
        result.code,
        result.stderr
          .split('\n')
          .filter((line) => !line.includes(' → '))
          .join('\n'),
      ).toBe(0);
      expect(parseJson(result.stdout).conversations.length).toBeGreaterThanOrEqual(25);
      // The client's own trace: no answer was a rate limit.
      expect(result.stderr).not.toMatch(/code=40100/);
    }
    const departures = recorder.departures();
    expect(requests.length).toBeGreaterThanOrEqual(2 * 27);
    expect(departures.length).toBe(requests.length);
    expect(requests.filter((entry) => entry.code === 40100)).toEqual([]);
    const times = departures.map((departure) => departure.at);
    expect(maxInWindow(times)).toBeLessThanOrEqual(10);
    // Both ran at once, not one after the other: two seconds or more of budget were shared...
    const [first, second] = [...new Set(departures.map((departure) => departure.pid))].map((pid) =>
      departures.filter((departure) => departure.pid === pid).map((departure) => departure.at),
    );
    const overlap = Math.min(Math.max(...first!), Math.max(...second!)) - Math.max(Math.min(...first!), Math.min(...second!));
    expect(overlap).toBeGreaterThan(2_000);
    // ...and together they kept the pace of one budget: not each its own (twice as fast), not slower.
    expect(spread(times)).toBeGreaterThan((requests.length - 20) / 10);
    expect(spread(times)).toBeLessThan(1.2 * (requests.length / 10) + 2);
  }, 120_000);

  it('env credentials without a client key: the account stands in for the app, still shared through the config dir', async () => {
    await addConversations(20);
    await ctx.world.control('POST', 'limits', { requests_per_second: 10 });
    const recorder = recordDepartures();
    const env = { ...ctx.world.env(ctx.account), ...recorder.env }; // one config dir for both
    expect(env.TIKTOK_CHANNEL_CLIENT_KEY).toBeUndefined();
    const listing = () => runCli(['conversations', '--json'], { env, timeoutMs: 60_000 });
    const { results, requests } = await run2(() => Promise.all([listing(), listing()]));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(requests.filter((entry) => entry.code === 40100)).toEqual([]);
    const departures = recorder.departures();
    expect(departures.length).toBe(requests.length);
    expect(maxInWindow(departures.map((departure) => departure.at))).toBeLessThanOrEqual(10);
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
