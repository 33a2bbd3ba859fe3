// `send` with text against a served sandbox: env credentials (the CI path) and a stored account, the
// 48-hour window, the 10-message quota and its reset, length limits, stdin, quoted replies, --dry-run,
// --force and the exit codes. The sandbox's /state proves what was and was not sent.
import { beforeEach, describe, expect, it } from 'vitest';
import { conversation, SEED, useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

const MAYA = SEED.conversations.maya;
const PRIYA = SEED.conversations.priya;

// A fresh token per test: the clock tests age the world past the 24-hour token lifetime.
const ctx = useConnectedWorld({ connectEach: true });
beforeEach(async () => ctx.world.reset()); // clear the log of the connect calls

async function sentCount(): Promise<number> {
  return ctx.world.requestsTo(await ctx.world.state(), 'business/message/send/').length;
}

describe('send --text with env credentials', () => {
  it('sends and prints {message_id, conversation_id, messages_left, window_closes_at}', async () => {
    const result = await runCli(['send', '--to', MAYA, '--text', 'Yes, M is in stock 💚', '--json'], { env: ctx.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ conversation_id: MAYA, messages_left: 9, message_type: 'TEXT', to: { username: 'maya.lopez', display_name: 'Maya López' } });
    expect(out.message_id).toMatch(/^\d+$/);

    const state = await ctx.world.state();
    const maya = conversation(state, MAYA);
    const last = maya.messages.at(-1);
    expect(last).toMatchObject({ message_id: out.message_id, direction: 'out', text: { body: 'Yes, M is in stock 💚' }, source: 'API' });
    // The window closes 48 h after maya's last message, as the sandbox computes it.
    expect(out.window_closes_at).toBe(new Date(maya.window.closes_at).toISOString());
    expect(state.unhandled).toEqual([]);
  });

  it('prints the one-line summary for people', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Hello!'], { env: ctx.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Sent message \d+ to @maya\.lopez \(9 of 10 left, window closes in 4[56]h\)\n$/);
  });

  it('reads --text - from stdin and strips one trailing newline', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--text', '-', '--json'], { env: ctx.env, input: 'Line one\nLine two\n\n' });
    expect(result.code).toBe(0);
    const { message_id } = parseJson(result.stdout);
    const sent = conversation(await ctx.world.state(), MAYA).messages.find((message: any) => message.message_id === message_id);
    expect(sent.text.body).toBe('Line one\nLine two\n');
  });

  it('quotes a message with --reply-to', async () => {
    const question = conversation(await ctx.world.state(), MAYA).messages.at(-1);
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Yes it is!', '--reply-to', question.message_id, '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    const last = conversation(await ctx.world.state(), MAYA).messages.at(-1);
    expect(last).toMatchObject({ text: { body: 'Yes it is!' }, referenced_message_id: question.message_id });
  });
});

describe('length limits (code points, checked before any network call)', () => {
  it('sends 6000 characters, even when they are emoji', async () => {
    const body = '💚'.repeat(6000);
    const result = await runInProcess(['send', '--to', MAYA, '--text', '-', '--json'], { env: ctx.env, input: body });
    expect(result.code).toBe(0);
    expect(conversation(await ctx.world.state(), MAYA).messages.at(-1).text.body).toBe(body);
  });

  it('refuses 6001 characters with exit 2 naming the limit, without calling TikTok', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--text', '-', '--json'], { env: ctx.env, input: `${'a'.repeat(6000)}💚` });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'validation', code: 2 });
    expect(error.message).toContain('6001 characters');
    expect(error.message).toContain('at most 6000');
    expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
  });

  it('refuses empty text and wrong flag combinations with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['send', '--to', MAYA, '--text', ''], /empty/],
      [['send', '--to', MAYA], /exactly one of --text/],
      [['send', '--to', MAYA, '--text', 'hi', '--share-post', SEED.posts[0]], /exactly one of --text, --image, --share-post, --card and --action/],
      [['send', '--to', MAYA, '--share-post', SEED.posts[0], '--reply-to', '123'], /--reply-to works with --text or --image only/],
      [['send', '--text', 'hi'], /--to/],
    ];
    for (const [args, message] of cases) {
      const result = await runInProcess(args, { env: ctx.env });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
  });
});

