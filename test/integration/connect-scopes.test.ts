// `connect --scopes a,b,…` asks for exactly those scopes, and TikTok's invalid_scope refusal (one
// unapproved scope fails the whole request, tiktok-api.md §2) becomes a permission error naming the
// developer portal's permission page. Against a served sandbox, the browser played by plain HTTP.
import { describe, expect, it } from 'vitest';
import { MESSAGING_SCOPES } from '../../src/tiktok/limits.js';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { startCli, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();

describe('connect --scopes', () => {
  it('asks for the messaging set by default, and for exactly the given scopes with --scopes', async () => {
    const byDefault = startCli(['connect', '--no-browser', '--timeout', '5'], { env: sandbox.env(), configDir: tempConfigDir() });
    expect(new URL(await byDefault.authorizeUrl()).searchParams.get('scope')).toBe(MESSAGING_SCOPES.join(','));
    byDefault.child.kill('SIGINT');
    await byDefault.done;

    const chosen = startCli(['connect', '--no-browser', '--scopes', 'user.info.basic, message.list.read,message.list.send,message.list.manage', '--json'], {
      env: sandbox.env(),
      configDir: tempConfigDir(),
    });
    const url = await chosen.authorizeUrl();
    expect(new URL(url).searchParams.get('scope')).toBe('user.info.basic,message.list.read,message.list.send,message.list.manage');
    const landed = await fetch(await sandbox.approve(url));
    expect(landed.status).toBe(200);
    const result = await chosen.done;
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout).account.scopes).toEqual(['user.info.basic', 'message.list.read', 'message.list.send', 'message.list.manage']);
  });

  it("an unapproved scope: TikTok refuses the whole request, and the CLI names the portal's permission page (exit 4)", async () => {
    const cli = startCli(
      ['connect', '--no-browser', '--scopes', 'user.info.basic,message.list.read,message.list.send,message.list.manage,comment.list', '--json'],
      {
        env: sandbox.env(),
        configDir: tempConfigDir(),
      },
    );
    const url = await cli.authorizeUrl();
    // The browser opens the authorize page; TikTok redirects back with invalid_scope.
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(302);
    const callback = page.headers.get('location')!;
    expect(new URL(callback).searchParams.get('error')).toBe('invalid_scope');
    await fetch(callback);
    const result = await cli.done;
    expect(result.code).toBe(4);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('permission');
    expect(error.message).toMatch(/not approved/);
    expect(error.message).toMatch(/comment\.list/);
    expect(error.hint).toMatch(/developer portal/);
    expect(error.hint).toMatch(/Permissions/);
    expect(error.hint).toMatch(/--scopes/);
  });

  it('refuses an empty or malformed --scopes before anything happens (exit 2)', async () => {
    for (const value of ['', ' , ', 'user.info.basic message.list.read']) {
      const result = await runCli(['connect', '--no-browser', '--scopes', value], { env: sandbox.env(), configDir: tempConfigDir() });
      expect(result.code, value).toBe(2);
      expect(result.stderr).toMatch(/--scopes/);
    }
  });
});
