// Reading the inbox against a served sandbox, with the CLI as a child process: `conversations` shows the
// last message (who, when, preview; `last_message` in JSON), `messages` lists a conversation oldest
// first with direction, source, type, quotes, cards, reactions and the window line, and
// `--download-media` saves media byte for byte through media/download and the x-user signed URL.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conversation, SEED, useConnectedWorld } from '../helpers/account.js';
import { BIN, parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { pngBytes } from '../helpers/images.js';
import { runInProcess } from '../helpers/run.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';
import { displayWidth } from '../../src/io/format.js';
import { PLACEHOLDER_PNG } from '../../src/sandbox/media.js';
import { getMediaDownloadUrl } from '../../src/tiktok/media.js';

const MAYA = SEED.conversations.maya;

let session: TmuxSession | undefined;

const ctx = useConnectedWorld();
afterEach(() => {
  session?.kill();
  session = undefined;
});

// In-process: each listing below is a command run, and a child per call made this file slow and, under
// load, time out; the built CLI as a child keeps its own tests (terminal widths below, cli-basics).
// The runs share one app's budget, so at the Basic tier's 10 a second a test of a dozen listings spent
// most of its time paced; pacing is pacing.test.ts's subject, so these run at the Ultimate tier's 50.
async function cli(args: string[]) {
  const result = await runInProcess(args, { env: { ...ctx.env, TIKTOK_CHANNEL_MAX_RPS: '50' } });
  if (result.code !== 0) throw new Error(`${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

async function conversationsJson(): Promise<any[]> {
  return parseJson((await cli(['conversations', '--json'])).stdout).conversations;
}

describe('conversations: the last message', () => {
  it('--json gives last_message, the decoded event, whoever wrote it', async () => {
    const { message_id } = await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Is the blue mug in stock?' });
    let maya = (await conversationsJson()).find((entry) => entry.conversation_id === MAYA);
    expect(maya.last_message).toMatchObject({
      id: message_id,
      message_id,
      kind: 'message',
      origin: 'rest',
      event: 'im_receive_msg',
      direction: 'inbound',
      conversation_id: MAYA,
      type: 'text',
      text: 'Is the blue mug in stock?',
      user: { username: 'maya.lopez' },
      problems: [],
    });

    const sent = parseJson((await cli(['send', '--to', MAYA, '--card', 'Which mug?', '--button', 'blue:Blue', '--button', 'red:Red', '--json'])).stdout);
    maya = (await conversationsJson()).find((entry) => entry.conversation_id === MAYA);
    expect(maya.last_message).toMatchObject({
      message_id: sent.message_id,
      direction: 'outbound',
      source: 'API',
      event: 'im_send_msg',
      type: 'template',
      template: {
        type: 'QA_BUTTON_CARD',
        title: 'Which mug?',
        buttons: [
          { id: 'blue', label: 'Blue' },
          { id: 'red', label: 'Red' },
        ],
      },
    });
    // Conversations nobody wrote in since the seed still carry their newest message.
    for (const entry of await conversationsJson()) expect(entry.last_message?.message_id, entry.conversation_id).toBeTruthy();
  });

  it('on a terminal, each row shows who, when and a preview cut to the width', async () => {
    const long = `Is the blue mug in stock? ${'I would like to order several of them for the whole team. '.repeat(4)}`;
    await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: long });
    await cli(['send', '--to', SEED.conversations.jonas, '--text', 'Yes, we are open on Sunday from 10 to 4.']);
    const width = 170;
    session = startTmux([process.execPath, BIN, 'conversations'], { env: { ...ctx.env, NO_COLOR: '1' }, width, height: 20 });
    const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
    expect(screen).toContain('[exit 0]');
    expect(screen).toMatch(/CONVERSATION\s+USER\s+LAST USER MESSAGE\s+WINDOW\s+LEFT\s+TYPE\s+VIA\s+LAST MESSAGE/);
    const lines = screen.split('\n');
    const maya = lines.find((line) => line.startsWith(MAYA))!;
    // -J joins wrapped lines: a row that fits is at most the terminal's width.
    expect(displayWidth(maya.trimEnd())).toBeLessThanOrEqual(width);
    expect(maya).toMatch(/user \d+s ago: Is the blue mug in stock\? I would.*…$/);
    const jonas = lines.find((line) => line.startsWith(SEED.conversations.jonas))!;
    expect(jonas).toMatch(/you \(API\) \d+s ago: Yes, we are open on Sunday/);
    const priya = lines.find((line) => line.startsWith(SEED.conversations.priya))!;
    expect(priya).toMatch(/user 3d ago: When is the next one\?$/);
  });
});

describe('messages', () => {
  it('lists the conversation oldest first: time, direction and source, type, text, then the window line', async () => {
    await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Is the blue mug in stock?' });
    const result = await cli(['messages', MAYA]);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Conversation ${MAYA} with @maya.lopez (Maya López)`);
    expect(lines[2]).toMatch(/^TIME\s+FROM\s+TYPE\s+MESSAGE$/);
    const rows = lines.slice(3, 7);
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+← @maya\.lopez\s+text\s+Hi! Do you ship to Brazil\?$/);
    expect(rows[1]).toMatch(/→ business via API\s+text\s+Hi Maya! Yes, we ship worldwide/);
    expect(rows[2]).toMatch(/← @maya\.lopez\s+text\s+Great, is the green hoodie still available in M\?$/);
    expect(rows[3]).toMatch(/← @maya\.lopez\s+text\s+Is the blue mug in stock\?$/);
    expect(lines.at(-1)).toMatch(/^Window open: closes in 4[78]h \(\d{4}-.*Z\); 10 of 10 messages left\.$/);
    expect(result.stdout).not.toContain('20 most recent');
  });

  it('--json gives the decoded messages, oldest first, and the window', async () => {
    const result = await cli(['messages', MAYA, '--json']);
    const out = parseJson(result.stdout);
    const state = conversation(await ctx.world.state(), MAYA);
    expect(out.conversation_id).toBe(MAYA);
    expect(out.user).toMatchObject({ username: 'maya.lopez', display_name: 'Maya López' });
    expect(out.messages.map((message: any) => message.message_id)).toEqual(state.messages.map((message: any) => message.message_id));
    expect(out.messages.map((message: any) => message.direction)).toEqual(['inbound', 'outbound', 'inbound']);
    expect(out.messages[1]).toMatchObject({ kind: 'message', origin: 'rest', source: 'API', type: 'text', event: 'im_send_msg' });
    expect(out).toMatchObject({ count: 3, more_may_exist: false, window: { status: 'open', window_open: true, messages_left: 10 } });
    expect(out.window.window_closes_at).toBe(new Date(state.window.closes_at).toISOString());
  });

  it('shows quoted messages, cards with their buttons, posts and images the business sent', async () => {
    const question = conversation(await ctx.world.state(), MAYA).messages.at(-1);
    await cli(['send', '--to', MAYA, '--text', 'Yes, M is in stock!', '--reply-to', question.message_id]);
    await cli(['send', '--to', MAYA, '--card', 'Which colour?', '--button', 'green:Green', 'navy:Navy']);
    await cli(['send', '--to', MAYA, '--link-card', '--card', 'Size guide', '--button', 'guide:Open the size guide for hoodies']);
    await cli(['send', '--to', MAYA, '--share-post', SEED.posts[1]]);
    const image = join(tempConfigDir('ttc-img-'), 'hoodie.png');
    writeFileSync(image, pngBytes(1500));
    await cli(['send', '--to', MAYA, '--image', image]);

    const text = (await cli(['messages', MAYA])).stdout;
    expect(text).toMatch(/→ business via API\s+text\s+Yes, M is in stock!\n\s+↳ quoting @maya\.lopez: "Great, is the green hoodie still available in M\?"/);
    expect(text).toMatch(/template\s+\[card: Which colour\?\]\n\s+card buttons: \[Green\] \(green\) \[Navy\] \(navy\)/);
    expect(text).toMatch(/\[card: Size guide\]\n\s+link card buttons: \[Open the size guide for hoodies\] \(guide\)/);
    expect(text).toMatch(/share_post\s+\[post: https:\/\/www\.tiktok\.com\/\S+\]/);
    expect(text).toMatch(/image\s+\[image\]\n\s+image media_id \S+/);
    expect(text).toMatch(/5 of 10 messages left\.\n$/);
  });

  it('says TikTok keeps only the 20 most recent when there may be older ones', async () => {
    await ctx.world.sendTexts(ctx.account, MAYA, 10);
    await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: 'Thanks for all the details' });
    await ctx.world.sendTexts(ctx.account, MAYA, 6);
    const text = (await cli(['messages', MAYA])).stdout.trimEnd().split('\n');
    expect(text.filter((line) => /^\d{4}-\d\d-\d\dT/.test(line))).toHaveLength(20);
    expect(text.at(-2)).toBe('TikTok keeps only the 20 most recent messages of a conversation; older ones may exist but cannot be read through the API.');
    expect(text.at(-1)).toMatch(/4 of 10 messages left\.$/);
    const json = parseJson((await cli(['messages', MAYA, '--json'])).stdout);
    expect(json).toMatchObject({ count: 20, more_may_exist: true });
  });

  it("an unknown conversation exits 2 with TikTok's 40007 explained", async () => {
    const result = await runCli(['messages', 'bm90LWEtcmVhbC1pZA==', '--json'], { env: ctx.env });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error).toMatchObject({ kind: 'validation', code: 2, tiktok_code: 40007, conversation_id: 'bm90LWEtcmVhbC1pZA==' });
    // Env credentials (the CI path) name the account by its business id.
    expect(error.message).toContain(`No conversation "bm90LWEtcmVhbC1pZA==" for ${ctx.account.businessId}: TikTok answered 40007 (the object does not exist)`);
    expect(error.hint).toContain('tiktok-channel conversations');
    const text = await runCli(['messages', 'bm90LWEtcmVhbC1pZA=='], { env: ctx.env });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('error: No conversation');
    expect(text.stdout).toBe('');
  });
});

