// `tail` in webhook mode, as a child process over real HTTP: the served sandbox's signed deliveries and
// deliveries built and signed here for every other shape → one JSON line each with the right fields;
// junk of every kind refused while tail keeps running, a signed body that is not JSON kept (journaled,
// printed, replayed, forwarded); a delivery for an account not connected here;
// redeliveries printed once and byte-exact replays refused; --count/--timeout; filters; registration.
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { BIN, parseJson, startCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { startTmux } from '../helpers/tmux.js';
import { delivery, freePort, inbound, interrupt, outbound, post, postSigned, sign, startTail } from '../helpers/tail.js';
import { getWebhook, registerWebhook } from '../../src/tiktok/messaging-api.js';

let secret: string;
const BIZ: string = SEED.defaultBusinessId;

const ctx = useConnectedWorld();
beforeAll(() => {
  secret = ctx.world.server.clientSecret;
});

async function register(url: string): Promise<void> {
  await registerWebhook(ctx.world.client, ctx.world.server.clientKey, ctx.world.server.clientSecret, url);
}

describe('tail: every delivery shape, round trip', () => {
  it('prints each sandbox message (text, image, link and ad arrivals, EEA) as one JSON line', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir });
    try {
      await register(tail.url);
      const text = await runInProcess(['sandbox', 'message', '--text', 'Is the blue mug in stock?'], {
        configDir,
        env: { TIKTOK_CHANNEL_API_BASE_URL: ctx.world.server.apiBaseUrl },
      });
      expect(text.code).toBe(0);
      const [first] = await tail.waitForEvents(1);
      expect(first).toMatchObject({
        event: 'im_receive_msg',
        kind: 'message',
        origin: 'webhook',
        business_id: BIZ,
        conversation_id: SEED.conversations.maya,
        direction: 'inbound',
        source: 'APP',
        type: 'text',
        text: 'Is the blue mug in stock?',
        user: { id: SEED.users.maya, username: 'maya.lopez' },
        problems: [],
      });
      expect(first.id).toBe(first.message_id);

      await ctx.world.control('POST', 'messages', { image: true });
      await ctx.world.control('POST', 'messages', { from_username: 'newbie', ref: 'spring-poster', text: 'Hi from the poster' });
      await ctx.world.control('POST', 'messages', { from_username: 'adfan', via_ad: true, text: 'Saw your ad' });
      await ctx.world.control('POST', 'messages', { from_username: 'hans', eu: true, text: 'Hallo' });
      const events = await tail.waitForEvents(7);
      expect(events).toHaveLength(7);
      expect(events[1]).toMatchObject({ kind: 'message', type: 'image', media: { type: 'image' }, text: null });
      expect(events[1].media.id).toMatch(/\S/);
      expect(events[2]).toMatchObject({
        event: 'im_referral_msg',
        kind: 'referral',
        message_id: null,
        user: { username: 'newbie' },
        referral: { source: 'short_link', ref: 'spring-poster' },
      });
      expect(events[2].id).toMatch(/^h:/);
      expect(events[3]).toMatchObject({
        kind: 'message',
        text: 'Hi from the poster',
        user: { username: 'newbie' },
        conversation_id: events[2].conversation_id,
      });
      expect(events[4]).toMatchObject({ kind: 'referral', referral: { source: 'ad', ad: { ad_name: 'Sandbox click-to-message ad' } } });
      expect(events[4].referral.ad.ad_id).toMatch(/^17\d+/);
      expect(events[5]).toMatchObject({ kind: 'message', text: 'Saw your ad' });
      expect(events[6]).toMatchObject({
        event: 'im_receive_msg_eu',
        kind: 'eu_message',
        direction: 'inbound',
        text: null,
        conversation_id: null,
        message_id: null,
      });
      const stopped = await interrupt(tail);
      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toMatch(/Stopped: 7 received, 7 printed, .*0 refused/);
      // One line per event, nothing else on stdout.
      expect(stopped.stdout.trim().split('\n')).toHaveLength(7);
    } finally {
      tail.child.kill('SIGKILL');
    }
  });

  it('prints every other shape TikTok delivers, signed here, with the right fields', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir });
    const send = async (event: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const answer = await postSigned(tail.url, delivery(event, content, { user_openid: BIZ, ...extra }), secret);
      expect(answer.status).toBe(200);
    };
    try {
      await send('im_receive_msg', inbound(BIZ, { message_id: 'k-sticker', type: 'sticker', sticker: { url: 'https://p16.tiktokcdn.com/sticker.webp' } }));
      await send('im_receive_msg', inbound(BIZ, { message_id: 'k-video', type: 'video', video: { media_id: 'v-media-1' } }));
      await send('im_receive_msg', inbound(BIZ, { message_id: 'k-emoji', type: 'emoji', emoji: { url: 'https://p16.tiktokcdn.com/emoji.png' } }));
      await send(
        'im_receive_msg',
        inbound(BIZ, {
          message_id: 'k-share',
          type: 'share_post',
          share_post: { embed_url: 'https://www.tiktok.com/@acme/video/1', video_id: '7351234567890123401' },
        }),
      );
      await send(
        'im_receive_msg',
        inbound(BIZ, {
          message_id: 'k-tap',
          type: 'text',
          text: { body: 'Track my order' },
          reply_source_payload: { reply_source_msg_id: 'card-1', reply_source_unique_id: 'track' },
        }),
      );
      await send('im_send_msg', outbound(BIZ, { message_id: 'k-app', type: 'text', text: { body: 'Sure, here you go' }, message_tag: { source: 'APP' } }));
      await send('im_send_msg', outbound(BIZ, { message_id: 'k-api', type: 'text', text: { body: 'Your order shipped' }, message_tag: { source: 'API' } }));
      await send(
        'im_send_msg',
        outbound(BIZ, {
          message_id: 'k-card',
          type: 'template',
          template: { type: 'qa_button_card', elements: [{ title: 'Need help?', buttons: [{ text: 'Track my order', type: 'REPLY', id: 'track' }] }] },
          message_tag: { source: 'API' },
        }),
      );
      await send(
        'im_receive_msg',
        inbound(BIZ, {
          message_id: 'k-reaction',
          type: 'reaction',
          reaction: [{ operation: 'ADD', type: 'EMOJI', emoji: '👍', unique_identifier: SEED.users.maya, timestamp: Date.now(), original_msg_id: 'k-api' }],
        }),
      );
      await send('im_mark_read_msg', inbound(BIZ, { read: { last_read_timestamp: 1_732_459_200_000 } }));
      await send('im_referral_msg', inbound(BIZ, { is_follower: false, referral: { source: 'ad', ad: {} } }));
      await send('im_auto_message_config_update', {
        auto_message_id: 'auto-1',
        auto_message_type: 'WELCOME_MESSAGE',
        auto_message_action: 'CREATE',
        timestamp: Date.now(),
        welcome_message: { text: 'Welcome!' },
      });
      await send('im_auto_message_audit_update', {
        auto_message_id: 'auto-1',
        auto_message_type: 'WELCOME_MESSAGE',
        audit_status: 'APPROVED',
        timestamp: Date.now(),
      });
      await send('im_receive_high_intent_comment', { ...inbound(BIZ), comment_id: 'cm-1', comment_text: 'How much is the mug?', is_follower: true });
      await send('im_future_event', { anything: 'goes' });
      // Upper-case enum values and create_time in milliseconds are tolerated.
      await send('im_receive_msg', inbound(BIZ, { message_id: 'k-upper', type: 'TEXT', text: { body: 'shouting' }, message_tag: { source: 'web' } }), {
        create_time: Date.now(),
      });

      const events = await tail.waitForEvents(16);
      const [sticker, video, emoji, share, tap, app, api, card, reaction, read, smartPlus, autoConfig, audit, comment, unknown, upper] = events;
      expect(sticker).toMatchObject({ type: 'sticker', sticker_url: 'https://p16.tiktokcdn.com/sticker.webp', direction: 'inbound' });
      expect(video).toMatchObject({ type: 'video', media: { id: 'v-media-1', type: 'video' } });
      expect(emoji).toMatchObject({ type: 'emoji', emoji_url: 'https://p16.tiktokcdn.com/emoji.png' });
      expect(share).toMatchObject({ type: 'share_post', share_post: { embed_url: 'https://www.tiktok.com/@acme/video/1', video_id: '7351234567890123401' } });
      expect(tap).toMatchObject({ type: 'text', text: 'Track my order', tapped_button_id: 'track', reply_source_message_id: 'card-1' });
      expect(app).toMatchObject({ event: 'im_send_msg', direction: 'outbound', source: 'APP', text: 'Sure, here you go', user: { username: 'maya.lopez' } });
      expect(api).toMatchObject({ direction: 'outbound', source: 'API' });
      expect(card).toMatchObject({
        type: 'template',
        template: { type: 'QA_BUTTON_CARD', title: 'Need help?', buttons: [{ id: 'track', label: 'Track my order', type: 'REPLY' }] },
      });
      expect(reaction).toMatchObject({
        kind: 'reaction',
        message_id: 'k-reaction',
        reactions: [{ operation: 'ADD', type: 'EMOJI', emoji: '👍', target_message_id: 'k-api' }],
      });
      expect(read).toMatchObject({ kind: 'read', event: 'im_mark_read_msg', message_id: null, read_up_to: '2024-11-24T14:40:00.000Z' });
      expect(read.id).toMatch(/^h:/);
      expect(smartPlus).toMatchObject({ kind: 'referral', is_follower: false, referral: { source: 'ad', ref: null, ad: { ad_id: null, ad_name: null } } });
      expect(autoConfig).toMatchObject({
        kind: 'auto_message_config',
        conversation_id: null,
        auto_message: { id: 'auto-1', type: 'WELCOME_MESSAGE', action: 'CREATE', content: { text: 'Welcome!' } },
      });
      expect(audit).toMatchObject({ kind: 'auto_message_audit', auto_message: { audit_status: 'APPROVED' } });
      expect(comment).toMatchObject({ kind: 'high_intent_comment', comment: { id: 'cm-1', text: 'How much is the mug?' }, is_follower: true });
      expect(unknown).toMatchObject({ kind: 'unknown', event: 'im_future_event', raw: { content: { anything: 'goes' } } });
      expect(unknown.problems.join(' ')).toContain('unknown event');
      expect(upper).toMatchObject({ type: 'text', source: 'WEB', text: 'shouting' });
      expect(upper.timestamp).toBeGreaterThan(1e12);
      expect(events).toHaveLength(16);
    } finally {
      await interrupt(tail);
    }
  });
});

