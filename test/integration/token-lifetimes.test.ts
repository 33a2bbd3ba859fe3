// Token lifetimes as TikTok keeps them (tiktok-api.md §2: the refresh token's 365 days run from consent,
// refreshing does not extend them) and the account holder removing the app (§5 authorization.removed),
// through the real CLI against a served sandbox whose clock is moved forward (time travel ages its state).
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { connectAccount, readStore, requestsTo, SEED, useServedSandbox } from '../helpers/sandbox.js';
import { interrupt, startTail } from '../helpers/tail.js';
import { networkTransport } from '../../src/http/network.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import { registerWebhook } from '../../src/tiktok/messaging-api.js';

const sandbox = useServedSandbox();
const DAY = 86_400;
const BIZ: string = SEED.defaultBusinessId;

async function advanceDays(days: number): Promise<void> {
  await sandbox.control('POST', 'clock', { advance_seconds: days * DAY });
}

function tokenCheck(stdout: string): { status: string; detail: string; fix: string | null } {
  const report = parseJson(stdout);
  return report.checks.find((check: { id: string }) => check.id === 'token');
}

describe('the refresh token ends 365 days after consent, however often it was refreshed', () => {
  it('340 days after consent doctor warns with the days left; past 365 days refresh, doctor and status name the re-consent fix', async () => {
    const configDir = tempConfigDir();
    const env = sandbox.env();
    const connected = await connectAccount(sandbox, configDir);
    expect(typeof connected.consentedAt).toBe('number');

    // Refreshes in between: each one rotates the pair, none extends the consent's 365 days.
    for (const days of [100, 100, 100, 40]) {
      await advanceDays(days);
      const refreshed = await runCli(['refresh', '--json'], { configDir, env });
      expect(refreshed.code, refreshed.stderr).toBe(0);
      expect(parseJson(refreshed.stdout).rotated).toBe(true);
    }
    const stored = readStore(configDir).accounts[BIZ];
    const daysLeft = (stored.refreshTokenExpiresAt - Date.now()) / (DAY * 1000);
    expect(daysLeft).toBeGreaterThan(24);
    expect(daysLeft).toBeLessThanOrEqual(25);
    expect(stored.consentedAt).toBe(connected.consentedAt);

    const doctor = await runInProcess(['doctor', '--json'], { configDir, env, timeoutMs: 30_000 });
    expect(doctor.code, doctor.stderr).toBe(0);
    const warned = tokenCheck(doctor.stdout);
    expect(warned.status).toBe('warn');
    expect(warned.detail).toMatch(/refresh token expires in 24 days/);
    expect(warned.fix).toMatch(/refresh --reauthorize/);

    const status = await runInProcess(['status', '--json'], { configDir, env });
    expect(status.code, status.stderr).toBe(0);
    const described = parseJson(status.stdout);
    expect(described.refresh_token.expires_in_days).toBe(24);
    expect(described.consented_at).toBe(new Date(connected.consentedAt).toISOString());

    const text = await runInProcess(['refresh'], { configDir, env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/refresh token in 24 days/);
    expect(text.stderr).toMatch(/refresh --reauthorize/);

    const accounts = await runInProcess(['accounts', '--json'], { configDir, env });
    expect(parseJson(accounts.stdout).accounts[0].refresh_token.expires_in_days).toBe(24);
    const table = await runInProcess(['accounts'], { configDir, env: { ...env, COLUMNS: '200' } });
    expect(table.stdout.replace(/\s+/g, ' ')).toMatch(/refresh token 24 days left: refresh --reauthorize soon/);

    // Past 365 days: TikTok refuses the refresh token as expired (40103), which only a new consent cures.
    await advanceDays(30);
    const refused = await runInProcess(['refresh'], { configDir, env });
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/refresh --reauthorize/);
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').at(-1)?.code).toBe(40103);

    const failed = await runInProcess(['doctor', '--json'], { configDir, env, timeoutMs: 30_000 });
    expect(failed.code, failed.stderr).toBe(1);
    const fail = tokenCheck(failed.stdout);
    expect(fail.status).toBe('fail');
    expect(fail.detail).toMatch(/refresh token expired/);
    expect(fail.fix).toMatch(/refresh --reauthorize/);

    // TikTok no longer takes the access token either, and the expired refresh token cannot renew it.
    const dead = await runInProcess(['status'], { configDir, env });
    expect(dead.code, dead.stderr).toBe(3);
    expect(dead.stderr).toMatch(/refresh token has expired/);
    expect(dead.stderr).toMatch(/refresh --reauthorize/);
  });

  it('an account stored before consentedAt existed stays readable and shows consented_at null', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const store = readStore(configDir);
    delete store.accounts[BIZ].consentedAt;
    writeFileSync(join(configDir, 'accounts.json'), JSON.stringify(store), { mode: 0o600 });
    const status = await runInProcess(['status', '--offline', '--json'], { configDir, env: sandbox.env() });
    expect(status.code, status.stderr).toBe(0);
    expect(parseJson(status.stdout)).toMatchObject({ consented_at: null, revoked: null });
  });
});

