// `refresh` against a served sandbox: expired or revoked refresh tokens (exit 3 with the way out),
// env credentials in CI (`refresh --json` prints the new pair, the only place tokens are printed),
// and `refresh --reauthorize` (consent again for the same account).
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { connectAccount, expectNoTokens, patchStoredAccount, readStore, requestsTo, SEED, startCli, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();

describe('refresh with a stored account', () => {
  it('renews and says so on stderr, printing no token', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    const result = await runCli(['refresh'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Renewed the tokens of acme\.studio: the access token expires in/);
    const after = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expectNoTokens(result, [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken]);
  });

  it('a refresh token expired at TikTok exits 3 with `refresh --reauthorize`, leaving the store as it was', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    await sandbox.control('POST', 'tokens/expire', { business_id: SEED.defaultBusinessId, access: true, refresh: true });
    const result = await runInProcess(['refresh'], { configDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('tiktok-channel refresh --reauthorize');
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].refreshToken).toBe(before.refreshToken);
  });

  it('a refresh token revoked at TikTok exits 3 the same way (JSON error)', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    // Revoked elsewhere (e.g. the user removed the app in TikTok).
    const revoke = await fetch(new URL('tt_user/oauth2/revoke/', sandbox.server.apiBaseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sandbox.server.clientKey, client_secret: sandbox.server.clientSecret, access_token: before.accessToken }),
    });
    expect(((await revoke.json()) as { code: number }).code).toBe(0);
    const result = await runInProcess(['refresh', '--json'], { configDir });
    expect(result.code).toBe(3);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('auth');
    expect(error.hint).toContain('refresh --reauthorize');
  });

  it('a refresh token known to be expired locally exits 3 without calling TikTok', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    patchStoredAccount(configDir, SEED.defaultBusinessId, { accessTokenExpiresAt: Date.now() - 1000, refreshTokenExpiresAt: Date.now() - 1000 });
    const calls = requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').length;
    const result = await runInProcess(['refresh'], { configDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('tiktok-channel refresh --reauthorize');
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').length).toBe(calls);
  });
});

describe('refresh with env credentials (CI)', () => {
  async function envPair() {
    const configDir = tempConfigDir();
    const account = await connectAccount(sandbox, configDir);
    return {
      account,
      env: {
        TIKTOK_CHANNEL_ACCESS_TOKEN: account.accessToken,
        TIKTOK_CHANNEL_REFRESH_TOKEN: account.refreshToken,
        TIKTOK_CHANNEL_BUSINESS_ID: account.businessId,
        TIKTOK_CHANNEL_CLIENT_KEY: sandbox.server.clientKey,
        TIKTOK_CHANNEL_CLIENT_SECRET: sandbox.server.clientSecret,
        TIKTOK_CHANNEL_API_BASE_URL: sandbox.server.apiBaseUrl,
      },
    };
  }

  it('`refresh --json` prints the new pair, which works', async () => {
    const { account, env } = await envPair();
    const result = await runInProcess(['refresh', '--json'], { env, configDir: tempConfigDir() });
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ business_id: SEED.defaultBusinessId, rotated: true });
    expect(out.access_token).toMatch(/^act\./);
    expect(out.refresh_token).toMatch(/^rft\./);
    expect(out.refresh_token).not.toBe(account.refreshToken);
    expect(Date.parse(out.access_token_expires_at)).toBeGreaterThan(Date.now());
    expect(Date.parse(out.refresh_token_expires_at)).toBeGreaterThan(Date.now());
    expect((await sandbox.api('business/get/', out.access_token, { business_id: SEED.defaultBusinessId })).code).toBe(0);
    // Tokens only in the JSON document, never on stderr.
    expect(result.stderr).not.toContain(out.access_token);
    expect(result.stderr).not.toContain(out.refresh_token);
  });

  it('refuses to rotate without --json (the new pair would be lost): exit 2, nothing spent', async () => {
    const { account, env } = await envPair();
    const calls = requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').length;
    const result = await runInProcess(['refresh'], { env, configDir: tempConfigDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refresh --json');
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').length).toBe(calls);
    expectNoTokens(result, [account.accessToken, account.refreshToken]);
  });
});

describe('refresh --reauthorize', () => {
  it('runs consent again (forced) for the same account and stores the new pair in place', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir, { args: ['--name', 'Acme support'] });
    await sandbox.control('POST', 'tokens/expire', { business_id: SEED.defaultBusinessId, access: true, refresh: true });

    // No env: the stored account remembers its API and authorize page.
    const cli = startCli(['refresh', '--reauthorize', '--json'], { configDir });
    const url = await cli.authorizeUrl();
    expect(new URL(url).searchParams.get('disable_auto_auth')).toBe('1');
    expect(new URL(url).searchParams.get('client_key')).toBe(sandbox.server.clientKey);
    await fetch(await sandbox.approve(url));
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout).account).toMatchObject({ business_id: SEED.defaultBusinessId, channel_name: 'Acme support' });
    const after = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.connectedAt).toBe(before.connectedAt);
    // Working again.
    expect((await runInProcess(['refresh', '--json'], { configDir })).code).toBe(0);
    expectNoTokens(result, [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken]);
  });

  it('consent given for another account keeps both and exits 3', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    const cli = startCli(['refresh', '--reauthorize'], { configDir });
    await fetch(await sandbox.approve(await cli.authorizeUrl(), { businessId: SEED.eeaBusinessId }));
    const result = await cli.done;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/not for acme\.studio/);
    expect(Object.keys(readStore(configDir).accounts).sort()).toEqual([SEED.defaultBusinessId, SEED.eeaBusinessId].sort());
  });

  it('re-authorizes an embedded sandbox account without a browser', async () => {
    const configDir = tempConfigDir();
    expect((await runInProcess(['connect', '--sandbox'], { configDir })).code).toBe(0);
    const before = readStore(configDir).accounts[SEED.defaultBusinessId];
    const result = await runInProcess(['refresh', '--reauthorize', '--json'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/authorize\/\?/);
    const after = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(after.sandbox).toBe('embedded');
    expect(after.accessToken).not.toBe(before.accessToken);
  });
});
