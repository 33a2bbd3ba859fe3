// What `status` and `accounts` say about an account must be true and safe to print: the error document of
// a token TikTok refuses tells the truth (issue 19), a hand-edited channel name cannot drive the terminal
// (issue 23 item 13), and a failed re-authorization never revokes the token it could not replace (issue 24).
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { connectAccount, patchStoredAccount, readStore, SEED, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();

describe('status --json of a token TikTok no longer accepts', { timeout: 60_000 }, () => {
  it('says it is not usable, expired at TikTok, and the default account it is', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    // The store still believes in a day of access and a year of refresh; TikTok expired both.
    await sandbox.control('POST', 'tokens/expire', { business_id: SEED.defaultBusinessId, access: true, refresh: true });
    const result = await runCli(['status', '--json'], { configDir });
    expect(result.code, result.stderr).toBe(3);
    const account = parseJson(result.stdout).error.account;
    expect(account.default).toBe(true);
    expect(account.usable).toBe(false);
    expect(account.access_token.expired).toBe(true);
    expect(account.refresh_token.expired).toBe(true);
  });
});

describe('a hand-edited channel name with escape sequences', { timeout: 60_000 }, () => {
  const hostile = 'Acme\u001b[2J\u001b]0;pwned\u0007 \u202eshop\u2066x\u2069\u0085\u009b31m';
  const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('is printed display-safe by `accounts`, `status` and `status --offline`', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    patchStoredAccount(configDir, SEED.defaultBusinessId, { channelName: hostile });
    for (const args of [['accounts'], ['status'], ['status', '--offline']]) {
      const result = await runInProcess(args, { configDir, env: { NO_COLOR: '1' } });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(`${result.stdout}${result.stderr}`, args.join(' ')).toContain('Acme[2J]0;pwned shopx31m');
      expect(FORBIDDEN.test(`${result.stdout}${result.stderr}`), args.join(' ')).toBe(false);
    }
    // The stored name itself is the user's: kept as written.
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].channelName).toBe(hostile);
  });

  it('is display-safe in the error of an expired account too', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    patchStoredAccount(configDir, SEED.defaultBusinessId, {
      channelName: hostile,
      accessTokenExpiresAt: Date.now() - 1000,
      refreshTokenExpiresAt: Date.now() - 1000,
    });
    const result = await runInProcess(['status', '--offline'], { configDir, env: { NO_COLOR: '1' } });
    expect(result.code).toBe(3);
    expect(FORBIDDEN.test(result.stderr)).toBe(false);
    expect(result.stderr).toContain('Acme[2J]0;pwned shopx31m');
  });
});

describe('refresh --reauthorize under the personal-account scenario', { timeout: 60_000 }, () => {
  it('fails without revoking the stored token it could not replace', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    await sandbox.reset('personal-account');
    const cli = startCli(['refresh', '--reauthorize', '--json'], { env: sandbox.env(), configDir, timeoutMs: 30_000 });
    const landed = await fetch(await sandbox.approve(await cli.authorizeUrl()));
    await landed.text();
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(parseJson(result.stdout).error.code);
    expect(parseJson(result.stdout).error.kind).toBe('permission');
    expect(parseJson(result.stdout).error.message).toMatch(/personal/);
    const stored = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(stored.refreshToken).toBe(before.refreshToken);
    // Still alive at TikTok: the profile answers, and the refresh token still rotates.
    expect((await sandbox.api('business/get/', stored.accessToken, { business_id: SEED.defaultBusinessId })).code).toBe(0);
    const refreshed = await runInProcess(['refresh', '--json'], { configDir });
    expect(refreshed.code, refreshed.stderr).toBe(0);
  });
});
