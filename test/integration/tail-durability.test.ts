// Nothing a signed delivery carried is lost: `kill -9` right after a burst of 200s, then `tail --since`
// replays every event exactly once; a forward target that is down, then up, receives every delivery
// with its original bytes and signature, in order per conversation, also across a restart of tail.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { runInProcess } from '../helpers/run.js';
import { delivery, freePort, inbound, interrupt, post, sign, startTail } from '../helpers/tail.js';

let secret: string;
const BIZ: string = SEED.defaultBusinessId;

const ctx = useConnectedWorld({ reset: false });
beforeAll(() => {
  secret = ctx.world.server.clientSecret;
});

function message(id: string, conversation = 'conv-a'): string {
  return delivery('im_receive_msg', inbound(BIZ, { conversation_id: conversation, message_id: id, type: 'text', text: { body: `text of ${id}` } }), {
    user_openid: BIZ,
  });
}

interface Received {
  body: Buffer;
  headers: IncomingMessage['headers'];
}

async function target(port: number, received: Received[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tail: the journal', () => {
  it('loses nothing to kill -9: every delivery answered 200 is replayed by --since exactly once', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir });
    const ids = Array.from({ length: 120 }, (_, index) => `burst-${index}`);
    const acknowledged: string[] = [];
    let killed = false;
    // A burst on many connections; tail dies without warning as soon as 80 of them were answered 200.
    await Promise.all(
      ids.map(async (id) => {
        const body = message(id, `conv-${Number(id.split('-')[1]) % 7}`);
        try {
          const answer = await post(tail.url, body, { 'tiktok-signature': sign(secret, body) });
          if (answer.status === 200) acknowledged.push(id);
        } catch {
          // connection cut by the kill: never acknowledged, so TikTok would retry it
        }
        if (acknowledged.length >= 80 && !killed) {
          killed = true;
          tail.child.kill('SIGKILL');
        }
      }),
    );
    const dead = await tail.done;
    expect(dead.code).toBe(null);
    expect(acknowledged.length).toBeGreaterThanOrEqual(80);

    const replay = await runInProcess(['tail', '--port', '0', '--since', '1h', '--timeout', '3'], { configDir });
    expect(replay.code).toBe(0);
    const replayed = replay.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).message_id as string);
    expect(new Set(replayed).size).toBe(replayed.length);
    for (const id of acknowledged) expect(replayed).toContain(id);
    expect(replay.stderr).toContain(`Replayed ${replayed.length} events from the journal`);

    // The journal keeps them: a second replay prints the same events, once each; without --since, none.
    const again = await runInProcess(['tail', '--port', '0', '--since', '1h', '--timeout', '2'], { configDir });
    expect(
      again.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).message_id),
    ).toEqual(replayed);
    const live = await runInProcess(['tail', '--port', '0', '--timeout', '1'], { configDir });
    expect(live.code).toBe(7);
    expect(live.stdout).toBe('');
  });
});

describe('tail: the runtime', () => {
  // Node documents V8 flags set after start-up as unsupported (behaviour undefined): tail's memory has to
  // stay small with V8's defaults. A preload wraps v8.setFlagsFromString and logs every call.
  it('sets no V8 flag at run time while it receives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttc-v8flags-'));
    const log = join(dir, 'flags.log');
    const preload = join(dir, 'watch-v8-flags.cjs');
    writeFileSync(
      preload,
      `const fs = require('node:fs'); const v8 = require('node:v8'); const set = v8.setFlagsFromString;
fs.appendFileSync(${JSON.stringify(log)}, 'preloaded\\n');
v8.setFlagsFromString = (flags) => { fs.appendFileSync(${JSON.stringify(log)}, 'flag ' + flags + '\\n'); return set(flags); };
require('node:module').syncBuiltinESMExports();
`,
    );
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir, env: { NODE_OPTIONS: `--require ${preload}` } });
    const body = message('flags-1');
    expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body) })).status).toBe(200);
    expect((await tail.waitForEvents(1)).map((event) => event.message_id)).toEqual(['flags-1']);
    expect((await interrupt(tail)).code).toBe(130);
    expect(readFileSync(log, 'utf8')).toBe('preloaded\n');
  });
});

