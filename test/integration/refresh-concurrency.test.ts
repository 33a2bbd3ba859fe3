// Eight `refresh` processes at once on one stored account: exactly one rotation at TikTok, every
// process ends with the working token, and the rotated refresh token is the one stored.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { connectAccount, expectNoTokens, readStore, requestsTo, SEED, startServedSandbox, storeMode, type ServedSandbox } from '../helpers/sandbox.js';

let sandbox: ServedSandbox;

beforeAll(async () => {
  sandbox = await startServedSandbox();
});
afterAll(async () => sandbox?.close());

it('8 concurrent refreshes rotate exactly once and all end with a working token', async () => {
  const configDir = tempConfigDir();
  const before = await connectAccount(sandbox, configDir);
  const refreshesBefore = requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').length;

  // Only the config dir: the stored account itself says which API it belongs to.
  const results = await Promise.all(Array.from({ length: 8 }, () => runCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 })));
  for (const result of results) expect(result.code, result.stderr).toBe(0);
  const outputs = results.map((result) => parseJson(result.stdout));
  expect(outputs.filter((output) => output.rotated === true)).toHaveLength(1);
  expect(new Set(outputs.map((output) => output.access_token_expires_at)).size).toBe(1);
  for (const output of outputs) {
    expect(output.business_id).toBe(SEED.defaultBusinessId);
    expect(output).not.toHaveProperty('access_token');
    expect(output).not.toHaveProperty('refresh_token');
  }

  const state = await sandbox.state();
  const refreshCalls = requestsTo(state, 'tt_user/oauth2/refresh_token/').slice(refreshesBefore);
  expect(refreshCalls).toHaveLength(1);
  expect(refreshCalls[0].code).toBe(0);

  const after = readStore(configDir).accounts[SEED.defaultBusinessId];
  expect(storeMode(configDir)).toBe(0o600);
  expect(after.refreshToken).not.toBe(before.refreshToken);
  expect(after.accessToken).not.toBe(before.accessToken);
  // The stored pair is the live one: the access token works, the refresh token is unspent.
  expect((await sandbox.api('business/get/', after.accessToken, { business_id: SEED.defaultBusinessId })).code).toBe(0);
  const stored = state.refresh_tokens.find((token: { refresh_token: string }) => token.refresh_token === after.refreshToken);
  expect(stored.used_at).toBeUndefined();
  const spent = state.refresh_tokens.find((token: { refresh_token: string }) => token.refresh_token === before.refreshToken);
  expect(spent.used_at).toBeTypeOf('number');

  for (const result of results) expectNoTokens(result, [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken, before.clientSecret]);

  // A later refresh (not concurrent) rotates again with the stored token.
  const later = await runCli(['refresh', '--json'], { configDir });
  expect(later.code).toBe(0);
  expect(parseJson(later.stdout).rotated).toBe(true);
});
