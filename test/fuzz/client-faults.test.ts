// The client against the sandbox's faults (html502 pages, connection resets, 5xx codes, 40100 storms):
// generated fault sequences into every kind of call through the real client over loopback (retries
// bounded, a send never retried once TikTok may have acted), then the CLI itself: exit 6 with the
// contract's JSON error and no stack trace, the account's tokens intact and usable afterwards, and a
// refresh cut by a reset leaving a usable account.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliError, toCliError } from '../../src/errors.js';
import { networkTransport } from '../../src/http/network.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import { getBusinessProfile, getConversationContent, listConversations, sendMessage } from '../../src/tiktok/messaging-api.js';
import { useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { readStore, SEED } from '../helpers/sandbox.js';
import { seedFuzz } from '../helpers/fuzz.js';

seedFuzz();

const MAYA = SEED.conversations.maya;
const MAX_ATTEMPTS = 4;
const STACK_LINE = /^\s+at .+(:\d+:\d+|\(native\))/m;

type FaultSpec = { kind: 'html502' } | { kind: 'reset' } | { kind: 'code'; code: number };
interface Fault {
  spec: FaultSpec;
  /** Uses; -1 = a storm (until cleared). */
  times: number;
}

const faultSpec: fc.Arbitrary<FaultSpec> = fc.oneof(
  fc.constant({ kind: 'html502' as const }),
  fc.constant({ kind: 'reset' as const }),
  fc.constantFrom(40100, 51065, 50002).map((code) => ({ kind: 'code' as const, code })),
);
const faults = fc.array(
  fc.record({ spec: faultSpec, times: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 4 }, { arbitrary: fc.constant(-1), weight: 1 }) }),
  {
    maxLength: 4,
  },
);

const CALLS = {
  list: { path: 'business/message/conversation/list/', send: false },
  content: { path: 'business/message/content/list/', send: false },
  profile: { path: 'business/get/', send: false },
  send: { path: 'business/message/send/', send: true },
} as const;
type CallName = keyof typeof CALLS;

/**
 * What the client may do, from its documented policy (src/tiktok/client.ts): reads retry any of these
 * faults up to 4 attempts; a send retries only 40100 (TikTok refused it, so it was not delivered).
 */
function expected(call: CallName, queue: Fault[]): { attempts: number; failure?: FaultSpec } {
  const responses: FaultSpec[] = [];
  for (const fault of queue) {
    for (let use = 0; use < (fault.times === -1 ? MAX_ATTEMPTS : fault.times) && responses.length < MAX_ATTEMPTS; use++) responses.push(fault.spec);
    if (fault.times === -1) break;
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const response = responses[attempt - 1];
    if (!response) return { attempts: attempt };
    const retryable = !CALLS[call].send || (response.kind === 'code' && response.code === 40100);
    if (!retryable || attempt === MAX_ATTEMPTS) return { attempts: attempt, failure: response };
  }
  throw new Error('unreachable');
}

