// `tail --poll` against the served sandbox: only messages not seen before are printed, decoded like
// webhook events; the position survives a restart (nothing repeated, nothing missed, arrivals included);
// a possible gap past content/list's 20 messages is announced; TikTok's 40100 is waited out.
import { describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { startCli } from '../helpers/cli.js';
import { interrupt, withEvents } from '../helpers/tail.js';

const ctx = useConnectedWorld();

async function startPolling(configDir: string, extra: string[] = []) {
  const cli = withEvents(startCli(['tail', '--poll', '0.5', ...extra], { configDir, timeoutMs: 60_000 }), {});
  await cli.waitForStderr(/Ready! Polling @acme\.studio every 0\.5 s/, 15_000);
  return cli;
}

describe('tail --poll', () => {
  it('prints only new messages, and after a restart exactly what arrived meanwhile', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const first = await startPolling(configDir);
    // Written right after "Ready!", possibly in a pipe read of its own.
    await first.waitForStderr(/\d+ earlier messages are not shown \(--since 1h includes them\)/);
    await ctx.world.control('POST', 'messages', { text: 'Polled hello' });
    const [hello] = await first.waitForEvents(1);
    expect(hello).toMatchObject({
      origin: 'rest',
      event: 'im_receive_msg',
      kind: 'message',
      business_id: SEED.defaultBusinessId,
      conversation_id: SEED.conversations.maya,
      direction: 'inbound',
      type: 'text',
      text: 'Polled hello',
      user: { username: 'maya.lopez' },
    });
    await ctx.world.sendTexts(ctx.account, SEED.conversations.maya, 1);
    const [, reply] = await first.waitForEvents(2);
    expect(reply).toMatchObject({ event: 'im_send_msg', direction: 'outbound', source: 'API', text: 'set-up message 1' });
    const stopped = await interrupt(first);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/Stopped: 2 printed\. Poll position: .*poll/);

    // While tail is stopped: a message, and someone arriving through a tiktok.me link who writes.
    await ctx.world.control('POST', 'messages', { text: 'While you were away' });
    await ctx.world.control('POST', 'messages', { from_username: 'walker', ref: 'poster-9', text: 'Found you on the poster' });
    const second = await startPolling(configDir);
    try {
      const events = await second.waitForEvents(3);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const texts = second.events().map((event) => event.text ?? `[${event.kind} ${event.referral?.ref}]`);
      expect(texts).toEqual(['While you were away', '[referral poster-9]', 'Found you on the poster']);
      expect(events[1]).toMatchObject({ event: 'im_referral_msg', kind: 'referral', origin: 'rest', referral: { source: 'short_link', ref: 'poster-9' } });
      expect(events[2].user.username).toBe('walker');
      expect(second.stderr()).not.toContain('earlier messages');
    } finally {
      await interrupt(second);
    }
  });

  it('says when more than 20 messages may have arrived between two looks', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const first = await startPolling(configDir);
    await interrupt(first);
    for (let index = 1; index <= 22; index++) await ctx.world.control('POST', 'messages', { text: `burst ${index}` });
    const second = await startPolling(configDir);
    try {
      const events = await second.waitForEvents(20);
      // The 20 most recent (messages of the same millisecond may come in either order).
      expect(events.map((event) => event.text).sort()).toEqual(Array.from({ length: 20 }, (_, index) => `burst ${index + 3}`).sort());
      expect(events.map((event) => event.timestamp)).toEqual([...events.map((event) => event.timestamp)].sort((a, b) => a - b));
      await second.waitForStderr(new RegExp(`Conversation ${SEED.conversations.maya.replace(/[+/]/g, '\\$&')}: more than 20 messages may have arrived`));
    } finally {
      await interrupt(second);
    }
  });

  it('loses nothing when content/list keeps failing for one conversation while messages arrive in two', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const first = await startPolling(configDir);
    await interrupt(first);
    // While tail is stopped: messages in two conversations (maya's older, walker's newer).
    for (const text of ['maya 1', 'maya 2', 'maya 3']) await ctx.world.control('POST', 'messages', { text });
    for (const text of ['walker 1', 'walker 2']) await ctx.world.control('POST', 'messages', { from_username: 'walker', text });
    // The next start reads maya's conversation (content/list call 1), then walker's: calls 2 to 5 (the
    // client's four attempts) are reset. Each fault lets its first match through and resets its second.
    for (let fault = 0; fault < 4; fault++) {
      await ctx.world.control('POST', 'faults', { path: 'business/message/content/list/', kind: 'reset', every: 2, times: 1 });
    }
    const second = await startPolling(configDir);
    try {
      await second.waitForStderr(/ECONNRESET|reset|Could not reach/i, 15_000);
      await second.waitForEvents(5, 15_000);
      await ctx.world.control('POST', 'messages', { text: 'maya 4' });
      const events = await second.waitForEvents(6, 15_000);
      expect(events.map((event) => event.text).sort()).toEqual(['maya 1', 'maya 2', 'maya 3', 'maya 4', 'walker 1', 'walker 2']);
    } finally {
      await interrupt(second);
    }
    // And a restart owes nothing and repeats nothing.
    const third = await startPolling(configDir, ['--timeout', '2']);
    const done = await third.done;
    expect(done.stdout).toBe('');
  });

  it('backs off while TikTok answers 40100, then carries on', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startPolling(configDir, ['--count', '1', '--timeout', '25']);
    await ctx.world.control('POST', 'faults', { path: 'business/message/conversation/list/', kind: 'code', code: 40100, times: 4 });
    await tail.waitForStderr(/TikTok is rate limiting \(40100\); polling again in 1 s/, 15_000);
    await ctx.world.control('POST', 'messages', { text: 'after the limit' });
    const done = await tail.done;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout.trim()).text).toBe('after the limit');
  });
});
