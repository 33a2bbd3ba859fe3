// The command layer in-process: send's flag rules and local draft (stdin), and qr drawing on a TTY,
// which a child process with pipes cannot show.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run as qr } from '../../src/commands/qr.js';
import { checkFlags, parseItemId, prepareDraft } from '../../src/commands/send.js';
import { createDeps } from '../../src/deps.js';
import { createTestIO } from '../../src/io/io.js';
import { AccountStore } from '../../src/store/accounts.js';
import { tempConfigDir } from '../helpers/cli.js';

describe('send flags', () => {
  const to = 'a+b/c=';
  it('needs exactly one content flag, and --reply-to only with text', () => {
    expect(() => checkFlags({ to })).toThrow(/exactly one of --text/);
    expect(() => checkFlags({ to, text: 'a', image: 'x.png' })).toThrow(/got --text and --image/);
    expect(() => checkFlags({ to, image: 'x.png', replyTo: '1' })).toThrow(/--reply-to works with --text only/);
    expect(() => checkFlags({ to: ' ', text: 'a' })).toThrow(/--to needs a conversation id/);
    expect(() => checkFlags({ to, text: 'a', replyTo: '1' })).not.toThrow();
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
    const deps = createDeps({ io: test.io, env: { TIKTOK_CHANNEL_CONFIG_DIR: dir }, globals: { json: false, debug: false }, signal: new AbortController().signal });
    await qr({ ref: 'desk' }, deps);
    const lines = test.stdout().split('\n');
    expect(lines[0]).toBe('https://tiktok.me/acme.studio?ref=desk');
    const drawing = lines.slice(1).join('\n');
    expect(drawing).toMatch(/[▀▄█]/);
    expect(lines.length).toBeGreaterThan(10);
  });
});
