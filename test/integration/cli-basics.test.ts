import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/accounts.js';
import { parseJson, ROOT, runCli, tempConfigDir } from '../helpers/cli.js';

const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

describe('CLI basics (built CLI as a child process)', () => {
  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('--help leads with examples and lists every contract command', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    const examplesAt = result.stdout.indexOf('Examples:');
    expect(examplesAt).toBeGreaterThan(-1);
    expect(examplesAt).toBeLessThan(result.stdout.indexOf('Commands:'));
    for (const command of ['connect', 'refresh', 'accounts', 'rename', 'disconnect', 'status', 'conversations', 'send', 'qr', 'tail', 'doctor', 'sandbox']) {
      expect(result.stdout).toMatch(new RegExp(`\\n\\s+${command}\\b`));
    }
    for (const option of ['--account', '--json', '--debug', '--no-color', '--version', '--help']) expect(result.stdout).toContain(option);
  });

  it('has help topics for the environment and exit codes', async () => {
    const environment = await runCli(['help', 'environment']);
    expect(environment.code).toBe(0);
    expect(environment.stdout).toContain('TIKTOK_CHANNEL_ACCESS_TOKEN');
    expect(environment.stdout).toContain('TIKTOK_CHANNEL_CONFIG_DIR');
    const exitCodes = await runCli(['help', 'exit-codes']);
    expect(exitCodes.stdout).toMatch(/130\s+cancelled/);
    const unknown = await runCli(['help', 'nonsense']);
    expect(unknown.code).toBe(2);
  });

  it('an unknown command exits 2 with a suggestion', async () => {
    const result = await runCli(['sned']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'sned'");
    expect(result.stderr).toContain('send');
    expect(result.stdout).toBe('');
  });

  it('an unknown flag exits 2 with a suggestion, as JSON under --json', async () => {
    const human = await runCli(['status', '--jsno']);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/unknown option '--jsno'/);
    expect(human.stderr).toContain('--json');
    const json = await runCli(['send', '--to', 'x', '--txet', 'hi', '--json']);
    expect(json.code).toBe(2);
    const document = parseJson(json.stdout);
    expect(document.error).toMatchObject({ kind: 'usage', code: 2 });
    expect(document.error.message).toContain('--txet');
  });

  it('status without an account exits 3 and names connect', async () => {
    const configDir = tempConfigDir();
    const human = await runCli(['status'], { configDir });
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('No TikTok account is connected');
    expect(human.stderr).toContain('tiktok-channel connect');
    const json = await runCli(['status', '--json'], { configDir });
    expect(json.code).toBe(3);
    expect(parseJson(json.stdout).error).toMatchObject({ kind: 'auth', code: 3, tiktok_code: null, request_id: null });
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('status shows the stored account, expiries and scopes without printing tokens', async () => {
    const configDir = tempConfigDir();
    const store = new AccountStore({ configDir });
    const now = Date.now();
    await store.upsert({
      businessId: '-000status',
      channelName: 'Acme support',
      username: 'acme',
      region: 'SG',
      scopes: ['user.info.basic', 'message.list.read', 'message.list.send', 'message.list.manage'],
      accessToken: 'act.SECRETACCESS123',
      accessTokenExpiresAt: now + 23 * 3_600_000,
      refreshToken: 'rft.SECRETREFRESH123',
      refreshTokenExpiresAt: now + 364 * 86_400_000,
      clientKey: 'ck',
      clientSecret: 'SECRETCLIENT',
      connectedAt: now,
      updatedAt: now,
    });
    const human = await runCli(['status', '--offline'], { configDir });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Acme support (@acme)');
    expect(human.stdout).toContain('-000status');
    expect(human.stdout).toMatch(/access token\s+expires in 2[23]h/);
    expect(human.stdout).toContain('https://tiktok.me/acme');
    const json = await runCli(['status', '--offline', '--json', '--account', '@acme'], { configDir });
    const status = parseJson(json.stdout);
    expect(status).toMatchObject({ business_id: '-000status', username: 'acme', default: true, usable: true, missing_scopes: [] });
    expect(status.access_token.expired).toBe(false);
    for (const output of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      expect(output).not.toMatch(/SECRET/);
    }
  });

  it('status exits 3 when both tokens have expired, and --account must match', async () => {
    const configDir = tempConfigDir();
    const store = new AccountStore({ configDir });
    const past = Date.now() - 1000;
    await store.upsert({
      businessId: '-000old',
      channelName: 'old',
      scopes: [],
      accessToken: 'act.x',
      accessTokenExpiresAt: past,
      refreshToken: 'rft.x',
      refreshTokenExpiresAt: past,
      clientKey: 'k',
      clientSecret: 's',
      connectedAt: past,
      updatedAt: past,
    });
    const expired = await runCli(['status'], { configDir });
    expect(expired.code).toBe(3);
    expect(expired.stderr).toContain('refresh --reauthorize');
    const missing = await runCli(['status', '--account', 'nobody'], { configDir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('No connected account matches "nobody"');
  });

  it('a broken account file is reported by name and left untouched', async () => {
    const configDir = tempConfigDir();
    const path = join(configDir, 'accounts.json');
    writeFileSync(path, '{"accounts": {broken');
    const result = await runCli(['status', '--json'], { configDir });
    expect(result.code).toBe(1);
    const error = parseJson(result.stdout).error;
    expect(error.message).toContain(path);
    expect(error.message).toContain('not valid JSON');
    expect(error.hint).toContain('.broken');
    expect(readFileSync(path, 'utf8')).toBe('{"accounts": {broken');
  });

  it('env credentials win over the store (CI)', async () => {
    const result = await runCli(['status', '--offline', '--json'], {
      configDir: tempConfigDir(),
      env: { TIKTOK_CHANNEL_ACCESS_TOKEN: 'act.ENVTOKEN', TIKTOK_CHANNEL_BUSINESS_ID: '-000env' },
    });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ business_id: '-000env', source: 'env' });
    expect(result.stdout).not.toContain('ENVTOKEN');
  });

  it('NO_COLOR and --no-color keep escape codes out, FORCE_COLOR brings them', async () => {
    const configDir = tempConfigDir();
    const forced = await runCli(['status'], { configDir, env: { FORCE_COLOR: '1' } });
    expect(forced.stderr).toMatch(/\x1b\[/);
    const noColor = await runCli(['status'], { configDir, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(noColor.stderr).not.toMatch(/\x1b\[/);
    const flag = await runCli(['status', '--no-color'], { configDir, env: { FORCE_COLOR: '1' } });
    expect(flag.stderr).not.toMatch(/\x1b\[/);
  });
});
