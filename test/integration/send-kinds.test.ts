// Every kind `send` offers beyond text and images, against a served sandbox with the CLI run in-process
// through main() (the first test runs the built CLI as a child): Q&A cards and their limits at the edges, sender actions (typing, mark-read) with their wire
// shapes read through a recording proxy, image quotes, comment replies, and bad input that sends nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversation, SEED, useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { pngBytes } from '../helpers/images.js';
import { registerWebhook } from '../../src/tiktok/messaging-api.js';

const MAYA = SEED.conversations.maya;
const PRIYA = SEED.conversations.priya;

let recorder: Recorder;

const ctx = useConnectedWorld();
beforeAll(async () => {
  recorder = await startRecorder(ctx.world.server.apiBaseUrl);
});
afterAll(async () => recorder?.close());
beforeEach(() => {
  recorder.requests.length = 0;
});

interface Recorder {
  /** The API base URL to hand the CLI: requests pass through to the sandbox and are recorded. */
  apiBaseUrl: string;
  requests: Array<{ method: string; path: string; body: any }>;
  close(): Promise<void>;
}

/** A pass-through HTTP proxy in front of the sandbox that keeps each JSON body exactly as sent on the wire. */
async function startRecorder(target: string): Promise<Recorder> {
  const upstream = new URL(target);
  const requests: Recorder['requests'] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: any = null;
    if (/json/.test(request.headers['content-type'] ?? '') && raw.length) body = JSON.parse(raw.toString('utf8'));
    requests.push({ method: request.method!, path: request.url!, body });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers))
      if (!['host', 'content-length', 'connection', 'transfer-encoding'].includes(key) && typeof value === 'string') headers[key] = value;
    const answer = await fetch(new URL(request.url!, upstream.origin), { method: request.method, headers, body: raw.length ? raw : undefined });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}${upstream.pathname}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sends() {
  return recorder.requests.filter((entry) => entry.path.includes('business/message/send/')).map((entry) => entry.body);
}

const viaRecorder = () => ({ ...ctx.env, TIKTOK_CHANNEL_API_BASE_URL: recorder.apiBaseUrl });

async function expectNothingSent(): Promise<void> {
  expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
}

describe('send --card', () => {
  it('sends a card at every limit: a 40-character title, 3 buttons, 20-character labels, 40-character ids', async () => {
    const title = 'T'.repeat(39) + '💚'; // 40 code points
    const buttons = ['a', 'b', 'c'].map((letter) => `${letter.repeat(40)}:${letter.toUpperCase().repeat(20)}`);
    const result = await runCli(['send', '--to', MAYA, '--card', title, '--button', ...buttons, '--json'], { env: viaRecorder() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ conversation_id: MAYA, message_type: 'TEMPLATE', messages_left: 9 });
    expect(sends()).toEqual([
      {
        business_id: ctx.account.businessId,
        recipient_type: 'CONVERSATION',
        recipient: MAYA,
        message_type: 'TEMPLATE',
        template: {
          type: 'QA_BUTTON_CARD',
          title,
          buttons: ['a', 'b', 'c'].map((letter) => ({ type: 'REPLY', title: letter.toUpperCase().repeat(20), id: letter.repeat(40) })),
        },
      },
    ]);
    const stored = conversation(await ctx.world.state(), MAYA).messages.at(-1);
    expect(stored).toMatchObject({ message_id: out.message_id, message_type: 'TEMPLATE', template: { type: 'QA_BUTTON_CARD', title } });
  });

  it('a link card allows 40-character labels', async () => {
    const label = 'L'.repeat(40);
    const result = await runInProcess(['send', '--to', MAYA, '--card', 'Size guide', '--link-card', '--button', `guide:${label}`, '--json'], {
      env: viaRecorder(),
    });
    expect(result.code).toBe(0);
    expect(sends()[0].template).toEqual({ type: 'QA_LINK_CARD', title: 'Size guide', buttons: [{ type: 'REPLY', title: label, id: 'guide' }] });
  });

  it('refuses one past each limit with exit 2 naming it, before any call to TikTok', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--card', 'T'.repeat(41), '--button', 'a:A'], /card title .* is 41 characters; TikTok allows at most 40/],
      [['--card', 'Pick', '--button', `a:${'L'.repeat(21)}`], /label .* is 21 characters; TikTok allows at most 20 on a button card/],
      [['--card', 'Pick', '--link-card', '--button', `a:${'L'.repeat(41)}`], /label .* is 41 characters; TikTok allows at most 40 on a link card/],
      [['--card', 'Pick', '--button', `${'i'.repeat(41)}:A`], /id .* is 41 characters; TikTok allows at most 40/],
      [['--card', 'Pick'], /A card needs 1 to 3 buttons; got 0/],
      [['--card', 'Pick', '--button', 'a:A', 'b:B', 'c:C', 'd:D'], /A card needs 1 to 3 buttons; got 4/],
      [['--card', 'Pick', '--button', 'no-colon'], /--button expects ID:LABEL/],
    ];
    for (const [flags, message] of cases) {
      const result = await runInProcess(['send', '--to', MAYA, ...flags, '--json'], { env: ctx.env });
      expect(result.code, flags.join(' ')).toBe(2);
      const { error } = parseJson(result.stdout);
      expect(error.code).toBe(2);
      expect(error.message, flags.join(' ')).toMatch(message);
    }
    await expectNothingSent();
  });
});

