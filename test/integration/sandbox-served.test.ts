// The served sandbox over real loopback HTTP (undici), and the embedded sandbox's consistency on disk.
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUnhandledRequests } from '../helpers/tripwire.js';
import { EMBEDDED_API_BASE_URL, EMBEDDED_CONTROL_URL, SEED, openEmbeddedSandbox, startSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';

const SCOPES = 'user.info.basic,message.list.read,message.list.send,message.list.manage';

async function json(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as any };
}

function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[match[1]!] = match[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  return out;
}

describe('sandbox serve', () => {
  let sandbox: SandboxServer;
  let callback: Server;
  let callbackUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let failNext = 0;

  beforeAll(async () => {
    sandbox = await startSandboxServer({ port: 0 });
    callback = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end('not now');
          return;
        }
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/webhooks/tiktok`;
  });

  afterAll(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => callback.close(() => resolve()));
  });

  it('announces loopback URLs with the right shapes', () => {
    expect(sandbox.apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/open_api\/v1\.3\/$/);
    expect(sandbox.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/$/);
    expect(sandbox.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox$/);
    expect(sandbox.clientKey).toMatch(/^aw/);
    expect(sandbox.clientSecret.length).toBeGreaterThan(20);
  });

  it('binds 127.0.0.1 only', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    // Every non-loopback address of this machine must refuse the port (there may be none in a container).
    // ::1 is always there: a server bound to every interface (or to "localhost" resolving to ::1) answers on it.
    const targets = external ? [external, '::1'] : ['::1'];
    for (const host of targets) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = netConnect({ host, port: sandbox.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(outcome).not.toBe('connected');
    }
    const loopback = await request(`${sandbox.controlUrl}/app`);
    expect(loopback.statusCode).toBe(200);
    expect(await loopback.body.json()).toEqual({ client_key: sandbox.clientKey, client_secret: sandbox.clientSecret });
    // The handler the server exposes is the one answering on the port: what it logs is what came in.
    const logged = sandbox.handler.state.requests.at(-1);
    expect(logged).toMatchObject({ method: 'GET', path: '/sandbox/app', status: 200 });
    expect(logged!.request_id).toBe(loopback.headers['x-tt-logid']);
  });

  it('goes through the consent page, token exchange and a send', async () => {
    const redirectUri = 'http://127.0.0.1:53682/callback/';
    const authorize = `${sandbox.authUrl}?${new URLSearchParams({ client_key: sandbox.clientKey, scope: SCOPES, response_type: 'code', redirect_uri: redirectUri, state: 'st&te"1' })}`;
    const page = await request(authorize);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const html = await page.body.text();
    expect(html).toContain('Approve');
    expect(html).toContain('Deny');
    for (const scope of SCOPES.split(',')) expect(html).toContain(scope);
    expect(html).toContain('@acme.studio');
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
    const form = new URLSearchParams({ ...hiddenInputs(html), business_id: SEED.defaultBusinessId, decision: 'approve' });
    const decision = await request(new URL(action, sandbox.authUrl).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(decision.statusCode).toBe(302);
    await decision.body.dump();
    const location = new URL(decision.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('scopes')).toBe(SCOPES);
    expect(location.searchParams.get('state')).toBe('st&te"1');
    const code = location.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const token = await json(`${sandbox.apiBaseUrl}tt_user/oauth2/token/`, {
      client_id: sandbox.clientKey,
      client_secret: sandbox.clientSecret,
      grant_type: 'authorization_code',
      auth_code: code,
      redirect_uri: redirectUri,
    });
    expect(token.body).toMatchObject({ code: 0, data: { open_id: SEED.defaultBusinessId, token_type: 'Bearer' } });
    expect(token.headers['x-tt-logid']).toBe(token.body.request_id);

    const send = await json(
      `${sandbox.apiBaseUrl}business/message/send/`,
      {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'TEXT',
        text: { body: 'Yes! M is in stock.' },
      },
      { 'access-token': token.body.data.access_token },
    );
    expect(send.body).toMatchObject({ code: 0, data: { message: { message_id: expect.any(String) } } });
  });

  it('redirects a denial with error=access_denied, a description and the state', async () => {
    const redirectUri = 'http://localhost:8123/cb/';
    const form = new URLSearchParams({
      client_key: sandbox.clientKey,
      scope: SCOPES,
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 'deny-me',
      decision: 'deny',
    });
    const decision = await request(sandbox.authUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(decision.statusCode).toBe(302);
    await decision.body.dump();
    const location = new URL(decision.headers.location as string);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('deny-me');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('serves an html502 fault as HTTP 502 with an HTML body', async () => {
    const fault = await json(`${sandbox.controlUrl}/faults`, { path: 'business/get/', kind: 'html502', times: 1 });
    expect(fault.status).toBe(200);
    const response = await request(`${sandbox.apiBaseUrl}business/get/?business_id=x`);
    expect(response.statusCode).toBe(502);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(await response.body.text()).toMatch(/<html>[\s\S]*502 Bad Gateway/);
  });

  it('serves a reset fault by dropping the connection', async () => {
    await json(`${sandbox.controlUrl}/faults`, { path: 'business/get/', kind: 'reset', times: 1 });
    const error = await request(`${sandbox.apiBaseUrl}business/get/?business_id=x`).then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(error).toBeDefined();
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(error!.code);
    // The next request is served normally.
    const after = await request(`${sandbox.apiBaseUrl}business/get/?business_id=x`);
    expect(after.statusCode).toBe(200);
    expect(((await after.body.json()) as any).code).toBe(40104);
  });

  it('delivers a signed webhook to a registered callback and retries after a failure', async () => {
    const update = await json(`${sandbox.apiBaseUrl}business/webhook/update/`, {
      app_id: sandbox.clientKey,
      secret: sandbox.clientSecret,
      event_type: 'DIRECT_MESSAGE',
      callback_url: callbackUrl,
    });
    expect(update.body.code).toBe(0);
    failNext = 1;
    const sent = await json(`${sandbox.controlUrl}/messages`, { from_username: 'served.user', text: 'hello over http' });
    expect(sent.status).toBe(200);
    const deadline = Date.now() + 5000;
    while (!received.some((r) => r.body.includes(sent.body.message_id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const delivery = received.find((r) => r.body.includes(sent.body.message_id))!;
    expect(delivery).toBeDefined();
    const signature = String(delivery.headers['tiktok-signature']);
    const t = /(?:^|,)t=(\d+)/.exec(signature)![1]!;
    const s = /(?:^|,)s=([0-9a-f]+)/.exec(signature)![1]!;
    expect(createHmac('sha256', sandbox.clientSecret).update(`${t}.${delivery.body}`).digest('hex')).toBe(s);
    expect(JSON.parse(JSON.parse(delivery.body).content)).toMatchObject({ type: 'text', text: { body: 'hello over http' } });
    const state = (await (await request(`${sandbox.controlUrl}/state`)).body.json()) as any;
    expect(state.pending_deliveries).toHaveLength(0);
    expect(state.delivered.at(-1).attempts).toBe(2);
  });
});

describe('embedded sandbox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiktok-sandbox-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const body = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

  it('keeps parallel writers from separate instances consistent', async () => {
    const writers = Array.from({ length: 8 }, (_, i) =>
      openEmbeddedSandbox(dir).transport({
        method: 'POST',
        url: `${EMBEDDED_CONTROL_URL}/messages`,
        headers: { 'content-type': 'application/json' },
        body: body({ from_username: `parallel.user${i}`, text: `hello ${i}` }),
      }),
    );
    const responses = await Promise.all(writers);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const state = decode((await openEmbeddedSandbox(dir).transport({ method: 'GET', url: `${EMBEDDED_CONTROL_URL}/state`, headers: {} })).body);
    const usernames = state.conversations.map((c: any) => c.user.username);
    for (let i = 0; i < 8; i++) expect(usernames).toContain(`parallel.user${i}`);
    // Seeded on first use, stored with mode 0600.
    expect(usernames).toContain('maya.lopez');
    const file = join(dir, 'sandbox', 'state.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).version).toBe(1);
  });

  it("breaks a lock its holder left behind (a killed process's at once, a frozen one's when 15 s old) and waits for a live one", async () => {
    const lock = join(dir, 'sandbox', 'state.lock');
    const read = () => openEmbeddedSandbox(dir).transport({ method: 'GET', url: `${EMBEDDED_CONTROL_URL}/state`, headers: {} });
    const host = hostname().replace(/\s/g, '_');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(lock, `${dead} ${host}`);
    expect((await read()).status).toBe(200);
    expect(existsSync(lock)).toBe(false);
    // A live holder (this process) that stopped 20 s ago: stale.
    writeFileSync(lock, `${process.pid} ${host}`);
    utimesSync(lock, new Date(Date.now() - 20_000), new Date(Date.now() - 20_000));
    expect((await read()).status).toBe(200);
    // A live holder inside its call: the reader waits until it lets go.
    writeFileSync(lock, `${process.pid} ${host}`);
    let settled = false;
    const waiting = read().finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(settled).toBe(false);
    await rm(lock);
    expect((await waiting).status).toBe(200);
    // Ctrl-C (the call's signal) ends the wait for a held lock at once.
    writeFileSync(lock, `${process.pid} ${host}`);
    const controller = new AbortController();
    const cancelled = openEmbeddedSandbox(dir).transport({ method: 'GET', url: `${EMBEDDED_CONTROL_URL}/state`, headers: {} }, { signal: controller.signal });
    // Aborted once it is waiting (the first check passed), well before the 24 s the wait would last.
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    await expect(cancelled).rejects.toThrow('interrupted');
    await rm(lock);
  });

  it('serves the API in-process with the same rules, and a reset fault as ECONNRESET', async () => {
    const sandbox = openEmbeddedSandbox(dir);
    expect(sandbox.apiBaseUrl).toBe(EMBEDDED_API_BASE_URL);
    const consent = decode(
      (
        await sandbox.transport({
          method: 'POST',
          url: `${EMBEDDED_CONTROL_URL}/authorize`,
          headers: { 'content-type': 'application/json' },
          body: body({ client_key: 'awsbx7k2m9q4t8h1', redirect_uri: 'http://127.0.0.1:1/cb/', scope: SCOPES, state: 'x' }),
        })
      ).body,
    );
    const token = decode(
      (
        await sandbox.transport({
          method: 'POST',
          url: `${EMBEDDED_API_BASE_URL}tt_user/oauth2/token/`,
          headers: { 'content-type': 'application/json' },
          body: body({
            client_id: 'awsbx7k2m9q4t8h1',
            client_secret: 'sbxsecret-5f2a9c7e1b3d4a6f8e0c2b4d6f8a0c1e',
            grant_type: 'authorization_code',
            auth_code: consent.code,
            redirect_uri: 'http://127.0.0.1:1/cb/',
          }),
        })
      ).body,
    );
    expect(token.code).toBe(0);
    expectUnhandledRequests(/missing trailing slash/);
    const missingSlash = await sandbox.transport({ method: 'GET', url: `${EMBEDDED_API_BASE_URL}business/get?business_id=x`, headers: {} });
    expect(missingSlash.status).toBe(404);
    await sandbox.transport({
      method: 'POST',
      url: `${EMBEDDED_CONTROL_URL}/faults`,
      headers: { 'content-type': 'application/json' },
      body: body({ path: '*', kind: 'reset' }),
    });
    // A second instance sees the fault: it lives in the state file.
    await expect(
      openEmbeddedSandbox(dir).transport({ method: 'GET', url: `${EMBEDDED_API_BASE_URL}business/get/?business_id=x`, headers: {} }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    const after = await sandbox.transport({
      method: 'GET',
      url: `${EMBEDDED_API_BASE_URL}business/get/?business_id=${encodeURIComponent(SEED.defaultBusinessId)}`,
      headers: { 'access-token': token.data.access_token },
    });
    expect(decode(after.body).data.username).toBe('acme.studio');
  });

  it('delivers webhooks after releasing its lock, even to a receiver that calls back into the sandbox', async () => {
    const sandbox = openEmbeddedSandbox(dir);
    const seen: string[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        // Calling the sandbox from inside the webhook handler must not deadlock on the state lock.
        const state = decode((await sandbox.transport({ method: 'GET', url: `${EMBEDDED_CONTROL_URL}/app`, headers: {} })).body);
        seen.push(`${JSON.parse(Buffer.concat(chunks).toString()).event}:${state.client_key}`);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const reg = await sandbox.transport({
        method: 'POST',
        url: `${EMBEDDED_API_BASE_URL}business/webhook/update/`,
        headers: { 'content-type': 'application/json' },
        body: body({ app_id: 'awsbx7k2m9q4t8h1', secret: 'sbxsecret-5f2a9c7e1b3d4a6f8e0c2b4d6f8a0c1e', event_type: 'DIRECT_MESSAGE', callback_url: url }),
      });
      expect(decode(reg.body).code).toBe(0);
      await sandbox.transport({
        method: 'POST',
        url: `${EMBEDDED_CONTROL_URL}/messages`,
        headers: { 'content-type': 'application/json' },
        body: body({ from_username: 'hooked.user', text: 'ping' }),
      });
      expect(seen).toEqual(['im_receive_msg:awsbx7k2m9q4t8h1']);
      const state = decode((await sandbox.transport({ method: 'GET', url: `${EMBEDDED_CONTROL_URL}/state`, headers: {} })).body);
      expect(state.pending_deliveries).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