describe('the 48-hour window and the 10-message quota', () => {
  it('refuses a closed window with exit 5 and says when the user last wrote', async () => {
    const result = await runInProcess(['send', '--to', PRIYA, '--text', 'Next drop is Friday!', '--json'], { env: ctx.env });
    expect(result.code).toBe(5);
    const { error } = parseJson(result.stdout);
    expect(error.kind).toBe('window');
    expect(error.message).toMatch(/@priya_codes last wrote at \d{4}-\d\d-\d\dT/);
    expect(error.message).toContain("TikTok allows replies for 48 hours after the user's last message");
    expect(error.window_open).toBe(false);
    expect(await sentCount()).toBe(0);
  });

  it('--force leaves the decision to TikTok, whose refusal carries code, message and request_id', async () => {
    const result = await runInProcess(['send', '--to', PRIYA, '--text', 'Next drop is Friday!', '--force', '--json'], { env: ctx.env });
    expect(result.code).toBe(5);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'policy', tiktok_code: 40064 });
    expect(error.message).toContain('48-hour reply window closed');
    expect(error.request_id).toBeTruthy();
    expect(result.stderr).toContain('Sending anyway (--force)');
    expect(await sentCount()).toBe(1);
  });

  it('allows the 10th message, refuses the 11th, and counts again from 10 when the user writes', async () => {
    await ctx.world.sendTexts(ctx.account, MAYA, 9);
    const tenth = await runInProcess(['send', '--to', MAYA, '--text', 'The tenth', '--json'], { env: ctx.env });
    expect(tenth.code).toBe(0);
    expect(parseJson(tenth.stdout).messages_left).toBe(0);

    const eleventh = await runInProcess(['send', '--to', MAYA, '--text', 'The eleventh', '--json'], { env: ctx.env });
    expect(eleventh.code).toBe(5);
    const { error } = parseJson(eleventh.stdout);
    // One kind for the 10-message limit, whoever refuses: our count (rule: quota) and TikTok's 40064.
    expect(error).toMatchObject({ kind: 'policy', code: 5, rule: 'quota' });
    expect(error.message).toContain('they reset when the user writes again');
    expect(error.messages_left).toBe(0);
    expect(conversation(await ctx.world.state(), MAYA).messages.at(-1).text.body).toBe('The tenth');
    const forced = await runInProcess(['send', '--to', MAYA, '--text', 'The eleventh, forced', '--force', '--json'], { env: ctx.env });
    expect(forced.code).toBe(5);
    expect(parseJson(forced.stdout).error).toMatchObject({ kind: 'policy', code: 5, tiktok_code: 40064 });
    expect(conversation(await ctx.world.state(), MAYA).messages.at(-1).text.body).toBe('The tenth');

    await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Thanks! One more question' });
    const after = await runInProcess(['send', '--to', MAYA, '--text', 'Sure, ask away', '--json'], { env: ctx.env });
    expect(after.code).toBe(0);
    expect(parseJson(after.stdout).messages_left).toBe(9);
  });

  it('opens the window when the user writes, and closes it 48 hours later', async () => {
    const { conversation_id } = await ctx.world.control('POST', 'messages', { from_username: 'new.customer', text: 'Hello?' });
    const dir = await ctx.world.store(ctx.account);
    await ctx.world.control('POST', 'clock', { advance_seconds: 47 * 3600 });
    // A stored account: the access token (24 h) has expired by now and is refreshed on the way.
    const open = await runInProcess(['send', '--to', conversation_id, '--text', 'Hi! How can we help?'], { configDir: dir });
    expect(open.code).toBe(0);
    expect(open.stdout).toMatch(/to @new\.customer \(9 of 10 left, window closes in (59m|1h)\)/);

    await ctx.world.control('POST', 'clock', { advance_seconds: 3600 });
    const closed = await runInProcess(['send', '--to', conversation_id, '--text', 'Still there?'], { configDir: dir });
    expect(closed.code).toBe(5);
    expect(closed.stderr).toContain('@new.customer last wrote at');
    expect(await sentCount()).toBe(1);
  });
});

