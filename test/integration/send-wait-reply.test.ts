// `send --wait-reply`: a send-and-wait round trip for CI. The CLI sends, then polls content/list until
// the user's next message arrives (played by `sandbox message` from a background process), or exits 7.
import { describe, expect, it } from 'vitest';
import { conversation, SEED, useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli, startCli } from '../helpers/cli.js';

const MAYA = SEED.conversations.maya;

const ctx = useConnectedWorld();

/** Resolves once the sandbox holds a business message with this text in maya's conversation. */
async function sent(text: string, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = conversation(await ctx.world.state(), MAYA).messages.find((message: any) => message.direction === 'out' && message.text?.body === text);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the sandbox never received "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The user answers, from another process: `sandbox message` against the served sandbox's control API. */
async function userAnswers(text: string): Promise<string> {
  const answer = await runCli(['sandbox', 'message', '--from', 'maya', '--text', text, '--control-url', ctx.world.server.controlUrl, '--json'], {
    env: { CI: 'true' },
  });
  if (answer.code !== 0) throw new Error(`sandbox message failed:\n${answer.stderr}${answer.stdout}`);
  return parseJson(answer.stdout).message_id;
}

describe('send --wait-reply', () => {
  it("--json: sends, waits for the user's next message and adds it as `reply`", async () => {
    const waiting = startCli(['send', '--to', MAYA, '--text', 'Shall I reserve the M for you?', '--wait-reply', '30', '--json'], {
      env: ctx.env,
      timeoutMs: 40_000,
    });
    const message = await sent('Shall I reserve the M for you?');
    const replyId = await userAnswers('Yes please!');
    const result = await waiting.done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ message_id: message.message_id, conversation_id: MAYA, message_type: 'TEXT', messages_left: 9 });
    expect(out.reply).toMatchObject({
      message_id: replyId,
      kind: 'message',
      direction: 'inbound',
      type: 'text',
      text: 'Yes please!',
      conversation_id: MAYA,
      user: { username: 'maya.lopez' },
    });
    // Polled with back-off, far inside the rate limit.
    const polls = ctx.world.requestsTo(await ctx.world.state(), 'business/message/content/list/');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.length).toBeLessThan(20);
  });

  it('prints the sent line, then the reply, for people', async () => {
    const waiting = startCli(['send', '--to', MAYA, '--text', 'Which colour?', '--wait-reply'], { env: ctx.env, timeoutMs: 40_000 });
    await waiting.waitForStderr(/Waiting up to 5 min for @maya\.lopez to reply…/, 15_000);
    await sent('Which colour?');
    await userAnswers('Navy, please');
    const result = await waiting.done;
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Sent message \d+ to @maya\.lopez \(9 of 10 left, window closes in 4\dh\)$/);
    expect(lines[1]).toMatch(/^@maya\.lopez replied at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: Navy, please$/);
  });

  it('exits 7 when nothing arrives in time, saying the message was sent', async () => {
    const started = Date.now();
    const result = await runCli(['send', '--to', MAYA, '--text', 'Anyone there?', '--wait-reply', '2', '--json'], { env: ctx.env });
    const elapsed = Date.now() - started;
    expect(result.code).toBe(7);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'timeout', code: 7, sent: true, conversation_id: MAYA, waited_seconds: 2 });
    expect(error.message).toMatch(/^No reply from @maya\.lopez within 2 s \(message \d+ was sent\)\.$/);
    expect(error.message_id).toBe((await sent('Anyone there?')).message_id);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(15_000);

    const human = await runCli(['send', '--to', MAYA, '--text', 'Still there?', '--wait-reply', '1'], { env: ctx.env });
    expect(human.code).toBe(7);
    expect(human.stdout).toMatch(/^Sent message \d+ to @maya\.lopez/);
    expect(human.stderr).toContain('error: No reply from @maya.lopez within 1 s');
  });

  it("a card's button tap is the reply", async () => {
    const waiting = startCli(['send', '--to', MAYA, '--card', 'Reserve the M?', '--button', 'yes:Yes', 'no:No thanks', '--wait-reply', '30', '--json'], {
      env: ctx.env,
      timeoutMs: 40_000,
    });
    const deadline = Date.now() + 15_000;
    let card: any;
    while (!card) {
      card = conversation(await ctx.world.state(), MAYA).messages.find((message: any) => message.message_type === 'TEMPLATE');
      if (!card && Date.now() > deadline) throw new Error('the card never reached the sandbox');
      if (!card) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await ctx.world.control('POST', 'events', { kind: 'template-tap', from_username: 'maya.lopez', button_id: 'yes' });
    const result = await waiting.done;
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out.message_id).toBe(card.message_id);
    expect(out.reply).toMatchObject({ direction: 'inbound', type: 'text', text: 'Yes' });
    // content/list names no button, so the reply is matched to the card by its label.
    expect(out.reply_button).toEqual({ id: 'yes', label: 'Yes', matched_by: 'label' });
  });
});
