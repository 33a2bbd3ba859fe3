// `accounts`, `accounts use`, `rename`, `disconnect` as a black box: the table and its JSON, choosing
// the default, renaming without ambiguity, revoking before forgetting (or not, with --keep-token), and
// never forgetting a live token silently when TikTok cannot be reached.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { connectAccount, expectNoTokens, patchStoredAccount, readStore, SEED, useServedSandbox, storeMode, tokensIn } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();

async function twoAccounts(): Promise<string> {
  const configDir = tempConfigDir();
  await connectAccount(sandbox, configDir, { args: ['--name', 'Acme support', '--region', 'SG'] });
  await connectAccount(sandbox, configDir, { businessId: SEED.eeaBusinessId });
  return configDir;
}

describe('accounts', () => {
  it('with none connected says how to connect (exit 0), and --json lists nothing', async () => {
    const configDir = tempConfigDir();
    const human = await runInProcess(['accounts'], { configDir });
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('tiktok-channel connect');
    const json = await runInProcess(['accounts', '--json'], { configDir });
    expect(parseJson(json.stdout)).toEqual({ accounts: [], default_account: null, env_credentials: false });
  });

  it('lists a table with the default marker, names, usernames, ids, regions and token states', async () => {
    const configDir = await twoAccounts();
    patchStoredAccount(configDir, SEED.eeaBusinessId, { accessTokenExpiresAt: Date.now() - 1000 });
    const result = await runInProcess(['accounts'], { configDir });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/NAME\s+USERNAME\s+BUSINESS_ID\s+REGION\s+TOKEN/);
    const acme = lines.find((line) => line.includes(SEED.defaultBusinessId))!;
    const eea = lines.find((line) => line.includes(SEED.eeaBusinessId))!;
    expect(acme).toMatch(/^\*\s+Acme support\s+@acme\.studio\s+\S+\s+SG\s+ok, /);
    expect(eea).toMatch(/^\s+brotzeit\.berlin\s+@brotzeit\.berlin\s+\S+\s+-\s+access expired \(renews itself\)/);
    expectNoTokens(result, tokensIn(configDir));

    patchStoredAccount(configDir, SEED.eeaBusinessId, { refreshTokenExpiresAt: Date.now() - 1000 });
    const json = parseJson((await runInProcess(['accounts', '--json'], { configDir })).stdout);
    expect(json.default_account).toBe(SEED.defaultBusinessId);
    expect(json.accounts.map((account: any) => [account.channel_name, account.default, account.usable])).toEqual([
      ['Acme support', true, true],
      ['brotzeit.berlin', false, false],
    ]);
    expect(JSON.stringify(json)).not.toMatch(/act\.|rft\./);
  });

  it('`accounts use` switches the default by @username; an unknown one exits 3', async () => {
    const configDir = await twoAccounts();
    const result = await runInProcess(['accounts', 'use', '@brotzeit.berlin', '--json'], { configDir });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ default_account: SEED.eeaBusinessId, account: { business_id: SEED.eeaBusinessId, default: true } });
    expect(readStore(configDir).defaultAccount).toBe(SEED.eeaBusinessId);
    const status = parseJson((await runInProcess(['status', '--json'], { configDir })).stdout);
    expect(status.business_id).toBe(SEED.eeaBusinessId);

    const unknown = await runInProcess(['accounts', 'use', 'nobody'], { configDir });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('"nobody"');
  });
});

