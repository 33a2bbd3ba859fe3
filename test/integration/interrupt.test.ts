// Ctrl-C mid-request, against a slow served sandbox (every API answer takes 1.2 s): a refresh in flight
// still stores the rotated token; an interrupted send says it may have gone out; stdout stays one document.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { connectAccount, readStore, requestsTo, SEED, startCli, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox({ latencyMs: 1200 });

async function interruptAfter(cli: ReturnType<typeof startCli>, ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  cli.child.kill('SIGINT');
  return cli.done;
}

describe('Ctrl-C', { timeout: 30_000 }, () => {
  it('during a refresh: acknowledged at once, the rotated token is still stored, then exit 130', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    const cli = startCli(['refresh', '--json'], { env: sandbox.env(), configDir });
    // Ctrl-C once the store is locked for the token write (the lock is held until the rotated pair is saved).
    const lock = join(configDir, 'accounts.json.lock');
    for (let waited = 0; !existsSync(lock); waited += 10) {
      if (waited > 15_000) throw new Error(`the refresh never locked the store:\n${cli.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The lock directory appears a moment before the write section is entered; the answer takes 1.2 s.
    await new Promise((resolve) => setTimeout(resolve, 200));
    cli.child.kill('SIGINT');
    // Said while the refresh is still running, not after it.
    await cli.waitForStderr(/finishing the token write, then stopping/, 3000);
    expect(cli.child.exitCode).toBeNull();
    const result = await cli.done;
    // The write was not cut short, and the Ctrl-C was honoured once it ended.
    expect(result.code, result.stderr).toBe(130);
    expect(parseJson(result.stdout)).toMatchObject({ rotated: true });
    const after = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(after.refreshToken).not.toBe(before.refreshToken);
    const again = await runCli(['refresh', '--json'], { env: sandbox.env(), configDir, timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/refresh_token/').every((entry) => entry.status === 200)).toBe(true);
  });

  it('during a send: exit 130, one JSON error saying the message may have gone out', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    await sandbox.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Hello?' });
    const cli = startCli(['send', '--to', SEED.conversations.maya, '--text', 'Hi Maya', '--json', '--debug'], { env: sandbox.env(), configDir });
    // The --debug trace of content/list ends the checks; the send starts right after and takes 1.2 s.
    await cli.waitForStderr(/content\/list\/\S* → HTTP 200/, 20_000);
    const result = await interruptAfter(cli, 400);
    expect(result.code).toBe(130);
    const documents = result.stdout.trim().split('\n');
    expect(documents).toHaveLength(1);
    const error = JSON.parse(documents[0]).error;
    expect(error.kind).toBe('cancelled');
    expect(error.message).toContain('may or may not have been sent');
  });

  it('while reading: exit 130 at once with the cancellation as the JSON document', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    const started = Date.now();
    const cli = startCli(['conversations', '--json'], { env: sandbox.env(), configDir });
    const result = await interruptAfter(cli, 600);
    expect(result.code).toBe(130);
    expect(parseJson(result.stdout).error).toMatchObject({ kind: 'cancelled', code: 130 });
    // Not after all the slow requests it would have made.
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