describe('fuzz: the client against sandbox faults', () => {
  const ctx = useConnectedWorld({ reset: false });

  it("bounded retries, sends never repeated after a possible delivery, every failure an exit-6 error with TikTok's code", async () => {
    const sleeps: number[] = [];
    // No pacing here: this is about the retry policy (bench/pace.mjs and the pacer's tests cover pacing).
    const client = new TikTokClient({
      baseUrl: ctx.world.server.apiBaseUrl,
      transport: networkTransport,
      pacer: false,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const token = ctx.account.grant.accessToken;
    const run: Record<CallName, () => Promise<unknown>> = {
      list: () => listConversations(client, token, ctx.account.businessId, 'SINGLE', { maxPages: 1 }),
      content: () => getConversationContent(client, token, ctx.account.businessId, MAYA),
      profile: () => getBusinessProfile(client, token, ctx.account.businessId),
      send: () => sendMessage(client, token, ctx.account.businessId, MAYA, { kind: 'text', body: 'fuzzed' }),
    };
    const seen = { runs: 0, failures: 0, successes: 0, requests: 0 };

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(CALLS) as CallName[])), faults, async (call, queue) => {
        // A fresh world (tokens kept, request log emptied: it keeps only the last 200), faults cleared,
        // and a fresh user message: an open window and a full quota for sends.
        await ctx.world.control('POST', 'reset', { clear_log: true });
        await ctx.world.control('DELETE', 'faults');
        await ctx.world.control('POST', 'messages', { from_username: 'maya', text: 'still there?' });
        for (const fault of queue) {
          await ctx.world.control('POST', 'faults', { path: CALLS[call].path, ...fault.spec, times: fault.times });
        }
        const before = ctx.world.requestsTo(await ctx.world.state(), CALLS[call].path).length;
        expect(before).toBe(0);
        sleeps.length = 0;

        const outcome = await run[call]().then(
          () => undefined,
          // The CLI's view of the client's TikTokApiError (src/errors.ts's table), which these assertions check.
          (error: unknown) => toCliError(error),
        );
        const attempts = ctx.world.requestsTo(await ctx.world.state(), CALLS[call].path).length - before;
        const want = expected(call, queue);
        expect(attempts).toBe(want.attempts);
        expect(sleeps.length).toBe(attempts - 1);
        expect(sleeps.every((ms) => ms > 0 && ms <= 4_000)).toBe(true);
        seen.runs++;
        seen.requests += attempts;

        if (!want.failure) {
          expect(outcome).toBeUndefined();
          seen.successes++;
          return;
        }
        seen.failures++;
        expect(outcome).toBeInstanceOf(CliError);
        const error = outcome as CliError;
        expect(error.exitCode).toBe(6);
        if (want.failure.kind === 'code') {
          expect(error.tiktokCode).toBe(want.failure.code);
          expect(error.kind).toBe(want.failure.code === 40100 ? 'rateLimit' : 'network');
          expect(error.requestId).toMatch(/\S/);
        } else {
          expect(error.kind).toBe('network');
        }
        // A send that got no TikTok answer may have been delivered: the error says so.
        if (call === 'send' && want.failure.kind !== 'code') expect(error.message).toContain('may or may not have been sent');
      }),
      { numRuns: 150 },
    );
    await ctx.world.control('DELETE', 'faults');
    expect(seen.successes).toBeGreaterThan(10);
    expect(seen.failures).toBeGreaterThan(10);
  }, 120_000);
});

