// The loopback callback server on its own, and the browser-consent wrapper around it with injected
// edges (a browser that fails to open, CI, no TTY).
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runBrowserConsent } from '../../src/auth/consent-flow.js';
import { startLoopback } from '../../src/auth/loopback.js';
import { createDeps, type Env } from '../../src/deps.js';
import { CliError } from '../../src/errors.js';
import { createTestIO } from '../../src/io/io.js';
import { tempConfigDir } from '../helpers/cli.js';

/** A raw GET, so the Host header can be set freely. */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startLoopback', () => {
  it('binds 127.0.0.1 and serves one callback, holding the tab until the flow says how it went', async () => {
    const events: string[] = [];
    const server = await startLoopback({ state: 'the-state', onEvent: (event) => events.push(event.kind) });
    expect(server.redirectUri).toBe(`http://127.0.0.1:${server.port}/callback/`);
    const waiting = server.waitForCallback({ timeoutMs: 5000 });

    expect((await get(server.port, '/')).status).toBe(404);
    expect((await get(server.port, '/favicon.ico')).status).toBe(404);
    expect((await get(server.port, '/callback/?code=c&state=the-state', 'evil.example:80')).status).toBe(400);
    const mismatch = await get(server.port, '/callback/?code=%3Cimg%20src%3Dx%3E&state=other');
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).not.toContain('<img');
    expect(mismatch.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(server.port, '/callback/?state=the-state')).status).toBe(400); // neither code nor error
    expect(events).toEqual(['not-found', 'not-found', 'state-mismatch']);

    const tab = get(server.port, '/callback/?code=the-code&scopes=message.list.read,message.list.send&state=the-state');
    const callback = await waiting;
    expect(callback.code).toBe('the-code');
    expect(callback.scopes).toEqual(['message.list.read', 'message.list.send']);
    await callback.finish('success');
    const page = await tab;
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Connected</h1>');
    expect(page.body).not.toContain('the-code');
    // Closed after the single valid callback.
    await expect(get(server.port, '/callback/?code=again&state=the-state')).rejects.toThrow();
  });

  it('a denial with the right state is exit 3; a page says so', async () => {
    const server = await startLoopback({ state: 's1', retryCommand: 'tiktok-channel refresh --reauthorize' });
    const waiting = server.waitForCallback({ timeoutMs: 5000 }).catch((error: unknown) => error);
    const page = await get(server.port, '/callback/?error=access_denied&error_description=%3Cscript%3Ex%3C%2Fscript%3E&state=s1');
    expect(page.body).toContain('Access denied');
    expect(page.body).not.toContain('<script>x');
    const error = (await waiting) as CliError;
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(3);
    expect(error.hint).toContain('tiktok-channel refresh --reauthorize');
  });

  it('another OAuth error is exit 3 with the error named, control characters stripped', async () => {
    const server = await startLoopback({ state: 's2' });
    const waiting = server.waitForCallback({ timeoutMs: 5000 }).catch((error: unknown) => error);
    await get(server.port, '/callback/?error=invalid_scope&error_description=bad%1b%5B31mscope&state=s2');
    const error = (await waiting) as CliError;
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('invalid_scope');
    expect(error.message).not.toContain('\u001b');
  });

  it('times out as an auth error whose hint names --timeout and the redirect URI', async () => {
    const server = await startLoopback({ state: 's3' });
    const error = (await server.waitForCallback({ timeoutMs: 50 }).catch((thrown: unknown) => thrown)) as CliError;
    expect(error.exitCode).toBe(3);
    expect(error.hint).toContain('--timeout');
    expect(error.hint).toContain(server.redirectUri);
    await expect(get(server.port, '/callback/')).rejects.toThrow();
  });

  it('an abort (Ctrl-C) is "cancelled" (exit 130) and closes the server', async () => {
    const server = await startLoopback({ state: 's4' });
    const controller = new AbortController();
    const waiting = server.waitForCallback({ timeoutMs: 5000, signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    const error = (await waiting) as CliError;
    expect(error.exitCode).toBe(130);
    await expect(get(server.port, '/callback/')).rejects.toThrow();
  });

  it('a port in use is a usage error (exit 2) naming --port', async () => {
    const taken = await startLoopback({ state: 'x' });
    const error = (await startLoopback({ state: 'y', port: taken.port }).catch((thrown: unknown) => thrown)) as CliError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(String(taken.port));
    expect(error.hint).toContain('--port');
    await taken.close();
  });
});

