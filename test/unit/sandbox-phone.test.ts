// The sandbox phone's routes through the handler (inline delivery to a captured poster): the snapshot the
// page renders, users picked or created, tiktok.me links opened, the refusals that keep other web pages
// out, an image file's bytes kept, a tap on a named card, the live stream over real loopback, and
// `sandbox phone` opening the browser only when allowed.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../src/deps.js';
import { createTestIO } from '../../src/io/io.js';
import { phone } from '../../src/commands/sandbox/servers.js';
import { startSandboxServer } from '../../src/sandbox/index.js';
import { phoneGuard } from '../../src/sandbox/phone.js';
import { buildPhonePage } from '../../src/sandbox/phone-page.js';
import { SANDBOX_APP, SEED } from '../../src/sandbox/seed.js';
import { TYPING_MS } from '../../src/sandbox/send.js';
import { tempConfigDir } from '../helpers/cli.js';
import { parseDelivery, verifySignature } from '../helpers/events.js';
import { call, connectedWorld } from '../helpers/handler.js';
import { pngBytes } from '../helpers/images.js';

const ORIGIN = 'http://127.0.0.1:4010';
const API = `${ORIGIN}/open_api/v1.3/`;
const PHONE = `${ORIGIN}/sandbox/phone`;
const SAME_ORIGIN = { host: '127.0.0.1:4010', origin: ORIGIN };
const CARD = (title: string) => ({
  type: 'QA_BUTTON_CARD',
  title,
  buttons: [
    { type: 'REPLY', title: 'Medium', id: 'size-m' },
    { type: 'REPLY', title: 'Large', id: 'size-l' },
  ],
});
const decoder = new TextDecoder();

async function world() {
  const w = await connectedWorld(ORIGIN);
  return {
    ...w,
    phone: (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = SAME_ORIGIN) =>
      call(w.handler, method, `${PHONE}${path}`, body, headers),
    snapshot: async (query = '') => (await call(w.handler, 'GET', `${PHONE}/state${query}`, undefined, SAME_ORIGIN)).json,
    send: async (body: Record<string, unknown>) =>
      (
        await call(
          w.handler,
          'POST',
          `${API}business/message/send/`,
          { business_id: SEED.defaultBusinessId, recipient_type: 'CONVERSATION', ...body },
          { 'access-token': w.token },
        )
      ).json,
  };
}