describe('rename', () => {
  it('renames the --account (else the default), and refuses a name another account answers to', async () => {
    const configDir = await twoAccounts();
    const result = await runInProcess(['rename', 'Brotzeit EU', '--account', SEED.eeaBusinessId, '--json'], { configDir });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ account: { channel_name: 'Brotzeit EU' }, previous_name: 'brotzeit.berlin' });
    expect(readStore(configDir).accounts[SEED.eeaBusinessId].channelName).toBe('Brotzeit EU');

    const human = await runInProcess(['rename', 'Acme US'], { configDir });
    expect(human.code).toBe(0);
    expect(human.stderr).toContain('Renamed Acme support to Acme US');
    // Found by its new name.
    expect((await runInProcess(['status', '--account', 'acme us', '--json'], { configDir })).code).toBe(0);

    const clash = await runInProcess(['rename', 'brotzeit eu'], { configDir });
    expect(clash.code).toBe(2);
    const clashUsername = await runInProcess(['rename', '@brotzeit.berlin'], { configDir });
    expect(clashUsername.code).toBe(2);
    const empty = await runInProcess(['rename', '  '], { configDir });
    expect(empty.code).toBe(2);
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].channelName).toBe('Acme US');
    expect(storeMode(configDir)).toBe(0o600);
  });
});

describe('disconnect', () => {
  it('revokes at TikTok, forgets the account, moves the default and leaves local data alone', async () => {
    const configDir = await twoAccounts();
    const acme = readStore(configDir).accounts[SEED.defaultBusinessId];
    mkdirSync(join(configDir, 'messages'), { recursive: true });
    writeFileSync(join(configDir, 'messages', 'log.jsonl'), '{"kept":true}\n');

    const result = await runInProcess(['disconnect', '--json'], { configDir });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toEqual({
      disconnected: { business_id: SEED.defaultBusinessId, channel_name: 'Acme support', username: 'acme.studio' },
      revoked: true,
      default_account: SEED.eeaBusinessId,
    });
    const store = readStore(configDir);
    expect(Object.keys(store.accounts)).toEqual([SEED.eeaBusinessId]);
    expect(store.defaultAccount).toBe(SEED.eeaBusinessId);
    expect((await sandbox.api('business/get/', acme.accessToken, { business_id: SEED.defaultBusinessId })).code).toBe(40105);
    expect(readFileSync(join(configDir, 'messages', 'log.jsonl'), 'utf8')).toContain('kept');
    expectNoTokens(result, [acme.accessToken, acme.refreshToken]);
  });

  it('--keep-token forgets locally without calling TikTok; the token stays valid', async () => {
    const configDir = await twoAccounts();
    const eea = readStore(configDir).accounts[SEED.eeaBusinessId];
    const since = (await sandbox.state()).requests.length;
    const result = await runInProcess(['disconnect', '--keep-token', '--account', 'brotzeit.berlin'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Disconnected brotzeit\.berlin .*token kept valid/);
    expect((await sandbox.state()).requests.slice(since).filter((entry: { path: string }) => entry.path.includes('revoke'))).toEqual([]);
    expect(Object.keys(readStore(configDir).accounts)).toEqual([SEED.defaultBusinessId]);
    expect((await sandbox.api('business/get/', eea.accessToken, { business_id: SEED.eeaBusinessId })).code).toBe(0);
  });

  it('keeps the account and exits 6 when TikTok cannot be reached to revoke', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    await sandbox.control('POST', 'faults', { path: 'tt_user/oauth2/revoke/', kind: 'reset', times: -1 });
    const result = await runInProcess(['disconnect', '--json'], { configDir });
    expect(result.code).toBe(6);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/so it was kept/);
    expect(error.hint).toContain('--keep-token');
    expect(Object.keys(readStore(configDir).accounts)).toEqual([SEED.defaultBusinessId]);
  });

  it('forgets an account whose tokens are already dead at TikTok, saying there was nothing to revoke', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    // TikTok says the access token is invalid, and the refresh token has expired too.
    await sandbox.control('POST', 'faults', { path: 'tt_user/oauth2/revoke/', kind: 'code', code: 40105, times: -1 });
    await sandbox.control('POST', 'tokens/expire', { business_id: SEED.defaultBusinessId, access: true, refresh: true });
    const result = await runInProcess(['disconnect'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('already invalid');
    expect(readStore(configDir).accounts).toEqual({});
  });

  it('with nothing connected exits 3', async () => {
    const result = await runInProcess(['disconnect'], { configDir: tempConfigDir() });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('tiktok-channel connect');
  });
});