describe('tail: whatever arrives, it keeps running', () => {
  it('refuses forged, stale, unsigned, malformed, oversized, replayed and misdirected requests, then still takes a valid one', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0', '--tolerance', '60'], { configDir });
    try {
      const body = delivery('im_receive_msg', inbound(BIZ, { message_id: 'valid-1', type: 'text', text: { body: 'hello' } }), { user_openid: BIZ });
      expect((await post(tail.url, body, { 'tiktok-signature': sign('not-the-app-secret', body) })).status).toBe(401);
      expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body, Math.floor(Date.now() / 1000) - 120) })).status).toBe(401);
      expect((await post(tail.url, body)).status).toBe(401);
      expect((await post(tail.url, body, { 'tiktok-signature': 'v1=abc' })).status).toBe(401);
      expect((await post(tail.url, body.replace('hello', 'hellO'), { 'tiktok-signature': sign(secret, body) })).status).toBe(401);
      // Signed, but not a JSON object: only TikTok can sign, so it is a delivery (200, journaled, printed
      // as an unknown event), not junk; a 400 would make TikTok retry it for 72 hours and then drop it.
      expect((await post(tail.url, 'not json', { 'tiktok-signature': sign(secret, 'not json') })).status).toBe(200);
      expect((await post(tail.url, '[1,2]', { 'tiktok-signature': sign(secret, '[1,2]') })).status).toBe(200);
      // Over 1 MB: declared, and streamed without a length.
      const big = Buffer.alloc(2 * 1024 * 1024, 'a');
      expect((await post(tail.url, big, { 'tiktok-signature': sign(secret, big) })).status).toBe(413);
      const chunked = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(tail.url, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'tiktok-signature': sign(secret, 'x') } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 40; i++) req.write(Buffer.alloc(64 * 1024, 'b'));
        req.end();
      }).catch((error) => (String(error.code).startsWith('EPIPE') || error.code === 'ECONNRESET' ? 413 : Promise.reject(error)));
      expect(chunked).toBe(413);
      // Another path, another method, and bytes that are not HTTP at all.
      expect((await post(tail.url.replace('/webhook', '/other'), body, { 'tiktok-signature': sign(secret, body) })).status).toBe(404);
      expect((await post(tail.url, '', {}, 'GET')).status).toBe(405);
      const garbage = await new Promise<string>((resolve) => {
        const socket = connect(tail.port, '127.0.0.1', () => socket.write('\x16\x03\x01 not http at all\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(garbage).toMatch(/^HTTP\/1\.1 400/);

      // A valid delivery still arrives; the same signed request again is a replay.
      const signature = sign(secret, body);
      expect((await post(tail.url, body, { 'tiktok-signature': signature })).status).toBe(200);
      expect((await post(tail.url, body, { 'tiktok-signature': signature })).status).toBe(409);
      const events = await tail.waitForEvents(3);
      expect(events.map((event) => event.message_id)).toEqual([null, null, 'valid-1']);
      for (const [index, text] of ['not json', '[1,2]'].entries()) {
        expect(events[index]).toMatchObject({ kind: 'unknown', event: null, business_id: null, raw: { body: text } });
        expect(events[index].problems[0]).toBe('the body is not a JSON object');
        // Where its exact bytes are: the journal entry and file.
        expect(events[index].problems[1]).toMatch(/^signed with the app secret, answered 200; its exact bytes are journal entry \S+ in \S+\.jsonl$/);
        expect(events[index].problems[1]).toContain(` in ${join(configDir, 'journal')}/deliveries-`);
      }
      const stopped = await interrupt(tail);
      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toMatch(/3 received, 3 printed, 11 refused/);
      expect(stopped.stderr).toContain('refused 401 (mismatch)');
      expect(stopped.stderr).toContain('refused 401 (stale)');
      expect(stopped.stderr).toContain('refused 401 (missing)');
      expect(stopped.stderr).toContain('refused 413 (too-large)');
      expect(stopped.stdout.trim().split('\n')).toHaveLength(3);
    } finally {
      tail.child.kill('SIGKILL');
    }
  });

  it('keeps a signed delivery it cannot read: 200, journaled, printed once, replayed by --since, forwarded byte for byte, shown on a terminal', async () => {
    const configDir = await ctx.world.store(ctx.account);
    // Bytes that are not UTF-8, an escape sequence that would clear a terminal, and no JSON at all.
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html>oops\x1b[2J</html>')]);
    const received: Array<{ body: Buffer; signature: string | undefined }> = [];
    const targetServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks), signature: req.headers['tiktok-signature'] as string | undefined });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => targetServer.listen(0, '127.0.0.1', resolve));
    const targetPort = (targetServer.address() as { port: number }).port;
    const tail = await startTail(['--port', '0', '--forward-to', `http://127.0.0.1:${targetPort}/hook`], { configDir });
    try {
      const now = Math.floor(Date.now() / 1000);
      const signature = sign(secret, body, now - 10);
      expect((await post(tail.url, body, { 'tiktok-signature': signature })).status).toBe(200);
      // The same signed request again is a replay; TikTok's redelivery (signed anew) is taken, not printed again.
      expect((await post(tail.url, body, { 'tiktok-signature': signature })).status).toBe(409);
      expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body, now) })).status).toBe(200);
      // Unsigned, the same bytes are still refused.
      expect((await post(tail.url, body)).status).toBe(401);
      const [event] = await tail.waitForEvents(1);
      expect(event).toMatchObject({
        kind: 'unknown',
        event: null,
        business_id: null,
        conversation_id: null,
        message_id: null,
        raw: { body: '\ufffd\ufffd<html>oops\x1b[2J</html>' },
      });
      expect(event.id).toMatch(/^h:[0-9a-f]{32}$/);
      expect(event.problems[0]).toBe('the body is not a JSON object');
      const where = /journal entry (\S+) in (\S+\.jsonl)$/.exec(event.problems[1])!;
      expect(where, event.problems.join('; ')).not.toBeNull();
      expect(where[2]).toContain(join(configDir, 'journal'));
      // The journal holds the exact bytes (twice: the delivery and TikTok's redelivery, marked as one).
      const lines = readFileSync(where[2]!, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const entry = lines.find((line) => line.id === where[1]);
      expect(Buffer.from(entry.b, 'base64').equals(body)).toBe(true);
      expect(lines.filter((line) => Buffer.from(line.b, 'base64').equals(body))).toHaveLength(2);
      // Forwarded once, byte for byte, with the signature it arrived with.
      const deadline = Date.now() + 10_000;
      while (received.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(1);
      expect(received[0]!.body.equals(body)).toBe(true);
      expect(received[0]!.signature).toBe(signature);
      const stopped = await interrupt(tail);
      expect(stopped.stderr).toMatch(/Stopped: 2 received, 1 printed, 1 duplicate, 2 refused, 1 forwarded, 0 pending/);
      expect(stopped.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      tail.child.kill('SIGKILL');
      targetServer.close();
    }

    // --since replays it from the journal, once, as the same event.
    const replay = await runInProcess(['tail', '--port', '0', '--since', '1h', '--timeout', '2'], { configDir });
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = replay.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ kind: 'unknown', raw: { body: '\ufffd\ufffd<html>oops\x1b[2J</html>' } });
    expect(replayed[0].problems[1]).toMatch(/journal entry \S+ in \S+\.jsonl$/);

    // On a terminal: one line that says what arrived, escaped, and where its bytes are.
    const session = startTmux([process.execPath, BIN, 'tail', '--port', '0', '--since', '1h'], {
      env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' },
      width: 400,
    });
    try {
      const screen = await session.waitFor(/\(from the journal\)/, 15_000);
      const line = screen.split('\n').find((text) => text.includes('unreadable signed delivery'))!;
      expect(line).toMatch(
        /^\d\d:\d\d:\d\d {2}! {2}unreadable signed delivery \(not a JSON object\): {2}"\ufffd\ufffd<html>oops\\u001b\[2J<\/html>" {2}signed with the app secret, answered 200; its exact bytes are journal entry \S+ in \S+\.jsonl {2}\(from the journal\)$/,
      );
    } finally {
      session.kill();
    }
  });

  it('prints a redelivery once, and answers 200 to a delivery for an account not connected here, printed as such', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir });
    try {
      const body = delivery('im_receive_msg', inbound(BIZ, { message_id: 'redelivered', type: 'text', text: { body: 'once' } }), { user_openid: BIZ });
      const now = Math.floor(Date.now() / 1000);
      // TikTok signs each retry anew: same body, a later t.
      expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body, now - 10) })).status).toBe(200);
      expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body, now) })).status).toBe(200);
      const stranger = delivery('im_receive_msg', inbound('-000someoneElse', { message_id: 'not-ours', type: 'text', text: { body: 'hi' } }), {
        user_openid: '-000someoneElse',
      });
      expect((await postSigned(tail.url, stranger, secret)).status).toBe(200);
      const events = await tail.waitForEvents(2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(tail.events().map((event) => event.message_id)).toEqual(['redelivered', 'not-ours']);
      expect(events[1].business_id).toBe('-000someoneElse');
      expect(events[1].problems.join(' ')).toContain('no account connected here has business_id -000someoneElse');
      const stopped = await interrupt(tail);
      expect(stopped.stderr).toMatch(/3 received, 2 printed, 1 duplicate, 0 refused, 1 for accounts not connected here/);
      // Journal: a 0700 directory of 0600 files, holding all three deliveries.
      const dir = join(configDir, 'journal');
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      // disconnect says where the received messages stay.
      const gone = await runInProcess(['disconnect', '--keep-token'], { configDir });
      expect(gone.code).toBe(0);
      expect(gone.stderr).toContain(`The event journal in ${dir} was left in place`);
    } finally {
      tail.child.kill('SIGKILL');
    }
  });

  it("routes each delivery to its account by user_openid and verifies it with that account's app secret only", async () => {
    const configDir = await ctx.world.store(ctx.account);
    const now = Date.now();
    const { AccountStore } = await import('../../src/store/accounts.js');
    await new AccountStore({ configDir }).upsert({
      businessId: '-000secondShop',
      channelName: 'Second shop',
      username: 'second.shop',
      scopes: [],
      accessToken: 'act.second',
      accessTokenExpiresAt: now + 86_400_000,
      refreshToken: 'rft.second',
      refreshTokenExpiresAt: now + 86_400_000,
      clientKey: 'awsecondapp',
      clientSecret: 'second-app-secret',
      connectedAt: now,
      updatedAt: now,
    });
    const tail = await startTail(['--port', '0'], { configDir });
    try {
      const forSecond = delivery('im_receive_msg', inbound('-000secondShop', { message_id: 'r-second', type: 'text', text: { body: 'to the second shop' } }), {
        user_openid: '-000secondShop',
        client_key: 'awsecondapp',
      });
      const forAcme = delivery('im_receive_msg', inbound(BIZ, { message_id: 'r-acme', type: 'text', text: { body: 'to acme' } }), { user_openid: BIZ });
      // Another account's app secret does not verify a delivery naming this account.
      expect((await postSigned(tail.url, forSecond, secret)).status).toBe(401);
      expect((await postSigned(tail.url, forAcme, 'second-app-secret')).status).toBe(401);
      expect((await postSigned(tail.url, forSecond, 'second-app-secret')).status).toBe(200);
      expect((await postSigned(tail.url, forAcme, secret)).status).toBe(200);
      const events = await tail.waitForEvents(2);
      expect(events.map((event) => [event.business_id, event.text, event.problems])).toEqual([
        ['-000secondShop', 'to the second shop', []],
        [BIZ, 'to acme', []],
      ]);
      // --account shows one account's events only.
      const only = await startTail(['--port', '0', '--account', 'Second shop'], { configDir });
      try {
        expect((await postSigned(only.url, forAcme.replace('r-acme', 'r-acme-2'), secret)).status).toBe(200);
        expect((await postSigned(only.url, forSecond.replace('r-second', 'r-second-2'), 'second-app-secret')).status).toBe(200);
        const [shown] = await only.waitForEvents(1);
        expect(shown.message_id).toBe('r-second-2');
      } finally {
        await interrupt(only);
      }
    } finally {
      await interrupt(tail);
    }
  });

  it('verifies with TIKTOK_CHANNEL_CLIENT_SECRET when no account is stored, and refuses to start with no secret at all', async () => {
    const empty = (await import('../helpers/cli.js')).tempConfigDir();
    const none = await runInProcess(['tail', '--port', '0', '--json'], { configDir: empty });
    expect(none.code).toBe(2);
    expect(parseJson(none.stdout).error.message).toContain('no TikTok app secret');

    const tail = await startTail(['--port', '0'], { configDir: empty, env: { TIKTOK_CHANNEL_CLIENT_SECRET: 'env-secret' } });
    try {
      const body = delivery('im_receive_msg', inbound(BIZ, { message_id: 'env-1', type: 'text', text: { body: 'hi' } }), { user_openid: BIZ });
      expect((await postSigned(tail.url, body, secret)).status).toBe(401);
      expect((await postSigned(tail.url, body, 'env-secret')).status).toBe(200);
      const [event] = await tail.waitForEvents(1);
      expect(event.message_id).toBe('env-1');
    } finally {
      await interrupt(tail);
    }
  });
});

