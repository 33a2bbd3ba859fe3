// The sandbox phone's layout in a real headless Chromium at a phone's width (390 px) and a laptop's
// (1280 px): on a phone the chat comes first with the composer on the first screen (set-up behind a
// button), nothing scrolls sideways, a quoted reply shows what it quotes, reactions sit behind one
// button, and opening a ref link leaves a visible confirmation that the referral arrived. Screenshots go
// to /tmp (PHONE_SCREENSHOTS overrides) for a person to look at; they are not compared.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED, startSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { launchBrowser, type HeadlessBrowser } from '../helpers/browser.js';
import { consentedToken, postJson } from '../helpers/events.js';

const SHOTS = process.env.PHONE_SCREENSHOTS ?? tmpdir();
const HEIGHTS = { 390: 844, 1280: 800 } as const;

let sandbox: SandboxServer;
let browser: HeadlessBrowser;
let token: string;

async function businessSends(body: Record<string, unknown>): Promise<string> {
  const answer = await postJson(
    `${sandbox.apiBaseUrl}business/message/send/`,
    { business_id: SEED.defaultBusinessId, recipient_type: 'CONVERSATION', recipient: SEED.conversations.maya, ...body },
    { 'access-token': token },
  );
  expect(answer.json).toMatchObject({ code: 0 });
  return answer.json.data.message.message_id as string;
}

async function openPhone(width: 390 | 1280): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewportSize({ width, height: HEIGHTS[width] });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(sandbox.phoneUrl);
  await page.getByTestId('message').first().waitFor();
  return { page, errors };
}

/** document.scrollWidth and scrollHeight (evaluate bodies use globalThis: the tests compile without DOM types). */
async function pageSize(page: Page): Promise<{ width: number; height: number }> {
  return page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return { width: root.scrollWidth as number, height: root.scrollHeight as number };
  });
}

/** The set-up (user, chat link, business) is behind a button on a phone; on a wide screen it is just there. */
async function showSetup(page: Page): Promise<void> {
  const toggle = page.getByTestId('setup-toggle');
  if ((await toggle.count()) && (await toggle.isVisible())) await toggle.click();
  await page.getByTestId('chat-link').waitFor({ state: 'visible' });
}

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startSandboxServer({ port: 0 }), launchBrowser()]);
  token = await consentedToken(sandbox);
});

afterAll(async () => {
  await Promise.all([browser?.close(), sandbox?.close()]);
});

beforeEach(async () => {
  await postJson(`${sandbox.controlUrl}/reset`, { clear_log: true });
  for (const page of browser.context.pages().slice(1)) await page.close();
});

