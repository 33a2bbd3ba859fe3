// The waits of `tail replay` and the forwarder's drain end the moment their signal aborts (Ctrl-C), and the
// drain ends the moment its last attempt does. setTimeout is faked while they wait and the clock is never
// moved: a wait that still counted on a timer would never settle, and each test bounds that in turns of the
// event loop, not in milliseconds a loaded machine could blow.
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeps } from '../../src/deps.js';
import { createTestIO } from '../../src/io/io.js';
import { Forwarder } from '../../src/tail/forwarder.js';
import { Journal } from '../../src/tail/journal.js';
import { run as replay } from '../../src/tail/replay.js';
import { delivery, inbound, sign } from '../helpers/tail.js';

const SECRET = 'abortable-waits-secret';
const BIZ = '-000AbortableBiz';

/** True when `promise` settles within `turns` turns of the event loop (setImmediate is not faked). */
async function settlesWithin(promise: Promise<unknown>, turns = 10_000): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turn = 0; turn < turns && !settled; turn++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

const fakeTimeouts = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

/** A target that calls `onRequest` with each request's response, to answer now or later. */
async function startTarget(onRequest: (res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => onRequest(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
}

/** A config dir whose journal holds one signed delivery, received now. */
async function journalOne(forward: boolean): Promise<{ configDir: string; journal: Journal; ref: Awaited<ReturnType<Journal['append']>> }> {
  const configDir = mkdtempSync(join(tmpdir(), 'ttc-abortable-'));
  const journal = await Journal.open({ dir: join(configDir, 'journal') });
  const body = Buffer.from(delivery('im_receive_msg', inbound(BIZ, { message_id: 'm-1', type: 'text', text: { body: 'hi' } }), { user_openid: BIZ }));
  const ref = await journal.append({
    at: Date.now(),
    account: BIZ,
    known: true,
    key: `${BIZ}|m:m-1`,
    signedAt: Math.floor(Date.now() / 1000),
    duplicate: false,
    forward,
    headers: { 'tiktok-signature': sign(SECRET, body) },
    body,
  });
  return { configDir, journal, ref };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('tail replay', () => {
  it('stops at once when Ctrl-C comes during the pause before a retry', async () => {
    let requests = 0;
    const url = await startTarget((res) => {
      requests++;
      res.writeHead(500, { 'content-type': 'text/plain' }).end('down');
    });
    const { configDir, journal } = await journalOne(false);
    await journal.close();
    const controller = new AbortController();
    const { io, stderr } = createTestIO();
    const warn = io.warn.bind(io);
    // The retry is announced, then paused for: from here no timer fires, and Ctrl-C comes one turn later.
    io.warn = (text) => {
      warn(text);
      fakeTimeouts();
      setImmediate(() => controller.abort());
    };
    const deps = createDeps({
      io,
      env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, TIKTOK_CHANNEL_CLIENT_SECRET: SECRET },
      globals: { json: false, debug: false },
      signal: controller.signal,
    });
    const replaying = replay({ since: '1h', forwardTo: url }, deps);
    expect(await settlesWithin(replaying)).toBe(true);
    expect(await replaying).toBe(130);
    expect(requests).toBe(1);
    expect(stderr()).toContain('trying again in 0.25 s (attempt 2 of 3)');
    expect(stderr()).toContain('Stopped: 0 of 1 replayed.');
  });
});

describe('the forwarder stopping with an attempt in flight', () => {
  async function inFlight() {
    const { journal, ref } = await journalOne(true);
    cleanups.push(() => journal.close());
    const held: ServerResponse[] = [];
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const url = await startTarget((res) => {
      held.push(res);
      arrived();
    });
    const forwarded: number[] = [];
    const forwarder = new Forwarder({ url, journal, onForwarded: (outcome) => forwarded.push(outcome.status ?? 0) });
    forwarder.enqueue({ ref, lane: 'c:1' });
    await reached;
    return { forwarder, held, forwarded };
  }

  it('ends its grace as soon as the last attempt is answered', async () => {
    const { forwarder, held, forwarded } = await inFlight();
    fakeTimeouts();
    const stopping = forwarder.stop(600_000);
    held[0]!.writeHead(200).end('ok');
    expect(await settlesWithin(stopping)).toBe(true);
    expect(forwarded).toEqual([200]);
    expect(forwarder.pending).toBe(0);
  });

  it('ends its grace at once when its signal aborts, the attempt still owed', async () => {
    const { forwarder, forwarded } = await inFlight();
    fakeTimeouts();
    const controller = new AbortController();
    const stopping = forwarder.stop(600_000, controller.signal);
    setImmediate(() => controller.abort());
    expect(await settlesWithin(stopping)).toBe(true);
    expect(forwarded).toEqual([]);
    expect(forwarder.pending).toBe(1);
  });
});
