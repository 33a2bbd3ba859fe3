// `tail` as a child process against what a fault probe sent it: a signed delivery nested 20,000 arrays
// deep is printed (without raw) and never stops a replay; a slow forward target gets every retry with
// the same delivery id; replayed events say so in JSON;
// a journal path that cannot be used and a host that does not resolve get their own error.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { runInProcess } from '../helpers/run.js';
import { parseJson } from '../helpers/cli.js';
import { delivery, inbound, interrupt, post, sign, startTail } from '../helpers/tail.js';

let secret: string;
const BIZ: string = SEED.defaultBusinessId;

const ctx = useConnectedWorld({ reset: false });
beforeAll(() => {
  secret = ctx.world.server.clientSecret;
});

const message = (id: string) =>
  delivery('im_receive_msg', inbound(BIZ, { conversation_id: 'conv-h', message_id: id, type: 'text', text: { body: `text of ${id}` } }), { user_openid: BIZ });

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tail: hostile deliveries and failing paths', () => {
  it('prints a 20,000-deep delivery without raw, and --since replays it and everything after it', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir });
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const nested = `{"client_key":"k","event":"im_receive_msg","create_time":${Math.floor(Date.now() / 1000)},"user_openid":"${BIZ}","content":"{\\"conversation_id\\":\\"conv-h\\",\\"message_id\\":\\"deep-1\\",\\"type\\":\\"text\\",\\"text\\":{\\"body\\":\\"deep\\"},\\"x\\":${deep}}"}`;
    try {
      expect((await post(tail.url, nested, { 'tiktok-signature': sign(secret, nested) })).status).toBe(200);
      const after = message('after-deep');
      expect((await post(tail.url, after, { 'tiktok-signature': sign(secret, after) })).status).toBe(200);
      const events = await tail.waitForEvents(2);
      expect(events[0].message_id).toBe('deep-1');
      expect(events[0].raw).toBeUndefined();
      expect(events[0].problems.join(' ')).toMatch(/raw .*too deeply nested.*journal entry/);
      expect(events[0].replayed).toBeUndefined();
      expect(events[1].message_id).toBe('after-deep');
    } finally {
      const stopped = await interrupt(tail);
      expect(stopped.stderr).toMatch(/2 received, 2 printed/);
    }
    const replay = await runInProcess(['tail', '--port', '0', '--since', '1h', '--timeout', '3'], { configDir });
    expect(replay.code).toBe(0);
    const replayed = replay.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(replayed.map((event) => event.message_id)).toEqual(['deep-1', 'after-deep']);
    expect(replayed.every((event) => event.replayed === true)).toBe(true);
  }, 30_000);

  it('sends every forward of one delivery with the same x-tiktok-channel-delivery-id, and --forward-timeout bounds an attempt', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    // Answers the first two attempts too late (after the 1 s timeout), then at once.
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (received.length <= 2) setTimeout(() => res.writeHead(200).end('late'), 1_800).unref();
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const tail = await startTail(['--port', '0', '--forward-to', `http://127.0.0.1:${port}/hook`, '--forward-timeout', '1'], { configDir });
    try {
      const body = message('fw-slow');
      expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body) })).status).toBe(200);
      const [event] = await tail.waitForEvents(1);
      await until(() => received.length >= 3, 20_000, 'three forward attempts');
      for (const attempt of received) {
        expect(attempt.body).toBe(body);
        expect(attempt.headers['x-tiktok-channel-delivery-id']).toBe(event.id);
      }
      await tail.waitForStderr(/Forwarding to .* failed \(.*\); retrying/);
      const stopped = await interrupt(tail);
      expect(stopped.stderr).toMatch(/1 forwarded, 0 pending/);
    } finally {
      tail.child.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
    }
    const bad = await runInProcess(['tail', '--forward-to', 'http://127.0.0.1:9/', '--forward-timeout', '0', '--json'], { configDir });
    expect(bad.code).toBe(2);
    expect(parseJson(bad.stdout).error.message).toMatch(/--forward-timeout/);
  }, 40_000);

  it('names the problem when the journal path is a file, or a directory it may not change', async () => {
    const fileDir = await ctx.world.store(ctx.account);
    writeFileSync(join(fileDir, 'journal'), 'not a directory');
    const asFile = await runInProcess(['tail', '--port', '0', '--json'], { configDir: fileDir });
    expect(asFile.code).toBe(1);
    const fileError = parseJson(asFile.stdout).error;
    expect(fileError.kind).toBe('config');
    expect(fileError.message).toMatch(/journal.*is a file/i);
    expect(fileError.hint).toMatch(/Move .*journal/);

    // /proc/1 is a directory even root may not chmod: the EPERM of a directory owned by someone else.
    const permDir = await ctx.world.store(ctx.account);
    mkdirSync(permDir, { recursive: true });
    symlinkSync('/proc/1', join(permDir, 'journal'));
    const notOurs = await runInProcess(['tail', '--port', '0', '--json'], { configDir: permDir });
    expect(notOurs.code).toBe(1);
    const permError = parseJson(notOurs.stdout).error;
    expect(permError.kind).toBe('config');
    expect(permError.message).toMatch(/not allowed to use the journal directory/);
    expect(permError.hint).toMatch(/owner|chown|TIKTOK_CHANNEL_CONFIG_DIR/);
  });

  it('refuses a --host that does not resolve as a usage error naming the host', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const result = await runInProcess(['tail', '--port', '0', '--host', '-abc', '--json'], { configDir });
    expect(result.code).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('usage');
    expect(error.message).toContain('-abc');
    expect(error.hint).toMatch(/--host/);
  });
});