describe('runBrowserConsent', () => {
  const app = { clientKey: 'ck', clientSecret: 'cs' };

  function depsWith(options: { tty: boolean; env?: Env; openBrowser: (url: string) => Promise<void> }) {
    const test = createTestIO({ stdinTTY: options.tty, stdoutTTY: options.tty, env: options.env ?? {} });
    const deps = createDeps({
      io: test.io,
      env: { TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir(), ...options.env },
      globals: { json: false, debug: false },
      signal: new AbortController().signal,
      overrides: { openBrowser: options.openBrowser },
    });
    return { deps, stderr: test.stderr };
  }

  /** Plays the browser: follows the authorize URL's redirect_uri with its state and a code. */
  async function approveFrom(url: string): Promise<void> {
    const authorize = new URL(url);
    const redirect = new URL(authorize.searchParams.get('redirect_uri')!);
    redirect.searchParams.set('code', 'c0de');
    redirect.searchParams.set('state', authorize.searchParams.get('state')!);
    await fetch(redirect);
  }

  it('prints the URL, then warns (not fails) when the browser cannot be opened', async () => {
    let opened = '';
    const { deps, stderr } = depsWith({
      tty: true,
      openBrowser: async (url) => {
        opened = url;
        setTimeout(() => void approveFrom(url), 10);
        throw new Error('no browser found');
      },
    });
    const result = await runBrowserConsent(
      deps,
      { app, authUrl: 'https://auth.example/authorize/', browser: true, timeoutSeconds: 5, retryCommand: 'tiktok-channel connect' },
      async (code) => ({ value: code, page: 'success' }),
    );
    expect(result.code).toBe('c0de');
    expect(stderr()).toContain(opened);
    expect(stderr().indexOf(opened)).toBeLessThan(stderr().indexOf('Could not open a browser'));
    expect(stderr()).toMatch(/warning: Could not open a browser \(no browser found\)/);
  });

  for (const [label, setup] of [
    ['--no-browser', { tty: true, browser: false, env: {} }],
    ['CI', { tty: true, browser: true, env: { CI: 'true' } }],
    ['no TTY', { tty: false, browser: true, env: {} }],
  ] as const) {
    it(`never opens a browser with ${label}, but prints the URL`, async () => {
      let opened = false;
      const { deps, stderr } = depsWith({ tty: setup.tty, env: setup.env, openBrowser: async () => void (opened = true) });
      const flow = runBrowserConsent(deps, { app, browser: setup.browser, timeoutSeconds: 5, retryCommand: 'tiktok-channel connect' }, async (code) => ({
        value: code,
        page: 'success',
      }));
      const deadline = Date.now() + 3000;
      while (!/authorize\/\?/.test(stderr()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const url = stderr().match(/https:\/\/www\.tiktok\.com\/v2\/auth\/authorize\/\?\S+/)![0];
      await approveFrom(url);
      await flow;
      expect(opened).toBe(false);
      expect(new URL(url).searchParams.get('client_key')).toBe('ck');
    });
  }

  it('shows a failure page in the tab and rethrows when completing the code fails', async () => {
    const { deps, stderr } = depsWith({ tty: false, openBrowser: async () => undefined });
    const flow = runBrowserConsent(deps, { app, browser: false, timeoutSeconds: 5, retryCommand: 'tiktok-channel connect' }, async () => {
      throw new CliError('network', 'TikTok is down');
    });
    const deadline = Date.now() + 3000;
    while (!/authorize\/\?/.test(stderr()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const authorize = new URL(stderr().match(/https:\/\/\S+authorize\/\?\S+/)![0]);
    const redirect = new URL(authorize.searchParams.get('redirect_uri')!);
    redirect.search = `?code=c&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`;
    const page = fetch(redirect).then((response) => response.text());
    await expect(flow).rejects.toMatchObject({ kind: 'network' });
    expect(await page).toContain('Connection failed');
  });
});