describe('the snapshot the page renders', () => {
  it('plays the seeded regular by default and shows her chat as the business sees it', async () => {
    const w = await world();
    const s = await w.snapshot();
    expect(s.business).toEqual({ business_id: SEED.defaultBusinessId, username: 'acme.studio', display_name: 'Acme Studio', dm_setting: 'everyone' });
    expect(s.businesses.map((b: any) => b.username)).toEqual(['acme.studio', 'brotzeit.berlin', 'lena.makes']);
    expect(s.user).toEqual({ username: 'maya.lopez', display_name: 'Maya López', region: 'BR', follower: true, eea: false });
    expect(s.posts).toHaveLength(3);
    expect(s.conversation).toMatchObject({ conversation_id: SEED.conversations.maya, type: 'SINGLE', typing_until: null, refs: [] });
    expect(s.conversation.window).toMatchObject({ open: true, messages_left: 10, closes_at: w.now() - 2 * 3_600_000 + 48 * 3_600_000 });
    expect(s.conversation.messages.map((m: any) => m.direction)).toEqual(['in', 'out', 'in']);
    expect(s.conversation.messages[1]).toMatchObject({ type: 'text', source: 'API', reactions: [] });
  });

  it('names the user and the account by query; an unknown user has no chat; an unknown account is a 404', async () => {
    const w = await world();
    const jonas = await w.snapshot('?username=jonas.k');
    expect(jonas.user.username).toBe('jonas.k');
    expect(jonas.conversation.refs).toEqual(['spring-qr']);
    const nobody = await w.snapshot('?username=nobody.here');
    expect(nobody.user).toBeNull();
    expect(nobody.conversation).toBeNull();
    const eea = await w.snapshot(`?business_id=${encodeURIComponent(SEED.eeaBusinessId)}`);
    expect(eea.conversation.conversation_id).toBe(SEED.conversations.brotzeit);
    const unknown = await w.phone('GET', '/state?business_id=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain('nope');
  });

  it('carries typing_until for about 5 s after TYPING, cards with their buttons, taps and my reactions', async () => {
    const w = await world();
    expect((await w.send({ recipient: SEED.conversations.maya, message_type: 'SENDER_ACTION', sender_action: 'TYPING' })).code).toBe(0);
    expect((await w.snapshot()).conversation.typing_until).toBe(w.now() + TYPING_MS);
    const card = await w.send({ recipient: SEED.conversations.maya, message_type: 'TEMPLATE', template: CARD('Which size?') });
    const cardId = card.data.message.message_id;
    await w.phone('POST', '/events', { kind: 'template-tap', from_username: 'maya.lopez', button_id: 'size-l', message_id: cardId });
    await w.phone('POST', '/events', { kind: 'reaction', from_username: 'maya.lopez', emoji: '❤️', message_id: cardId });
    const s = await w.snapshot();
    expect(s.conversation.typing_until).toBeNull();
    const [cardView, tap] = s.conversation.messages.slice(-2);
    expect(cardView).toMatchObject({
      type: 'template',
      direction: 'out',
      template: {
        title: 'Which size?',
        buttons: [
          { id: 'size-m', title: 'Medium' },
          { id: 'size-l', title: 'Large' },
        ],
      },
      reactions: [{ emoji: '❤️', mine: true }],
    });
    expect(tap).toMatchObject({ type: 'text', direction: 'in', text: 'Large', tapped: { message_id: cardId, button_id: 'size-l' } });
  });
});

describe('users', () => {
  it('creates a user with a display name, a region and a follow, and changes them later', async () => {
    const w = await world();
    const created = await w.phone('POST', '/users', { username: '@sam.rivera', display_name: '  Sam Rivera ', region: 'uk', follower: true });
    expect(created.json).toEqual({ username: 'sam.rivera', display_name: 'Sam Rivera', region: 'GB', follower: true, eea: false });
    const changed = await w.phone('POST', '/users', { username: 'sam.rivera', region: 'FR', follower: false });
    expect(changed.json).toEqual({ username: 'sam.rivera', display_name: 'Sam Rivera', region: 'FR', follower: false, eea: true });
    const s = await w.snapshot('?username=sam.rivera');
    expect(s.users.map((u: any) => u.username)).toContain('sam.rivera');
    expect(s.conversation).toBeNull();
    // Creating a user delivers nothing: TikTok only hears of them when they write or arrive.
    expect(w.deliveries).toEqual([]);
  });

  for (const [body, message] of [
    [{}, /username is required/],
    [{ username: 'sam rivera' }, /spaces/],
    [{ username: 'x'.repeat(65) }, /at most 64/],
    [{ username: 'sam', region: 'Canada' }, /two-letter/],
    [{ username: 'sam', follower: 'yes' }, /follower must be true or false/],
    [{ username: 'sam', display_name: 'a\u0007b' }, /control characters/],
    [{ username: 'sam', email: 'x' }, /Unknown field\(s\): email/],
  ] as const) {
    it(`refuses ${JSON.stringify(body)}`, async () => {
      const w = await world();
      const answer = await w.phone('POST', '/users', body);
      expect(answer.status).toBe(400);
      expect(answer.json.error.message).toMatch(message);
    });
  }
});

describe('opening a tiktok.me link', () => {
  it('with a ref: the arrival (im_referral_msg) with the ref and the pre-filled message, the message back for the composer', async () => {
    const w = await world();
    const answer = await w.phone('POST', '/open', {
      link: ' https://tiktok.me/@Acme.Studio?ref=spring%20poster&message=Hi%20there%2C%20%3Cb%3E ',
      username: 'jonas.k',
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      business_id: SEED.defaultBusinessId,
      business_username: 'acme.studio',
      ref: 'spring poster',
      message: 'Hi there, <b>',
      arrival: { conversation_id: SEED.conversations.jonas, message_id: null, event: 'im_referral_msg' },
    });
    expect(w.deliveries).toHaveLength(1);
    verifySignature(w.deliveries[0]!, SANDBOX_APP.client_secret);
    const { content } = parseDelivery(w.deliveries[0]!);
    expect(content.referral).toEqual({
      source: 'short_link',
      short_link: { ref: 'spring poster', prefilled_message: 'Hi there, <b>', prefilled_message_audit_status: 'PASS' },
    });
    const jonas = (await w.snapshot('?username=jonas.k')).conversation;
    expect(jonas.refs).toEqual(['spring-qr', 'spring poster']);
    // When each arrived, for the page's confirmation in the thread.
    expect(jonas.referrals.map((r: any) => r.ref)).toEqual(['spring-qr', 'spring poster']);
    expect(jonas.referrals[1].timestamp).toBe(w.now());
  });

  it('without a ref: only opens the chat (nothing delivered, nothing stored)', async () => {
    const w = await world();
    const answer = await w.phone('POST', '/open', { link: `https://tiktok.me/brotzeit.berlin?message=Guten%20Tag`, username: 'new.person' });
    expect(answer.json).toEqual({ business_id: SEED.eeaBusinessId, business_username: 'brotzeit.berlin', ref: null, message: 'Guten Tag', arrival: null });
    expect(w.deliveries).toEqual([]);
    expect((await w.snapshot('?username=new.person')).user).toBeNull();
  });

  for (const [link, message] of [
    ['', /Paste a chat link/],
    ['acme.studio', /not a link/],
    ['https://www.tiktok.com/@acme.studio', /Only tiktok.me chat links/],
    ['javascript:alert(1)//tiktok.me', /Only tiktok.me chat links/],
    ['https://tiktok.me/nobody?ref=x', /No sandbox account is called @nobody: the sandbox has @acme.studio, @brotzeit.berlin, @lena.makes/],
  ] as const) {
    it(`refuses ${JSON.stringify(link)}`, async () => {
      const w = await world();
      const answer = await w.phone('POST', '/open', { link, username: 'maya.lopez' });
      expect(answer.status).toBe(400);
      expect(answer.json.error.message).toMatch(message);
      expect(w.deliveries).toEqual([]);
    });
  }
});

describe('what the user sends', () => {
  it('an image file: kept (small ones inline), served to the page, the webhook names its media_id', async () => {
    const w = await world();
    const png = pngBytes();
    const answer = await w.phone('POST', '/messages', { from_username: 'maya.lopez', image: true, image_data: Buffer.from(png).toString('base64') });
    expect(answer.status).toBe(200);
    const { content } = parseDelivery(w.deliveries[0]!);
    expect(content).toMatchObject({ type: 'image', message_id: answer.json.message_id });
    const media = await w.handler.handle({ method: 'GET', url: `${PHONE}/media/${encodeURIComponent(content.image.media_id)}`, headers: SAME_ORIGIN });
    expect(media.status).toBe(200);
    expect(media.headers['content-type']).toBe('image/png');
    expect(new Uint8Array(media.body)).toEqual(png);
    expect((await w.phone('GET', '/media/nope')).status).toBe(404);
  });

  for (const [label, data, message] of [
    ['a GIF', Buffer.from('GIF89a....').toString('base64'), /JPG or PNG/],
    ['not base64', 'not base64!', /base64/],
    ['over 3 MB', Buffer.from(pngBytes(3 * 1024 * 1024 + 1)).toString('base64'), /at most 3 MB/],
  ] as const) {
    it(`refuses ${label}`, async () => {
      const w = await world();
      const answer = await w.phone('POST', '/messages', { from_username: 'maya.lopez', image_data: data });
      expect(answer.status).toBe(400);
      expect(answer.json.error.message).toMatch(message);
      expect(w.deliveries).toEqual([]);
    });
  }

  it('a tap on an older card names that card; a message that is not a card is refused', async () => {
    const w = await world();
    const first = (await w.send({ recipient: SEED.conversations.maya, message_type: 'TEMPLATE', template: CARD('First card') })).data.message.message_id;
    await w.send({ recipient: SEED.conversations.maya, message_type: 'TEMPLATE', template: CARD('Second card') });
    const before = w.deliveries.length;
    const tap = await w.phone('POST', '/events', { kind: 'template-tap', from_username: 'maya.lopez', button_id: 'size-m', message_id: first });
    expect(tap.status).toBe(200);
    const { content } = parseDelivery(w.deliveries[before]!);
    expect(content.reply_source_payload).toEqual({ reply_source_msg_id: first, reply_source_unique_id: 'size-m' });
    const text = (await w.send({ recipient: SEED.conversations.maya, message_type: 'TEXT', text: { body: 'plain' } })).data.message.message_id;
    const refused = await w.phone('POST', '/events', { kind: 'template-tap', from_username: 'maya.lopez', button_id: 'size-m', message_id: text });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/is not a card/);
  });
});

