// `qr --wait`: the connection test. A fresh ref tag in the link; by polling (default) or webhooks
// (--port), it waits until someone arrives through that link (its ref), shows anyone else who writes as
// a dim line and keeps waiting, and says who came and what they wrote; exit 7 with what to check when no
// one does.
import { describe, expect, it } from 'vitest';
import { useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { freePort } from '../helpers/tail.js';
import { registerWebhook } from '../../src/tiktok/messaging-api.js';

const ctx = useConnectedWorld();

async function linkOf(cli: ReturnType<typeof startCli>): Promise<{ url: string; ref: string }> {
  const match = await cli.waitForStderr(/arrive through (https:\/\/tiktok\.me\/acme\.studio\?ref=(check-[0-9a-f]{6}))/, 15_000);
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

  it('webhooks on --port: someone writing without this code is shown and not taken; --json names the one who came through it', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const port = await freePort();
    await registerWebhook(ctx.world.client, ctx.world.server.clientKey, ctx.world.server.clientSecret, `http://127.0.0.1:${port}/webhook`);
    const cli = startCli(['qr', '--wait', '30', '--port', String(port), '--json'], { configDir, timeoutMs: 60_000 });
    const { url, ref } = await linkOf(cli);
    expect(cli.stderr()).toContain(`No --ref given: the link carries the fresh tag ${ref}`);
    await cli.waitForStderr(new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}/webhook`));
    await ctx.world.control('POST', 'messages', { text: 'Testing, testing' });
    await cli.waitForStderr(/@maya\.lopez wrote, not through this code; still waiting for this code/, 15_000);
    await ctx.world.control('POST', 'messages', { from_username: 'scanner', ref, text: 'Scanned it' });
    const done = await cli.done;
    expect(done.code).toBe(0);
    const result = parseJson(done.stdout);
    expect(result).toMatchObject({
      url,
      ref,
      arrived_through_link: true,
      user: { username: 'scanner' },
      text: 'Scanned it',
      referral: { kind: 'referral', origin: 'webhook', referral: { source: 'short_link', ref } },
      message: { kind: 'message', origin: 'webhook', text: 'Scanned it', user: { username: 'scanner' } },
      others_seen: 1,
    });
    expect(result.conversation_id).toBe(result.message.conversation_id);
  });

  it('polling: a visitor through another link first is shown dimly; the one through this code is reported', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const cli = startCli(['qr', '--wait', '30', '--json'], { configDir, timeoutMs: 60_000 });
    const { url, ref } = await linkOf(cli);
    await ctx.world.control('POST', 'messages', { from_username: 'elsewhere', ref: 'spring-poster', text: 'Hi from the poster' });
    await cli.waitForStderr(/arrived through another link \(ref spring-poster\); still waiting for this code/, 20_000);
    await cli.waitForStderr(/@elsewhere wrote, not through this code; still waiting for this code/, 20_000);
    await ctx.world.control('POST', 'messages', { from_username: 'scanner', ref, text: 'Hi from the QR code' });
    const done = await cli.done;
    expect(done.code).toBe(0);
    expect(parseJson(done.stdout)).toMatchObject({
      url,
      ref,
      arrived_through_link: true,
      user: { username: 'scanner' },
      text: 'Hi from the QR code',
      referral: { kind: 'referral', referral: { ref } },
      others_seen: 1,
    });
  });

  it('polling with a --ref already on a conversation: a returning visitor of that chat counts as this code', async () => {
    const configDir = await ctx.world.store(ctx.account);
    // The seeded jonas arrived through spring-qr earlier (conversation/list's referral.short_link holds it).
    const cli = startCli(['qr', '--ref', 'spring-qr', '--wait', '30'], { configDir, timeoutMs: 60_000 });
    await cli.waitForStderr(/arrive through https:\/\/tiktok\.me\/acme\.studio\?ref=spring-qr/, 15_000);
    expect(cli.stderr()).not.toContain('No --ref given');
    // The first look found the earlier chat; only now does the returning visitor write.
    await cli.waitForStderr(/1 earlier chat started through spring-qr: a new message there counts too\./, 15_000);
    await ctx.world.control('POST', 'messages', { from_username: 'jonas.k', text: 'Back again' });
    const done = await cli.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('wrote "Back again" in a chat that started through this QR code – messages reach you');
  });

  it('exits 7 with what to check when no one arrives in time', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const result = await runCli(['qr', '--wait', '2', '--json'], { configDir });
    expect(result.code).toBe(7);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind: 'timeout', code: 7 });
    expect(error.message).toMatch(/^No one arrived through https:\/\/tiktok\.me\/acme\.studio\?ref=check-[0-9a-f]{6} within 2 s\.$/);
    expect(error.hint).toContain('DM setting');
    expect(error.hint).toContain('tiktok-channel doctor');

    const port = await freePort();
    const webhook = await runCli(['qr', '--wait', '1', '--port', String(port)], { configDir });
    expect(webhook.code).toBe(7);
    expect(webhook.stderr).toContain('webhook callback reaches this port');
    expect((await runCli(['qr', '--port', '8080'], { configDir: tempConfigDir() })).code).toBe(2);
  });
});
