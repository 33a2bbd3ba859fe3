// One rate budget per app across processes (issue 22 §4): pacers that share a config dir (one per
// process in real use; here two in one test, each with its own SharedBudget, as two processes have) keep
// the app's per-second and per-minute limits together. Injected clock; the lock's crash recovery uses a
// real child process that dies holding the lock.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/tiktok/pacer.js';
import { maxInWindow } from '../helpers/departures.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import { LOCK_STALE_MS, SharedBudget } from '../../src/tiktok/rate-file.js';

/**
 * A clock that moves only when every waiter sleeps: `run` lets the work settle, then jumps to the
 * earliest timer and fires it, so concurrent sleepers (two pacers) see one timeline.
 */
function fakeTime() {
  let now = 1_700_000_000_000;
  const timers: Array<{ at: number; fire: () => void }> = [];
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        timers.push({ at: now + ms, fire: resolve });
      }),
    /** Moves the clock by hand (no one waiting). */
    pass: (ms: number) => void (now += ms),
    async run<T>(work: Promise<T>): Promise<T> {
      let done = false;
      void work.then(
        () => (done = true),
        () => (done = true),
      );
      for (;;) {
        await settle();
        if (done) return work;
        if (!timers.length) throw new Error('nothing to wait for, and the work is not done');
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift()!;
        now = Math.max(now, next.at);
        next.fire();
      }
    },
  };
}

const rateDir = () => join(mkdtempSync(join(tmpdir(), 'ttc-rate-')), 'rate');

/** Two "processes": separate pacers and separate SharedBudget instances on one dir, one clock. */
function twoProcesses(rps = 10) {
  const time = fakeTime();
  const dir = rateDir();
  const make = () => new Pacer({ rps, now: time.now, sleep: time.sleep, shared: new SharedBudget({ dir, rps, now: time.now }) });
  return { time, dir, one: make(), two: make() };
}