describe('keeping other web pages out', () => {
  it('phoneGuard: loopback Host only; POSTs are JSON from the same origin', () => {
    expect(phoneGuard('GET', { host: '127.0.0.1:4010' })).toBeUndefined();
    expect(phoneGuard('GET', { host: 'localhost:4010' })).toBeUndefined();
    expect(phoneGuard('GET', {})).toBeUndefined();
    expect(phoneGuard('GET', { host: 'evil.example:4010' })).toMatch(/127\.0\.0\.1 only/);
    expect(phoneGuard('GET', { host: '127.0.0.1.evil.example' })).toMatch(/127\.0\.0\.1 only/);
    expect(phoneGuard('POST', { host: '127.0.0.1:4010', 'content-type': 'application/json', origin: ORIGIN })).toBeUndefined();
    expect(phoneGuard('POST', { host: '127.0.0.1:4010', 'content-type': 'application/json' })).toBeUndefined();
    expect(phoneGuard('POST', { host: '127.0.0.1:4010', 'content-type': 'text/plain', origin: ORIGIN })).toMatch(/JSON body/);
    expect(phoneGuard('POST', { host: '127.0.0.1:4010', 'content-type': 'application/json', origin: 'http://127.0.0.1:9999' })).toMatch(/Cross-origin/);
    expect(phoneGuard('POST', { host: '127.0.0.1:4010', 'content-type': 'application/json', origin: 'null' })).toMatch(/Origin null/);
  });

  it('a refused request changes nothing and answers 403', async () => {
    const w = await world();
    const forged = await w.phone(
      'POST',
      '/messages',
      { from_username: 'maya.lopez', text: 'forged' },
      { host: '127.0.0.1:4010', origin: 'https://evil.example' },
    );
    expect(forged.status).toBe(403);
    expect(w.deliveries).toEqual([]);
    expect((await w.snapshot()).conversation.messages).toHaveLength(3);
  });

  it('the page: static, strict CSP, no framing, no caching', async () => {
    const w = await world();
    const page = await w.phone('GET', '');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(
      /^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
    expect(page.headers).toMatchObject({ 'x-frame-options': 'DENY', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    // The script is its own file, admitted by the CSP's hash through its integrity attribute; the style is inline.
    const script = await w.phone('GET', '/phone.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const scriptHash = `sha256-${createHash('sha256').update(script.text).digest('base64')}`;
    expect(page.text).toContain(`<script src="/sandbox/phone/phone.js" integrity="${scriptHash}"></script>`);
    expect(page.headers['content-security-policy']).toContain(`script-src '${scriptHash}'`);
    const style = /<style>([\s\S]*)<\/style>/.exec(page.text)![1]!;
    expect(page.headers['content-security-policy']).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect((await w.phone('GET', '/icon.svg')).headers['content-type']).toBe('image/svg+xml');
    expect((await w.phone('GET', '/nope')).status).toBe(404);
  });
});

describe('the live stream (served over loopback)', () => {
  it('sends the snapshot at once, then only when the world changes', async () => {
    const server = await startSandboxServer({ port: 0 });
    const controller = new AbortController();
    try {
      const response = await fetch(`${server.phoneUrl}/events?username=maya.lopez`, { signal: controller.signal });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.getReader();
      let buffer = '';
      const events: any[] = [];
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buffer += decoder.decode(value);
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (data) events.push(JSON.parse(data.slice(6)));
          }
        }
      })();
      await expect.poll(() => events.length).toBe(1);
      expect(events[0].conversation.messages).toHaveLength(3);
      // Nothing changes: nothing is sent (the ticks compare the world, not the clock).
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(events).toHaveLength(1);
      const written = await fetch(`${server.controlUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from_username: 'maya.lopez', text: 'Still there?' }),
      });
      expect(written.status).toBe(200);
      const start = Date.now();
      await expect.poll(() => events.length, { timeout: 1000, interval: 20 }).toBe(2);
      expect(Date.now() - start).toBeLessThan(1000);
      expect(events[1].conversation.messages.at(-1)).toMatchObject({ direction: 'in', text: 'Still there?' });
      // Another host name (DNS rebinding) gets no stream.
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${server.phoneUrl}/events`, { headers: { host: `evil.example:${server.port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
      expect(rebound).toBe(403);
    } finally {
      controller.abort();
      await server.close();
    }
  });
});

describe('sandbox phone opens the browser only when allowed', () => {
  for (const [label, setup, opens] of [
    ['a TTY', { tty: true, browser: true, env: {} }, true],
    ['--no-browser', { tty: true, browser: false, env: {} }, false],
    ['CI', { tty: true, browser: true, env: { CI: 'true' } }, false],
    ['no TTY', { tty: false, browser: true, env: {} }, false],
  ] as const) {
    it(`with ${label}: ${opens ? 'opens it' : 'prints the URL only'}`, async () => {
      const test = createTestIO({ stdinTTY: setup.tty, stdoutTTY: setup.tty, env: setup.env });
      const controller = new AbortController();
      const opened: string[] = [];
      const deps = createDeps({
        io: test.io,
        env: { TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir(), ...setup.env },
        globals: { json: false, debug: false },
        signal: controller.signal,
        overrides: { openBrowser: async (url) => void opened.push(url) },
      });
      const running = phone({ browser: setup.browser }, deps);
      const deadline = Date.now() + 5000;
      while (!test.stdout().includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const url = test.stdout().trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/phone$/);
      expect((await fetch(url)).status).toBe(200);
      controller.abort();
      await expect(running).rejects.toMatchObject({ kind: 'cancelled' });
      expect(opened).toEqual(opens ? [url] : []);
    });
  }
});

describe('the page from its files', () => {
  const files = {
    html: '<head><link rel="stylesheet" href="phone.css"></head><body><script src="phone.js"></script></body>',
    css: 'body{color:red}',
    script: 'void 0;',
    icon: '<svg/>',
  };

  it('puts the style inline and gives the script its path and integrity hash, both in the CSP', () => {
    const page = buildPhonePage(files);
    const hash = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`;
    expect(page.html).toBe(
      `<head><style>body{color:red}</style></head><body><script src="/sandbox/phone/phone.js" integrity="${hash('void 0;')}"></script></body>`,
    );
    expect(page.csp).toContain(`script-src '${hash('void 0;')}'; style-src '${hash('body{color:red}')}';`);
  });

  it('refuses a page without its two tags, or a style that could close its own tag', () => {
    expect(() => buildPhonePage({ ...files, html: '<body></body>' })).toThrow(/must contain <link rel="stylesheet" href="phone.css"> exactly once/);
    expect(() => buildPhonePage({ ...files, css: 'a{}</STYLE><script>' })).toThrow(/must not contain "<\/style"/);
  });
});
