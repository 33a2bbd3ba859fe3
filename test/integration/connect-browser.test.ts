// `connect` end to end with a real headless Chromium: the CLI prints the authorize URL, the browser
// opens it on the served sandbox's consent page, clicks Approve (or Deny) and is redirected to the
// CLI's loopback server on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, type HeadlessBrowser } from '../helpers/browser.js';
import { parseJson, tempConfigDir } from '../helpers/cli.js';
import { expectNoTokens, readStore, SEED, startCli, startServedSandbox, storeMode, tokensIn, type ServedSandbox } from '../helpers/sandbox.js';

let sandbox: ServedSandbox;
let browser: HeadlessBrowser;

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startServedSandbox(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), sandbox?.close()]);
});
beforeEach(async () => {
  await sandbox.reset();
});

describe('connect in a real browser', () => {
  it('Approve on the consent page lands on the loopback, stores the account (0600) and prints the summary', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--no-browser', '--name', 'Acme support', '--region', 'SG', '--json'], { env: sandbox.env(), configDir });
    const url = await cli.authorizeUrl();
    const authorize = new URL(url);
    expect(authorize.origin + authorize.pathname).toBe(sandbox.server.authUrl);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('client_key')).toBe(sandbox.server.clientKey);
    expect(authorize.searchParams.get('scope')?.split(',')).toEqual(expect.arrayContaining(['message.list.read', 'message.list.send', 'message.list.manage']));
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\/$/);

    const { page } = browser;
    await page.goto(url);
    await page.click('#approve');
    await page.waitForURL((landed) => landed.href.startsWith(redirectUri));
    await expect.poll(() => page.textContent('h1')).toBe('Connected');
    const body = await page.content();
    // The success page reflects nothing from the query (the code stays out of the page).
    expect(body).not.toContain(new URL(page.url()).searchParams.get('code')!);

    const result = await cli.done;
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out.created).toBe(true);
    expect(out.account).toMatchObject({
      business_id: SEED.defaultBusinessId,
      channel_name: 'Acme support',
      username: 'acme.studio',
      region: 'SG',
      default: true,
      chat_link: 'https://tiktok.me/acme.studio',
      missing_scopes: [],
    });
    expect(out.account.access_token.expired).toBe(false);

    expect(storeMode(configDir)).toBe(0o600);
    const stored = readStore(configDir);
    expect(stored.defaultAccount).toBe(SEED.defaultBusinessId);
    expect(stored.accounts[SEED.defaultBusinessId]).toMatchObject({
      apiBaseUrl: sandbox.server.apiBaseUrl,
      authUrl: sandbox.server.authUrl,
      clientKey: sandbox.server.clientKey,
    });
    // The stored token works at the API.
    const profile = await sandbox.api('business/get/', stored.accounts[SEED.defaultBusinessId].accessToken, { business_id: SEED.defaultBusinessId });
    expect(profile.code).toBe(0);
    expectNoTokens(result, tokensIn(configDir));
    // Every request the CLI made had a rule in the sandbox (the browser's own favicon fetch aside).
    expect((await sandbox.state()).unhandled.filter((entry: { path: string }) => entry.path !== '/favicon.ico')).toEqual([]);
  });

  it('Deny shows a denied page, stores nothing and exits 3', async () => {
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--no-browser'], { env: sandbox.env(), configDir });
    const url = await cli.authorizeUrl();
    const { page } = browser;
    await page.goto(url);
    await page.click('#deny');
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback\//);
    await expect.poll(() => page.textContent('h1')).toBe('Access denied');

    const result = await cli.done;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/denied/i);
    expect(result.stderr).toContain('tiktok-channel connect');
    expect(tokensIn(configDir)).toEqual([]);
  });
});