describe('shared budget (two processes on one config dir)', () => {
  it('200 requests split over two pacers: never more than 10 in any second together, at close to 10 per second', async () => {
    const { time, one, two } = twoProcesses();
    const start = time.now();
    const times: number[] = [];
    await time.run(Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? one : two).take('app:ck').then(() => times.push(time.now())))));
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
    expect(maxInWindow(times, 1000 + 49)).toBeLessThanOrEqual(10);
    const seconds = (Math.max(...times) - start) / 1000;
    expect(seconds).toBeGreaterThan(19);
    expect(seconds).toBeLessThan(20 * 1.1);
  });

  it('pacers without the shared file (as before) would have sent 20 in a second: the check can fail', async () => {
    const time = fakeTime();
    const [one, two] = [new Pacer({ rps: 10, now: time.now, sleep: time.sleep }), new Pacer({ rps: 10, now: time.now, sleep: time.sleep })];
    const times: number[] = [];
    await time.run(Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).take('app:ck').then(() => times.push(time.now())))));
    expect(maxInWindow(times, 1000)).toBe(20);
  });

  it('budgets are per key: another app is not held back', async () => {
    const { time, one, two } = twoProcesses();
    for (let i = 0; i < 10; i++) await time.run(one.take('app:ck'));
    const at = time.now();
    await time.run(two.take('app:other'));
    expect(time.now()).toBe(at);
    await time.run(two.take('app:ck'));
    expect(time.now()).toBe(at + 1_050);
  });

  it('the per-minute limit (60 × rps) holds across processes whose per-second figures differ', () => {
    const time = fakeTime();
    const dir = rateDir();
    const budget = new SharedBudget({ dir, rps: 10, now: time.now });
    // Another process (say TIKTOK_CHANNEL_MAX_RPS=20 by mistake) left 600 departures in the last 59 s.
    const first = time.now() - 59_000;
    const departures = Array.from({ length: 600 }, (_, i) => first + i * 95);
    mkdirSync(dir, { recursive: true });
    writeFileSync(budget.pathFor('app:ck'), JSON.stringify({ v: 1, t0: first, d: departures.map((t) => t - first) }));
    time.pass(1_000); // the last second is quiet: only the minute says no
    const claim = budget.claim('app:ck', 50);
    expect(claim).toEqual({ ok: false, waitMs: first + 60_000 + 50 - time.now(), busy: false });
    expect(budget.perMinute).toBe(600);
  });

  it('drops departures older than the minute and from the future (a clock stepped back), and stores the rest rebased on the oldest', () => {
    const time = fakeTime();
    const dir = rateDir();
    const budget = new SharedBudget({ dir, rps: 10, now: time.now });
    const t0 = time.now() - 90_000;
    // 90 s and 70 s ago (gone), 30 s and 5 s ago (kept), 10 s ahead (gone), and one that is not a number.
    mkdirSync(dir, { recursive: true });
    writeFileSync(budget.pathFor('app:ck'), JSON.stringify({ v: 1, t0, d: [0, 20_000, 60_000, 85_000, 100_000, 'x'] }));
    expect(budget.claim('app:ck', 50)).toEqual({ ok: true });
    const stored = JSON.parse(readFileSync(budget.pathFor('app:ck'), 'utf8'));
    expect(stored).toEqual({ v: 1, t0: time.now() - 30_000, d: [0, 25_000, 30_000] });
  });

  it('a 40100 seen by one process holds the other back for the backoff', async () => {
    const { time, one, two } = twoProcesses();
    await time.run(one.take('app:ck'));
    const at = time.now();
    one.holdOff('app:ck', 2_000);
    await time.run(two.take('app:ck'));
    expect(time.now()).toBe(at + 2_000);
  });

  it('keeps neither the key nor a token in the file or its name; the file is 0600', async () => {
    const { dir, one, time } = twoProcesses();
    await time.run(one.take('token:secret-access-token'));
    const budget = one.shared!;
    const path = budget.pathFor('token:secret-access-token');
    expect(path.startsWith(dir)).toBe(true);
    expect(path).not.toContain('secret');
    expect(readFileSync(path, 'utf8')).not.toContain('secret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe('the lock', () => {
  it('a holder that crashed inside the lock (a dead pid) never blocks the others', () => {
    const dir = rateDir();
    const budget = new SharedBudget({ dir, rps: 10 });
    budget.claim('app:ck', 50);
    const lock = `${budget.pathFor('app:ck')}.lock`;
    // A real process takes the lock the way the budget does, then dies without releasing it.
    const child = spawnSync(process.execPath, [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(lock)}, process.pid + ' ' + ${JSON.stringify(hostname().replace(/\s/g, '_'))}, { flag: 'wx' }); process.kill(process.pid, 'SIGKILL')`,
    ]);
    expect(child.signal).toBe('SIGKILL');
    expect(existsSync(lock)).toBe(true);
    expect(budget.claim('app:ck', 50)).toEqual({ ok: true });
    expect(existsSync(lock)).toBe(false);
  });

  it('a live holder makes others wait a moment; once older than the stale timeout it is broken', () => {
    const dir = rateDir();
    const budget = new SharedBudget({ dir, rps: 10 });
    budget.claim('app:ck', 50);
    const lock = `${budget.pathFor('app:ck')}.lock`;
    // Our own (live) pid from "another host": only age can make it stale.
    writeFileSync(lock, `${process.pid} elsewhere`);
    const busy = budget.claim('app:ck', 50);
    expect(busy.ok).toBe(false);
    expect(busy.ok === false && busy.busy).toBe(true);
    expect(busy.ok === false && busy.waitMs).toBeLessThan(10);
    const old = new Date(Date.now() - LOCK_STALE_MS - 100);
    utimesSync(lock, old, old);
    expect(budget.claim('app:ck', 50)).toEqual({ ok: true });
    expect(JSON.parse(readFileSync(budget.pathFor('app:ck'), 'utf8')).d).toHaveLength(2);
  });

  it('a rate dir removed under a running process is made again at its next turn', () => {
    const dir = rateDir();
    const budget = new SharedBudget({ dir, rps: 10 });
    expect(budget.claim('app:ck', 50)).toEqual({ ok: true });
    rmSync(dir, { recursive: true });
    const claims = [budget.claim('app:ck', 50), budget.claim('app:ck', 50)];
    expect(claims.at(-1)).toEqual({ ok: true });
    expect(budget.failure).toBeUndefined();
    expect(existsSync(budget.pathFor('app:ck'))).toBe(true);
  });

  it('a config dir that cannot hold the file turns sharing off for the process instead of failing requests', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ttc-rate-'));
    writeFileSync(join(parent, 'rate'), 'a file in the way');
    const time = fakeTime();
    const pacer = new Pacer({ rps: 10, now: time.now, sleep: time.sleep, shared: new SharedBudget({ dir: join(parent, 'rate'), rps: 10, now: time.now }) });
    await time.run(pacer.take('app:ck'));
    expect(pacer.shared!.failure).toBeInstanceOf(Error);
    for (let i = 0; i < 9; i++) await time.run(pacer.take('app:ck'));
    expect(pacer.delayFor('app:ck')).toBeGreaterThan(0);
  });

  it('--debug says once that the budget is not shared, and requests still go', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ttc-rate-'));
    writeFileSync(join(parent, 'rate'), 'a file in the way');
    const lines: string[] = [];
    const body = new TextEncoder().encode(JSON.stringify({ code: 0, message: 'OK', request_id: 'r', data: {} }));
    const pacer = new Pacer({ rps: 10, shared: new SharedBudget({ dir: join(parent, 'rate'), rps: 10 }) });
    const client = new TikTokClient({
      baseUrl: 'https://api.example/v1.3/',
      transport: async () => ({ status: 200, headers: {}, body }),
      pacer,
      clientKey: 'ck',
      debugLog: (line) => lines.push(line),
    });
    for (let i = 0; i < 3; i++) await client.get('business/get/', { accessToken: 't', query: { business_id: 'b1' } });
    const said = lines.filter((line) => line.includes('not shared with other processes'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(join(parent, 'rate'));
  });
});
