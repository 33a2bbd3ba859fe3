// `tiktok-channel sandbox phone` on the embedded sandbox (state in the config dir), driven from a real
// headless Chromium while the CLI plays the business in other processes: what the page does reaches
// `tail`, a webhook receiver and `conversations`; what `send` does shows up on the page within a second.
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedSandbox, SANDBOX_APP, SEED } from '../../src/sandbox/index.js';
import { launchBrowser, type HeadlessBrowser } from '../helpers/browser.js';
import { parseJson, startCli, startServe, tempConfigDir, type RunningCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { contentOf, startReceiver, verifySignature, type Receiver } from '../helpers/events.js';
import { startTail } from '../helpers/tail.js';

let browser: HeadlessBrowser;
let receiver: Receiver;

beforeAll(async () => {
  [browser, receiver] = await Promise.all([launchBrowser(), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), receiver?.close()]);
});

/** A config dir with the embedded sandbox connected and the receiver registered as its webhook. */
async function connectedEmbedded(): Promise<string> {
  const configDir = tempConfigDir();
  const connect = await runInProcess(['connect', '--sandbox', '--json'], { configDir });
  expect(connect.code, connect.stderr).toBe(0);
  const embedded = openEmbeddedSandbox(configDir);
  const answer = await embedded.transport({
    method: 'POST',
    url: `${embedded.apiBaseUrl}business/webhook/update/`,
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(
      JSON.stringify({ app_id: SANDBOX_APP.client_key, secret: SANDBOX_APP.client_secret, event_type: 'DIRECT_MESSAGE', callback_url: receiver.url }),
    ),
  });
  expect(JSON.parse(new TextDecoder().decode(answer.body)).code).toBe(0);
  return configDir;
}

