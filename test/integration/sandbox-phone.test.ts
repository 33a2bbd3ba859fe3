// The sandbox phone in a real headless Chromium against the served sandbox (`sandbox serve`'s server on
// 127.0.0.1): the developer plays the TikTok user in the page and every doing arrives, signed, at a
// node:http webhook receiver with the same shape `sandbox event`/`message` give it (test/helpers/events.ts),
// and in REST; the business's sends (through the API, as `send` makes them) show up on the page live;
// hostile input stays text; the page holds at 390 px and 1280 px (screenshots kept in .tmp/artifacts).
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED, startSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { launchBrowser, type HeadlessBrowser } from '../helpers/browser.js';
import { ROOT } from '../helpers/cli.js';
import {
  consentedToken,
  contentOf,
  expectDelivery,
  KIND_CASES,
  parseDelivery,
  postJson,
  startReceiver,
  verifySignature,
  type EventAnswer,
  type Receiver,
  type ShapeContext,
} from '../helpers/events.js';
import { pngBytes } from '../helpers/images.js';

const ARTIFACTS = join(ROOT, '.tmp', 'artifacts');
const MAYA: ShapeContext = { businessId: SEED.defaultBusinessId, businessUsername: 'acme.studio', userId: SEED.users.maya, username: 'maya.lopez' };
const CARD = {
  type: 'QA_BUTTON_CARD',
  title: 'Which size?',
  buttons: [
    { type: 'REPLY', title: 'Medium', id: 'size-m' },
    { type: 'REPLY', title: 'Large', id: 'size-l' },
  ],
};
const kindCase = (kind: string) => KIND_CASES.find((c) => c.kind === kind)!;

let sandbox: SandboxServer;
let receiver: Receiver;
let browser: HeadlessBrowser;
let token: string;

/** What `send` does: business/message/send/ with the account's token. */
async function businessSends(conversationId: string, body: Record<string, unknown>): Promise<string> {
  const answer = await postJson(
    `${sandbox.apiBaseUrl}business/message/send/`,
    { business_id: SEED.defaultBusinessId, recipient_type: 'CONVERSATION', recipient: conversationId, ...body },
    { 'access-token': token },
  );
  expect(answer.json).toMatchObject({ code: 0 });
  return answer.json.data.message.message_id as string;
}

async function rest(path: string, query: Record<string, string>) {
  const url = new URL(path, sandbox.apiBaseUrl);
  for (const [key, value] of Object.entries({ business_id: SEED.defaultBusinessId, ...query })) url.searchParams.set(key, value);
  const answer = (await (await fetch(url, { headers: { 'access-token': token } })).json()) as any;
  expect(answer.code).toBe(0);
  return answer.data;
}

interface OpenedPage {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  errors: string[];
}

async function openPhone(options: { width?: number; height?: number; query?: string } = {}): Promise<OpenedPage> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewportSize({ width: options.width ?? 1280, height: options.height ?? 800 });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${sandbox.phoneUrl}${options.query ?? ''}`);
  await page.getByTestId('window').filter({ hasText: /\w/ }).waitFor();
  return { page, requests, errors };
}

/** The focused element's data-testid (page.evaluate bodies use globalThis: the tests compile without DOM types). */
async function activeHook(page: Page): Promise<string | null> {
  return page.evaluate(() => ((globalThis as any).document.activeElement?.getAttribute('data-testid') as string | null) ?? null);
}

/** Resolves with the JSON answer of the page's next POST to a phone route. */
function nextAnswer(page: Page, route: string): Promise<EventAnswer> {
  return page
    .waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/sandbox/phone/${route}`)
    .then((r) => r.json() as Promise<EventAnswer>);
}

/** Milliseconds from now until `locator` is visible (fails past `limit`). */
async function msUntilVisible(page: Page, selector: string, limit = 1000): Promise<number> {
  const start = Date.now();
  await page.locator(selector).last().waitFor({ state: 'visible', timeout: limit });
  return Date.now() - start;
}

