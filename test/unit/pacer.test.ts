import { maxInWindow } from '../helpers/departures.js';
import { describe, expect, it, vi } from 'vitest';
import { parseMaxRps } from '../../src/config/max-rps.js';
import { DEFAULT_MAX_RPS, Pacer, PACER_MAX_GUARD_MS, paceKey } from '../../src/tiktok/pacer.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import type { RawRequest, RawResponse, Transport } from '../../src/http/raw.js';
import { CliError, toCliError } from '../../src/errors.js';

/** A clock that only moves when someone sleeps; `lateBy` makes every timer fire that much late. */
function fakeTime(lateBy: () => number = () => 0) {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      await Promise.resolve();
      now += ms + lateBy();
    },
    advance: (ms: number) => (now += ms),
  };
}

/** A clock that moves only when the test advances it; sleepers wake when their time has come, or abort. */
function manualTime() {
  let now = 1_000_000;
  const sleepers = new Set<{ until: number; wake: () => void }>();
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper = { until: now + ms, wake: () => (sleepers.delete(sleeper), resolve()) };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', () => (sleepers.delete(sleeper), reject(signal.reason)), { once: true });
      }),
    sleeping: () => sleepers.size,
    advance: async (ms: number) => {
      now += ms;
      for (const sleeper of [...sleepers]) if (sleeper.until <= now) sleeper.wake();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

async function departures(pacer: Pacer, time: { now: () => number }, count: number, key = 'account:a'): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(Array.from({ length: count }, () => pacer.take(key).then(() => times.push(time.now()))));
  return times;
}