describe('tail: for scripts', () => {
  it('--count exits 0 after N events; --timeout exits 7 when they did not all arrive', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const counted = startCli(['tail', '--port', '0', '--count', '2', '--timeout', '20'], { configDir });
    const url = (await counted.waitForStderr(/Listening on (\S+)/))[1]!;
    for (const id of ['c-1', 'c-2', 'c-3']) {
      await postSigned(url, delivery('im_receive_msg', inbound(BIZ, { message_id: id, type: 'text', text: { body: id } }), { user_openid: BIZ }), secret).catch(
        () => undefined,
      );
    }
    const done = await counted.done;
    expect(done.code).toBe(0);
    expect(
      done.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).message_id),
    ).toEqual(['c-1', 'c-2']);

    const waiting = startCli(['tail', '--port', '0', '--count', '2', '--timeout', '2', '--json'], { configDir: await ctx.world.store(ctx.account) });
    const waitingUrl = (await waiting.waitForStderr(/Listening on (\S+)/))[1]!;
    await postSigned(
      waitingUrl,
      delivery('im_receive_msg', inbound(BIZ, { message_id: 't-1', type: 'text', text: { body: 'only one' } }), { user_openid: BIZ }),
      secret,
    );
    const timedOut = await waiting.done;
    expect(timedOut.code).toBe(7);
    const lines = timedOut.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0].message_id).toBe('t-1');
    expect(lines[1].error).toMatchObject({ kind: 'timeout', code: 7, message: '1 of 2 events arrived in 2 s.' });
  });

  it('stops cleanly (exit 0, summary) when the reader of its output goes away, as with `| head -1`', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0'], { configDir });
    const send = (id: string) =>
      postSigned(tail.url, delivery('im_receive_msg', inbound(BIZ, { message_id: id, type: 'text', text: { body: id } }), { user_openid: BIZ }), secret);
    expect((await send('p-1')).status).toBe(200);
    await tail.waitForEvents(1);
    tail.child.stdout.destroy();
    // The next line finds no reader; the delivery itself was journaled and answered 200 all the same.
    expect((await send('p-2')).status).toBe(200);
    const done = await tail.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/Done: 2 received, 2 printed/);
    expect(done.stderr).not.toContain('EPIPE');
  });

  it('filters by --event, --conversation and --account', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const tail = await startTail(['--port', '0', '--event', 'message', 'im_mark_read_msg', '--conversation', 'conv-a', '--account', 'acme.studio'], {
      configDir,
    });
    try {
      const send = (event: string, content: Record<string, unknown>, openId = BIZ) =>
        postSigned(tail.url, delivery(event, content, { user_openid: openId }), secret);
      await send('im_receive_msg', inbound(BIZ, { conversation_id: 'conv-a', message_id: 'f-keep', type: 'text', text: { body: 'keep' } }));
      await send('im_receive_msg', inbound(BIZ, { conversation_id: 'conv-b', message_id: 'f-other-conv', type: 'text', text: { body: 'other' } }));
      await send('im_referral_msg', inbound(BIZ, { conversation_id: 'conv-a', referral: { source: 'short_link', short_link: { ref: 'x' } } }));
      await send('im_mark_read_msg', inbound(BIZ, { conversation_id: 'conv-a', read: { last_read_timestamp: Date.now() } }));
      await send(
        'im_receive_msg',
        inbound('-000other', { conversation_id: 'conv-a', message_id: 'f-other-account', type: 'text', text: { body: 'x' } }),
        '-000other',
      );
      const events = await tail.waitForEvents(2);
      const stopped = await interrupt(tail);
      expect(events.map((event) => event.kind)).toEqual(['message', 'read']);
      expect(events[0].message_id).toBe('f-keep');
      expect(stopped.stderr).toMatch(/5 received, 2 printed, 3 filtered out/);
    } finally {
      tail.child.kill('SIGKILL');
    }
  });

  it('--register sets the app-wide callback, shows the previous one, and the sandbox then delivers to tail', async () => {
    const configDir = await ctx.world.store(ctx.account);
    await register('https://old.example/hook');
    const port = await freePort();
    const tail = await startTail(['--port', String(port), '--register', '--public-url', `http://127.0.0.1:${port}`, '--debug'], { configDir });
    try {
      await tail.waitForStderr(/app-wide/);
      const stderr = tail.stderr();
      expect(stderr).toContain(
        `Registered http://127.0.0.1:${port}/webhook as the DIRECT_MESSAGE callback of app ${ctx.world.server.clientKey} (previous: https://old.example/hook)`,
      );
      expect(stderr).toContain(`every account connected to app ${ctx.world.server.clientKey} now delivers here, no longer to https://old.example/hook`);
      expect((await getWebhook(ctx.world.client, ctx.world.server.clientKey, ctx.world.server.clientSecret)).callbackUrl).toBe(
        `http://127.0.0.1:${port}/webhook`,
      );
      expect(stderr).not.toContain(ctx.world.server.clientSecret);
      await ctx.world.control('POST', 'messages', { text: 'registered!' });
      const [event] = await tail.waitForEvents(1);
      expect(event.text).toBe('registered!');
      // --debug logs TikTok's x-tt-logid of each delivery.
      await tail.waitForStderr(/delivery im_receive_msg x-tt-logid=\S+ journaled/);
    } finally {
      await interrupt(tail);
    }
  });

  it('refuses option mixes that cannot work, with exit 2', async () => {
    const configDir = await ctx.world.store(ctx.account);
    expect((await runInProcess(['tail', '--poll', '--forward-to', 'http://x'], { configDir })).code).toBe(2);
    expect((await runInProcess(['tail', '--register'], { configDir })).code).toBe(2);
    expect((await runInProcess(['tail', '--since', 'yesterday'], { configDir })).code).toBe(2);
    expect((await runInProcess(['tail', '--forward-to', 'ftp://x'], { configDir })).code).toBe(2);
    const busy = await startTail(['--port', '0'], { configDir });
    try {
      const clash = await runInProcess(['tail', '--port', String(busy.port), '--json'], { configDir });
      expect(clash.code).toBe(2);
      expect(parseJson(clash.stdout).error.message).toContain(`Cannot listen on 127.0.0.1:${busy.port}`);
    } finally {
      await interrupt(busy);
    }
  });
});
