// `conversations` against a served sandbox: names taken from content/list, window and quota per
// conversation, STRANGER requests, --type, the cursor followed past one page, 40100 back-off, the
// plain (non-TTY) output and the exit codes.
import { describe, expect, it } from 'vitest';
import { SEED, useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

const ctx = useConnectedWorld();

describe('conversations --json', () => {
  it('lists every conversation with its user, window and messages left, newest activity first', async () => {
    const result = await runCli(['conversations', '--json'], { env: ctx.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { conversations } = parseJson(result.stdout);
    const state = await ctx.world.state();
    const acme = state.conversations.filter((entry: any) => entry.business_id === ctx.account.businessId);
    expect(conversations.map((entry: any) => entry.conversation_id)).toEqual(acme.map((entry: any) => entry.conversation_id));

    const byId = Object.fromEntries(conversations.map((entry: any) => [entry.conversation_id, entry]));
    expect(byId[SEED.conversations.maya]).toMatchObject({
      type: 'SINGLE',
      user: { username: 'maya.lopez', display_name: 'Maya López' },
      window_open: true,
      messages_left: 10,
      messages_left_is_lower_bound: false,
      stranger: false,
    });
    expect(byId[SEED.conversations.priya]).toMatchObject({ user: { username: 'priya_codes' }, window_open: false, messages_left: 0 });
    expect(byId[SEED.conversations.jonas].referral.short_link[0]).toMatchObject({ ref: 'spring-qr' });
    expect(byId[SEED.conversations.tom].referral.ad[0]).toMatchObject({ ad_name: 'Spring 2-for-1' });
    for (const entry of acme) {
      const listed = byId[entry.conversation_id];
      expect(listed.last_user_message_at).toBe(new Date(entry.window.last_user_message_at).toISOString());
      expect(listed.window_closes_at).toBe(new Date(entry.window.closes_at).toISOString());
    }
    expect(state.unhandled).toEqual([]);
  });

  it("counts business messages since the user's last message", async () => {
    await ctx.world.sendTexts(ctx.account, SEED.conversations.maya, 4);
    const { conversations } = parseJson((await runInProcess(['conversations', '--json'], { env: ctx.env })).stdout);
    const maya = conversations.find((entry: any) => entry.conversation_id === SEED.conversations.maya);
    expect(maya.messages_left).toBe(6);
    // The send made maya's conversation the most recent.
    expect(conversations[0].conversation_id).toBe(SEED.conversations.maya);
  });

  it('marks STRANGER message requests and filters with --type', async () => {
    await ctx.world.reset('followers-only');
    const all = parseJson((await runInProcess(['conversations', '--json'], { env: ctx.env })).stdout).conversations;
    const strangers = all
      .filter((entry: any) => entry.stranger)
      .map((entry: any) => entry.user.username)
      .sort();
    expect(strangers).toEqual(['jonas.k', 'tom.wright']);
    expect(all.filter((entry: any) => entry.stranger).every((entry: any) => entry.type === 'STRANGER')).toBe(true);

    const onlyStrangers = parseJson((await runInProcess(['conversations', '--type', 'stranger', '--json'], { env: ctx.env })).stdout).conversations;
    expect(onlyStrangers.map((entry: any) => entry.user.username).sort()).toEqual(['jonas.k', 'tom.wright']);
    const onlySingle = parseJson((await runInProcess(['conversations', '--type', 'single', '--json'], { env: ctx.env })).stdout).conversations;
    expect(onlySingle.map((entry: any) => entry.user.username).sort()).toEqual(['maya.lopez', 'priya_codes']);
  });

  it('follows the cursor past the first page of 100', async () => {
    for (let i = 0; i < 100; i++) await ctx.world.control('POST', 'messages', { from_username: `shopper${i}`, text: `Question ${i}` });
    // 107 requests: unpaced here (pacing has its own test in pacing.test.ts), so this stays quick.
    const result = await runInProcess(['conversations', '--json'], { env: { ...ctx.env, TIKTOK_CHANNEL_MAX_RPS: '1000' }, timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    const { conversations } = parseJson(result.stdout);
    expect(conversations).toHaveLength(104);
    expect(new Set(conversations.map((entry: any) => entry.conversation_id)).size).toBe(104);
    expect(conversations.find((entry: any) => entry.user.username === 'shopper0')).toMatchObject({ messages_left: 10, window_open: true });
    const state = await ctx.world.state();
    // SINGLE needed two pages; STRANGER one.
    expect(ctx.world.requestsTo(state, 'business/message/conversation/list/')).toHaveLength(3);
    expect(ctx.world.requestsTo(state, 'business/message/content/list/')).toHaveLength(104);
  });

  it('backs off on 40100 from content/list and still lists everything', async () => {
    await ctx.world.control('POST', 'faults', { path: 'business/message/content/list/', kind: 'code', code: 40100, times: 2 });
    const result = await runInProcess(['conversations', '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout).conversations).toHaveLength(4);
    const codes = ctx.world.requestsTo(await ctx.world.state(), 'business/message/content/list/').map((entry) => entry.code);
    expect(codes.filter((code) => code === 40100)).toHaveLength(2);
    expect(codes.filter((code) => code === 0)).toHaveLength(4);
  });
});

describe('conversations output and errors', () => {
  it('prints the JSON document when stdout is not a TTY, even without --json', async () => {
    const dir = await ctx.world.store(ctx.account);
    const piped = await runInProcess(['conversations'], { configDir: dir });
    expect(piped.code).toBe(0);
    const asked = await runInProcess(['conversations', '--json'], { configDir: dir });
    const strip = (document: any) => document.conversations.map((entry: any) => ({ ...entry, last_user_message_at: undefined, window_closes_at: undefined }));
    expect(strip(parseJson(piped.stdout))).toEqual(strip(parseJson(asked.stdout)));
    const jonas = parseJson(piped.stdout).conversations.find((entry: any) => entry.conversation_id === SEED.conversations.jonas);
    expect(jonas).toMatchObject({ type: 'SINGLE', user: { username: 'jonas.k', display_name: 'Jonas K.' }, window_open: true, messages_left: 10 });
  });

  it('says so when there are none', async () => {
    await ctx.world.control('POST', 'reset', { scenario: 'healthy', clear_log: true, empty: true });
    const text = await runInProcess(['conversations'], { env: ctx.env });
    expect(text.code).toBe(0);
    expect(parseJson(text.stdout)).toEqual({ conversations: [] });
    expect(text.stderr).toContain('No conversations in the last 90 days');
    expect(parseJson((await runInProcess(['conversations', '--json'], { env: ctx.env })).stdout)).toEqual({ conversations: [] });
  });

  it('an EEA account exits 4; a network failure exits 6', async () => {
    await ctx.world.reset('eea');
    const eea = await runInProcess(['conversations', '--json'], { env: ctx.env });
    expect(eea.code).toBe(4);
    expect(parseJson(eea.stdout).error).toMatchObject({ kind: 'permission', tiktok_code: 40001 });
    expect(parseJson(eea.stdout).error.hint).toMatch(/EEA, Switzerland or the UK/);

    await ctx.world.reset();
    await ctx.world.control('POST', 'faults', { path: 'business/message/conversation/list/', kind: 'html502', times: -1 });
    const down = await runInProcess(['conversations', '--json'], { env: ctx.env });
    expect(down.code).toBe(6);
    expect(parseJson(down.stdout).error.kind).toBe('network');
    await ctx.world.control('DELETE', 'faults');
  });
});
