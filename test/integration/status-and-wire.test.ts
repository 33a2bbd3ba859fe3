// Against a served sandbox: `status` asks TikTok (exit 3 once the server revoked the tokens; --offline
// keeps the local judgement), a re-connect takes the account's current region, business/get falls back to
// the high-confidence fields, an upload answer without media_id is a typed error, and a share-post id
// TikTok cannot find gets a hint about posts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED, useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { pngBytes } from '../helpers/images.js';
import { readStore, startCli } from '../helpers/sandbox.js';
import { revokeToken } from '../../src/tiktok/oauth.js';

const MAYA = SEED.conversations.maya;

const ctx = useConnectedWorld({ connectEach: true });

describe('status checks with TikTok', () => {
  it('says usable only after TikTok accepted the token (token info)', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const result = await runCli(['status', '--json'], { configDir });
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ business_id: ctx.account.businessId, usable: true, checked_with_tiktok: true });
    expect(ctx.world.requestsTo(await ctx.world.state(), 'tt_user/token_info/get/')).toHaveLength(1);
  });

  it('exits 3 once TikTok revoked the tokens; --offline keeps the stored judgement (exit 0)', async () => {
    const configDir = await ctx.world.store(ctx.account);
    await revokeToken(ctx.world.client, { clientKey: ctx.world.server.clientKey, clientSecret: ctx.world.server.clientSecret }, ctx.account.grant.accessToken);
    const online = await runInProcess(['status', '--json'], { configDir });
    expect(online.code).toBe(3);
    const error = parseJson(online.stdout).error;
    expect(error).toMatchObject({ kind: 'auth', code: 3, checked_with_tiktok: true });
    expect(error.message).toContain('TikTok does not accept the tokens of acme.studio');
    expect(error.hint).toContain('refresh --reauthorize');
    const human = await runInProcess(['status'], { configDir });
    expect(human.code).toBe(3);
    const offline = await runInProcess(['status', '--offline', '--json'], { configDir });
    expect(offline.code).toBe(0);
    expect(parseJson(offline.stdout)).toMatchObject({ usable: true, checked_with_tiktok: false });
  });

  it('env credentials without a client key are checked through the profile', async () => {
    const result = await runInProcess(['status', '--json'], { env: ctx.world.env(ctx.account) });
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ source: 'env', checked_with_tiktok: true });
    await revokeToken(ctx.world.client, { clientKey: ctx.world.server.clientKey, clientSecret: ctx.world.server.clientSecret }, ctx.account.grant.accessToken);
    const revoked = await runInProcess(['status', '--json'], { env: ctx.world.env(ctx.account) });
    expect(revoked.code).toBe(3);
  });
});

describe('tolerant wire reads', () => {
  it('business/get is asked again with the high-confidence fields when TikTok refuses a field', async () => {
    await ctx.world.control('POST', 'faults', {
      path: 'business/get/',
      kind: 'code',
      code: 40002,
      message: 'Invalid parameter: fields contains an unsupported field followers_count.',
      times: 1,
    });
    const configDir = tempConfigDir();
    const cli = startCli(['connect', '--json'], { env: { ...sandboxEnv(), TIKTOK_CHANNEL_CONFIG_DIR: configDir } });
    await approve(await cli.authorizeUrl());
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout).account).toMatchObject({ username: 'acme.studio', display_name: 'Acme Studio' });
    const profileCalls = ctx.world.requestsTo(await ctx.world.state(), 'business/get/');
    expect(profileCalls.map((entry) => entry.code)).toEqual([40002, 0]);
  });

  it('an upload answered without a media_id is a typed error with the request_id; nothing is sent', async () => {
    await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Send me the receipt?' });
    await ctx.world.control('POST', 'faults', { path: 'business/message/media/upload/', kind: 'code', code: 0, message: 'OK', times: 1 });
    const image = join(mkdtempSync(join(tmpdir(), 'ttc-upload-')), 'receipt.png');
    writeFileSync(image, pngBytes(2048));
    const result = await runInProcess(['send', '--to', MAYA, '--image', image, '--json'], { env: ctx.world.env(ctx.account) });
    expect(result.code).toBe(1);
    const error = parseJson(result.stdout).error;
    expect(error.message).toContain('without a media_id');
    expect(error.request_id).toBeTruthy();
    expect(ctx.world.requestsTo(await ctx.world.state(), 'business/message/send/')).toHaveLength(0);
  });

  it("a share-post id TikTok cannot find gets a hint about the account's posts, not media ids", async () => {
    await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Which post?' });
    const result = await runInProcess(['send', '--to', MAYA, '--share-post', '7000000000000000001', '--json'], { env: ctx.world.env(ctx.account) });
    expect(result.code).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error.tiktok_code).toBe(40007);
    expect(error.hint).toContain('found no post 7000000000000000001');
    expect(error.hint).not.toContain('media ids');
  });
});

describe('accounts over time', () => {
  it("re-connecting takes the account's current region and warns about the EEA", async () => {
    const configDir = tempConfigDir();
    expect((await runInProcess(['connect', '--sandbox'], { configDir })).code).toBe(0);
    const businessId = readStore(configDir).defaultAccount!;
    expect(readStore(configDir).accounts[businessId].region).toBe('CA');
    expect((await runInProcess(['sandbox', 'set', '--region', 'DE'], { configDir })).code).toBe(0);
    const again = await runInProcess(['connect', '--sandbox'], { configDir });
    expect(again.code, again.stderr).toBe(0);
    expect(readStore(configDir).accounts[businessId].region).toBe('DE');
    expect(again.stderr).toContain('Accounts registered in the EEA (DE) cannot manage or send direct messages');
  });

  it('disconnect mentions the event journal only when there is one', async () => {
    const configDir = tempConfigDir();
    expect((await runInProcess(['connect', '--sandbox'], { configDir })).code).toBe(0);
    const without = await runInProcess(['disconnect', '--keep-token'], { configDir });
    expect(without.code).toBe(0);
    expect(without.stderr).not.toMatch(/message logs|journal/);
    expect((await runInProcess(['connect', '--sandbox'], { configDir })).code).toBe(0);
    mkdirSync(join(configDir, 'journal'));
    const withJournal = await runInProcess(['disconnect', '--keep-token'], { configDir });
    expect(withJournal.code).toBe(0);
    expect(withJournal.stderr).toContain(`The event journal in ${join(configDir, 'journal')} was left in place`);
  });
});

function sandboxEnv(): Record<string, string> {
  return {
    CI: 'true',
    TIKTOK_CHANNEL_API_BASE_URL: ctx.world.server.apiBaseUrl,
    TIKTOK_CHANNEL_AUTH_URL: ctx.world.server.authUrl,
    TIKTOK_CHANNEL_CLIENT_KEY: ctx.world.server.clientKey,
    TIKTOK_CHANNEL_CLIENT_SECRET: ctx.world.server.clientSecret,
  };
}

/** Approves an authorize URL through the control API (as the consent page would) and follows the redirect. */
async function approve(authorizeUrl: string): Promise<void> {
  const url = new URL(authorizeUrl);
  const answer = await ctx.world.control('POST', 'authorize', {
    client_key: url.searchParams.get('client_key'),
    redirect_uri: url.searchParams.get('redirect_uri'),
    scope: url.searchParams.get('scope'),
    state: url.searchParams.get('state'),
    approve: true,
  });
  await (await fetch(answer.redirect_url)).text();
}