async function stdoutJson(cli: RunningCli, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  while (!cli.stdout().includes('\n')) {
    if (Date.now() > deadline) throw new Error(`nothing on stdout:\n${cli.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return parseJson(cli.stdout().split('\n')[0]!);
}

async function startPhone(configDir: string, args: string[] = []): Promise<{ cli: RunningCli; phoneUrl: string }> {
  const cli = startCli(['sandbox', 'phone', '--no-browser', '--json', ...args], { configDir, timeoutMs: 120_000 });
  const { phoneUrl } = await stdoutJson(cli);
  return { cli, phoneUrl };
}

async function stop(cli: RunningCli): Promise<number | null> {
  cli.child.kill('SIGTERM');
  return (await cli.done).code;
}

async function openPage(url: string, width = 1280): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewportSize({ width, height: 800 });
  await page.goto(url);
  await page.getByTestId('window').filter({ hasText: /\w/ }).waitFor();
  return page;
}

describe('sandbox phone (embedded)', () => {
  it('prints phoneUrl, serves only the phone on 127.0.0.1, and stops cleanly on SIGTERM', async () => {
    const configDir = await connectedEmbedded();
    const { cli, phoneUrl } = await startPhone(configDir);
    try {
      const url = new URL(phoneUrl);
      expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url.pathname).toBe('/sandbox/phone');
      // The account the CLI acts on is the one the page talks to.
      expect(url.searchParams.get('business')).toBe(SEED.defaultBusinessId);
      const page = await fetch(phoneUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
      const root = await fetch(url.origin, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/sandbox/phone');
      // Nothing else of the sandbox (control API, TikTok API) is reachable through this server.
      for (const path of ['/sandbox/state', '/open_api/v1.3/business/get/']) expect((await fetch(`${url.origin}${path}`)).status).toBe(404);
    } finally {
      expect(await stop(cli)).toBe(0);
    }
    expect(cli.stderr()).toContain('Press Ctrl-C to stop');
  });

  it('a user arrives through a ref link and writes: the referral is delivered with the ref, `conversations` shows the chat; `send` shows up on the page within a second', async () => {
    const configDir = await connectedEmbedded();
    receiver.deliveries.length = 0;
    const { cli, phoneUrl } = await startPhone(configDir);
    try {
      const page = await openPage(phoneUrl);
      await page.getByText('Create a user', { exact: true }).click();
      await page.getByTestId('new-username').fill('lou.garcia');
      await page.getByTestId('new-display-name').fill('Lou García');
      await page.getByTestId('new-follower').check();
      await page.getByTestId('create-user').click();
      await expect.poll(() => page.getByTestId('user-select').inputValue()).toBe('lou.garcia');
      await page.getByTestId('chat-link').fill('https://tiktok.me/acme.studio?ref=market-stall&message=Hi%20from%20the%20market!');
      await page.getByTestId('open-chat').click();
      const arrival = await receiver.waitFor((d) => contentOf(d).event === 'im_referral_msg' && contentOf(d).from === 'lou.garcia');
      verifySignature(arrival, SANDBOX_APP.client_secret);
      expect(contentOf(arrival)).toMatchObject({
        is_follower: true,
        referral: { source: 'short_link', short_link: { ref: 'market-stall', prefilled_message: 'Hi from the market!' } },
      });
      await expect.poll(() => page.getByTestId('composer').inputValue()).toBe('Hi from the market!');
      await page.getByTestId('composer').press('Enter');
      await page.locator('[data-testid=message][data-direction=in]', { hasText: 'Hi from the market!' }).waitFor();
      const written = contentOf(await receiver.waitFor((d) => contentOf(d).event === 'im_receive_msg' && contentOf(d).from === 'lou.garcia'));
      expect(written).toMatchObject({ type: 'text', text: { body: 'Hi from the market!' } });

      const listed = await runInProcess(['conversations', '--json'], { configDir });
      expect(listed.code, listed.stderr).toBe(0);
      const row = parseJson(listed.stdout).conversations.find((c: any) => c.user.username === 'lou.garcia');
      expect(row).toMatchObject({ conversation_id: written.conversation_id, type: 'SINGLE', user: { display_name: 'Lou García' } });
      expect(row.referral.short_link[0]).toMatchObject({ ref: 'market-stall' });
      expect(row).toMatchObject({ window_open: true, messages_left: 10, last_message: { direction: 'inbound', type: 'text', text: 'Hi from the market!' } });

      const sent = await runInProcess(['send', '--to', written.conversation_id, '--text', 'Welcome Lou! See https://acme.example/market', '--json'], {
        configDir,
      });
      expect(sent.code, sent.stderr).toBe(0);
      const start = Date.now();
      await page.locator('[data-testid=message][data-direction=out]', { hasText: 'Welcome Lou!' }).waitFor({ timeout: 1000 });
      expect(Date.now() - start).toBeLessThan(1000);
      expect(await page.locator('[data-testid=thread] a').count()).toBe(0);
      await expect.poll(() => page.getByTestId('window').textContent()).toMatch(/the business has 9 of 10 messages left/);
      await page.close();
    } finally {
      await stop(cli);
    }
  });

  it('a chat opened through a ref link reaches `tail` as the referral with its ref, then the message the user sends', async () => {
    const configDir = tempConfigDir();
    const connect = await runInProcess(['connect', '--sandbox', '--json'], { configDir });
    expect(connect.code, connect.stderr).toBe(0);
    // tail registers its own loopback receiver with the embedded sandbox.
    const tail = await startTail(['--port', '0', '--json', '--count', '2'], { configDir });
    const { cli, phoneUrl } = await startPhone(configDir);
    try {
      const page = await openPage(phoneUrl);
      await page.getByText('Create a user', { exact: true }).click();
      await page.getByTestId('new-username').fill('kim.lee');
      await page.getByTestId('create-user').click();
      await expect.poll(() => page.getByTestId('user-select').inputValue()).toBe('kim.lee');
      const link = (await runInProcess(['qr', '--ref', 'window-sticker', '--message', 'Do you do custom prints?', '--json'], { configDir })).stdout;
      await page.getByTestId('chat-link').fill(parseJson(link).url);
      await page.getByTestId('open-chat').click();
      await expect.poll(() => page.getByTestId('composer').inputValue()).toBe('Do you do custom prints?');
      await page.getByTestId('composer').press('Enter');
      const [referral, message] = await tail.waitForEvents(2);
      expect(referral).toMatchObject({
        event: 'im_referral_msg',
        kind: 'referral',
        user: { username: 'kim.lee' },
        referral: { source: 'short_link', ref: 'window-sticker', prefilled_message: 'Do you do custom prints?' },
      });
      expect(message).toMatchObject({
        event: 'im_receive_msg',
        kind: 'message',
        type: 'text',
        text: 'Do you do custom prints?',
        user: { username: 'kim.lee' },
        conversation_id: referral.conversation_id,
      });
      const ended = await tail.done;
      expect(ended.code, ended.stderr).toBe(0);
      await page.close();
    } finally {
      await stop(cli);
      if (tail.child.exitCode === null) tail.child.kill('SIGTERM');
    }
  });

  it('the business writes with the CLI (text, a card, typing): each shows within a second; a tap on a card comes back as the template tap', async () => {
    const configDir = await connectedEmbedded();
    receiver.deliveries.length = 0;
    const { cli, phoneUrl } = await startPhone(configDir);
    try {
      // The seeded regular, Maya, is played by default.
      const page = await openPage(phoneUrl);
      await page.getByTestId('message').first().waitFor();
      const shownAfter = async (args: string[], selector: string) => {
        const sent = await runInProcess(['send', '--to', SEED.conversations.maya, ...args, '--json'], { configDir });
        expect(sent.code, sent.stderr).toBe(0);
        const start = Date.now();
        await page.locator(selector).last().waitFor({ state: 'visible', timeout: 1000 });
        return Date.now() - start;
      };
      expect(await shownAfter(['--text', 'Hi Maya! We have it in two sizes.'], '[data-testid=message][data-direction=out]:has-text("two sizes")')).toBeLessThan(
        1000,
      );
      expect(await shownAfter(['--action', 'typing'], '[data-testid=typing]')).toBeLessThan(1000);
      expect(await shownAfter(['--card', 'Pick a size', '--button', 'size-m:Medium', 'size-l:Large'], '[data-testid=card-button]')).toBeLessThan(1000);
      expect(await page.getByTestId('card-button').allTextContents()).toEqual(['Medium', 'Large']);
      await page.getByTestId('typing').waitFor({ state: 'hidden', timeout: 1000 });

      // A second card waits for the answer, as a CI job would; the user taps Large on it.
      const waiting = startCli(
        [
          'send',
          '--to',
          SEED.conversations.maya,
          '--card',
          'Gift wrap?',
          '--button',
          'wrap-yes:Yes please',
          'wrap-no:No thanks',
          '--wait-reply',
          '30',
          '--json',
        ],
        { configDir, timeoutMs: 40_000 },
      );
      const second = page.locator('[data-testid=message]', { hasText: 'Gift wrap?' });
      await second.waitFor({ timeout: 15_000 });
      await second.getByTestId('card-button').filter({ hasText: 'Yes please' }).click();
      const result = await waiting.done;
      expect(result.code, result.stderr).toBe(0);
      const out = parseJson(result.stdout);
      expect(out.reply).toMatchObject({ direction: 'inbound', type: 'text', text: 'Yes please' });
      expect(out.reply_button).toMatchObject({ id: 'wrap-yes', label: 'Yes please' });
      const tap = await receiver.waitFor((d) => contentOf(d).reply_source_payload !== undefined);
      verifySignature(tap, SANDBOX_APP.client_secret);
      expect(contentOf(tap)).toMatchObject({
        event: 'im_receive_msg',
        type: 'text',
        text: { body: 'Yes please' },
        reply_source_payload: { reply_source_msg_id: out.message_id, reply_source_unique_id: 'wrap-yes' },
      });
      await page.locator('[data-testid=message][data-direction=in]', { hasText: 'Yes please' }).waitFor();

      // `conversations` shows the tap as the last message, and the window the page shows.
      const listed = parseJson((await runInProcess(['conversations', '--json'], { configDir })).stdout);
      const maya = listed.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya);
      expect(maya.last_message).toMatchObject({ direction: 'inbound', text: 'Yes please' });
      await expect.poll(() => page.getByTestId('window').textContent()).toMatch(new RegExp(`the business has ${maya.messages_left} of 10 messages left`));
      await page.close();
    } finally {
      await stop(cli);
    }
  });

  it('--port in use is a usage error (exit 2); outside the embedded sandbox it points at the served page', async () => {
    const configDir = await connectedEmbedded();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = await runInProcess(['sandbox', 'phone', '--no-browser', '--json', '--port', String(port)], { configDir });
      expect(busy.code).toBe(2);
      expect(parseJson(busy.stdout).error.message).toContain(String(port));
    } finally {
      taken.close();
    }
    const served = await runInProcess(['sandbox', 'phone', '--no-browser', '--json', '--control-url', 'http://127.0.0.1:4999/sandbox'], {
      configDir: tempConfigDir(),
    });
    expect(served.code, served.stderr).toBe(0);
    expect(parseJson(served.stdout)).toEqual({ phoneUrl: 'http://127.0.0.1:4999/sandbox/phone' });
  });
});

describe('sandbox serve', () => {
  it('prints phoneUrl, and the page there drives the served sandbox', async () => {
    const { cli, info } = await startServe();
    try {
      expect(info.phoneUrl).toBe(`${new URL(info.controlUrl).origin}/sandbox/phone`);
      const page = await openPage(info.phoneUrl, 390);
      await page.getByTestId('composer').fill('Written on the served sandbox');
      await page.getByTestId('send').click();
      await page.locator('[data-testid=message][data-direction=in]', { hasText: 'Written on the served sandbox' }).waitFor();
      const state = (await (await fetch(`${info.controlUrl}/state`)).json()) as any;
      const maya = state.conversations.find((c: any) => c.conversation_id === SEED.conversations.maya);
      expect(maya.messages.at(-1)).toMatchObject({ direction: 'in', text: { body: 'Written on the served sandbox' } });
      await page.close();
    } finally {
      cli.child.kill('SIGTERM');
    }
  });
});