beforeAll(async () => {
  [sandbox, receiver, browser] = await Promise.all([startSandboxServer({ port: 0 }), startReceiver(), launchBrowser()]);
  const registered = await postJson(`${sandbox.apiBaseUrl}business/webhook/update/`, {
    app_id: sandbox.clientKey,
    secret: sandbox.clientSecret,
    event_type: 'DIRECT_MESSAGE',
    callback_url: receiver.url,
  });
  expect(registered.json.code).toBe(0);
  token = await consentedToken(sandbox);
});

afterAll(async () => {
  await Promise.all([browser?.close(), receiver?.close(), sandbox?.close()]);
});

beforeEach(async () => {
  await postJson(`${sandbox.controlUrl}/reset`, { clear_log: true });
  receiver.deliveries.length = 0;
  for (const page of browser.context.pages().slice(1)) await page.close();
});

describe('the page itself', () => {
  it('is served with a strict CSP (hashes, no inline handlers, nothing external) and the contract hooks', async () => {
    const response = await fetch(sandbox.phoneUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:/);
    const html = await response.text();
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const hook of ['chat-link', 'open-chat', 'composer', 'send', 'typing']) expect(html).toContain(`data-testid="${hook}"`);

    const { page, requests, errors } = await openPhone();
    await page.getByTestId('message').first().waitFor();
    expect(errors).toEqual([]);
    // The seeded regular is played by default: her conversation with the account, as the business sees it.
    expect(await page.getByTestId('user-select').inputValue()).toBe('maya.lopez');
    expect(await page.getByTestId('message').count()).toBe(3);
    expect(await page.locator('[data-testid=message][data-direction=in]').count()).toBe(2);
    expect(await page.getByTestId('window').textContent()).toMatch(/^Reply window open for 4[56] h \d+ min · the business has 10 of 10 messages left$/);
    const origin = new URL(sandbox.phoneUrl).origin;
    expect(requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  });

  it('is accessible: every control labelled, a live log of messages, a sensible focus order, Enter sends', async () => {
    const { page } = await openPhone();
    const unlabelled = await page.evaluate(() =>
      Array.from<any>((globalThis as any).document.querySelectorAll('input, select, textarea, button'))
        .filter((el) => {
          const labels: any[] = Array.from(el.labels ?? []);
          const named = el.getAttribute('aria-label') || labels.some((l) => l.textContent.trim()) || (el.tagName === 'BUTTON' && el.textContent.trim());
          return !named;
        })
        .map((el) => el.id || el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    const thread = page.getByTestId('thread');
    expect(await thread.getAttribute('role')).toBe('log');
    expect(await thread.getAttribute('aria-live')).toBe('polite');
    expect(await page.getByTestId('typing').getAttribute('role')).toBe('status');

    // Tab from the top: the user, then the link, then the thread and its tools, then the composer and Send.
    const order: string[] = [];
    await page.locator('body').focus();
    for (let i = 0; i < 40 && !order.includes('send'); i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(
          () => (globalThis as any).document.activeElement?.getAttribute('data-testid') ?? (globalThis as any).document.activeElement?.tagName ?? '',
        ),
      );
    }
    const at = (hook: string) => order.indexOf(hook);
    for (const hook of ['user-select', 'chat-link', 'open-chat', 'thread', 'sticker', 'composer', 'send'])
      expect(at(hook), `${hook} in ${order.join(',')}`).toBeGreaterThanOrEqual(0);
    expect(at('user-select')).toBeLessThan(at('chat-link'));
    expect(at('chat-link')).toBeLessThan(at('open-chat'));
    expect(at('open-chat')).toBeLessThan(at('thread'));
    expect(at('thread')).toBeLessThan(at('composer'));
    expect(at('composer')).toBe(at('send') - 1);

    // Keyboard only: type, Enter sends; Shift+Enter makes a new line instead.
    await page.getByTestId('composer').focus();
    await page.keyboard.type('First line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    expect(await page.getByTestId('composer').inputValue()).toBe('First line\nsecond line');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=message][data-direction=in]', { hasText: 'second line' }).waitFor();
    // Cleared and focused once the page has TikTok's answer, which may come after the thread shows the message.
    await expect.poll(() => page.getByTestId('composer').inputValue()).toBe('');
    await expect.poll(() => activeHook(page)).toBe('composer');
    const delivery = await receiver.waitFor((d) => contentOf(d).text?.body === 'First line\nsecond line');
    expect(contentOf(delivery)).toMatchObject({ event: 'im_receive_msg', type: 'text', from: 'maya.lopez', conversation_id: SEED.conversations.maya });
  });
});

describe('playing the user', () => {
  it('a new user opens the chat through a ref link: the referral arrives with the ref, the message is pre-filled, then sent', async () => {
    const { page } = await openPhone();
    await page.getByText('Create a user', { exact: true }).click();
    await page.getByTestId('new-username').fill('@sam.rivera');
    await page.getByTestId('new-display-name').fill('Sam Rivera');
    await page.getByTestId('new-region').fill('ca');
    await page.getByTestId('create-user').click();
    await expect.poll(() => page.getByTestId('user-select').inputValue()).toBe('sam.rivera');
    expect(await page.getByTestId('window').textContent()).toMatch(/^No conversation yet/);
    expect(await page.getByTestId('follower').isChecked()).toBe(false);

    await page.getByTestId('chat-link').fill('https://tiktok.me/acme.studio?ref=spring-poster&message=Is%20the%20green%20hoodie%20in%20stock%3F');
    await page.getByTestId('open-chat').click();
    const arrival = await receiver.waitFor((d) => contentOf(d).event === 'im_referral_msg');
    verifySignature(arrival, sandbox.clientSecret);
    const { envelope, content } = parseDelivery(arrival);
    expect(envelope).toMatchObject({ event: 'im_referral_msg', user_openid: SEED.defaultBusinessId });
    expect(content).toMatchObject({
      from: 'sam.rivera',
      to: 'acme.studio',
      is_follower: false,
      referral: {
        source: 'short_link',
        short_link: { ref: 'spring-poster', prefilled_message: 'Is the green hoodie in stock?', prefilled_message_audit_status: 'PASS' },
      },
    });
    await expect.poll(() => page.getByTestId('composer').inputValue()).toBe('Is the green hoodie in stock?');
    // The focus moves once the opened conversation is selected, after the value is filled in.
    await expect.poll(() => activeHook(page)).toBe('composer');

    await page.getByTestId('send').click();
    await page.locator('[data-testid=message][data-direction=in]', { hasText: 'Is the green hoodie in stock?' }).waitFor();
    const written = contentOf(await receiver.waitFor((d) => contentOf(d).event === 'im_receive_msg'));
    expect(written).toMatchObject({
      from: 'sam.rivera',
      type: 'text',
      text: { body: 'Is the green hoodie in stock?' },
      conversation_id: content.conversation_id,
    });
    await expect.poll(() => page.getByTestId('window').textContent()).toMatch(/the business has 10 of 10 messages left/);

    // REST shows what the business will list: the conversation with the ref, the user's message.
    const listed = await rest('business/message/conversation/list/', { conversation_type: 'SINGLE' });
    const conversation = listed.conversations.find((c: any) => c.conversation_id === content.conversation_id);
    expect(conversation.referral.short_link).toEqual([
      { ref: 'spring-poster', prefilled_message: 'Is the green hoodie in stock?', prefilled_message_audit_status: 'PASS' },
    ]);
    const messages = await rest('business/message/content/list/', { conversation_id: content.conversation_id });
    expect(messages.messages[0]).toMatchObject({ message_type: 'TEXT', text: { body: 'Is the green hoodie in stock?' }, sender: 'sam.rivera' });
    expect(messages.participants[1]).toMatchObject({ display_name: 'Sam Rivera', is_follower: false });
  });

  it("shows the business's text, card and typing live (under a second each); a tap on the card arrives as a template tap", async () => {
    const { page } = await openPhone();
    await page.getByTestId('message').first().waitFor();

    const text = businessSends(SEED.conversations.maya, { message_type: 'TEXT', text: { body: 'Yes! Track it at https://acme.example/track?id=42' } });
    await text;
    const textMs = await msUntilVisible(page, '[data-testid=message][data-direction=out]:has-text("Track it at")');
    expect(textMs).toBeLessThan(1000);
    // Links are text, never anchors (TikTok does not make them clickable).
    expect(await page.locator('[data-testid=thread] a').count()).toBe(0);
    expect(await page.locator('[data-testid=message]').last().textContent()).toContain('https://acme.example/track?id=42');
    await expect.poll(() => page.getByTestId('window').textContent()).toMatch(/the business has 9 of 10 messages left/);

    await businessSends(SEED.conversations.maya, { message_type: 'SENDER_ACTION', sender_action: 'TYPING' });
    const typingMs = await msUntilVisible(page, '[data-testid=typing]');
    expect(typingMs).toBeLessThan(1000);
    expect(await page.getByTestId('typing').textContent()).toBe('@acme.studio is typing…');

    const cardId = await businessSends(SEED.conversations.maya, { message_type: 'TEMPLATE', template: CARD });
    const cardMs = await msUntilVisible(page, '[data-testid=card-button]');
    expect(cardMs).toBeLessThan(1000);
    // A message ends "typing…", as in the app.
    await page.getByTestId('typing').waitFor({ state: 'hidden', timeout: 1000 });
    const buttons = page.getByTestId('card-button');
    expect(await buttons.allTextContents()).toEqual(['Medium', 'Large']);

    const answer = nextAnswer(page, 'events');
    await buttons.first().click();
    const tap = await receiver.waitFor((d) => contentOf(d).reply_source_payload !== undefined);
    expectDelivery(
      tap,
      kindCase('template-tap'),
      await answer,
      { ...MAYA, card: { message_id: cardId, button_id: 'size-m', label: 'Medium' } },
      'lower',
      sandbox.clientSecret,
      sandbox.clientKey,
    );
    await page.locator('[data-testid=message][data-direction=in]', { hasText: 'Medium' }).waitFor();
  });

  it('"typing…" lasts about 5 s after a TYPING action', { timeout: 20_000 }, async () => {
    const { page } = await openPhone();
    await businessSends(SEED.conversations.maya, { message_type: 'SENDER_ACTION', sender_action: 'TYPING' });
    await page.getByTestId('typing').waitFor({ state: 'visible', timeout: 1000 });
    const shown = Date.now();
    await page.getByTestId('typing').waitFor({ state: 'hidden', timeout: 8000 });
    const lasted = Date.now() - shown;
    expect(lasted).toBeGreaterThan(3500);
    expect(lasted).toBeLessThan(6500);
  });

  it('sends a sticker, an image file and a shared post, reacts and reads: the deliveries `sandbox event` makes, and REST', async () => {
    const { page } = await openPhone();
    const outId = await businessSends(SEED.conversations.maya, { message_type: 'TEXT', text: { body: 'Anything else?' } });
    await page.locator(`[data-message-id="${outId}"]`).waitFor();

    let answer = nextAnswer(page, 'events');
    await page.getByTestId('sticker').click();
    const sticker = await receiver.waitFor((d) => contentOf(d).type === 'sticker');
    expectDelivery(sticker, kindCase('sticker'), await answer, MAYA, 'lower', sandbox.clientSecret, sandbox.clientKey);
    await page.locator('[data-testid=message][data-type=sticker]').waitFor();

    const png = pngBytes();
    answer = nextAnswer(page, 'messages');
    await page.getByTestId('image-file').setInputFiles({ name: 'hoodie.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    const image = await receiver.waitFor((d) => contentOf(d).type === 'image');
    expectDelivery(image, kindCase('image'), await answer, MAYA, 'lower', sandbox.clientSecret, sandbox.clientKey);
    // The real file: the business downloads exactly these bytes, and the page shows it from its own origin.
    const {
      message_id,
      image: { media_id },
    } = contentOf(image);
    const download = await postJson(
      `${sandbox.apiBaseUrl}business/message/media/download/`,
      { business_id: SEED.defaultBusinessId, conversation_id: SEED.conversations.maya, message_id, media_id, media_type: 'IMAGE' },
      { 'access-token': token },
    );
    const bytes = new Uint8Array(await (await fetch(download.json.data.download_url, { headers: { 'x-user': token } })).arrayBuffer());
    expect(bytes).toEqual(png);
    const shown = page.locator(`[data-message-id="${message_id}"] img`);
    await shown.waitFor();
    await expect.poll(() => shown.evaluate((img: any) => img.complete && img.naturalWidth)).toBe(2);

    await page.getByTestId('post-select').selectOption(SEED.posts[1]);
    answer = nextAnswer(page, 'events');
    await page.getByTestId('share-post').click();
    const shared = await receiver.waitFor((d) => contentOf(d).type === 'share_post');
    const sharedAnswer = await answer;
    const sharedContent = expectDelivery(
      shared,
      { ...kindCase('share-post'), check: () => undefined },
      sharedAnswer,
      MAYA,
      'lower',
      sandbox.clientSecret,
      sandbox.clientKey,
    );
    expect(sharedContent).toMatchObject({
      type: 'share_post',
      message_id: sharedAnswer.message_id,
      share_post: { embed_url: `https://www.tiktok.com/embed/v2/${SEED.posts[1]}`, video_id: SEED.posts[1] },
    });

    const heart = page.locator(`[data-message-id="${outId}"] [data-testid=react]`).first();
    // The reactions are behind one button per message.
    const reactOpen = page.locator(`[data-message-id="${outId}"] [data-testid=react-open]`);
    answer = nextAnswer(page, 'events');
    await reactOpen.click();
    await heart.click();
    const reaction = await receiver.waitFor((d) => contentOf(d).type === 'reaction');
    expectDelivery(reaction, kindCase('reaction'), await answer, { ...MAYA, reactedTo: outId }, 'lower', sandbox.clientSecret, sandbox.clientKey);
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('true');
    // Pressed again: the reaction is taken back (REMOVE), and REST no longer shows it.
    await reactOpen.click();
    await heart.click();
    const removed = await receiver.waitFor((d) => contentOf(d).reaction?.[0]?.operation === 'REMOVE');
    expect(contentOf(removed).reaction[0]).toMatchObject({ emoji: '❤️', original_msg_id: outId });
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('false');

    answer = nextAnswer(page, 'events');
    await page.getByTestId('mark-read').click();
    const read = await receiver.waitFor((d) => contentOf(d).event === 'im_mark_read_msg');
    expectDelivery(read, kindCase('read'), await answer, MAYA, 'lower', sandbox.clientSecret, sandbox.clientKey);

    const messages = (await rest('business/message/content/list/', { conversation_id: SEED.conversations.maya })).messages;
    expect(messages.slice(0, 3).map((m: any) => m.message_type)).toEqual(['SHARE_POST', 'IMAGE', 'STICKER']);
    expect(messages.find((m: any) => m.message_id === outId).reactions).toBeUndefined();
  });

  it('the follower switch and the business follow the world (STRANGER under followers-only DMs)', async () => {
    await postJson(`${sandbox.controlUrl}/accounts/default`, { dm_setting: 'followers' });
    const { page } = await openPhone({ query: '?user=tom.wright' });
    await page.getByTestId('message').first().waitFor();
    expect(await page.getByTestId('follower').isChecked()).toBe(false);
    await expect.poll(() => page.locator('#conv-type').textContent()).toMatch(/^Message request/);
    await page.getByTestId('follower').check();
    await expect.poll(() => page.locator('#conv-type').isHidden()).toBe(true);
    const state = (await (await fetch(`${sandbox.controlUrl}/state`)).json()) as any;
    expect(state.users.find((u: any) => u.username === 'tom.wright').follows).toContain(SEED.defaultBusinessId);

    await page.getByTestId('business-select').selectOption(SEED.eeaBusinessId);
    await expect.poll(() => page.locator('#chat-title').textContent()).toMatch(/^@brotzeit\.berlin/);
    expect(new URL(page.url()).searchParams.get('business')).toBe(SEED.eeaBusinessId);
  });
});

describe('hostile input', () => {
  it('usernames, display names and texts are shown as text, never run or parsed as HTML', async () => {
    const { page, errors } = await openPhone({ query: '?user=%3Cscript%3Ewindow.__pwned%3D0%3C%2Fscript%3E' });
    // The page is static: the query is not reflected into it.
    const html = await (await fetch(`${sandbox.phoneUrl}?user=%3Cscript%3E`)).text();
    expect(html).not.toContain('<script>window');
    expect(html).toBe(await (await fetch(sandbox.phoneUrl)).text());

    const username = '<img/src=x/onerror=window.__pwned=1>';
    const displayName = '</script><script>window.__pwned=2</script> "Q" & \'A\'';
    const text = '<b>bold</b><img src=x onerror="window.__pwned=3"> & see https://evil.example/phish';
    await page.getByText('Create a user', { exact: true }).click();
    await page.getByTestId('new-username').fill(username);
    await page.getByTestId('new-display-name').fill(displayName);
    await page.getByTestId('create-user').click();
    await expect.poll(() => page.getByTestId('user-select').inputValue()).toBe(username);
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('composer').press('Enter');
    await page.locator('[data-testid=message][data-direction=in]').waitFor();
    const conversationId = contentOf(await receiver.waitFor((d) => contentOf(d).text?.body === text)).conversation_id;
    await businessSends(conversationId, { message_type: 'TEXT', text: { body: '<a href="https://evil.example">click</a><svg onload="window.__pwned=4">' } });
    await page.locator('[data-testid=message][data-direction=out]').waitFor();

    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    expect(await page.locator('img, b, a, svg').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('[data-testid=message][data-direction=in]').textContent()).toContain(text);
    expect(await page.locator('[data-testid=message][data-direction=out]').textContent()).toContain(
      '<a href="https://evil.example">click</a><svg onload="window.__pwned=4">',
    );
    expect(await page.locator('#user-select option:checked').textContent()).toBe(`${displayName} (@${username}) · CA`);
    expect(await page.locator('#you').textContent()).toContain(displayName);
    expect(errors).toEqual([]);
  });

  it('refuses requests from other origins and other host names (no CSRF, no DNS rebinding)', async () => {
    const url = `${sandbox.phoneUrl}/messages`;
    const body = JSON.stringify({ from_username: 'maya.lopez', text: 'forged' });
    const crossSite = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body });
    expect(crossSite.status).toBe(403);
    const formPost = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(formPost.status).toBe(403);
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${sandbox.phoneUrl}/state`, { headers: { host: `evil.example:${sandbox.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    const state = (await (await fetch(`${sandbox.controlUrl}/state`)).json()) as any;
    const maya = state.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya);
    expect(maya.messages.some((m: any) => m.text?.body === 'forged')).toBe(false);
    expect(receiver.deliveries).toEqual([]);
  });
});

describe('layout', () => {
  for (const [width, height] of [
    [390, 844],
    [1280, 800],
  ] as const) {
    it(`holds at ${width} px (screenshot kept in .tmp/artifacts/phone-${width}.png)`, async () => {
      const { page, errors } = await openPhone({ width, height });
      await businessSends(SEED.conversations.maya, {
        message_type: 'TEXT',
        text: { body: 'We have M in green. Want me to hold one? Details: https://acme.example/hoodie' },
      });
      await businessSends(SEED.conversations.maya, { message_type: 'TEMPLATE', template: CARD });
      await businessSends(SEED.conversations.maya, { message_type: 'SENDER_ACTION', sender_action: 'TYPING' });
      await page.getByTestId('card-button').first().waitFor();
      await page.getByTestId('typing').waitFor();
      await page.getByTestId('composer').fill('Yes please, size M!');
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      // The composer, Send and the newest message fit on screen without scrolling sideways.
      for (const hook of ['composer', 'send', 'card-button']) {
        const box = (await page.getByTestId(hook).last().boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
      const send = (await page.getByTestId('send').boundingBox())!;
      expect(send.height).toBeGreaterThanOrEqual(40);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `phone-${width}.png`), fullPage: true });
      expect(errors).toEqual([]);
    });
  }
});
