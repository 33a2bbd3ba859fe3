// `sandbox serve|message|set|clock|reset` through the built CLI: embedded (no server running) and served.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, startServe, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { SEED } from '../../src/sandbox/index.js';

const MAYA = 'mY3+hQ1/acMeMaYaL0pezQ==';

async function connectedEmbedded(): Promise<string> {
  const configDir = tempConfigDir();
  const connect = await runInProcess(['connect', '--sandbox', '--json'], { configDir });
  expect(connect.code).toBe(0);
  return configDir;
}

describe('embedded sandbox through the CLI', () => {
  it('connect --sandbox, a user message, then send works with nothing running', async () => {
    const configDir = await connectedEmbedded();
    expect(statSync(join(configDir, 'sandbox', 'state.json')).mode & 0o777).toBe(0o600);
    const message = await runInProcess(['sandbox', 'message', '--from', 'maya', '--text', 'Is the blue mug in stock?', '--json'], { configDir });
    expect(message.code).toBe(0);
    const arrived = parseJson(message.stdout);
    expect(arrived.conversation_id).toBe(MAYA);
    expect(arrived.message_id).toMatch(/^\d+$/);
    const sent = await runInProcess(['send', '--to', MAYA, '--text', 'Yes, it ships tomorrow.', '--json'], { configDir });
    expect(sent.code).toBe(0);
    expect(parseJson(sent.stdout)).toMatchObject({ conversation_id: MAYA, messages_left: 9 });
  });

  it('set --advanced-access off makes sends fail with a permission error (exit 4), on again fixes it', async () => {
    const configDir = await connectedEmbedded();
    await runInProcess(['sandbox', 'message', '--from', 'maya', '--text', 'hello'], { configDir });
    const off = await runInProcess(['sandbox', 'set', '--advanced-access', 'off', '--json'], { configDir });
    expect(off.code).toBe(0);
    expect(parseJson(off.stdout).advanced_access).toBe(false);
    const refused = await runInProcess(['send', '--to', MAYA, '--text', 'hi', '--json'], { configDir });
    expect(refused.code).toBe(4);
    const error = parseJson(refused.stdout).error;
    expect(error).toMatchObject({ kind: 'permission', tiktok_code: 40001 });
    expect(error.message).toMatch(/Advanced Access/);
    expect(error.request_id).toBeTruthy();
    await runInProcess(['sandbox', 'set', '--advanced-access', 'on'], { configDir });
    expect((await runInProcess(['send', '--to', MAYA, '--text', 'hi'], { configDir })).code).toBe(0);
  });

  it('clock --advance 49h closes the window: send refuses locally with exit 5', async () => {
    const configDir = await connectedEmbedded();
    await runInProcess(['sandbox', 'message', '--from', 'maya', '--text', 'hello'], { configDir });
    const clock = await runInProcess(['sandbox', 'clock', '--advance', '49h'], { configDir });
    expect(clock.code).toBe(0);
    const refused = await runInProcess(['send', '--to', MAYA, '--text', 'too late?', '--json'], { configDir });
    expect(refused.code).toBe(5);
    expect(parseJson(refused.stdout).error.kind).toBe('window');
    const bad = await runInProcess(['sandbox', 'clock', '--advance', 'soon'], { configDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('90s, 30m, 47h');
  });

  it('reset --scenario eea makes the account region-blocked (exit 4)', async () => {
    const configDir = await connectedEmbedded();
    const reset = await runInProcess(['sandbox', 'reset', '--scenario', 'eea'], { configDir });
    expect(reset.code).toBe(0);
    await runInProcess(['sandbox', 'message', '--from', 'maya', '--text', 'hello'], { configDir });
    const refused = await runInProcess(['send', '--to', MAYA, '--text', 'hi', '--json', '--force'], { configDir });
    expect(refused.code).toBe(4);
    expect(parseJson(refused.stdout).error).toMatchObject({ kind: 'permission', tiktok_code: 40001 });
  });

  it('--debug traces each request (method, path, status, time, request_id) with tokens redacted', async () => {
    const configDir = await connectedEmbedded();
    const store = JSON.parse(readFileSync(join(configDir, 'accounts.json'), 'utf8'));
    const account: any = Object.values(store.accounts)[0];
    const result = await runInProcess(['conversations', '--json', '--debug'], { configDir });
    expect(result.code).toBe(0);
    parseJson(result.stdout); // stdout stays one JSON document
    // The request traces (--debug also says when the pacer took another turn after a stall under load).
    const traces = result.stderr.split('\n').filter((line) => /^\[debug\] (GET|POST) /.test(line));
    expect(traces.length).toBeGreaterThanOrEqual(3);
    expect(traces[0]).toMatch(
      /\[debug\] GET http:\/\/sandbox\.embedded\/open_api\/v1\.3\/business\/message\/conversation\/list\/\?\S+ → HTTP 200 code=0 in \d+ ms request_id=\S+/,
    );
    for (const secret of [account.accessToken, account.refreshToken, account.clientSecret]) expect(result.stderr).not.toContain(secret);
  });

  it('message without --from is the seeded regular; a bad value is a validation error (exit 2)', async () => {
    const configDir = await connectedEmbedded();
    const message = await runInProcess(['sandbox', 'message', '--text', 'Anyone there?', '--json'], { configDir });
    expect(message.code, message.stderr).toBe(0);
    expect(parseJson(message.stdout).conversation_id).toBe(MAYA);
    const bad = await runInProcess(['sandbox', 'set', '--region', '123', '--json'], { configDir });
    expect(bad.code).toBe(2);
    expect(parseJson(bad.stdout).error).toMatchObject({ kind: 'validation' });
    expect(parseJson(bad.stdout).error.message).toMatch(/region/i);
  });

  it("an expired refresh token exits 3 and keeps TikTok's code and request_id", async () => {
    const configDir = await connectedEmbedded();
    expect((await runInProcess(['sandbox', 'reset', '--scenario', 'expired-tokens'], { configDir })).code).toBe(0);
    const refresh = await runCli(['refresh', '--json'], { configDir });
    expect(refresh.code).toBe(3);
    const error = parseJson(refresh.stdout).error;
    expect(error).toMatchObject({ kind: 'auth', tiktok_code: 40103 });
    expect(error.request_id).toMatch(/\S+/);
    expect(error.hint).toContain('refresh --reauthorize');
  });

  it('message needs something to do and rejects unknown scenarios', async () => {
    const configDir = tempConfigDir();
    const nothing = await runInProcess(['sandbox', 'message'], { configDir });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('--text');
    const unknown = await runInProcess(['sandbox', 'reset', '--scenario', 'nope'], { configDir });
    expect(unknown.code).toBe(2);
  });
});

describe('sandbox serve', () => {
  it('prints its URLs and app credentials as JSON, serves the control API, and stops on SIGTERM', async () => {
    const { cli, info } = await startServe();
    try {
      expect(Object.keys(info).sort()).toEqual(['accessToken', 'apiBaseUrl', 'authUrl', 'businessId', 'clientKey', 'clientSecret', 'controlUrl', 'phoneUrl']);
      // A live token of the default account, as if its holder had consented; `sandbox token` mints another.
      expect(info.businessId).toBe(SEED.defaultBusinessId);
      const profile = async (token: string) =>
        (await (
          await fetch(`${info.apiBaseUrl}business/get/?business_id=${encodeURIComponent(info.businessId)}`, { headers: { 'access-token': token } })
        ).json()) as { code: number };
      expect((await profile(info.accessToken)).code).toBe(0);
      const minted = await runInProcess(['sandbox', 'token', '--json', '--control-url', info.controlUrl], { configDir: tempConfigDir() });
      expect(minted.code, minted.stderr).toBe(0);
      const again = parseJson(minted.stdout);
      expect(Object.keys(again).sort()).toEqual(['accessToken', 'businessId']);
      expect(again.businessId).toBe(SEED.defaultBusinessId);
      expect(again.accessToken).not.toBe(info.accessToken);
      expect((await profile(again.accessToken)).code).toBe(0);
      expect(info.phoneUrl).toBe(`${new URL(info.apiBaseUrl).origin}/sandbox/phone`);
      expect(info.apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/open_api\/v1\.3\/$/);
      const configDir = tempConfigDir();
      const message = await runInProcess(
        ['sandbox', 'message', '--from', 'priya', '--text', 'Do you ship to Singapore?', '--json', '--control-url', info.controlUrl],
        { configDir },
      );
      expect(message.code).toBe(0);
      const state = (await (await fetch(`${info.controlUrl}/state`)).json()) as { conversations: unknown };
      const texts = JSON.stringify(state.conversations);
      expect(texts).toContain('Do you ship to Singapore?');
      // The API base env var alone is enough to find a served sandbox's control API.
      const viaBase = await runInProcess(['sandbox', 'set', '--media', 'off', '--json'], { configDir, env: { TIKTOK_CHANNEL_API_BASE_URL: info.apiBaseUrl } });
      expect(viaBase.code).toBe(0);
      expect(parseJson(viaBase.stdout).media).toBe(false);
    } finally {
      cli.child.kill('SIGTERM');
    }
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('Ctrl-C stops it with exit 130 and stdout still holds exactly one JSON document', async () => {
    const { cli } = await startServe();
    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.done;
    expect(code).toBe(130);
    const documents = stdout.trim().split('\n');
    expect(documents).toHaveLength(1);
    expect(JSON.parse(documents[0])).toHaveProperty('apiBaseUrl');
  });
});
