// `tail replay` and the forward answer, with the built CLI as child processes over real HTTP. The
// deliveries reach the journal through tail's own receiving path: signed here an hour ago (tail runs with
// a tolerance wide enough to take them), so their signatures are stale for a handler verifying with
// TikTok's sample tolerance of 5 s. A replay must be re-signed now, byte-identical, in journal order.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { runInProcess } from '../helpers/run.js';
import { BIN } from '../helpers/cli.js';
import { startTmux } from '../helpers/tmux.js';
import { delivery, inbound, interrupt, postSigned, startTail } from '../helpers/tail.js';

const BIZ: string = SEED.defaultBusinessId;
const ctx = useConnectedWorld();
let secret: string;
beforeAll(() => {
  secret = ctx.world.server.clientSecret;
});

interface Received {
  body: Buffer;
  headers: IncomingMessage['headers'];
  verified: boolean;
}

/** A handler as TikTok's sample verifies: HMAC of `t.body`, and t within 5 s of now. */
async function startTarget(answer: (received: Received) => { status: number; text: string }): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = String(req.headers['tiktok-signature'] ?? '');
      const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
      const s = /(?:^|,)s=([0-9a-f]{64})/.exec(header)?.[1];
      const expected = t ? createHmac('sha256', secret).update(`${t}.`).update(body).digest() : undefined;
      const signed = Boolean(expected && s && timingSafeEqual(Buffer.from(s, 'hex'), expected));
      const fresh = t !== undefined && Math.abs(Date.now() / 1000 - Number(t)) <= 5;
      const entry = { body, headers: req.headers, verified: signed && fresh };
      received.push(entry);
      const { status, text } = entry.verified ? answer(entry) : { status: 401, text: 'stale or wrong signature' };
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const message = (id: string, conversation = 'conv-replay') =>
  delivery('im_receive_msg', inbound(BIZ, { conversation_id: conversation, message_id: id, type: 'text', text: { body: `text of ${id}` } }), {
    user_openid: BIZ,
    client_key: ctx.world.server.clientKey,
  });

/** Journals `bodies` through a real tail, signed an hour ago; returns the events tail printed. */
async function journalAnHourAgo(configDir: string, bodies: string[]): Promise<{ events: any[]; signedAt: number }> {
  const signedAt = Math.floor(Date.now() / 1000) - 3600;
  const tail = await startTail(['--port', '0', '--tolerance', '4000'], { configDir });
  try {
    for (const body of bodies) expect((await postSigned(tail.url, body, secret, { t: signedAt })).status).toBe(200);
    const events = await tail.waitForEvents(bodies.length);
    expect((await interrupt(tail)).code).toBe(130);
    return { events, signedAt };
  } finally {
    tail.child.kill('SIGKILL');
  }
}

const jsonLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));

