// PKCE against the served sandbox's OAuth modes (sandbox-spec §4), the browser played by plain HTTP: the
// authorize page (auto-approving) checks the hex S256 challenge, the token endpoint checks the verifier,
// and a token endpoint that refuses unknown fields gets the exchange once more without code_verifier.
import { afterEach, describe, expect, it } from 'vitest';
import { parseJson, tempConfigDir } from '../helpers/cli.js';
import { connectAccount, readStore, requestsTo, SEED, startCli, useServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox({ autoApprove: true });

// OAuth modes survive resets: each test sets its own and leaves them off.
afterEach(async () => sandbox.control('POST', 'oauth', { require_pkce: false, strict_exchange_fields: false }));

/** Runs a consent command, follows the authorize URL like a browser, and returns the URL and the result. */
async function consent(args: string[], configDir: string) {
  const cli = startCli(args, { env: sandbox.env(), configDir });
  const authorizeUrl = await cli.authorizeUrl();
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  await page.arrayBuffer();
  const callback = await fetch(page.headers.get('location')!);
  await callback.text();
  return { url: new URL(authorizeUrl), result: await cli.done };
}

describe('PKCE (hex S256) in connect and refresh --reauthorize', () => {
  it('sends a hex S256 challenge by default and the verifier in the exchange (authorize requires PKCE)', async () => {
    await sandbox.control('POST', 'oauth', { require_pkce: true });
    const configDir = tempConfigDir();
    const { url, result } = await consent(['connect', '--json'], configDir);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout).account.business_id).toBe(SEED.defaultBusinessId);
    // One exchange, accepted: the sandbox checked hex(SHA-256(code_verifier)) against the challenge.
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/token/').map((entry) => entry.code)).toEqual([0]);
  });

  it('exchanges once more without code_verifier when the token endpoint refuses that field', async () => {
    await sandbox.control('POST', 'oauth', { strict_exchange_fields: true });
    const configDir = tempConfigDir();
    const { url, result } = await consent(['connect', '--json'], configDir);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[0-9a-f]{64}$/);
    expect(result.code, result.stderr).toBe(0);
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/token/').map((entry) => entry.code)).toEqual([40002, 0]);
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].accessToken).toMatch(/\S/);
  });

  it('--no-pkce sends no challenge: accepted by a strict token endpoint in one exchange, refused where PKCE is required', async () => {
    await sandbox.control('POST', 'oauth', { strict_exchange_fields: true });
    const plain = await consent(['connect', '--no-pkce', '--json'], tempConfigDir());
    expect(plain.url.searchParams.has('code_challenge')).toBe(false);
    expect(plain.result.code, plain.result.stderr).toBe(0);
    expect(requestsTo(await sandbox.state(), 'tt_user/oauth2/token/').map((entry) => entry.code)).toEqual([0]);

    await sandbox.control('POST', 'oauth', { require_pkce: true, strict_exchange_fields: false });
    const refused = await consent(['connect', '--no-pkce', '--json'], tempConfigDir());
    expect(refused.result.code).toBe(3);
    expect(parseJson(refused.result.stdout).error.message).toContain('code_challenge is required');
  });

  it('refresh --reauthorize uses PKCE too, and --no-pkce turns it off', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir, { args: ['--no-pkce'] });
    await sandbox.control('POST', 'oauth', { require_pkce: true });
    const again = await consent(['refresh', '--reauthorize', '--json'], configDir);
    expect(again.url.searchParams.get('code_challenge')).toMatch(/^[0-9a-f]{64}$/);
    expect(again.result.code, again.result.stderr).toBe(0);
    const off = await consent(['refresh', '--reauthorize', '--no-pkce', '--json'], configDir);
    expect(off.url.searchParams.has('code_challenge')).toBe(false);
    expect(off.result.code).toBe(3);
  });
});