describe('the CLI under fault storms', () => {
  let configDir: string;
  const ctx = useConnectedWorld({ reset: false });
  beforeAll(async () => {
    configDir = await ctx.world.store(ctx.account);
  });
  // Tokens kept; the request log (the last 200 only) emptied so counts stay exact.
  beforeEach(() => ctx.world.control('POST', 'reset', { clear_log: true }));

  const storedTokens = () => {
    const stored = readStore(configDir).accounts[ctx.account.businessId];
    return { accessToken: stored.accessToken, refreshToken: stored.refreshToken };
  };

  /** After a storm: nothing was lost, the account works at once. */
  async function expectUsable(tokensBefore: { accessToken: string; refreshToken: string }, run: typeof runCli = runInProcess): Promise<void> {
    await ctx.world.control('DELETE', 'faults');
    expect(storedTokens()).toEqual(tokensBefore);
    const after = await run(['conversations', '--json'], { configDir });
    expect(after.code, after.stderr).toBe(0);
    expect(parseJson(after.stdout).conversations.length).toBeGreaterThan(0);
  }

  function expectCleanFailure(result: { code: number | null; stdout: string; stderr: string }, kind: string): any {
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).not.toMatch(STACK_LINE);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind, code: 6 });
    expect(error.message).toMatch(/\S/);
    expect(error.hint).toMatch(/\S/);
    return error;
  }

  for (const [name, fault, command, kind] of [
    ['an HTML 502 storm on conversation/list', { path: 'business/message/conversation/list/', kind: 'html502' }, ['conversations', '--json'], 'network'],
    ['a 40100 storm on every path', { path: '*', kind: 'code', code: 40100 }, ['conversations', '--json'], 'rateLimit'],
    ['a 51065 storm on content/list', { path: 'business/message/content/list/', kind: 'code', code: 51065 }, ['conversations', '--json'], 'network'],
  ] as const) {
    it(`${name}: exit 6 after bounded retries, no stack trace, no token lost`, async () => {
      const tokens = storedTokens();
      await ctx.world.control('POST', 'faults', { ...fault, times: -1 });
      const before = ctx.world.apiRequests(await ctx.world.state()).length;
      const started = Date.now();
      const result = await runInProcess(command as unknown as string[], { configDir });
      const error = expectCleanFailure(result, kind);
      if ('code' in fault) expect(error.tiktok_code).toBe(fault.code);
      // At most 4 attempts per request the command makes (both conversation lists, the contents).
      const requests = ctx.world.apiRequests(await ctx.world.state()).length - before;
      expect(requests).toBeGreaterThanOrEqual(MAX_ATTEMPTS);
      expect(requests).toBeLessThanOrEqual(MAX_ATTEMPTS * 8);
      expect(Date.now() - started).toBeLessThan(15_000);
      await expectUsable(tokens);
    }, 30_000);
  }

  it('a reset during send: exit 6, sent once and never retried, says the message may have gone out', async () => {
    const tokens = storedTokens();
    await ctx.world.control('POST', 'messages', { from_username: 'maya', text: 'hello?' });
    await ctx.world.control('POST', 'faults', { path: 'business/message/send/', kind: 'reset', times: -1 });
    const before = ctx.world.requestsTo(await ctx.world.state(), 'business/message/send/').length;
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'On its way', '--json'], { configDir });
    const error = expectCleanFailure(result, 'network');
    expect(error.message).toContain('may or may not have been sent');
    expect(ctx.world.requestsTo(await ctx.world.state(), 'business/message/send/').length - before).toBe(1);
    await expectUsable(tokens);
  }, 30_000);

  // Child processes: each run a fresh process, as a user's successive commands are.
  it('a refresh interrupted by a reset leaves a usable account (explicit refresh, then an automatic one)', async () => {
    const tokens = storedTokens();
    await ctx.world.control('POST', 'faults', { path: 'tt_user/oauth2/refresh_token/', kind: 'reset', times: 1 });
    const cut = await runCli(['refresh', '--json'], { configDir });
    expectCleanFailure(cut, 'network');
    // Nothing half-written: the pair on disk is the one that still works.
    expect(storedTokens()).toEqual(tokens);
    await expectUsable(tokens, runCli);

    // The access token expired at TikTok: `conversations` refreshes on 40105, and the refresh is cut.
    await ctx.world.control('POST', 'tokens/expire', { business_id: ctx.account.businessId });
    await ctx.world.control('POST', 'faults', { path: 'tt_user/oauth2/refresh_token/', kind: 'reset', times: 1 });
    const cutAgain = await runCli(['conversations', '--json'], { configDir });
    expectCleanFailure(cutAgain, 'network');
    expect(storedTokens()).toEqual(tokens);
    // Its two lists both found the token stale and shared the one refresh: no second one took the
    // store's lock as the process exited, for the next command to wait out.
    expect(existsSync(join(configDir, 'accounts.json.lock'))).toBe(false);

    // The next run refreshes (the refresh token was never spent) and works.
    const healed = await runCli(['conversations', '--json'], { configDir });
    expect(healed.code, healed.stderr).toBe(0);
    const rotated = storedTokens();
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    const refreshed = await runCli(['refresh', '--json'], { configDir });
    expect(refreshed.code, refreshed.stderr).toBe(0);
  }, 30_000);
});
