// The receiver in-process, over real loopback HTTP: deliveries without `content` keep their own ids, a
// byte-exact replay is refused for the whole tolerance window whatever the volume (and two identical
// requests at once cannot both be taken), slow sockets are closed and one source cannot hold every
// connection, and the sender of an oversized body reads the 413.
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/tail/accounts.js';
import { DedupeSet } from '../../src/tail/dedupe.js';
import { Journal } from '../../src/tail/journal.js';
import { startReceiver, type ReceivedDelivery, type Receiver, type ReceiverOptions } from '../../src/tail/receiver.js';
import { ReplayGuard } from '../../src/tail/replay-guard.js';
import { post } from '../helpers/tail.js';

const SECRET = 'receiver-test-secret';
const BIZ = '-000ReceiverBiz';
const sign = (body: string | Buffer, t = Math.floor(Date.now() / 1000)) =>
  `t=${t},s=${createHmac('sha256', SECRET).update(`${t}.`).update(body).digest('hex')}`;

let running: { receiver: Receiver; journal: Journal } | undefined;
afterEach(async () => {
  await running?.receiver.close(0);
  await running?.journal.close();
  running = undefined;
});

async function start(extra: Partial<ReceiverOptions> = {}) {
  const journal = await Journal.open({ dir: join(mkdtempSync(join(tmpdir(), 'ttc-recv-')), 'journal') });
  const dedupe = extra.dedupe ?? new DedupeSet();
  const delivered: ReceivedDelivery[] = [];
  const printed: ReceivedDelivery[] = [];
  const refused: number[] = [];
  const receiver = await startReceiver({
    host: '127.0.0.1',
    port: 0,
    path: '/webhook',
    toleranceSeconds: 300,
    accounts: new AccountDirectory([{ businessId: BIZ, channelName: 'test', clientKey: 'key', clientSecret: SECRET }]),
    journal,
    dedupe,
    forward: false,
    // As tail does: print what the dedupe set has not seen.
    onDelivery: (delivery) => {
      delivered.push(delivery);
      if (dedupe.add(delivery.record.key, delivery.record.signedAt)) printed.push(delivery);
    },
    onRefused: (refusal) => refused.push(refusal.status),
    ...extra,
  });
  running = { receiver, journal };
  return { receiver, journal, delivered, printed, refused, url: receiver.url };
}

const message = (id: string) =>
  JSON.stringify({
    event: 'im_receive_msg',
    user_openid: BIZ,
    create_time: 1,
    content: JSON.stringify({ message_id: id, conversation_id: 'c', type: 'text', text: { body: id } }),
  });

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const connections = (receiver: Receiver) => new Promise<number>((resolve) => receiver.server.getConnections((_, count) => resolve(count)));