describe('tail --forward-to', () => {
  it('forwards every delivery once the target comes up: original bytes and signature, in order per conversation', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const port = await freePort();
    const tail = await startTail(['--port', '0', '--forward-to', `http://127.0.0.1:${port}/hooks/tiktok`], { configDir });
    const sent: Array<{ id: string; conversation: string; body: string; signature: string }> = [];
    let server: Server | undefined;
    try {
      for (let index = 0; index < 30; index++) {
        const id = `fw-${index}`;
        const conversation = `conv-${index % 3}`;
        const body = message(id, conversation);
        const signature = sign(secret, body);
        // Intake never waits on the target: each delivery is answered while the target is down.
        const answer = await post(tail.url, body, { 'tiktok-signature': signature, 'x-tt-logid': `log-${id}` });
        expect(answer.status).toBe(200);
        sent.push({ id, conversation, body, signature });
      }
      await tail.waitForEvents(30);
      await tail.waitForStderr(/Forwarding to http:\/\/127\.0\.0\.1:\d+\/hooks\/tiktok failed/);

      const received: Received[] = [];
      server = await target(port, received);
      await until(() => received.length >= 30, 40_000, '30 forwarded deliveries');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toHaveLength(30);
      for (const item of sent) {
        const match = received.find((entry) => entry.body.equals(Buffer.from(item.body)));
        expect(match, item.id).toBeDefined();
        expect(match!.headers['tiktok-signature']).toBe(item.signature);
        expect(match!.headers['x-tt-logid']).toBe(`log-${item.id}`);
      }
      // In order within each conversation.
      for (const conversation of ['conv-0', 'conv-1', 'conv-2']) {
        const order = received
          .map((entry) => JSON.parse(JSON.parse(entry.body.toString()).content))
          .filter((content) => content.conversation_id === conversation)
          .map((content) => content.message_id);
        expect(order).toEqual(sent.filter((item) => item.conversation === conversation).map((item) => item.id));
      }
      const stopped = await interrupt(tail);
      expect(stopped.stderr).toMatch(/30 forwarded, 0 pending/);
    } finally {
      tail.child.kill('SIGKILL');
      server?.close();
    }
  });

  it('resumes what it still owed the target after a restart', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const port = await freePort();
    const forward = ['--forward-to', `http://127.0.0.1:${port}/`];
    const first = await startTail(['--port', '0', ...forward], { configDir });
    const bodies = ['owed-1', 'owed-2', 'owed-3'].map((id) => message(id));
    for (const body of bodies) expect((await post(first.url, body, { 'tiktok-signature': sign(secret, body) })).status).toBe(200);
    await first.waitForEvents(3);
    const stopped = await interrupt(first);
    expect(stopped.stderr).toMatch(/0 forwarded, 3 pending/);

    const received: Received[] = [];
    const server = await target(port, received);
    const second = await startTail(['--port', '0', ...forward], { configDir });
    try {
      await second.waitForStderr(/Resuming 3 unforwarded deliveries from the journal/);
      await until(() => received.length >= 3, 20_000, '3 resumed deliveries');
      expect(received.map((entry) => entry.body.toString())).toEqual(bodies);
      // Nothing is printed again: those events were shown by the first run.
      expect(second.events()).toEqual([]);
      const done = await interrupt(second);
      expect(done.stderr).toMatch(/3 forwarded, 0 pending/);
      // And a third start owes nothing.
      const third = await startTail(['--port', '0', ...forward], { configDir });
      const last = await interrupt(third);
      expect(last.stderr).not.toContain('Resuming');
      expect(received).toHaveLength(3);
    } finally {
      second.child.kill('SIGKILL');
      server.close();
    }
  });
});
