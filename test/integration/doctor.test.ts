// `doctor` against a served sandbox: a healthy account passes, each cause of "messages stopped" from the
// reference makes its check fail (or warn) with the fix that names the right action, a dead network gives
// one failure and skips the rest, and no secret ever shows. Each exit path (0: passed, 1: a check failed)
// is run once as the built CLI in a child process; the other cases run the same main() in process.
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED, startWorld, type Connected, type World } from '../helpers/account.js';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { interrupt, startTail } from '../helpers/tail.js';
import { expectNoTokens, patchStoredAccount, readStore } from '../helpers/sandbox.js';
import { deleteWebhook, registerWebhook } from '../../src/tiktok/messaging-api.js';
import { exchangeCode } from '../../src/tiktok/oauth.js';

const IDS = [
  'config',
  'network',
  'clock',
  'token',
  'scopes',
  'business-account',
  'advanced-access',
  'region',
  'dm-setting',
  'webhook',
  'messaging-window',
  'media',
];
const REDIRECT_URI = 'http://127.0.0.1:8723/callback/';

let world: World;
let account: Connected;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.close());
beforeEach(async () => {
  await world.reset();
  await deleteWebhook(world.client, world.server.clientKey, world.server.clientSecret);
  // A fresh token each test: scenarios such as expired-tokens expire every token issued before them.
  account = await world.connect();
});

interface DoctorJson {
  account: Record<string, unknown> | null;
  checks: Array<{ id: string; title: string; status: string; detail: string; fix: string | null; details: string[]; duration_ms: number }>;
  summary: { checks: number; passed: number; warnings: number; failures: number; skipped: number; errors: number; ok: boolean; duration_ms: number };
}

interface DoctorRun {
  env?: Record<string, string>;
  configDir?: string;
  /** The built CLI as a child process (one test per exit path), not main() in this process. */
  child?: boolean;
}

async function doctor(args: string[], { child, ...options }: DoctorRun = {}) {
  if (child) return runCli(['doctor', ...args], { ...options, timeoutMs: 30_000 });
  // A doctor run makes about 13 requests: at the Basic tier's 10 a second (the child runs keep it) the
  // last few wait a second for the window, and a second run in the same config dir waits for the first's,
  // which tells nothing about the checks. In process they run at the Ultimate tier's 50.
  return runInProcess(['doctor', ...args], { ...options, env: { TIKTOK_CHANNEL_MAX_RPS: '50', ...options.env } });
}