describe('receiver', () => {
  it('gives different deliveries without content different keys: each is printed, none is a replay', async () => {
    const { url, printed } = await start();
    const t = Math.floor(Date.now() / 1000);
    const bodies = [1, 2, 3].map((n) => JSON.stringify({ event: 'im_future_event', user_openid: BIZ, create_time: 1_700_000_000 + n, payload: { n } }));
    const answers = await Promise.all(bodies.map((body) => post(url, body, { 'tiktok-signature': sign(body, t) })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(printed).toHaveLength(3);
    expect(new Set(printed.map((delivery) => delivery.record.key)).size).toBe(3);
    expect(new Set(printed.map((delivery) => delivery.event.id)).size).toBe(3);
    // The same body again (TikTok's redelivery, signed anew) is still the same event.
    const again = await post(url, bodies[0]!, { 'tiktok-signature': sign(bodies[0]!, t + 1) });
    expect(again.status).toBe(200);
    expect(printed).toHaveLength(3);
  });

  it('refuses a byte-exact replay within the tolerance window however many deliveries came between', async () => {
    // A print-once set far smaller than the traffic: the replay guard must not depend on it.
    const { url, printed } = await start({ dedupe: new DedupeSet(50) });
    const first = message('m-0');
    const signature = sign(first);
    expect((await post(url, first, { 'tiktok-signature': signature })).status).toBe(200);
    for (let index = 1; index <= 120; index++) {
      const body = message(`m-${index}`);
      expect((await post(url, body, { 'tiktok-signature': sign(body) })).status).toBe(200);
    }
    const replay = await post(url, first, { 'tiktok-signature': signature });
    expect(replay.status).toBe(409);
    expect(printed.filter((delivery) => delivery.event.message_id === 'm-0')).toHaveLength(1);
  });

  it('takes exactly one of two identical requests sent at once', async () => {
    const { url, printed } = await start();
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const body = message(`pair-${index}`);
        const signature = sign(body);
        const pair = await Promise.all([post(url, body, { 'tiktok-signature': signature }), post(url, body, { 'tiktok-signature': signature })]);
        return pair.map((answer) => answer.status).sort();
      }),
    );
    for (const pair of statuses) expect(pair).toEqual([200, 409]);
    expect(printed).toHaveLength(40);
  });

  it('answers 503 instead of forgetting when the replay guard is full, and frees keys once they are stale', async () => {
    let now = Date.now();
    const guard = new ReplayGuard({ toleranceSeconds: 300, maxEntries: 3, now: () => now });
    const { url, refused } = await start({ replayGuard: guard, now: () => now });
    const bodies = [0, 1, 2, 3].map((index) => message(`full-${index}`));
    for (const body of bodies.slice(0, 3)) expect((await post(url, body, { 'tiktok-signature': sign(body, Math.floor(now / 1000)) })).status).toBe(200);
    const over = await post(url, bodies[3]!, { 'tiktok-signature': sign(bodies[3]!, Math.floor(now / 1000)) });
    expect(over.status).toBe(503);
    expect(refused).toContain(503);
    now += 301_000;
    expect((await post(url, bodies[3]!, { 'tiktok-signature': sign(bodies[3]!, Math.floor(now / 1000)) })).status).toBe(200);
    expect(guard.size).toBe(1);
  });

  it("releases a reserved key when the journal write fails, so TikTok's retry of the same bytes is taken", async () => {
    const { url, journal, printed } = await start();
    const body = message('retry-me');
    const signature = sign(body);
    const append = journal.append.bind(journal);
    journal.append = () => Promise.reject(new Error('ENOSPC: no space left on device'));
    expect((await post(url, body, { 'tiktok-signature': signature })).status).toBe(503);
    journal.append = append;
    expect((await post(url, body, { 'tiktok-signature': signature })).status).toBe(200);
    expect(printed).toHaveLength(1);
  });

  it('closes sockets that never finish their headers, even when they ignore the close, while valid traffic flows', async () => {
    const { receiver, url } = await start({ headersTimeoutMs: 400, requestTimeoutMs: 800, connectionsCheckingIntervalMs: 100 });
    const slow: Socket[] = [];
    for (let index = 0; index < 20; index++) {
      // allowHalfOpen: the peer keeps its side open after our FIN, as a slowloris does.
      const socket = connect({ port: receiver.port, host: '127.0.0.1', allowHalfOpen: true });
      socket.on('error', () => undefined);
      socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      slow.push(socket);
    }
    const trickle = setInterval(() => slow.forEach((socket) => socket.writable && socket.write('a')), 50);
    try {
      await until(async () => (await connections(receiver)) === 20, 2_000, 'the slow sockets to connect');
      const body = message('while-slow');
      expect((await post(url, body, { 'tiktok-signature': sign(body) })).status).toBe(200);
      await until(() => slow.every((socket) => socket.destroyed || socket.readableEnded), 5_000, 'the slow sockets to be closed');
      await until(async () => (await connections(receiver)) === 0, 5_000, 'the server to let go of every slow socket');
    } finally {
      clearInterval(trickle);
      slow.forEach((socket) => socket.destroy());
    }
  });

  it('caps concurrent connections from one address', async () => {
    const { receiver, url } = await start({ maxConnectionsPerSource: 5 });
    const idle: Socket[] = [];
    const closed: boolean[] = [];
    for (let index = 0; index < 8; index++) {
      const socket = connect({ port: receiver.port, host: '127.0.0.1', allowHalfOpen: true });
      socket.on('error', () => undefined);
      const slot = closed.push(false) - 1;
      // Closed by the server: its FIN arrives (this peer, half-open, would otherwise keep the socket).
      socket.on('end', () => (closed[slot] = true));
      socket.on('close', () => (closed[slot] = true));
      idle.push(socket);
    }
    try {
      await until(() => closed.filter(Boolean).length === 3, 3_000, 'the connections over the cap to be closed');
      expect(await connections(receiver)).toBe(5);
    } finally {
      idle.forEach((socket) => socket.destroy());
    }
    await until(async () => (await connections(receiver)) === 0, 3_000, 'the idle sockets to go');
    const body = message('after-cap');
    expect((await post(url, body, { 'tiktok-signature': sign(body) })).status).toBe(200);
  });

  it('lets a fetch() sender of an oversized body read the 413', async () => {
    const { url, refused } = await start();
    const body = JSON.stringify({ event: 'im_receive_msg', user_openid: BIZ, content: 'x'.repeat(3 * 1024 * 1024) });
    for (let run = 0; run < 3; run++) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'tiktok-signature': sign(body) }, body });
      expect(response.status).toBe(413);
      expect(response.headers.get('connection')).toBe('close');
      expect(await response.text()).toContain('over');
    }
    // A streamed body with no length: refused once it passes the limit, and the sender still hears why.
    // It trickles (as over a slow uplink), so the refusal comes long before the sender is done.
    let chunks = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (chunks++ === 48) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 15));
        controller.enqueue(new Uint8Array(64 * 1024).fill(120));
      },
    });
    const streamed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tiktok-signature': sign('x') },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // A sender still writing its declared 3 MB well after the 413 came (a slow uplink): its writes go
    // through (no EPIPE, no reset), then the server closes the connection in order.
    const { receiver } = running!;
    const outcome = await new Promise<{ answer: string; error?: string; ended: boolean; sentAll: boolean }>((resolve) => {
      const socket = connect({ port: receiver.port, host: '127.0.0.1' });
      let answer = '';
      let ended = false;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
        if (!answer.includes('\r\n\r\n') || sentRest) return;
        sentRest = true;
        // The refusal is here; the sender's next chunks leave long after it.
        setTimeout(() => {
          socket.write(Buffer.alloc(1024 * 1024, 120));
          setTimeout(() => {
            sentAll = !socket.destroyed && !ended;
            socket.end(Buffer.alloc(body.length - 2 * 1024 * 1024, 120));
          }, 200);
        }, 300);
      });
      let sentRest = false;
      let sentAll = false;
      socket.on('end', () => (ended = true));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve({ answer, error: error.code, ended, sentAll }));
      socket.on('close', () => resolve({ answer, ended, sentAll }));
      socket.write(
        `POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\ntiktok-signature: ${sign(body)}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(1024 * 1024, 120));
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.sentAll).toBe(true);
    expect(outcome.ended).toBe(true);
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 413 [\s\S]*connection: close/i);
    expect(refused.filter((status) => status === 413)).toHaveLength(5);
  });
});

describe('receiver answers', () => {
  const raw = (url: string, body: string, signature: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.write(
        `POST /webhook HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ntiktok-signature: ${signature}\r\n\r\n${body}`,
      );
    });

  it('declares the length of the 200 and of a refusal instead of sending them chunked', async () => {
    const { url } = await start();
    const body = message('length-1');
    const accepted = await raw(url, body, sign(body));
    expect(accepted).toMatch(/^HTTP\/1\.1 200 /);
    expect(accepted).toMatch(/\r\ncontent-length: 3\r\n/i);
    expect(accepted).not.toMatch(/transfer-encoding/i);
    expect(accepted.endsWith('\r\n\r\nok\n')).toBe(true);
    const refused = await raw(url, body, sign(`${body} `));
    expect(refused).toMatch(/^HTTP\/1\.1 401 /);
    expect(refused).not.toMatch(/transfer-encoding/i);
    const [head, text] = refused.split('\r\n\r\n') as [string, string];
    expect(Number(/content-length: (\d+)/i.exec(head)?.[1])).toBe(Buffer.byteLength(text));
    expect(text).toMatch(/signature/i);
  });
});

describe('replay guard', () => {
  it('keeps each (key, signature time) pair apart: redeliveries pass, replays do not, release and staleness forget only their pair', () => {
    let nowMs = 1_000_000_000;
    const guard = new ReplayGuard({ toleranceSeconds: 10, now: () => nowMs });
    const t = nowMs / 1000;
    expect(guard.reserve('k', t)).toBe('reserved');
    expect(guard.reserve('k', t)).toBe('replay');
    // TikTok's redelivery of the same event is signed anew: a second pair for the key.
    expect(guard.reserve('k', t + 1)).toBe('reserved');
    expect(guard.reserve('k', t + 1)).toBe('replay');
    expect(guard.reserve('k', t + 2)).toBe('reserved');
    expect(guard.size).toBe(3);
    guard.release('k', t + 1);
    expect(guard.size).toBe(2);
    expect(guard.reserve('k', t)).toBe('replay');
    expect(guard.reserve('k', t + 2)).toBe('replay');
    expect(guard.reserve('k', t + 1)).toBe('reserved');
    expect(guard.reserve('other', t)).toBe('reserved');
    // Past t + tolerance the pairs of second t go (both keys), the later ones stay.
    nowMs = (t + 11) * 1000;
    expect(guard.reserve('k', t + 2)).toBe('replay');
    expect(guard.size).toBe(2);
    expect(guard.reserve('k', t)).toBe('reserved');
    expect(guard.size).toBe(2);
  });
});
