// The command layer in-process: send's flag rules and local draft (stdin), and qr drawing on a TTY,
// which a child process with pipes cannot show.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { qr } from '../../src/commands/qr/impl.js';
import { renderResult } from '../../src/io/output.js';
import { checkFlags, parseItemId, prepareDraft, waitReplySeconds } from '../../src/commands/send/draft.js';
import { buildCard, parseButton } from '../../src/conversation/card.js';
import { displayWidth, truncateToWidth } from '../../src/io/format.js';
import { createDeps } from '../../src/deps.js';
import { createTestIO } from '../../src/io/io.js';
import { AccountStore } from '../../src/store/accounts.js';
import { tempConfigDir } from '../helpers/cli.js';

describe('send flags', () => {
  const to = 'a+b/c=';
  it('needs exactly one content flag, and --reply-to only with text or an image', () => {
    expect(() => checkFlags({ to })).toThrow(/exactly one of --text/);
    expect(() => checkFlags({ to, text: 'a', image: 'x.png' })).toThrow(/got --text and --image/);
    expect(() => checkFlags({ to, sharePost: '1', replyTo: '1' })).toThrow(/--reply-to works with --text or --image only/);
    expect(() => checkFlags({ to, image: 'x.png', replyTo: '1' })).not.toThrow();
    expect(() => checkFlags({ to: ' ', text: 'a' })).toThrow(/--to needs a conversation id/);
    expect(() => checkFlags({ to, text: 'a', replyTo: '1' })).not.toThrow();
  });

  it('refuses --action with content, cards without --card, and --wait-reply with --dry-run', () => {
    expect(() => checkFlags({ to, action: 'typing', text: 'hi' })).toThrow(/--action typing sends no content: drop --text/);
    expect(() => checkFlags({ to, action: 'mark-read', card: 'T', button: ['a:A'] })).toThrow(/drop --card/);
    expect(() => checkFlags({ to, action: 'typing', replyTo: '1' })).toThrow(/quotes nothing/);
    expect(() => checkFlags({ to, action: 'wave' as 'typing' })).toThrow(/typing or mark-read/);
    expect(() => checkFlags({ to, text: 'a', button: ['a:A'] })).toThrow(/--button belongs to a card: add --card/);
    expect(() => checkFlags({ to, text: 'a', linkCard: true })).toThrow(/--link-card belongs to a card/);
    expect(() => checkFlags({ to, text: 'a', waitReply: true, dryRun: true })).toThrow(/--wait-reply .* --dry-run/);
    expect(() => checkFlags({ to, text: 'a', waitReply: '0' })).toThrow(/whole seconds from 1/);
    expect(() => checkFlags({ to, text: 'a', waitReply: 'soon' })).toThrow(/whole seconds/);
    expect(waitReplySeconds({ waitReply: true })).toBe(300);
    expect(waitReplySeconds({ waitReply: '45' })).toBe(45);
    expect(waitReplySeconds({})).toBeUndefined();
  });

  it('--comment-reply takes --text and nothing that needs a conversation', () => {
    expect(() => checkFlags({ commentReply: 'c1', text: 'Thanks!' })).not.toThrow();
    expect(() => checkFlags({ commentReply: 'c1' })).toThrow(/--comment-reply needs --text/);
    expect(() => checkFlags({ commentReply: 'c1', to, text: 'a' })).toThrow(/drop --to/);
    expect(() => checkFlags({ commentReply: 'c1', image: 'x.png' })).toThrow(/sends text only \(got --image\)/);
    expect(() => checkFlags({ commentReply: 'c1', text: 'a', waitReply: true })).toThrow(/--wait-reply needs a conversation/);
    expect(() => checkFlags({ commentReply: ' ', text: 'a' })).toThrow(/needs the id of the comment/);
  });

  it('takes a post id as digits or from a video URL', () => {
    expect(parseItemId('7351234567890123401')).toBe('7351234567890123401');
    expect(parseItemId('https://www.tiktok.com/@acme.studio/video/7351234567890123402?lang=en')).toBe('7351234567890123402');
    expect(() => parseItemId('spring')).toThrow(/--share-post expects/);
  });

  it('reads --text - from stdin, minus one trailing newline', async () => {
    const { io } = createTestIO({ stdin: Readable.from([Buffer.from('Hello\n'), Buffer.from('there 💚\n')]) });
    await expect(prepareDraft({ to, text: '-' }, { io })).resolves.toEqual({ kind: 'text', body: 'Hello\nthere 💚', replyTo: undefined });
    const empty = createTestIO({ stdin: Readable.from(['\n']) });
    await expect(prepareDraft({ to, text: '-' }, { io: empty.io })).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('empty') });
  });
});

