// Ctrl-C mid-request, against a slow served sandbox (every API answer takes 1.2 s): a refresh in flight
// still stores the rotated token; an interrupted send says it may have gone out; stdout stays one document.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { connectAccount, readStore, requestsTo, SEED, startCli, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox({ latencyMs: 1200 });

/**
 * Watches the served sandbox's handler: resolves when a request whose URL matches `pattern` arrives (the
 * CLI is then mid-request: its answer takes 1.2 s). With `holdUntil`, the answers to matching requests
 * are held until the promise settles, so "exited before the answer" is a fact, not a timing.
 */
function arrival(pattern: RegExp, holdUntil?: Promise<unknown>) {
  const handler = sandbox.server.handler;
  const original = handler.handle;
  const seen: string[] = [];
  let answered = false;
  let resolveArrived: (url: string) => void;
  const arrived = new Promise<string>((resolve) => (resolveArrived = resolve));
  handler.handle = async (request) => {
    if (!/\/open_api\//.test(request.url)) return original.call(handler, request);
    seen.push(request.url);
    const matched = pattern.test(request.url);
    if (matched) resolveArrived(request.url);
    const response = await original.call(handler, request);
    if (matched && holdUntil) await holdUntil.catch(() => undefined);
    if (matched) answered = true;
    return response;
  };
  return {
    arrived,
    /** API requests that reached the sandbox so far. */
    count: () => seen.length,
    answered: () => answered,
    restore: () => void (handler.handle = original),
  };
}

describe('Ctrl-C', { timeout: 30_000 }, () => {
  it('during a refresh: acknowledged at once, the rotated token is still stored, then exit 130', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    const watch = arrival(/tt_user\/oauth2\/refresh_token\//);
    const cli = startCli(['refresh', '--json'], { env: sandbox.env(), configDir });
    // Ctrl-C once the refresh request is at TikTok: the store is locked for the token write from before
    // it leaves until the rotated pair is saved, and its answer takes 1.2 s.
    await watch.arrived;
    expect(existsSync(join(configDir, 'accounts.json.lock'))).toBe(true);
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
    watch.restore();
  });

  it('during a send: exit 130, one JSON error saying the message may have gone out', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    await sandbox.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Hello?' });
    let cli!: ReturnType<typeof startCli>;
    const exited = new Promise((resolve) => setImmediate(() => void cli.done.then(resolve, resolve)));
    const watch = arrival(/business\/message\/send\//, exited);
    cli = startCli(['send', '--to', SEED.conversations.maya, '--text', 'Hi Maya', '--json', '--debug'], { env: sandbox.env(), configDir });
    // Ctrl-C while the send itself is at TikTok (its answer is held until the CLI has exited).
    await watch.arrived;
    cli.child.kill('SIGINT');
    const result = await cli.done;
    watch.restore();
    expect(watch.answered()).toBe(false);
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
    let cli!: ReturnType<typeof startCli>;
    const exited = new Promise((resolve) => setImmediate(() => void cli.done.then(resolve, resolve)));
    // Its first request's answer is held until the CLI has exited: "at once" = without waiting for it.
    const watch = arrival(/\/open_api\//, exited);
    cli = startCli(['conversations', '--json'], { env: sandbox.env(), configDir });
    await watch.arrived;
    cli.child.kill('SIGINT');
    const result = await cli.done;
    watch.restore();
    expect(result.code).toBe(130);
    expect(parseJson(result.stdout).error).toMatchObject({ kind: 'cancelled', code: 130 });
    // It waited for none of the answers (every one was held until it had exited), so it cannot have gone
    // on to the content/list calls that follow them.
    expect(watch.answered()).toBe(false);
    expect(watch.count()).toBeGreaterThan(0);
  });
});
