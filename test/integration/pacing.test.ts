// TIKTOK_CHANNEL_MAX_RPS against a served sandbox: `conversations` over many conversations (a pool of
// content/list calls) stays under the per-account rate, counted per sliding one-second window from the
// sandbox's own request log. The sandbox itself enforces the bound (no more than 12 in any
// sliding second at the default 10; 5 at 4) and would answer 40100 past it, so none may come back: that
// leaves room for loopback jitter on a busy machine, which bench/pace.mjs measures against a strict 10.
// A bad value is a usage error before any request.
import { describe, expect, it } from 'vitest';
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