describe('card limits (code points, before any network call)', () => {
  const buttons = (count: number) => Array.from({ length: count }, (_, i) => `b${i}:Label ${i}`);
  it('accepts the edges and refuses one past them, naming the limit', () => {
    expect(buildCard('T'.repeat(40), buttons(1)).title).toHaveLength(40);
    expect(() => buildCard('T'.repeat(41), buttons(1))).toThrow(/41 characters; TikTok allows at most 40/);
    expect(buildCard('💚'.repeat(40), buttons(3)).buttons).toHaveLength(3);
    expect(() => buildCard('T', [])).toThrow(/1 to 3 buttons; got 0/);
    expect(() => buildCard('T', buttons(4))).toThrow(/1 to 3 buttons; got 4/);
    expect(buildCard('T', [`a:${'L'.repeat(20)}`]).buttons[0]).toEqual({ id: 'a', label: 'L'.repeat(20) });
    expect(() => buildCard('T', [`a:${'L'.repeat(21)}`])).toThrow(/label .* 21 characters; TikTok allows at most 20 on a button card/);
    expect(buildCard('T', [`a:${'L'.repeat(40)}`], true)).toMatchObject({ type: 'QA_LINK_CARD' });
    expect(() => buildCard('T', [`a:${'L'.repeat(41)}`], true)).toThrow(/at most 40 on a link card/);
    expect(buildCard('T', [`${'i'.repeat(40)}:L`]).buttons[0]!.id).toHaveLength(40);
    expect(() => buildCard('T', [`${'i'.repeat(41)}:L`])).toThrow(/id .* 41 characters; TikTok allows at most 40/);
    expect(() => buildCard('  ', buttons(1))).toThrow(/title is empty/);
    expect(() => buildCard('T', [':Label'])).toThrow(/empty id/);
    expect(() => buildCard('T', ['a:'])).toThrow(/empty label/);
    expect(() => buildCard('T', ['Label'])).toThrow(/expects ID:LABEL/);
    expect(buildCard('T', ['a:A']).type).toBe('QA_BUTTON_CARD');
  });

  it('splits a button at its first colon', () => {
    expect(parseButton('time:12:30 works')).toEqual({ id: 'time', label: '12:30 works' });
  });
});

describe('one-line previews', () => {
  it('count wide characters as two columns and cut with an ellipsis', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('💚')).toBe(2);
    expect(displayWidth('日本')).toBe(4);
    expect(truncateToWidth('hello world', 8)).toBe('hello w…');
    expect(truncateToWidth('line one\nline two', 40)).toBe('line one line two');
    expect(truncateToWidth('💚💚💚💚', 5)).toBe('💚💚…');
    expect(truncateToWidth('short', 10)).toBe('short');
  });
});

describe('qr on a terminal', () => {
  it('prints the link, then draws the QR code', async () => {
    const dir = tempConfigDir();
    const now = Date.now();
    await new AccountStore({ configDir: dir }).upsert({
      businessId: '-000biz',
      channelName: 'Acme',
      username: 'acme.studio',
      scopes: [],
      accessToken: 'act.x',
      accessTokenExpiresAt: now + 3_600_000,
      refreshToken: 'rft.x',
      refreshTokenExpiresAt: now + 3_600_000,
      clientKey: 'k',
      clientSecret: 's',
      connectedAt: now,
      updatedAt: now,
    });
    const test = createTestIO({ stdoutTTY: true });
    const deps = createDeps({
      io: test.io,
      env: { TIKTOK_CHANNEL_CONFIG_DIR: dir },
      globals: { json: false, debug: false },
      signal: new AbortController().signal,
    });
    renderResult(test.io, await qr({ ref: 'desk' }, deps));
    const lines = test.stdout().split('\n');
    expect(lines[0]).toBe('https://tiktok.me/acme.studio?ref=desk');
    const drawing = lines.slice(1).join('\n');
    expect(drawing).toMatch(/[▀▄█]/);
    expect(lines.length).toBeGreaterThan(10);
  });
});