describe('--dry-run', () => {
  it('does every check and prints what would be sent, sending nothing', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Draft reply', '--dry-run', '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({
      dry_run: true,
      conversation_id: MAYA,
      messages_left: 10,
      request: { business_id: ctx.account.businessId, recipient_type: 'CONVERSATION', recipient: MAYA, message_type: 'TEXT', text: { body: 'Draft reply' } },
    });
    expect(await sentCount()).toBe(0);
    expect(conversation(await ctx.world.state(), MAYA).messages).toHaveLength(3);

    const closed = await runInProcess(['send', '--to', PRIYA, '--text', 'Draft reply', '--dry-run'], { env: ctx.env });
    expect(closed.code).toBe(5);
    expect(await sentCount()).toBe(0);
  });
});

describe('account errors', () => {
  it('works with a stored account as well as env credentials', async () => {
    const dir = await ctx.world.store(ctx.account);
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'From the stored account', '--json'], { configDir: dir });
    expect(result.code).toBe(0);
    expect(conversation(await ctx.world.state(), MAYA).messages.at(-1).text.body).toBe('From the stored account');
  });

  it("an EEA account exits 4 with TikTok's code and the fix", async () => {
    await ctx.world.reset('eea');
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Hallo', '--json'], { env: ctx.env });
    expect(result.code).toBe(4);
    const { error } = parseJson(result.stdout);
    // TikTok's code decides the kind (40001: permission); its text only picks the region hint.
    expect(error).toMatchObject({ kind: 'permission', code: 4, tiktok_code: 40001 });
    expect(error.request_id).toBeTruthy();
    expect(error.hint).toMatch(/EEA, Switzerland or the UK/);
    expect(await sentCount()).toBe(0);
  });

  it('a stored account known to be in the EEA is refused before any call', async () => {
    const dir = await ctx.world.store(ctx.account, { region: 'DE' });
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Hallo'], { configDir: dir });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('registered in DE');
    expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
  });

  it('no Advanced Access exits 4 with the fix', async () => {
    await ctx.world.reset('no-advanced-access');
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Hi', '--json'], { env: ctx.env });
    expect(result.code).toBe(4);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'permission', tiktok_code: 40001 });
    expect(error.hint).toContain('Advanced Access');
  });

  it("an unknown conversation exits 2 with TikTok's code, sending nothing", async () => {
    const result = await runInProcess(['send', '--to', 'bm9uZS+oZXJl/w==', '--text', 'Hi', '--json'], { env: ctx.env });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ tiktok_code: 40007 });
    expect(error.message).toContain('bm9uZS+oZXJl/w==');
    expect(await sentCount()).toBe(0);
  });

  it('an invalid token exits 3', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'Hi', '--json'], {
      env: { ...ctx.env, TIKTOK_CHANNEL_ACCESS_TOKEN: 'act.not-a-real-token' },
    });
    expect(result.code).toBe(3);
    expect(parseJson(result.stdout).error).toMatchObject({ kind: 'auth', tiktok_code: 40105 });
    expect(result.stdout).not.toContain(ctx.account.grant.accessToken);
  });

  it('backs off on 40100 and still sends once', async () => {
    await ctx.world.control('POST', 'faults', { path: 'business/message/send/', kind: 'code', code: 40100, times: 1 });
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'After a pause', '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    const state = await ctx.world.state();
    expect(ctx.world.requestsTo(state, 'business/message/send/').map((entry) => entry.code)).toEqual([40100, 0]);
    expect(conversation(state, MAYA).messages.filter((message: any) => message.text?.body === 'After a pause')).toHaveLength(1);
  });
});