describe('pacer (token bucket with a sliding-window cap, injected clock)', () => {
  it('lets the first requests of an idle account go at once, then paces evenly at the default rate', async () => {
    const time = fakeTime();
    const pacer = new Pacer({ rps: DEFAULT_MAX_RPS, now: time.now, sleep: time.sleep });
    const start = time.now();
    const times = await departures(pacer, time, 40);
    // One command's dozen calls (doctor's) never wait: ten go at once, the eleventh when the first is a second old.
    expect(times.slice(0, 10)).toEqual(Array(10).fill(start));
    expect(times[10]).toBe(start + 1_050);
    // Then even pacing: one per interval, no bursts.
    const gaps = times.slice(11).map((at, i) => at - times[10 + i]!);
    for (const gap of gaps) expect(gap).toBeCloseTo(pacer.interval, 6);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
  });

  it('a smaller burst can be asked for: then only that many go at once', async () => {
    const time = fakeTime();
    const pacer = new Pacer({ rps: 10, burst: 3, now: time.now, sleep: time.sleep });
    const start = time.now();
    const waits = await Promise.all(Array.from({ length: 5 }, () => pacer.take('account:a')));
    expect(waits).toEqual([0, 0, 0, pacer.interval, 2 * pacer.interval]);
    expect(time.now()).toBe(start + 2 * pacer.interval);
  });

  it('200 concurrent requests: never more than 10 in any one-second window, at close to 10 per second', async () => {
    const time = fakeTime();
    const pacer = new Pacer({ rps: 10, now: time.now, sleep: time.sleep });
    const start = time.now();
    const times = await departures(pacer, time, 200);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
    expect(maxInWindow(times, 1000 + 49)).toBeLessThanOrEqual(10); // the guard absorbs jitter up to 50 ms
    const seconds = (Math.max(...times) - start) / 1000;
    expect(seconds).toBeGreaterThan(19);
    expect(seconds).toBeLessThan((200 / 10) * 1.07); // floor 20 s; the guard costs 5 %
  });

  it('timers that fire late never crowd the window: it counts real departures', async () => {
    let n = 0;
    const time = fakeTime(() => [0, 70, 5, 40, 0, 90][n++ % 6]!);
    const pacer = new Pacer({ rps: 10, now: time.now, sleep: time.sleep });
    const times = await departures(pacer, time, 120);
    expect(maxInWindow(times, 1000 + 49)).toBeLessThanOrEqual(10);
  });

  it('other rates: 2.5 rps and 50 rps keep to floor(rps) per window', async () => {
    for (const rps of [2.5, 50]) {
      const time = fakeTime();
      const pacer = new Pacer({ rps, now: time.now, sleep: time.sleep });
      const times = await departures(pacer, time, Math.ceil(rps * 6));
      expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(Math.floor(rps));
    }
  });

  it('keeps one queue per key: one busy account does not delay another or the app', async () => {
    const time = fakeTime();
    const pacer = new Pacer({ rps: 10, now: time.now, sleep: time.sleep });
    for (let i = 0; i < 10; i++) await pacer.take('account:a');
    expect(pacer.delayFor('account:a')).toBeGreaterThan(1_000);
    expect(pacer.delayFor('account:b')).toBe(0);
    const before = time.now();
    await pacer.take('account:b');
    await pacer.take('app:client-key');
    expect(time.now()).toBe(before);
  });

  it('a hold-off (after 40100) stops the key for that long, then resumes at the even pace without a burst', async () => {
    const time = fakeTime();
    const pacer = new Pacer({ rps: 10, now: time.now, sleep: time.sleep });
    await pacer.take('account:a');
    const heldAt = time.now();
    pacer.holdOff('account:a', 2_000);
    const times = await departures(pacer, time, 4);
    expect(times[0]).toBe(heldAt + 2_000);
    // A 40100 means the server saw more jitter than the guard allowed for: the key spaces a little wider.
    const wider = pacer.intervalFor('account:a');
    expect(wider).toBeGreaterThan(pacer.interval);
    expect(times.slice(1).map((at, i) => at - times[i]!)).toEqual([wider, wider, wider]);
    expect(pacer.intervalFor('account:b')).toBe(pacer.interval);
  });

  it('repeated 40100s widen the guard only so far', () => {
    const pacer = new Pacer({ rps: 10 });
    for (let i = 0; i < 20; i++) pacer.holdOff('account:a', 0);
    expect(pacer.intervalFor('account:a')).toBe((1000 + PACER_MAX_GUARD_MS) / 10);
  });

  it('an aborted wait rejects at once and does not stall the requests queued behind it', async () => {
    const time = manualTime();
    const pacer = new Pacer({ rps: 1, now: time.now, sleep: time.sleep }); // one request per 1.05 s
    await pacer.take('account:a');
    const controller = new AbortController();
    const waiting = pacer.take('account:a', controller.signal);
    await vi.waitFor(() => expect(time.sleeping()).toBe(1));
    const aborted = time.now();
    controller.abort();
    // At once: the clock has not moved.
    await expect(waiting).rejects.toThrow();
    expect(time.now()).toBe(aborted);
    // The next one waits out the even pace from the last departure, not the aborted one's turn after it.
    let left = false;
    const behind = pacer.take('account:a').then(() => (left = true));
    await vi.waitFor(() => expect(time.sleeping()).toBe(1));
    await time.advance(pacer.interval - 1);
    expect(left).toBe(false);
    await time.advance(1);
    await behind;
    expect(time.now() - aborted).toBe(pacer.interval);
  });
});

