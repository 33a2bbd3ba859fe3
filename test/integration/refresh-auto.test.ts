// Automatic refresh inside ordinary commands: TikTok's 40105 triggers one refresh and one retry, and an
// access token expiring within 5 minutes is renewed before the call. The sandbox's request log shows
// exactly what went over the wire.
import { expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { connectAccount, expectNoTokens, patchStoredAccount, readStore, requestsTo, SEED, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();

const apiCalls = (state: any, since: number) =>
  (state.requests as Array<{ path: string; code?: number }>).slice(since).filter((entry) => entry.path.startsWith('/open_api/'));

it('a command answered 40105 refreshes once, retries and succeeds', async () => {
  const configDir = tempConfigDir();
  const before = await connectAccount(sandbox, configDir);
  // The access token dies at TikTok while the store still believes it has a day left.
  await sandbox.control('POST', 'tokens/expire', { business_id: SEED.defaultBusinessId, access: true });
  const since = (await sandbox.state()).requests.length;

  const result = await runCli(['conversations', '--json'], { configDir });
  expect(result.code, result.stderr).toBe(0);
  expect(Array.isArray(parseJson(result.stdout).conversations ?? parseJson(result.stdout))).toBe(true);

  const calls = apiCalls(await sandbox.state(), since);
  expect(calls.some((call) => call.code === 40105)).toBe(true);
  expect(calls.filter((call) => call.path.endsWith('/tt_user/oauth2/refresh_token/'))).toHaveLength(1);
  const after = readStore(configDir).accounts[SEED.defaultBusinessId];
  expect(after.refreshToken).not.toBe(before.refreshToken);
  expect((await sandbox.api('business/get/', after.accessToken, { business_id: SEED.defaultBusinessId })).code).toBe(0);
  expectNoTokens(result, [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken]);
});

it('an access token expiring within 5 minutes is renewed before the call (no 40105 needed)', async () => {
  const configDir = tempConfigDir();
  const before = await connectAccount(sandbox, configDir);
  patchStoredAccount(configDir, SEED.defaultBusinessId, { accessTokenExpiresAt: Date.now() + 4 * 60_000 });
  const since = (await sandbox.state()).requests.length;

  const result = await runCli(['conversations', '--json'], { configDir });
  expect(result.code, result.stderr).toBe(0);
  const calls = apiCalls(await sandbox.state(), since);
  expect(calls[0].path).toMatch(/\/tt_user\/oauth2\/refresh_token\/$/);
  expect(calls.filter((call) => call.path.endsWith('/tt_user/oauth2/refresh_token/'))).toHaveLength(1);
  expect(calls.some((call) => call.code === 40105)).toBe(false);
  const after = readStore(configDir).accounts[SEED.defaultBusinessId];
  expect(after.accessToken).not.toBe(before.accessToken);
  expect(after.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 23 * 3600_000);
});

it('a token with 10 minutes left is used as is', async () => {
  const configDir = tempConfigDir();
  await connectAccount(sandbox, configDir);
  patchStoredAccount(configDir, SEED.defaultBusinessId, { accessTokenExpiresAt: Date.now() + 10 * 60_000 });
  const since = (await sandbox.state()).requests.length;
  expect((await runCli(['conversations', '--json'], { configDir })).code).toBe(0);
  expect(requestsTo({ requests: (await sandbox.state()).requests.slice(since) }, 'tt_user/oauth2/refresh_token/')).toHaveLength(0);
});

it('disconnect revokes even when TikTok answers 40105 first: refresh once, then revoke again', async () => {
  const configDir = tempConfigDir();
  await connectAccount(sandbox, configDir);
  // TikTok answers the first revoke with 40105 (the sandbox accepts expired tokens at revoke, so a fault plays it).
  await sandbox.control('POST', 'faults', { path: 'tt_user/oauth2/revoke/', kind: 'code', code: 40105, times: 1 });
  const since = (await sandbox.state()).requests.length;
  const result = await runCli(['disconnect', '--json'], { configDir });
  expect(result.code, result.stderr).toBe(0);
  expect(parseJson(result.stdout)).toMatchObject({ revoked: true, disconnected: { business_id: SEED.defaultBusinessId } });
  const calls = apiCalls(await sandbox.state(), since).map((call) => `${call.path.replace('/open_api/v1.3/', '')} ${call.code}`);
  expect(calls).toEqual(['tt_user/oauth2/revoke/ 40105', 'tt_user/oauth2/refresh_token/ 0', 'tt_user/oauth2/revoke/ 0']);
  expect(readStore(configDir).accounts).toEqual({});
});
