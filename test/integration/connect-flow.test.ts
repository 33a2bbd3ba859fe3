// `connect` as a black box against a served sandbox, with the browser played by plain HTTP requests:
// the loopback server's answers (404, 400 on a wrong state, no reflected input), timeouts, a busy port,
// Ctrl-C, personal accounts, re-connecting in place, and `connect --sandbox`.
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { expectNoTokens, readStore, SEED, startCli, useServedSandbox, storeMode, tokensIn } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();

function portOf(url: string): number {
  return Number(new URL(new URL(url).searchParams.get('redirect_uri')!).port);
}

async function connectRefused(host: string, port: number): Promise<boolean> {
  try {
    await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/callback/`, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH';
  }
}

describe('the loopback callback server', () => {
  it('answers 404 off the callback path, 400 on a wrong state without reflecting input, then accepts the real callback', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--no-browser', '--json'], { env: sandbox.env(), configDir });
    const url = await cli.authorizeUrl();
    const port = portOf(url);
    const base = `http://127.0.0.1:${port}`;

    const notFound = await fetch(`${base}/elsewhere?code=abc&state=x`);
    expect(notFound.status).toBe(404);

    const attack = '<script>alert(1)</script>';
    const forged = await fetch(
      `${base}/callback/?code=${encodeURIComponent(attack)}&state=${encodeURIComponent(attack)}&error_description=${encodeURIComponent(attack)}`,
    );
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toMatch(/^text\/html/);
    expect(forged.headers.get('content-security-policy')).toContain("default-src 'none'");
    const forgedBody = await forged.text();
    expect(forgedBody).not.toContain('<script');
    expect(forgedBody).not.toContain('alert(1)');

    // A denial carrying a wrong state must not cancel the flow either.
    const forgedDenial = await fetch(`${base}/callback/?error=access_denied&state=not-ours`);
    expect(forgedDenial.status).toBe(400);
    await cli.waitForStderr(/state does not match/);
    // Nor a denial with no state at all (any web page could load that URL as an image).
    const statelessDenial = await fetch(`${base}/callback/?error=access_denied`);
    expect(statelessDenial.status).toBe(400);
    expect(cli.child.exitCode).toBeNull();

    // Still waiting: the genuine approval completes the flow.
    const redirect = await sandbox.approve(url);
    const landed = await fetch(redirect);
    expect(landed.status).toBe(200);
    const landedBody = await landed.text();
    expect(landedBody).toContain('Connected');
    expect(landedBody).not.toContain(new URL(redirect).searchParams.get('code')!);

    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout).account.business_id).toBe(SEED.defaultBusinessId);
    // The server is gone once the single valid callback was served.
    expect(await connectRefused('127.0.0.1', port)).toBe(true);
    expectNoTokens(result, tokensIn(configDir));
  });

  it('listens on 127.0.0.1 only', async () => {
    const cli = startCli(['connect', '--no-browser', '--timeout', '5'], { env: sandbox.env(), configDir: tempConfigDir() });
    const port = portOf(await cli.authorizeUrl());
    expect(await connectRefused('::1', port)).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) expect(await connectRefused(external.address, port)).toBe(true);
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
  });

  it('times out with exit 3 and a hint naming --timeout', async () => {
    const configDir = tempConfigDir();
    const started = Date.now();
    const result = await runCli(['connect', '--no-browser', '--timeout', '1'], { env: sandbox.env(), configDir });
    expect(result.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.stderr).toMatch(/No answer from the browser within 1 s/);
    expect(result.stderr).toContain('--timeout');
    expect(result.stderr).toMatch(/http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\//);
    expect(tokensIn(configDir)).toEqual([]);
  });

  it('fails with exit 2 naming --port when the port is taken, and uses a free --port as given', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['connect', '--no-browser', '--port', String(busy), '--json'], { env: sandbox.env(), configDir: tempConfigDir() });
      expect(result.code).toBe(2);
      const error = parseJson(result.stdout).error;
      expect(error.kind).toBe('usage');
      expect(error.message).toContain(String(busy));
      expect(error.hint).toContain('--port');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    // Now free: the fixed port is used for the redirect URI.
    const cli = startCli(['connect', '--no-browser', '--port', String(busy)], { env: sandbox.env(), configDir: tempConfigDir() });
    const url = await cli.authorizeUrl();
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${busy}/callback/`);
    await fetch(await sandbox.approve(url));
    expect((await cli.done).code).toBe(0);
  });

  it('Ctrl-C closes the server and exits 130', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--no-browser'], { env: sandbox.env(), configDir });
    const port = portOf(await cli.authorizeUrl());
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(await connectRefused('127.0.0.1', port)).toBe(true);
    expect(tokensIn(configDir)).toEqual([]);
  });
});

describe('connect outcomes', () => {
  it('without a TTY asks nothing: the name defaults to the @username and the region stays unknown', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect'], { env: sandbox.env(), configDir });
    const url = await cli.authorizeUrl();
    await fetch(await sandbox.approve(url));
    const result = await cli.done;
    expect(result.code).toBe(0);
    // Human mode: the summary goes to stderr, with the chat link and the token expiries.
    expect(result.stderr).toMatch(/Connected acme\.studio \(@acme\.studio\)/);
    expect(result.stderr).toContain(SEED.defaultBusinessId);
    expect(result.stderr).toContain('https://tiktok.me/acme.studio');
    expect(result.stderr).toMatch(/access token\s+expires in/);
    expect(result.stderr).toMatch(/region\s+unknown/);
    expect(result.stderr).not.toContain('--client-secret'); // the secret came from the environment: no warning
    const account = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(account.channelName).toBe('acme.studio');
    expect(account.region).toBeUndefined();
    expect(storeMode(configDir)).toBe(0o600);
    expectNoTokens(result, tokensIn(configDir));
  });

  it('without a TTY, a missing client key is a usage error naming the flag and the env var', async () => {
    const env = sandbox.env();
    delete (env as Record<string, string | undefined>).TIKTOK_CHANNEL_CLIENT_KEY;
    const result = await runCli(['connect'], { env, configDir: tempConfigDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--client-key');
    expect(result.stderr).toContain('TIKTOK_CHANNEL_CLIENT_KEY');
    const secretless = sandbox.env();
    delete (secretless as Record<string, string | undefined>).TIKTOK_CHANNEL_CLIENT_SECRET;
    const second = await runCli(['connect', '--json'], { env: secretless, configDir: tempConfigDir() });
    expect(second.code).toBe(2);
    expect(parseJson(second.stdout).error.hint).toContain('TIKTOK_CHANNEL_CLIENT_SECRET');
  });

  it('--client-secret on the command line works but warns that `ps` shows it, pointing at the env var and the prompt', async () => {
    const env = sandbox.env();
    const secret = env.TIKTOK_CHANNEL_CLIENT_SECRET!;
    delete (env as Record<string, string | undefined>).TIKTOK_CHANNEL_CLIENT_SECRET;
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--client-secret', secret, '--json'], { env, configDir });
    const url = await cli.authorizeUrl();
    const warning = cli
      .stderr()
      .split('\n')
      .find((line) => line.includes('--client-secret'));
    expect(warning).toBeDefined();
    expect(warning).toContain('other users of this machine can see it (`ps`)');
    expect(warning).toContain('TIKTOK_CHANNEL_CLIENT_SECRET');
    expect(warning).toContain('asked for it');
    expect(warning).not.toContain(secret);
    await fetch(await sandbox.approve(url));
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].clientSecret).toBe(secret);
  });

  it('warns at once about an EEA region, and rejects a malformed one', async () => {
    const bad = await runCli(['connect', '--region', 'Germany'], { env: sandbox.env(), configDir: tempConfigDir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--region');

    const cli = startCli(['connect', '--no-browser', '--region', 'de'], { env: sandbox.env(), configDir: tempConfigDir() });
    const url = await cli.authorizeUrl();
    // The warning comes before the URL, i.e. before anyone approves anything.
    expect(cli.stderr().indexOf('EEA')).toBeGreaterThanOrEqual(0);
    expect(cli.stderr().indexOf('EEA')).toBeLessThan(cli.stderr().indexOf(url));
    await fetch(await sandbox.approve(url));
    expect((await cli.done).code).toBe(0);
  });

  it('refuses a personal account (exit 4, nothing stored, token revoked)', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--json'], { env: sandbox.env(), configDir });
    const url = await cli.authorizeUrl();
    const page = await fetch(await sandbox.approve(url, { businessId: SEED.personalBusinessId }));
    expect(await page.text()).toContain('Connection failed');
    const result = await cli.done;
    expect(result.code).toBe(4);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('permission');
    expect(error.hint).toContain('Switch to Business Account');
    expect(tokensIn(configDir)).toEqual([]);
    const state = await sandbox.state();
    const tokens = state.access_tokens.filter((token: { business_id: string }) => token.business_id === SEED.personalBusinessId);
    expect(tokens.length).toBe(1);
    expect(tokens[0].revoked_at).toBeTypeOf('number');
  });

  it('re-connecting the same business_id updates it in place, keeping its name and first connection time', async () => {
    const configDir = tempConfigDir();
    const first = startCli(['connect', '--name', 'Acme support', '--region', 'SG'], { env: sandbox.env(), configDir });
    await fetch(await sandbox.approve(await first.authorizeUrl()));
    expect((await first.done).code).toBe(0);
    const before = readStore(configDir).accounts[SEED.defaultBusinessId];

    const second = startCli(['connect', '--json'], { env: sandbox.env(), configDir });
    await fetch(await sandbox.approve(await second.authorizeUrl()));
    const result = await second.done;
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout).created).toBe(false);
    const store = readStore(configDir);
    expect(Object.keys(store.accounts)).toEqual([SEED.defaultBusinessId]);
    const after = store.accounts[SEED.defaultBusinessId];
    expect(after).toMatchObject({ channelName: 'Acme support', region: 'SG', connectedAt: before.connectedAt });
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
  });
});

describe('granted scopes', () => {
  it('stores an account granted too few scopes, but exits 4 naming them and refresh --reauthorize', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--json'], { env: sandbox.env(), configDir });
    // The account holder unticked the messaging permissions on the consent screen.
    const page = await fetch(await sandbox.approve(await cli.authorizeUrl(), { scope: 'user.info.basic,user.info.username,message.list.read' }));
    expect(await page.text()).toContain('Connected with a problem');
    const result = await cli.done;
    expect(result.code).toBe(4);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind: 'permission', stored: true, missing_scopes: ['message.list.send', 'message.list.manage'] });
    expect(error.hint).toContain('refresh --reauthorize');
    expect(error.account.business_id).toBe(SEED.defaultBusinessId);
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].scopes).toEqual(['user.info.basic', 'user.info.username', 'message.list.read']);
    expectNoTokens(result, tokensIn(configDir));
  });
});

describe('connect --sandbox (embedded)', () => {
  it('connects the sandbox account with no app and no browser, stored 0600 as an embedded account', async () => {
    const configDir = tempConfigDir();
    const result = await runCli(['connect', '--sandbox', '--json'], { configDir });
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out.account).toMatchObject({ business_id: SEED.defaultBusinessId, username: 'acme.studio', sandbox: 'embedded', default: true, missing_scopes: [] });
    expect(result.stderr).not.toMatch(/https?:\/\/\S+authorize/);
    expect(storeMode(configDir)).toBe(0o600);
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].sandbox).toBe('embedded');
    expectNoTokens(result, tokensIn(configDir));

    // Every later command works on it with nothing else running.
    const status = await runCli(['status', '--json'], { configDir });
    expect(status.code).toBe(0);
    expect(parseJson(status.stdout).business_id).toBe(SEED.defaultBusinessId);
  });
});

describe('connect --sandbox with a served sandbox', () => {
  it('uses TIKTOK_CHANNEL_API_BASE_URL and its control API: no browser, the account remembers the served API', async () => {
    const configDir = tempConfigDir();
    const env = { TIKTOK_CHANNEL_API_BASE_URL: sandbox.server.apiBaseUrl };
    const result = await runCli(['connect', '--sandbox', '--json'], { env, configDir });
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout).account).toMatchObject({ business_id: SEED.defaultBusinessId, sandbox: null });
    const stored = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(stored.apiBaseUrl).toBe(sandbox.server.apiBaseUrl);
    expect(stored.sandbox).toBeUndefined();
    expect((await sandbox.api('business/get/', stored.accessToken, { business_id: SEED.defaultBusinessId })).code).toBe(0);
  });
});