describe('the phone page at 390 px and 1280 px', () => {
  for (const width of [390, 1280] as const) {
    it(`at ${width} px: the composer on the first screen, nothing sideways, a quoted reply shows its quote, one react button per message`, async () => {
      const { page, errors } = await openPhone(width);
      const quoted = await page.locator('[data-testid=message][data-direction=in]').last().getAttribute('data-message-id');
      const quotedText = (await page.locator(`[data-message-id="${quoted}"] .bubble`).textContent())!;
      const reply = await businessSends({
        message_type: 'TEXT',
        text: { body: 'Yes, we have it in M and L.' },
        referenced_message_info: { referenced_message_id: quoted },
      });
      const last = await businessSends({
        message_type: 'TEXT',
        text: { body: 'Anything else? See https://acme.example/a/very/long/path/that/should/wrap/instead/of/overflowing' },
      });
      // Every business message is on the page before anything is counted (they arrive over the live stream).
      await page.locator(`[data-message-id="${reply}"]`).waitFor();
      await page.locator(`[data-message-id="${last}"]`).waitFor();

      const viewport = page.viewportSize()!;
      const composer = (await page.getByTestId('composer').boundingBox())!;
      const send = (await page.getByTestId('send').boundingBox())!;
      const size = await pageSize(page);
      console.log(
        `phone ${width}px: composer y=${Math.round(composer.y)}..${Math.round(composer.y + composer.height)}, page height ${size.height}, scrollWidth ${size.width}`,
      );
      expect(size.width).toBeLessThanOrEqual(width);
      expect(composer.y + composer.height).toBeLessThanOrEqual(viewport.height);
      expect(send.y + send.height).toBeLessThanOrEqual(viewport.height);
      expect(send.x + send.width).toBeLessThanOrEqual(width);

      // The quoted reply names what it quotes, on screen.
      const quote = page.locator(`[data-message-id="${reply}"] [data-testid=quote]`);
      await quote.waitFor({ state: 'visible' });
      expect((await quote.textContent())!).toContain(quotedText.slice(0, 20));

      // One react button per business message, not three; its choices appear when it is pressed.
      const outCount = await page.locator('[data-testid=message][data-direction=out]').count();
      expect(await page.locator('[data-testid=react-open]:visible').count()).toBe(outCount);
      expect(await page.locator('[data-testid=react]:visible').count()).toBe(0);
      await page.locator(`[data-message-id="${reply}"] [data-testid=react-open]`).click();
      expect(await page.locator(`[data-message-id="${reply}"] [data-testid=react]:visible`).count()).toBe(3);

      await page.screenshot({ path: join(SHOTS, `phone-${width}.png`) });
      expect(errors).toEqual([]);
    });

    it(`at ${width} px: opening a ref link leaves a visible confirmation that the referral arrived`, async () => {
      const { page, errors } = await openPhone(width);
      await showSetup(page);
      await page.getByTestId('chat-link').fill('https://tiktok.me/acme.studio?ref=spring-poster&message=Hi');
      await page.getByTestId('open-chat').click();
      await expect.poll(() => page.getByTestId('composer').inputValue()).toBe('Hi');
      const confirmation = page.getByTestId('referral').last();
      await confirmation.waitFor({ state: 'visible' });
      expect(await confirmation.textContent()).toContain('spring-poster');
      // Still there once the page has caught up with the world (the live stream's next snapshot).
      await businessSends({ message_type: 'TEXT', text: { body: 'Welcome!' } });
      await page.locator('[data-testid=message][data-direction=out]', { hasText: 'Welcome!' }).waitFor();
      expect(await page.getByTestId('referral').last().isVisible()).toBe(true);
      const box = (await page.getByTestId('composer').boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);
      expect((await pageSize(page)).width).toBeLessThanOrEqual(width);
      await page.screenshot({ path: join(SHOTS, `phone-${width}-referral.png`) });
      expect(errors).toEqual([]);
    });
  }

  it('at 390 px: the extra actions are one menu above the composer, every one of them on screen, and it closes after use', async () => {
    const { page, errors } = await openPhone(390);
    const actions = ['image-button', 'sticker', 'post-select', 'share-post', 'mark-read'];
    for (const hook of actions) expect(await page.getByTestId(hook).isVisible(), hook).toBe(false);
    await page.getByTestId('tools-toggle').click();
    expect(await page.getByTestId('tools-toggle').getAttribute('aria-expanded')).toBe('true');
    const composer = (await page.getByTestId('composer').boundingBox())!;
    for (const hook of actions) {
      const box = (await page.getByTestId(hook).boundingBox())!;
      expect(box.x, hook).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, hook).toBeLessThanOrEqual(390);
      expect(box.y + box.height, hook).toBeLessThanOrEqual(composer.y);
    }
    await page.screenshot({ path: join(SHOTS, 'phone-390-tools.png') });
    await page.getByTestId('sticker').click();
    await page.locator('[data-testid=message][data-type=sticker]').waitFor();
    expect(await page.getByTestId('sticker').isVisible()).toBe(false);
    expect(await page.getByTestId('tools-toggle').getAttribute('aria-expanded')).toBe('false');

    // The set-up sheet covers the chat, and Escape brings the chat back with focus where it was.
    await page.getByTestId('setup-toggle').click();
    await page.getByTestId('user-select').waitFor({ state: 'visible' });
    const sheet = (await page.locator('#setup').boundingBox())!;
    expect(sheet).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    await page.keyboard.press('Escape');
    await page.getByTestId('user-select').waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('data-testid'))).toBe('setup-toggle');
    expect(errors).toEqual([]);
  });
});