async function doctorJson(args: string[], options: DoctorRun = {}) {
  const result = await doctor(['--json', ...args], options);
  const report = parseJson(result.stdout) as DoctorJson;
  const check = (id: string) => {
    const found = report.checks.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no check ${id} in ${result.stdout}`);
    return found;
  };
  return { result, report, check };
}

/** Env credentials (the CI path) with the app's key and secret, as a CI job would set them. */
function envWithApp(extra: Record<string, string> = {}): Record<string, string> {
  return { ...world.env(account), TIKTOK_CHANNEL_CLIENT_KEY: world.server.clientKey, TIKTOK_CHANNEL_CLIENT_SECRET: world.server.clientSecret, ...extra };
}

/** Every secret the sandbox holds for this app and account. */
function secrets(...extra: string[]): string[] {
  return [account.grant.accessToken, account.grant.refreshToken, world.server.clientSecret, ...extra];
}

describe('a healthy account', () => {
  it('passes every check with exit 0 (no webhook registered is only a warning)', async () => {
    const configDir = await world.store(account, { region: 'CA' });
    const { result, report, check } = await doctorJson([], { configDir, child: true });
    expect(result.code).toBe(0);
    expect(report.checks.map((entry) => entry.id)).toEqual(IDS);
    for (const entry of report.checks) {
      expect(Object.keys(entry)).toEqual(['id', 'title', 'status', 'detail', 'fix', 'details', 'duration_ms']);
      expect(entry.title).toMatch(/^[A-Z]/);
      expect(entry.fix === null || entry.status !== 'ok').toBe(true);
    }
    expect(Object.keys(report)).toEqual(['account', 'checks', 'summary']);
    expect(result.stderr).toBe('');
    expect(report.checks.filter((entry) => entry.status !== 'ok').map((entry) => entry.id)).toEqual(['webhook']);
    expect(check('webhook')).toMatchObject({ status: 'warn' });
    expect(check('webhook').fix).toContain('tail --poll');
    expect(check('token').detail).toContain('TikTok accepts the access token');
    expect(check('advanced-access').detail).toMatch(/messaging calls are permitted \(\d+ of \d+ passed\)/);
    expect(check('messaging-window').detail).toMatch(/3 can be answered/);
    expect(report.summary).toMatchObject({ checks: 12, passed: 11, warnings: 1, failures: 0, skipped: 0, errors: 0, ok: true });
    expect(report.account).toMatchObject({ business_id: SEED.defaultBusinessId, username: 'acme.studio', region: 'CA', source: 'store' });
    expectNoTokens(result, secrets());
    expect((await world.state()).unhandled).toEqual([]);
  });

  it('shows grouped ✓ ! ✗ lines, one Fix block per problem and "N/M checks passed" on stdout', async () => {
    const configDir = await world.store(account, { region: 'CA' });
    const result = await doctor([], { configDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Doctor · acme\.studio · -000SbXacmeStudio4Qf9Lw · 127\.0\.0\.1:\d+/);
    expect(result.stdout).toMatch(/Setup\n {2}✓ config/);
    expect(result.stdout).toMatch(/\n {2}✓ network +127\.0\.0\.1:\d+ answered in \d+ ms/);
    expect(result.stdout).toMatch(/Messaging\n[\s\S]*\n {2}! webhook/);
    expect(result.stdout).toMatch(/\nFix\n {2}! webhook: Webhook callback\n {4}Poll with `tiktok-channel tail --poll`/);
    expect(result.stdout.match(/^ {2}[✓!✗?-] [a-z-]+ {2}/gm)).toHaveLength(12);
    expect(result.stdout).toMatch(/\n11\/12 checks passed, 1 warning \(\d+\.\d\d s\)\n$/);
    expect(result.stdout).not.toMatch(/^ {6}· /m); // details only with --verbose
    const verbose = await doctor(['--verbose'], { configDir });
    expect(verbose.stdout).toMatch(/✓ clock +within a second of TikTok's clock \(\d+ ms\)\n {6}· Date header /);
    expect(verbose.stdout).toMatch(/· @maya\.lopez \(mY3\+hQ1\/acMeMaYaL0pezQ==\): open, closes in \d+h, 10\/10 messages left/);
    expectNoTokens(verbose, secrets());
  });

  it('--strict fails on a warning', async () => {
    const { result, report } = await doctorJson(['--strict'], { env: envWithApp() });
    expect(result.code).toBe(1);
    expect(report.summary).toMatchObject({ warnings: 1, failures: 0, ok: false });
  });

  it('a registered callback that answers passes; one where nothing listens warns with how to start the receiver', async () => {
    const receiver: Server = createServer((_req, res) => res.writeHead(405).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      await registerWebhook(world.client, world.server.clientKey, world.server.clientSecret, `http://127.0.0.1:${port}/webhooks/tiktok`);
      const listening = await doctorJson([], { env: envWithApp() });
      expect(listening.check('webhook')).toMatchObject({ status: 'ok', detail: `callback http://127.0.0.1:${port}/webhooks/tiktok (answers: HTTP 405)` });
      expect(listening.result.code).toBe(0);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
    const silent = await doctorJson([], { env: envWithApp() });
    expect(silent.check('webhook').status).toBe('warn');
    expect(silent.check('webhook').detail).toContain('nothing answers there');
    expect(silent.check('webhook').fix).toContain(`tiktok-channel tail --port ${port} --path /webhooks/tiktok`);
  });
});

describe('network', () => {
  it('a closed port: network fails with the reason, every other check is skipped, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const env = envWithApp({ TIKTOK_CHANNEL_API_BASE_URL: `http://127.0.0.1:${port}/open_api/v1.3/` });
    const { result, report, check } = await doctorJson([], { env, child: true });
    expect(result.code).toBe(1);
    expect(check('network')).toMatchObject({ status: 'fail', detail: `the connection to 127.0.0.1:${port} was refused` });
    expect(check('network').fix).toContain('tiktok-channel sandbox serve');
    const others = report.checks.filter((entry) => entry.id !== 'network');
    expect(others.map((entry) => entry.status)).toEqual(Array(11).fill('skip'));
    expect(check('token').detail).toBe('skipped: network failed');
    expect(check('media').detail).toBe('skipped: network failed');
    expect(report.summary).toMatchObject({ failures: 1, skipped: 11 });

    const human = await doctor([], { env });
    expect(human.stdout.match(/✗/g)).toHaveLength(2); // the line and its Fix block
    expect(human.stdout).toContain('0/12 checks passed, 1 failed, 11 skipped');
  });
});