describe('authorization.removed: the account holder removed the app', () => {
  it('a running tail receives the sandbox event, marks the account revoked; status exits 3 and doctor fails token with the message', async () => {
    const configDir = tempConfigDir();
    const env = sandbox.env();
    await connectAccount(sandbox, configDir);
    const tail = await startTail(['--port', '0'], { configDir, env });
    try {
      const client = new TikTokClient({ baseUrl: sandbox.server.apiBaseUrl, transport: networkTransport, sleep: async () => undefined, pacer: false });
      await registerWebhook(client, sandbox.server.clientKey, sandbox.server.clientSecret, tail.url);

      const bad = await runInProcess(['sandbox', 'event', 'authorization-removed', '--reason', '7'], { configDir, env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--reason must be 0 to 5/);
      const event = await runInProcess(['sandbox', 'event', 'authorization-removed', '--reason', '4', '--json'], { configDir, env });
      expect(event.code, event.stderr).toBe(0);
      expect(parseJson(event.stdout).events).toEqual(['authorization.removed']);

      const [removed] = await tail.waitForEvents(1);
      expect(removed).toMatchObject({
        event: 'authorization.removed',
        kind: 'authorization_removed',
        business_id: BIZ,
        authorization: { reason: 4, reason_text: 'the account was banned' },
      });
      await tail.waitForStderr(/the account holder removed the app on/);
      const revoked = readStore(configDir).accounts[BIZ].revoked;
      expect(revoked).toMatchObject({ reason: 4 });
      expect(typeof revoked.at).toBe('number');
      expect((await interrupt(tail)).code).toBe(130);
    } finally {
      tail.child.kill('SIGKILL');
    }

    // The sandbox revoked the tokens before it delivered (TikTok's token is already dead).
    const stored = readStore(configDir).accounts[BIZ];
    expect((await sandbox.api('business/get/', stored.accessToken, { business_id: BIZ })).code).not.toBe(0);

    const status = await runInProcess(['status'], { configDir, env });
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/the account holder removed the app on \d{4}-\d{2}-\d{2}.*: run `tiktok-channel connect` again/);
    const statusJson = await runInProcess(['status', '--offline', '--json'], { configDir, env });
    expect(statusJson.code).toBe(3);

    const doctor = await runInProcess(['doctor', '--json'], { configDir, env, timeoutMs: 30_000 });
    expect(doctor.code).toBe(1);
    const token = tokenCheck(doctor.stdout);
    expect(token.status).toBe('fail');
    expect(token.detail).toMatch(/the account holder removed the app on \d{4}-\d{2}-\d{2}/);
    expect(token.fix).toMatch(/tiktok-channel connect/);

    // A new consent clears the mark.
    await connectAccount(sandbox, configDir);
    expect(readStore(configDir).accounts[BIZ].revoked).toBeUndefined();
    expect((await runInProcess(['status', '--offline'], { configDir, env })).code).toBe(0);
  });

  it('a removal naming another business_id marks nothing', async () => {
    const configDir = tempConfigDir();
    const env = sandbox.env();
    await connectAccount(sandbox, configDir);
    const tail = await startTail(['--port', '0'], { configDir, env });
    try {
      const { delivery, postSigned } = await import('../helpers/tail.js');
      const body = delivery('authorization.removed', { reason: 1 }, { user_openid: 'not-this-account', client_key: sandbox.server.clientKey });
      expect((await postSigned(tail.url, body, sandbox.server.clientSecret)).status).toBe(200);
      const [removed] = await tail.waitForEvents(1);
      expect(removed).toMatchObject({ kind: 'authorization_removed', business_id: 'not-this-account' });
      expect((await interrupt(tail)).code).toBe(130);
    } finally {
      tail.child.kill('SIGKILL');
    }
    expect(readStore(configDir).accounts[BIZ].revoked).toBeUndefined();
  });
});