describe('TIKTOK_CHANNEL_MAX_RPS', () => {
  it('defaults to 10 when unset or empty and accepts positive numbers', () => {
    expect(parseMaxRps(undefined)).toBe(10);
    expect(parseMaxRps('')).toBe(10);
    expect(parseMaxRps(' 4 ')).toBe(4);
    expect(parseMaxRps('2.5')).toBe(2.5);
    expect(parseMaxRps('1000')).toBe(1000);
  });

  it.each(['0', '-1', 'ten', '10rps', 'Infinity', 'NaN', '1e3', '1001', '0.0'])('refuses %j as a usage error (exit 2)', (value) => {
    let thrown: unknown;
    try {
      parseMaxRps(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(2);
    expect((thrown as CliError).message).toContain('TIKTOK_CHANNEL_MAX_RPS');
  });
});

describe('pace keys', () => {
  it('charges every call to the app (its client key): all its accounts share one budget', () => {
    expect(paceKey('tok', { business_id: 'b1' }, 'ck')).toBe('app:ck');
    expect(paceKey('tok2', { business_id: 'b2' }, 'ck')).toBe('app:ck');
    expect(paceKey(undefined, { client_id: 'ck' }, 'ck')).toBe('app:ck');
    expect(paceKey(undefined, { client_id: 'ck' })).toBe('app:ck');
    expect(paceKey(undefined, { app_id: 'ck', access_token: 'tok' })).toBe('app:ck');
  });

  it('without a client key (env access token only) the account stands in for its app, then the token', () => {
    expect(paceKey('tok', { business_id: 'b1' })).toBe('account:b1');
    expect(paceKey('tok', { business_id: 'b1' }, '')).toBe('account:b1');
    expect(paceKey('tok', {})).toBe('token:tok');
  });
});

describe('the client paces through the pacer', () => {
  const encoder = new TextEncoder();
  const answer = (code: number): RawResponse => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: encoder.encode(JSON.stringify({ code, message: code ? 'Too many requests. Please retry later.' : 'OK', request_id: 'r', data: {} })),
  });

  function setup(codes: number[] = []) {
    const time = fakeTime();
    const pacer = new Pacer({ rps: 10, now: time.now, sleep: time.sleep });
    const sent: Array<{ at: number; request: RawRequest }> = [];
    const transport: Transport = async (request) => {
      sent.push({ at: time.now(), request });
      return answer(codes.shift() ?? 0);
    };
    const make = () => new TikTokClient({ baseUrl: 'https://api.example/v1.3/', transport, pacer, sleep: async () => undefined, random: () => 1 });
    return { time, pacer, sent, make };
  }

  it("two clients in one process share an account's budget", async () => {
    const { sent, make } = setup();
    const [one, two] = [make(), make()];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? one : two).get('business/message/content/list/', { accessToken: 't', query: { business_id: 'b1', conversation_id: `c${i}` } }),
      ),
    );
    const times = sent.map((entry) => entry.at);
    expect(times.filter((at) => at === times[0])).toHaveLength(10);
    expect(times[10]).toBe(times[0]! + 1_050);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
  });

  it('a turn that went stale before its requests could leave (the process stalled) is taken again: no second holds 11', async () => {
    const time = fakeTime();
    let stalls = 1;
    // The process stalls for 60 ms (load, a long GC) right after its first turns were counted.
    class StallingPacer extends Pacer {
      override async takeTurn(key: string, signal?: AbortSignal) {
        const turn = await super.takeTurn(key, signal);
        if (stalls > 0) {
          stalls--;
          time.advance(60);
        }
        return turn;
      }
    }
    const pacer = new StallingPacer({ rps: 10, now: time.now, sleep: time.sleep });
    const sent: number[] = [];
    const lines: string[] = [];
    const transport: Transport = async () => {
      sent.push(time.now());
      return answer(0);
    };
    const client = new TikTokClient({
      baseUrl: 'https://api.example/v1.3/',
      transport,
      pacer,
      sleep: async () => undefined,
      debugLog: (line) => lines.push(line),
    });
    await Promise.all(
      Array.from({ length: 11 }, (_, i) =>
        client.get('business/message/content/list/', { accessToken: 't', query: { business_id: 'b1', conversation_id: `c${i}` } }),
      ),
    );
    expect(sent).toHaveLength(11);
    expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(10);
    expect(lines.filter((line) => line.includes('went stale')).length).toBeGreaterThan(0);
    expect(pacer.isLate('account:b1', time.now())).toBe(false);
    expect(pacer.isLate('account:b1', time.now() - 26)).toBe(true); // half the 50 ms guard
  });

  it('a 40100 holds the whole account back for the backoff before the retry', async () => {
    const { sent, make, pacer } = setup([40100]);
    const client = make();
    const other = client.get('business/get/', { accessToken: 't', query: { business_id: 'b1' } });
    await other;
    expect(sent).toHaveLength(2);
    // random() = 1: the full first backoff, 250 ms.
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(250);
    expect(pacer.delayFor('account:b1')).toBeGreaterThan(0);
  });

  it('--debug says when a request waited for its turn, without the token', async () => {
    const lines: string[] = [];
    const client = new TikTokClient({
      baseUrl: 'https://api.example/v1.3/',
      transport: async () => answer(0),
      pacer: new Pacer({ rps: 10 }),
      debugLog: (line) => lines.push(line),
    });
    for (let i = 0; i < 12; i++) await client.get('business/get/', { accessToken: 'secret-token', query: { business_id: 'b1' } });
    const paced = lines.filter((line) => line.startsWith('paced: waited'));
    expect(paced.length).toBeGreaterThanOrEqual(1);
    expect(paced[0]).toMatch(/^paced: waited \d+ ms for a turn under TIKTOK_CHANNEL_MAX_RPS=10$/);
    expect(lines.join('\n')).not.toContain('secret-token');
  });

  it('with the client key known, two accounts and the token exchange of one app share its budget', async () => {
    const { sent, pacer, time } = setup();
    const transport: Transport = async (request) => {
      sent.push({ at: time.now(), request });
      return answer(0);
    };
    const client = new TikTokClient({ baseUrl: 'https://api.example/v1.3/', transport, pacer, clientKey: 'ck', sleep: async () => undefined });
    await Promise.all([
      ...Array.from({ length: 5 }, () => client.get('business/get/', { accessToken: 't1', query: { business_id: 'b1' } })),
      ...Array.from({ length: 5 }, () => client.get('business/get/', { accessToken: 't2', query: { business_id: 'b2' } })),
      client.post('tt_user/oauth2/token/', { body: { client_id: 'ck', client_secret: 's', grant_type: 'authorization_code', auth_code: 'c' } }),
    ]);
    const times = sent.map((entry) => entry.at);
    expect(times.filter((at) => at === times[0])).toHaveLength(10);
    expect(times[10]).toBe(times[0]! + 1_050);
  });

  it.each([40016, 40133])('%i (a throttle) is a rate limit: backed off, the app held back, retried, even for a send', async (code) => {
    const { sent, make, pacer } = setup([code]);
    const client = make();
    await client.post('business/message/send/', { accessToken: 't', body: { business_id: 'b1' }, retry: 'refusals-only' });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(250);
    expect(pacer.delayFor('account:b1')).toBeGreaterThan(0);
    const { transport } = { transport: async () => answer(code) };
    const error = await new TikTokClient({ baseUrl: 'https://api.example/v1.3/', transport, pacer: false, sleep: async () => undefined })
      .get('business/get/')
      .then(() => undefined, toCliError);
    // The CLI's view of the client's TikTokApiError (src/errors.ts's table).
    expect(error).toBeInstanceOf(CliError);
    expect(error?.kind).toBe('rateLimit');
    expect(error?.exitCode).toBe(6);
  });

  it("a limiter of one's own is awaited before every request (retries too) instead of the pacer", async () => {
    const events: string[] = [];
    let answers = [40100, 0, 0];
    const transport: Transport = async (request) => {
      events.push(`send ${request.url.split('/').at(-2)}`);
      return answer(answers.shift() ?? 0);
    };
    const limiter = { acquire: async (signal: AbortSignal | undefined) => void events.push(`acquire ${signal ? 'signal' : 'none'}`) };
    const client = new TikTokClient({ baseUrl: 'https://api.example/v1.3/', transport, limiter, sleep: async () => undefined });
    await client.get('business/get/', { accessToken: 't', query: { business_id: 'b1' } });
    await client.get('business/get/', { accessToken: 't', query: { business_id: 'b1' } });
    expect(events).toEqual(['acquire none', 'send get', 'acquire none', 'send get', 'acquire none', 'send get']);
    // Ctrl-C while the limiter holds the request back: cancelled, nothing sent.
    answers = [];
    const controller = new AbortController();
    const held = {
      acquire: (signal: AbortSignal | undefined) => new Promise<void>((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason))),
    };
    const waiting = new TikTokClient({ baseUrl: 'https://api.example/v1.3/', transport, limiter: held, signal: controller.signal }).get('business/get/');
    controller.abort();
    await expect(waiting.catch((error: unknown) => Promise.reject(toCliError(error)))).rejects.toMatchObject({ kind: 'cancelled' });
    expect(events.filter((event) => event.startsWith('send'))).toHaveLength(3);
  });

  it('app-level calls (token exchange) do not wait behind a busy account', async () => {
    const { sent, make, time } = setup();
    const client = make();
    await Promise.all(Array.from({ length: 10 }, () => client.get('business/get/', { accessToken: 't', query: { business_id: 'b1' } })));
    const at = time.now();
    await client.post('tt_user/oauth2/token/', { body: { client_id: 'ck', client_secret: 's', grant_type: 'authorization_code', auth_code: 'c' } });
    expect(sent.at(-1)!.at).toBe(at);
  });
});