describe('tail replay', () => {
  it('re-sends an hour-old delivery re-signed now: a 5-second verifier accepts it, bytes identical, in journal order', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const bodies = [message('r-1'), message('r-2', 'conv-other'), message('r-3')];
    const { events, signedAt } = await journalAnHourAgo(configDir, bodies);
    const target = await startTarget(() => ({ status: 200, text: 'ok thanks\nsecond line' }));

    // The signature the delivery arrived with is refused by such a handler: it is an hour old.
    expect((await postSigned(target.url, bodies[0]!, secret, { t: signedAt })).status).toBe(401);
    target.received.length = 0;

    const replay = await runInProcess(['tail', 'replay', '--since', '2h', '--forward-to', target.url, '--json'], { configDir });
    expect(replay.code, replay.stderr).toBe(0);
    expect(target.received).toHaveLength(3);
    target.received.forEach((entry, index) => {
      expect(entry.verified).toBe(true);
      expect(entry.body.equals(Buffer.from(bodies[index]!))).toBe(true);
      expect(entry.headers['x-tiktok-channel-replay']).toBe(String(signedAt));
      expect(entry.headers['x-tiktok-channel-delivery-id']).toBe(events[index].id);
    });
    const lines = jsonLines(replay.stdout);
    expect(lines.map((line) => line.id)).toEqual(events.map((event) => event.id));
    for (const line of lines) {
      expect(line).toMatchObject({ kind: 'message', replayed: true, forward: { status: 200, body_preview: 'ok thanks' } });
      expect(line.forward.ms).toEqual(expect.any(Number));
    }

    // By id (the `id` tail --json printed): only that one, and the filters narrow a --since replay.
    const one = await runInProcess(['tail', 'replay', events[1].id, '--forward-to', target.url, '--json'], { configDir });
    expect(one.code, one.stderr).toBe(0);
    expect(target.received).toHaveLength(4);
    expect(target.received[3]!.body.equals(Buffer.from(bodies[1]!))).toBe(true);
    const filtered = await runInProcess(['tail', 'replay', '--since', '2h', '--conversation', 'conv-replay', '--forward-to', target.url, '--json'], {
      configDir,
    });
    expect(jsonLines(filtered.stdout).map((line) => line.id)).toEqual([events[0].id, events[2].id]);

    // An id the journal does not have is refused before anything is sent.
    const before = target.received.length;
    const unknown = await runInProcess(['tail', 'replay', 'no-such-id', '--forward-to', target.url], { configDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No journaled delivery has the id no-such-id/);
    expect(target.received).toHaveLength(before);
  });

  it('--dry-run lists what would go and sends nothing', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const { events } = await journalAnHourAgo(configDir, [message('d-1'), message('d-2')]);
    const target = await startTarget(() => ({ status: 200, text: 'ok' }));
    const dry = await runInProcess(['tail', 'replay', '--since', '2h', '--forward-to', target.url, '--dry-run', '--json'], { configDir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(jsonLines(dry.stdout).map((line) => [line.id, line.replayed, line.forward.dry_run])).toEqual(events.map((event) => [event.id, true, true]));
    expect(dry.stderr).toMatch(/2 deliveries would be re-sent .* nothing was sent/);
    expect(target.received).toHaveLength(0);
  });

  it("shows a failing target's 500 with the first line of its body, on the terminal cut to its width, and exits 6", async () => {
    const configDir = await ctx.world.store(ctx.account);
    await journalAnHourAgo(configDir, [message('f-1')]);
    const stack = `TypeError: Cannot read properties of undefined (reading 'text') ${'x'.repeat(200)}\n    at handler (/app/index.js:12:7)`;
    const target = await startTarget(() => ({ status: 500, text: stack }));
    const json = await runInProcess(['tail', 'replay', '--since', '2h', '--forward-to', target.url, '--json'], { configDir });
    expect(json.code).toBe(6);
    // Retried (re-signed each time) before it is reported.
    expect(target.received.length).toBeGreaterThan(1);
    expect(target.received.every((entry) => entry.verified)).toBe(true);
    const [line] = jsonLines(json.stdout);
    expect(line.forward).toMatchObject({
      status: 500,
      attempts: 3,
      body_preview: expect.stringMatching(/^TypeError: Cannot read properties of undefined \(reading 'text'\) x+$/),
    });

    const session = startTmux([process.execPath, BIN, 'tail', 'replay', '--since', '2h', '--forward-to', target.url], {
      env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' },
      width: 100,
    });
    try {
      const screen = await session.waitFor(/\[exit 6\]/, 20_000);
      const rows = screen.split('\n');
      const at = rows.findIndex((row) => row.includes('text of f-1'));
      // Beside the event, or on the line under it when the event leaves too little room.
      const answer = `${rows[at]}\n${rows[at + 1]}`;
      expect(answer).toMatch(/→ 500 in \d+ ms: TypeError: Cannot read properties of undefined \(reading 'text'\) x*… {2}\(3 attempts\)$/);
      // The event and its answer never wrap (tmux -J would join a wrapped row into one longer than 100).
      for (const row of rows.slice(at, at + 2)) expect([...row].length).toBeLessThanOrEqual(100);
    } finally {
      session.kill();
    }
  });
});

describe('tail and tail replay parse their own options', () => {
  it("keeps replay's flags for replay and tail's for tail", async () => {
    const configDir = await ctx.world.store(ctx.account);
    const notReplays = await runInProcess(['tail', 'replay', '--port', '0', '--forward-to', 'http://127.0.0.1:9/'], { configDir });
    expect(notReplays.code).toBe(2);
    expect(notReplays.stderr).toMatch(/unknown option '--port'[\s\S]*tail replay --help/);
    const nothing = await runInProcess(['tail', 'replay', '--forward-to', 'http://127.0.0.1:9/', '--json'], { configDir });
    expect(nothing.code).toBe(2);
    expect(JSON.parse(nothing.stdout).error.message).toBe('Say what to replay: event ids, or --since DURATION.');
    const badUrl = await runInProcess(['tail', 'replay', '--since', '1h', '--forward-to', 'ftp://x'], { configDir });
    expect(badUrl.stderr).toMatch(/--forward-to must be an http\(s\) URL/);
    const pollTakeOver = await runInProcess(['tail', '--poll', '--take-over'], { configDir });
    expect(pollTakeOver.code).toBe(2);
    expect(pollTakeOver.stderr).toMatch(/--take-over is for webhook mode/);
    // tail's own flags still reach tail (here an invalid one, refused by tail itself).
    const tailFlag = await runInProcess(['tail', '--port', '0', '--forward-timeout', '5'], { configDir });
    expect(tailFlag.stderr).toMatch(/--forward-timeout is only used with --forward-to/);
  });
});

describe('tail --forward-to: the answer next to each event', () => {
  it("prints each event with the target's answer; a 500 says it will be retried", async () => {
    const configDir = await ctx.world.store(ctx.account);
    let fail = true;
    const target = await startTarget(() => (fail ? { status: 500, text: 'TypeError: boom\n    at x' } : { status: 200, text: 'fine' }));
    const tail = await startTail(['--port', '0', '--forward-to', target.url], { configDir });
    try {
      expect((await postSigned(tail.url, message('l-1'), secret)).status).toBe(200);
      const [first] = await tail.waitForEvents(1);
      expect(first.forward).toMatchObject({ status: 500, body_preview: 'TypeError: boom', will_retry: true });
      // The same conversation waits behind the delivery being retried (order per conversation): shown now.
      expect((await postSigned(tail.url, message('l-1b'), secret)).status).toBe(200);
      const [, queued] = await tail.waitForEvents(2);
      expect(queued).toMatchObject({ text: 'text of l-1b', forward: { status: null, error: 'queued behind a delivery being retried' } });
      fail = false;
      expect((await postSigned(tail.url, message('l-2', 'conv-2'), secret)).status).toBe(200);
      const events = await tail.waitForEvents(3);
      expect(events[2].forward).toMatchObject({ status: 200, body_preview: 'fine' });
      expect(events[2].forward.will_retry).toBeUndefined();
      // Once the target recovers, the retried deliveries reach it, in order.
      await expect
        .poll(() => target.received.filter((entry) => entry.verified && JSON.parse(entry.body.toString()).content.includes('l-1b')).length, { timeout: 15_000 })
        .toBe(1);
    } finally {
      await interrupt(tail);
    }
  });

  it('shows an event whose forward has no answer yet when Ctrl-C stops tail', async () => {
    const configDir = await ctx.world.store(ctx.account);
    let requests = 0;
    const hanging = createServer(() => void requests++);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    servers.push(hanging);
    hanging.on('connection', (socket) => hanging.once('close', () => socket.destroy()));
    const url = `http://127.0.0.1:${(hanging.address() as { port: number }).port}/hook`;
    const tail = await startTail(['--port', '0', '--forward-to', url], { configDir });
    try {
      expect((await postSigned(tail.url, message('h-1'), secret)).status).toBe(200);
      // The target has the forward and has not answered: the event waits for its answer.
      await expect.poll(() => requests, { timeout: 5_000 }).toBe(1);
      expect(tail.events()).toHaveLength(0);
      const stopped = await interrupt(tail);
      expect(stopped.code).toBe(130);
      const [event] = stopped.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(event).toMatchObject({ text: 'text of h-1', forward: { status: null, error: 'no answer yet when tail stopped (owed in the journal)' } });
    } finally {
      tail.child.kill('SIGKILL');
    }
  });
});