describe('every kind of message the sandbox can produce', () => {
  /** maya's conversation, listed by the CLI: its JSON messages and the text listing. */
  async function listing() {
    const json = parseJson((await cli(['messages', MAYA, '--json'])).stdout).messages as any[];
    const text = (await cli(['messages', MAYA])).stdout;
    return { json, text };
  }

  async function lastMessage(): Promise<any> {
    return (await conversationsJson()).find((entry) => entry.conversation_id === MAYA).last_message;
  }

  it('stickers, emoji, images, videos and shared posts from the user', async () => {
    const kinds: Array<[string, string, RegExp]> = [
      ['sticker', 'sticker', /sticker\s+\[sticker\]\n\s+sticker: https?:\/\/\S+/],
      ['emoji', 'emoji', /emoji\s+\[emoji\]\n\s+emoji: https?:\/\/\S+/],
      ['image', 'image', /image\s+\[image\]\n\s+image media_id \S+/],
      ['video', 'video', /video\s+\[video\]\n\s+video media_id \S+/],
      ['share-post', 'share_post', /share_post\s+\[post: https?:\/\/\S+\]/],
    ];
    for (const [kind, type, line] of kinds) {
      const event = await ctx.world.control('POST', 'events', { kind, from_username: 'maya.lopez' });
      const last = await lastMessage();
      expect(last, kind).toMatchObject({ message_id: event.message_id, direction: 'inbound', type });
      const { json, text } = await listing();
      expect(json.at(-1), kind).toMatchObject({ message_id: event.message_id, type });
      expect(text, kind).toMatch(new RegExp(`← @maya\\.lopez\\s+${line.source}`));
    }
    const { json } = await listing();
    expect(json.slice(-5).map((message: any) => message.type)).toEqual(['sticker', 'emoji', 'image', 'video', 'share_post']);
    expect(json.find((message: any) => message.type === 'video').media).toMatchObject({ type: 'video' });

    // The user's image and video download through media/download and the signed URL, as served.
    const dir = tempConfigDir('ttc-media-');
    const { downloads } = parseJson((await cli(['messages', MAYA, '--download-media', dir, '--json'])).stdout);
    expect(downloads.map((download: any) => [download.media_type, download.status])).toEqual([
      ['image', 'saved'],
      ['video', 'saved'],
    ]);
    for (const download of downloads) {
      const message = json.find((entry: any) => entry.message_id === download.message_id);
      const url = await getMediaDownloadUrl(ctx.world.client, ctx.account.grant.accessToken, {
        businessId: ctx.account.businessId,
        conversationId: MAYA,
        messageId: message.message_id,
        mediaId: message.media.id,
        mediaType: message.media.type === 'video' ? 'VIDEO' : 'IMAGE',
      });
      const served = new Uint8Array(await (await fetch(url, { headers: { 'x-user': ctx.account.grant.accessToken } })).arrayBuffer());
      expect(served.length).toBeGreaterThan(0);
      expect(new Uint8Array(readFileSync(download.path))).toEqual(served);
    }
  });

  it("a button tap, and replies from a person in TikTok's app and web inbox", async () => {
    const card = parseJson((await cli(['send', '--to', MAYA, '--card', 'Which size?', '--button', 's:Small', 'm:Medium', '--json'])).stdout);
    const tap = await ctx.world.control('POST', 'events', { kind: 'template-tap', from_username: 'maya.lopez', button_id: 'm' });
    // content/list carries no tap payload (the reference lists none): a tap is a text holding the label.
    let last = await lastMessage();
    expect(last).toMatchObject({ message_id: tap.message_id, direction: 'inbound', type: 'text', text: 'Medium' });
    let { text } = await listing();
    expect(text).toContain(
      `← @maya.lopez       text      Medium\n${' '.repeat(52)}↳ button "m" of card ${card.message_id} (by its label: content/list does not say which button was tapped)`,
    );

    await ctx.world.control('POST', 'events', { kind: 'app-reply', from_username: 'maya.lopez', text: 'Reserved one for you!' });
    last = await lastMessage();
    expect(last).toMatchObject({ direction: 'outbound', source: 'APP', text: 'Reserved one for you!' });
    await ctx.world.control('POST', 'events', { kind: 'app-reply', from_username: 'maya.lopez', text: 'From the desk: shipped.', web: true });
    last = await lastMessage();
    expect(last).toMatchObject({ direction: 'outbound', source: 'WEB' });
    ({ text } = await listing());
    expect(text).toMatch(/→ person in TikTok's app\s+text\s+Reserved one for you!/);
    expect(text).toMatch(/→ person in TikTok's web inbox\s+text\s+From the desk: shipped\./);
    expect(text).toMatch(/→ business via API\s+template\s+\[card: Which size\?\]/);
    // The tap (a user message) reset the count; app and web replies then count like any business message.
    expect(text).toMatch(/8 of 10 messages left\.\n$/);

    const width = 200;
    session = startTmux([process.execPath, BIN, 'conversations'], { env: { ...ctx.env, NO_COLOR: '1' }, width, height: 20 });
    const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
    expect(screen.split('\n').find((line) => line.startsWith(MAYA))).toMatch(/you \(web\) \d+s ago: From the desk: shipped\.$/);
  });

  it('reactions ride on the message they target, and go away when removed', async () => {
    const target = conversation(await ctx.world.state(), MAYA).messages[1];
    await ctx.world.control('POST', 'events', { kind: 'reaction', from_username: 'maya.lopez', emoji: '👍', message_id: target.message_id });
    let { json, text } = await listing();
    const reacted = json.find((message: any) => message.message_id === target.message_id);
    expect(reacted.reactions).toEqual([expect.objectContaining({ operation: 'ADD', emoji: '👍', target_message_id: target.message_id })]);
    expect(text).toMatch(/Hi Maya! Yes, we ship worldwide.*\n\s+reactions: 👍 @maya\.lopez/);

    await ctx.world.control('POST', 'events', { kind: 'reaction', from_username: 'maya.lopez', emoji: '👍', message_id: target.message_id, remove: true });
    ({ json, text } = await listing());
    expect(json.find((message: any) => message.message_id === target.message_id).reactions ?? []).toEqual([]);
    expect(text).not.toContain('reactions:');
  });
});

describe('messages --download-media', () => {
  it('saves images named by message id, byte for byte, and skips files already there', async () => {
    const sentBytes = pngBytes(2048);
    const image = join(tempConfigDir('ttc-img-'), 'receipt.png');
    writeFileSync(image, sentBytes);
    const sent = parseJson((await cli(['send', '--to', MAYA, '--image', image, '--json'])).stdout);
    const fromUser = await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', image: true });
    const dir = join(tempConfigDir('ttc-media-'), 'media');

    const first = parseJson((await cli(['messages', MAYA, '--download-media', dir, '--json'])).stdout);
    expect(first.downloads).toEqual([
      expect.objectContaining({ message_id: sent.message_id, media_type: 'image', status: 'saved', bytes: 2048, path: join(dir, `${sent.message_id}.png`) }),
      expect.objectContaining({ message_id: fromUser.message_id, media_type: 'image', status: 'saved', path: join(dir, `${fromUser.message_id}.png`) }),
    ]);
    expect(new Uint8Array(readFileSync(join(dir, `${sent.message_id}.png`)))).toEqual(sentBytes);
    expect(readFileSync(join(dir, `${fromUser.message_id}.png`)).equals(PLACEHOLDER_PNG)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([`${sent.message_id}.png`, `${fromUser.message_id}.png`].sort());

    const state = await ctx.world.state();
    expect(ctx.world.requestsTo(state, 'business/message/media/download/')).toHaveLength(2);
    // The signed URLs were fetched, and accepted: the sandbox answers 403 without a live x-user token.
    const fetched = state.requests.filter((entry: any) => entry.path.includes('/sandbox/media/'));
    expect(fetched.map((entry: any) => entry.status)).toEqual([200, 200]);

    const again = await cli(['messages', MAYA, '--download-media', dir]);
    expect(again.stderr).toContain(`Media: 0 saved to ${dir}, 2 already there.`);
    expect(again.stdout).toContain(`→ already there: ${join(dir, `${sent.message_id}.png`)}`);
    expect(ctx.world.requestsTo(await ctx.world.state(), 'business/message/media/download/')).toHaveLength(2);
  });

  it('the signed URL needs the x-user header (the sandbox refuses it without)', async () => {
    const fromUser = await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', image: true });
    const message = conversation(await ctx.world.state(), MAYA).messages.find((entry: any) => entry.message_id === fromUser.message_id);
    const url = await getMediaDownloadUrl(ctx.world.client, ctx.account.grant.accessToken, {
      businessId: ctx.account.businessId,
      conversationId: MAYA,
      messageId: fromUser.message_id,
      mediaId: message.image.media_id,
      mediaType: 'IMAGE',
    });
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(url, { headers: { 'x-user': 'act.not-a-token' } })).status).toBe(403);
    const ok = await fetch(url, { headers: { 'x-user': ctx.account.grant.accessToken } });
    expect(ok.status).toBe(200);
  });
});
