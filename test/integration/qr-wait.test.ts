// `qr --wait`: the connection test. A fresh ref tag in the link; by polling (default) or webhooks
// (--port), it waits until someone arrives through that link or writes, and says who; exit 7 with what
// to check when no one does.
import { describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { parseJson, runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { freePort } from '../helpers/tail.js';
import { registerWebhook } from '../../src/tiktok/messaging.js';

const ctx = useConnectedWorld();

async function linkOf(cli: ReturnType<typeof startCli>): Promise<{ url: string; ref: string }> {
  const match = await cli.waitForStderr(/arrive through (https:\/\/tiktok\.me\/acme\.studio\?ref=(check-[0-9a-f]{6})) or write/, 15_000);
  return { url: match[1]!, ref: match[2]! };
}

describe('qr --wait', () => {
  it('polling: someone arrives through the fresh tag and writes', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const cli = startCli(['qr', '--wait', '20'], { configDir, timeoutMs: 40_000 });
    const { url, ref } = await linkOf(cli);
    // The link is printed first, so it can be shown or scanned while the command waits.
    expect(cli.stdout().split('\n')[0]).toBe(url);
    await ctx.world.control('POST', 'messages', { from_username: 'scanner', ref, text: 'Hi from the QR code' });
    const done = await cli.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('✓ @scanner arrived through this QR code and wrote "Hi from the QR code" – messages reach you');
  });

  it('webhooks on --port: someone writes, and --json says who and what', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const port = await freePort();
    await registerWebhook(ctx.world.client, ctx.world.server.clientKey, ctx.world.server.clientSecret, `http://127.0.0.1:${port}/webhook`);
    const cli = startCli(['qr', '--wait', '20', '--port', String(port), '--json'], { configDir, timeoutMs: 40_000 });
    const { url, ref } = await linkOf(cli);
    await cli.waitForStderr(new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}/webhook`));
    await ctx.world.control('POST', 'messages', { text: 'Testing, testing' });
    const done = await cli.done;
    expect(done.code).toBe(0);
    const result = parseJson(done.stdout);
    expect(result).toMatchObject({
      url,
      ref,
      arrived_through_link: false,
      user: { id: SEED.users.maya, username: 'maya.lopez' },
      conversation_id: SEED.conversations.maya,
      text: 'Testing, testing',
      referral: null,
      message: { kind: 'message', origin: 'webhook', text: 'Testing, testing' },
    });
  });

  it('exits 7 with what to check when no one arrives in time', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const result = await runCli(['qr', '--wait', '2', '--json'], { configDir });
    expect(result.code).toBe(7);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind: 'timeout', code: 7 });
    expect(error.message).toMatch(/^No one arrived through https:\/\/tiktok\.me\/acme\.studio\?ref=check-[0-9a-f]{6} or wrote within 2 s\.$/);
    expect(error.hint).toContain('DM setting');
    expect(error.hint).toContain('tiktok-channel doctor');

    const port = await freePort();
    const webhook = await runCli(['qr', '--wait', '1', '--port', String(port)], { configDir });
    expect(webhook.code).toBe(7);
    expect(webhook.stderr).toContain('webhook callback reaches this port');
    expect((await runCli(['qr', '--port', '8080'], { configDir: tempConfigDir() })).code).toBe(2);
  });
});