describe('config', () => {
  it('no account: config fails with how to connect (and register the redirect URI), the account checks skip', async () => {
    const { result, report, check } = await doctorJson([], { configDir: tempConfigDir(), env: { TIKTOK_CHANNEL_API_BASE_URL: world.server.apiBaseUrl } });
    expect(result.code).toBe(1);
    expect(report.account).toBeNull();
    expect(check('config')).toMatchObject({ status: 'fail', detail: expect.stringContaining('No TikTok account is connected') });
    expect(check('config').fix).toContain('tiktok-channel connect');
    expect(check('config').fix).toContain('http://127.0.0.1:8723/callback/');
    expect(check('config').fix).toContain('connect --port 8723');
    expect(check('network').status).toBe('ok');
    expect(check('token')).toMatchObject({ status: 'skip', detail: 'skipped: no account (see config)' });
    expect(check('advanced-access').status).toBe('skip');
  });

  it('a wrong client secret: config fails with where to copy it and how to store it; the token is still checked', async () => {
    const configDir = await world.store(account);
    patchStoredAccount(configDir, account.businessId, { clientSecret: 'sbxsecret-this-is-not-the-secret' });
    const { result, check } = await doctorJson([], { configDir });
    expect(result.code).toBe(1);
    expect(check('config').status).toBe('fail');
    expect(check('config').detail).toContain("TikTok refused the app's client key or secret");
    expect(check('config').fix).toContain('developers.tiktok.com → your app → App details');
    expect(check('config').fix).toContain('TIKTOK_CHANNEL_CLIENT_SECRET=<secret> tiktok-channel refresh --reauthorize');
    expect(check('webhook')).toMatchObject({ status: 'skip', detail: 'skipped: config failed' });
    expect(check('token').status).toBe('ok');
    expect(check('advanced-access').status).toBe('ok');
    expectNoTokens(result, [...secrets(), 'sbxsecret-this-is-not-the-secret']);
  });

  it('an account file others can read: a warning, and --fix makes it 0600', async () => {
    const configDir = await world.store(account);
    const file = join(configDir, 'accounts.json');
    chmodSync(file, 0o644);
    const before = await doctorJson([], { configDir });
    expect(before.check('config').status).toBe('warn');
    expect(before.check('config').detail).toContain('mode 0644');
    expect(before.check('config').fix).toContain(`chmod 600 "${file}"`);
    expect(statSync(file).mode & 0o777).toBe(0o644); // doctor only reports by default
    const fixed = await doctorJson(['--fix'], { configDir });
    expect(fixed.check('config')).toMatchObject({ status: 'ok', detail: expect.stringContaining('--fix set it to 0600') });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('clock', () => {
  let skewed: World;
  beforeAll(async () => {
    skewed = await startWorld({ clock: () => Date.now() + 7 * 60_000 });
  });
  afterAll(async () => skewed?.close());

  it("warns when the local clock is more than 60 s off TikTok's Date header, and says how to sync it", async () => {
    const skewedAccount = await skewed.connect();
    const { result, check } = await doctorJson([], { env: skewed.env(skewedAccount) });
    expect(check('clock').status).toBe('warn');
    expect(check('clock').detail).toMatch(/clock is (6|7) min \d+ s behind TikTok's/);
    expect(check('clock').fix).toContain('timedatectl set-ntp true');
    expect(result.code).toBe(0);
  });
});

describe('token', () => {
  it('expired-tokens: TikTok refuses a token that should be valid; the fix is refresh, then refresh --reauthorize', async () => {
    const configDir = await world.store(account);
    await world.reset('expired-tokens');
    const { result, report, check } = await doctorJson([], { configDir });
    expect(result.code).toBe(1);
    expect(check('token').status).toBe('fail');
    expect(check('token').detail).toContain('TikTok refused an access token that should be valid until');
    expect(check('token').fix).toContain('tiktok-channel refresh --account acme.studio');
    expect(check('token').fix).toContain('tiktok-channel refresh --reauthorize --account acme.studio');
    for (const id of ['scopes', 'business-account', 'advanced-access', 'dm-setting', 'messaging-window', 'media'])
      expect(check(id).detail).toBe('skipped: token failed');
    expect(report.summary.failures).toBe(1);

    // --fix tries the refresh token, which the scenario expired too: then only a new consent helps.
    const fixed = await doctorJson(['--fix'], { configDir });
    expect(fixed.check('token').status).toBe('fail');
    expect(fixed.check('token').detail).toContain('--fix could not renew it');
    expect(fixed.check('token').fix).toContain('tiktok-channel refresh --reauthorize --account acme.studio');
    expectNoTokens(fixed.result, secrets());
  });

  it('an expired access token with a valid refresh token warns and waits; --fix renews it and checks the rest', async () => {
    const configDir = await world.store(account);
    await world.control('POST', 'tokens/expire', { business_id: account.businessId });
    patchStoredAccount(configDir, account.businessId, { accessTokenExpiresAt: Date.now() - 60_000 });
    const before = await doctorJson([], { configDir });
    expect(before.result.code).toBe(0);
    expect(before.check('token')).toMatchObject({ status: 'warn' });
    expect(before.check('token').fix).toContain('tiktok-channel doctor --fix');
    expect(before.check('advanced-access').detail).toMatch(/^skipped: token: the access token expired/);
    expect(readStore(configDir).accounts[account.businessId].accessToken).toBe(account.grant.accessToken);

    const fixed = await doctorJson(['--fix'], { configDir });
    expect(fixed.result.code).toBe(0);
    expect(fixed.check('token')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^renewed by --fix: TikTok accepts the access token/) });
    expect(fixed.check('advanced-access').status).toBe('ok');
    const stored = readStore(configDir).accounts[account.businessId];
    expect(stored.accessToken).not.toBe(account.grant.accessToken);
    expectNoTokens(fixed.result, [...secrets(), stored.accessToken, stored.refreshToken]);
  });

  it('a "Bearer " prefix on an env token is named as the cause of 40105', async () => {
    const env = {
      ...world.env(account),
      TIKTOK_CHANNEL_ACCESS_TOKEN: `Bearer ${account.grant.accessToken}`,
      TIKTOK_CHANNEL_CLIENT_KEY: world.server.clientKey,
    };
    const { result, check } = await doctorJson(['--verbose'], { env });
    expect(result.code).toBe(1);
    expect(check('token').status).toBe('fail');
    expect(check('token').detail).toContain('TIKTOK_CHANNEL_ACCESS_TOKEN starts with "Bearer "');
    expect(check('token').fix).toContain('Remove the `Bearer ` prefix');
    expectNoTokens(result, secrets());
  });
});

describe('scopes', () => {
  it("a token without message.list.send fails with re-authorize and the app's scope settings as the fix", async () => {
    const { code } = await world.control('POST', 'authorize', {
      client_key: world.server.clientKey,
      redirect_uri: REDIRECT_URI,
      scope: 'user.info.basic,user.info.username,message.list.read,message.list.manage',
      state: 'doctor-test',
    });
    const grant = await exchangeCode(world.client, { clientKey: world.server.clientKey, clientSecret: world.server.clientSecret }, code, REDIRECT_URI);
    const narrow: Connected = { businessId: grant.openId ?? SEED.defaultBusinessId, grant };
    const configDir = await world.store(narrow);
    const { result, check } = await doctorJson([], { configDir });
    expect(result.code).toBe(1);
    expect(check('scopes')).toMatchObject({ status: 'fail', detail: 'the token lacks message.list.send (token info), which messaging needs' });
    expect(check('scopes').fix).toContain('tiktok-channel refresh --reauthorize --account acme.studio');
    expect(check('scopes').fix).toContain('developers.tiktok.com → your app → Scopes');
    expect(check('advanced-access').detail).toBe('skipped: scopes failed');
  });
});

describe('account', () => {
  it('personal-account: business-account fails with the in-app switch', async () => {
    await world.reset('personal-account');
    const { result, check } = await doctorJson([], { env: envWithApp() });
    expect(result.code).toBe(1);
    expect(check('business-account').status).toBe('fail');
    expect(check('business-account').detail).toContain('is a personal account');
    expect(check('business-account').fix).toContain('Profile → ⋯ → Settings and privacy → Manage account → Switch to Business Account');
    expect(check('advanced-access').detail).toBe('skipped: business-account failed');
  });

  it('no-advanced-access: refused messaging calls on a valid token mean no Advanced Access; fix: TT4B, then re-authorize', async () => {
    await world.reset('no-advanced-access');
    const configDir = await world.store(account);
    const { result, check } = await doctorJson([], { configDir });
    expect(result.code).toBe(1);
    expect(check('token').status).toBe('ok');
    expect(check('advanced-access').status).toBe('fail');
    expect(check('advanced-access').detail).toContain('the account has no Advanced Access, needed since April 2026');
    expect(check('advanced-access').fix).toContain('TikTok for Business (TT4B) or a Business Center');
    expect(check('advanced-access').fix).toContain('tiktok-channel refresh --reauthorize --account acme.studio');
    for (const id of ['dm-setting', 'messaging-window', 'media']) expect(check(id).detail).toBe('skipped: advanced-access failed');
  });

  it('some messaging calls refused while others pass: says the rollout makes failures intermittent', async () => {
    await world.control('POST', 'faults', {
      path: 'business/message/content/list/',
      kind: 'code',
      code: 40001,
      times: -1,
      message: 'Permission denied: this account needs Advanced Access to use messaging.',
    });
    const { result, check } = await doctorJson([], { env: envWithApp() });
    expect(result.code).toBe(1);
    expect(check('advanced-access').status).toBe('fail');
    expect(check('advanced-access').detail).toMatch(/^\d+ of \d+ messaging calls were refused with TikTok error 40001 while \d+ passed/);
    expect(check('advanced-access').detail).toContain('failures may be intermittent');
    expect(check('advanced-access').fix).toContain('TikTok for Business (TT4B)');
  });

  it('eea: refusals for the region fail the region check (and explain the 40001 instead of Advanced Access)', async () => {
    await world.reset('eea');
    const { result, check } = await doctorJson([], { env: envWithApp() });
    expect(result.code).toBe(1);
    expect(check('region').status).toBe('fail');
    expect(check('region').detail).toContain("TikTok refuses messaging calls for the account's region");
    expect(check('region').fix).toContain('registered outside the EEA, Switzerland and the UK');
    expect(check('advanced-access').detail).toBe('skipped: region failed');
  });

  it('a region stored at connect: EEA fails at once, the US warns (open beta)', async () => {
    const eea = await doctorJson([], { configDir: await world.store(account, { region: 'DE' }) });
    expect(eea.check('region')).toMatchObject({ status: 'fail', detail: expect.stringContaining('registered in DE (the EEA)') });
    const us = await doctorJson([], { configDir: await world.store(account, { region: 'US' }) });
    expect(us.check('region').status).toBe('warn');
    expect(us.check('region').detail).toContain('open beta');
    expect(us.result.code).toBe(0);
  });

  it("messages TikTok reduced for EEA users (im_receive_msg_eu in tail's journal) warn that the API cannot answer them", async () => {
    const configDir = await world.store(account, { region: 'CA' });
    // The journal as a real `tail` writes it (bodies base64-encoded), from the sandbox's real deliveries.
    const tail = await startTail(['--port', '0', '--json'], { configDir });
    try {
      await registerWebhook(world.client, world.server.clientKey, world.server.clientSecret, tail.url);
      await world.control('POST', 'messages', { text: 'Is the blue mug in stock?' });
      await world.control('POST', 'messages', { from_username: 'hans', eu: true, text: 'Hallo' });
      await world.control('POST', 'messages', { from_username: 'greta', eu: true, text: 'Grüezi' });
      const events = await tail.waitForEvents(3);
      expect(events.map((event) => event.event)).toEqual(['im_receive_msg', 'im_receive_msg_eu', 'im_receive_msg_eu']);
    } finally {
      expect((await interrupt(tail)).code).toBe(130);
    }
    const { check } = await doctorJson([], { configDir });
    expect(check('region').status).toBe('warn');
    expect(check('region').detail).toContain('2 messages came from users in the EEA, Switzerland or the UK (im_receive_msg_eu)');
    expect(check('region').fix).toContain('Answer those users in the TikTok app');
    expect(check('region').details).toContain('journaled im_receive_msg_eu events: 2');
  });
});

describe('messaging', () => {
  it('followers-only: STRANGER requests warn that DMs may not be open to everyone, as a heuristic', async () => {
    await world.reset('followers-only');
    const { result, check } = await doctorJson([], { env: envWithApp() });
    expect(result.code).toBe(0);
    expect(check('dm-setting').status).toBe('warn');
    expect(check('dm-setting').detail).toMatch(/^2 of 4 recent conversations wait as message requests \(STRANGER\)/);
    expect(check('dm-setting').detail).toContain('heuristic');
    expect(check('dm-setting').fix).toContain('Settings and privacy → Privacy → Direct messages → Everyone');
    expect((await doctor(['--strict'], { env: envWithApp() })).code).toBe(1);
  });

  it('media-blocked: images refused per conversation, explained as TikTok-side media send and risk control strategies', async () => {
    await world.reset('media-blocked');
    const { result, check } = await doctorJson([], { env: envWithApp() });
    expect(result.code).toBe(0);
    expect(check('media').status).toBe('warn');
    expect(check('media').detail).toMatch(/^images cannot be sent in 3 of 3 recent conversations/);
    expect(check('media').detail).toContain('media send strategy');
    expect(check('media').detail).toContain('risk control strategy');
    expect(check('media').detail).toContain('cannot be fixed from here');
    expect(check('media').fix).toContain('Send text');
  });

  it('windows: informational while some conversation can be answered, a warning when none can', async () => {
    await world.sendTexts(account, SEED.conversations.maya, 10);
    const some = await doctorJson(['--verbose'], { env: envWithApp() });
    expect(some.check('messaging-window')).toMatchObject({
      status: 'ok',
      detail: '4 most recent conversations: 2 can be answered, 1 out of its 10 messages, 1 closed or not opened',
    });
    expect(some.check('messaging-window').details).toContain(`@maya.lopez (${SEED.conversations.maya}): open, closes in 45h, 0/10 messages left`);

    await world.control('POST', 'clock', { advance_seconds: 49 * 3600 });
    account = await world.connect(); // the 49 hours aged the token too
    const none = await doctorJson([], { env: envWithApp() });
    expect(none.check('messaging-window').status).toBe('warn');
    expect(none.check('messaging-window').detail).toBe('none of the 4 most recent conversations can be answered now: 4 closed or not opened');
    expect(none.check('messaging-window').fix).toContain("48 hours after the user's last message");
  });
});

describe('several accounts and secrets', () => {
  it('--all-accounts checks each stored account; one failing account fails the run', async () => {
    const configDir = await world.store(account, { region: 'CA' });
    const eea = await world.connect(SEED.eeaBusinessId);
    const eeaDir = await world.store(eea, { region: 'DE' });
    const other = readStore(eeaDir).accounts[SEED.eeaBusinessId];
    const store = readStore(configDir);
    store.accounts[SEED.eeaBusinessId] = other;
    writeFileSync(join(configDir, 'accounts.json'), JSON.stringify(store), { mode: 0o600 });

    const result = await doctor(['--all-accounts', '--json'], { configDir });
    expect(result.code).toBe(1);
    const document = parseJson(result.stdout);
    expect(document.accounts.map((entry: DoctorJson) => entry.account?.business_id)).toEqual([SEED.defaultBusinessId, SEED.eeaBusinessId]);
    expect(document.summary).toEqual({ accounts: 2, failing: 1, ok: false });
    expect(document.accounts[1].checks.find((entry: { id: string }) => entry.id === 'region').status).toBe('fail');

    const human = await doctor(['--all-accounts'], { configDir });
    expect(human.stdout).toContain('Doctor · acme.studio ·');
    expect(human.stdout).toContain('Doctor · brotzeit.berlin ·');
    expect(human.stdout).toMatch(/\n2 accounts checked: 1 needs attention\n$/);
    expectNoTokens(human, [...secrets(), eea.grant.accessToken, eea.grant.refreshToken]);

    const both = await doctor(['--all-accounts', '--account', 'acme.studio'], { configDir });
    expect(both.code).toBe(2);
  });

  it('never prints a token or the app secret, even with --debug --verbose and failing checks', async () => {
    await world.reset('no-advanced-access');
    const configDir = await world.store(account);
    patchStoredAccount(configDir, account.businessId, { clientSecret: 'sbxsecret-wrong-and-still-secret' });
    for (const args of [
      ['--debug', '--verbose'],
      ['--json', '--verbose'],
    ]) {
      const result = await doctor(args, { configDir });
      expect(result.code).toBe(1);
      expectNoTokens(result, [...secrets(), 'sbxsecret-wrong-and-still-secret']);
    }
  });
});