describe('send --action', () => {
  it('typing: SENDER_ACTION TYPING on the wire, no message stored, none of the 10 used', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--action', 'typing'], { env: viaRecorder() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Showing "typing…" to @maya\.lopez for about 5 s \(10 of 10 left, window closes in 4\dh\)\n$/);
    expect(result.stderr).toContain('A sender action is not a message: it used none of the 10 messages of the window.');
    expect(sends()).toEqual([
      { business_id: ctx.account.businessId, recipient_type: 'CONVERSATION', recipient: MAYA, message_type: 'SENDER_ACTION', sender_action: 'TYPING' },
    ]);
    const state = await ctx.world.state();
    const maya = conversation(state, MAYA);
    expect(maya.messages).toHaveLength(3);
    expect(maya.window.messages_left).toBe(10);
    // The sandbox shows "typing…" on its phone page for about 5 s.
    expect(maya.typing).toBe(true);
    expect(maya.typing_until - state.now).toBeGreaterThan(3_000);
    expect(maya.typing_until - state.now).toBeLessThanOrEqual(5_000);
  });

  it('mark-read: SENDER_ACTION MARK_READ on the wire, and the sandbox emits the read receipt', async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(body);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await registerWebhook(
        ctx.world.client,
        ctx.world.server.clientKey,
        ctx.world.server.clientSecret,
        `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      );
      const result = await runInProcess(['send', '--to', MAYA, '--action', 'mark-read', '--json'], { env: viaRecorder() });
      expect(result.code).toBe(0);
      expect(parseJson(result.stdout)).toMatchObject({
        message_id: null,
        conversation_id: MAYA,
        message_type: 'SENDER_ACTION',
        action: 'mark-read',
        uses_message: false,
        messages_left: 10,
      });
      expect(sends()).toEqual([
        { business_id: ctx.account.businessId, recipient_type: 'CONVERSATION', recipient: MAYA, message_type: 'SENDER_ACTION', sender_action: 'MARK_READ' },
      ]);
      const state = await ctx.world.state();
      const deliveries = [...state.pending_deliveries, ...state.delivered].filter((delivery: any) => delivery.event === 'im_mark_read_msg');
      expect(deliveries).toHaveLength(1);
      const content = JSON.parse(JSON.parse(deliveries[0].body).content);
      expect(content).toMatchObject({ conversation_id: MAYA, from_user: { id: ctx.account.businessId }, read: { last_read_timestamp: expect.any(Number) } });
      expect(conversation(state, MAYA).messages).toHaveLength(3);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('works when the 10 messages are used (no quota cost), not when the window is closed', async () => {
    await ctx.world.sendTexts(ctx.account, MAYA, 10);
    const text = await runInProcess(['send', '--to', MAYA, '--text', 'one more'], { env: ctx.env });
    expect(text.code).toBe(5);
    const typing = await runInProcess(['send', '--to', MAYA, '--action', 'typing', '--json'], { env: ctx.env });
    expect(typing.code).toBe(0);
    expect(parseJson(typing.stdout)).toMatchObject({ messages_left: 0, uses_message: false });

    const closed = await runInProcess(['send', '--to', PRIYA, '--action', 'typing', '--json'], { env: ctx.env });
    expect(closed.code).toBe(5);
    expect(parseJson(closed.stdout).error.kind).toBe('window');
  });
});

describe('send --image --reply-to', () => {
  it('quotes a message with an image', async () => {
    const question = conversation(await ctx.world.state(), MAYA).messages.at(-1);
    const image = join(tempConfigDir('ttc-img-'), 'hoodie.png');
    writeFileSync(image, pngBytes(1200));
    const result = await runInProcess(['send', '--to', MAYA, '--image', image, '--reply-to', question.message_id, '--json'], { env: viaRecorder() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sends()[0]).toMatchObject({
      message_type: 'IMAGE',
      image: { media_id: expect.any(String) },
      referenced_message_info: { referenced_message_id: question.message_id },
    });
    const stored = conversation(await ctx.world.state(), MAYA).messages.at(-1);
    expect(stored).toMatchObject({ message_type: 'IMAGE', referenced_message_id: question.message_id });
    const listed = parseJson((await runInProcess(['messages', MAYA, '--json'], { env: ctx.env })).stdout).messages.at(-1);
    expect(listed).toMatchObject({ type: 'image', referenced_message_id: question.message_id, media: { type: 'image' } });
  });
});

describe('send --comment-reply', () => {
  it("answers a high-intent comment privately, once; the reply shows in the commenter's conversation", async () => {
    await ctx.world.control('POST', 'accounts/default', { comment_to_message: true });
    const comment = await ctx.world.control('POST', 'events', {
      kind: 'high-intent-comment',
      from_username: 'maya.lopez',
      text: 'How much is the green hoodie?',
    });
    expect(comment.comment_id).toBeTruthy();
    const result = await runInProcess(['send', '--comment-reply', comment.comment_id, '--text', 'It is $45, sent you the details!', '--json'], {
      env: viaRecorder(),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ comment_id: comment.comment_id, message_type: 'TEXT', direct_reply: true });
    expect(out.message_id).toBeTruthy();
    expect(sends()).toEqual([
      {
        business_id: ctx.account.businessId,
        message_type: 'TEXT',
        text: { body: 'It is $45, sent you the details!' },
        direct_reply: { reply_type: 'COMMENT_REPLY', comment_reply: { comment_id: comment.comment_id } },
      },
    ]);
    const state = await ctx.world.state();
    const holder = state.conversations.find((entry: any) => entry.messages.some((message: any) => message.message_id === out.message_id));
    expect(holder.user.username).toBe('maya.lopez');
    const listed = parseJson((await runInProcess(['messages', holder.conversation_id, '--json'], { env: ctx.env })).stdout).messages;
    expect(listed.find((message: any) => message.message_id === out.message_id)).toMatchObject({
      direction: 'outbound',
      text: 'It is $45, sent you the details!',
    });

    const human = await runInProcess(['send', '--comment-reply', comment.comment_id, '--text', 'Again?'], { env: ctx.env });
    expect(human.code).toBe(5);
    expect(human.stderr).toContain('tiktok_code 40064');
    expect(human.stderr).toContain('one private reply per high-intent comment');
  });

  it('an unknown comment exits 2 with 40007 explained', async () => {
    const result = await runInProcess(['send', '--comment-reply', '7000000000000000000', '--text', 'Hello', '--json'], { env: ctx.env });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'validation', tiktok_code: 40007, comment_id: '7000000000000000000' });
    expect(error.message).toContain('TikTok does not know comment "7000000000000000000"');
  });
});

describe('bad input sends nothing', () => {
  it('refuses --action with content, --wait-reply with --dry-run, and cards without --card, with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['send', '--to', MAYA, '--action', 'typing', '--text', 'hi'], /--action typing sends no content: drop --text/],
      [['send', '--to', MAYA, '--action', 'mark-read', '--image', 'x.png'], /--action mark-read sends no content: drop --image/],
      [['send', '--to', MAYA, '--action', 'wave'], /Allowed choices are typing, mark-read/],
      [['send', '--to', MAYA, '--text', 'hi', '--wait-reply', '--dry-run'], /--wait-reply waits for an answer to a message that --dry-run does not send/],
      [['send', '--to', MAYA, '--text', 'hi', '--button', 'a:A'], /--button belongs to a card: add --card TITLE/],
      [['send', '--to', MAYA, '--share-post', SEED.posts[0], '--reply-to', '1'], /--reply-to works with --text or --image only/],
      [['send', '--comment-reply', 'c1', '--to', MAYA, '--text', 'hi'], /--comment-reply answers a comment, not a conversation: drop --to/],
      [['send', '--to', MAYA, '--text', 'hi', '--wait-reply', 'soon'], /--wait-reply takes whole seconds/],
    ];
    for (const [args, message] of cases) {
      const result = await runInProcess(args, { env: ctx.env });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout).toBe('');
      const json = await runInProcess([...args, '--json'], { env: ctx.env });
      expect(parseJson(json.stdout).error).toMatchObject({ kind: 'usage', code: 2 });
    }
    await expectNothingSent();
  });

  it("an unknown conversation exits 2 with TikTok's 40007 explained, and nothing is sent", async () => {
    const result = await runInProcess(['send', '--to', 'bm90LWEtcmVhbC1pZA==', '--card', 'Pick', '--button', 'a:A', '--json'], { env: ctx.env });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'validation', tiktok_code: 40007, conversation_id: 'bm90LWEtcmVhbC1pZA==' });
    expect(error.message).toMatch(/No conversation "bm90LWEtcmVhbC1pZA==" for .*: TikTok answered 40007 \(the object does not exist\)/);
    expect(ctx.world.requestsTo(await ctx.world.state(), 'business/message/send/')).toEqual([]);
  });
});
