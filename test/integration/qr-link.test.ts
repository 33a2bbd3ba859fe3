// `qr` against a served sandbox: the link from a stored account (no network) or env credentials (the
// username fetched once), encoding of --ref/--message, real PNG and SVG files decoded back to the link,
// the URL warning, and exit codes.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { CHROMIUM, decodeQrPng, rasterizeQrSvg, renderSvgWithChromium } from '../helpers/images.js';

const out = mkdtempSync(join(tmpdir(), 'ttc-qr-'));
const LINK = 'https://tiktok.me/acme.studio';

let configDir: string;

const ctx = useConnectedWorld();
beforeAll(async () => {
  configDir = await ctx.world.store(ctx.account);
});

describe('qr', () => {
  it('prints the chat link of a stored account without calling TikTok', async () => {
    const result = await runCli(['qr'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${LINK}\n`);
    expect(result.stderr).toBe('');
    expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
  });

  it('adds ref then message, percent-encoded, and --json gives {url}', async () => {
    const result = await runInProcess(['qr', '--message', 'Hi there', '--ref', 'shop #3', '--json'], { configDir });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toEqual({ url: `${LINK}?ref=shop%20%233&message=Hi%20there` });
  });

  it('fetches the username once with env credentials', async () => {
    const result = await runInProcess(['qr', '--ref', 'spring'], { env: ctx.world.env(ctx.account) });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`${LINK}?ref=spring`);
    const state = await ctx.world.state();
    expect(ctx.world.requestsTo(state, 'business/get/')).toHaveLength(1);
    expect(state.unhandled).toEqual([]);
  });

  it('writes a PNG that decodes back to the link', async () => {
    const file = join(out, 'poster.png');
    const result = await runInProcess(['qr', '--ref', 'poster-1', '--message', 'Hi Acme!', '--output', file, '--json'], { configDir });
    expect(result.code).toBe(0);
    const url = `${LINK}?ref=poster-1&message=Hi%20Acme!`;
    expect(parseJson(result.stdout)).toEqual({ url, file });
    expect(await decodeQrPng(readFileSync(file))).toBe(url);
  });

  it('writes an SVG that a browser renders to a code holding the link', async () => {
    const file = join(out, 'Poster.SVG');
    const result = await runInProcess(['qr', '--ref', 'shop-7', '--output', file], { configDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${LINK}?ref=shop-7\n`);
    expect(result.stderr).toContain(`Wrote the QR code to ${file}`);
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // A real renderer when the machine has one (CI installs Debian's chromium); else the path itself.
    const png = existsSync(CHROMIUM) ? await renderSvgWithChromium(svg) : rasterizeQrSvg(svg);
    expect(await decodeQrPng(png)).toBe(`${LINK}?ref=shop-7`);
    expect(await decodeQrPng(rasterizeQrSvg(svg))).toBe(`${LINK}?ref=shop-7`);
  });

  it('warns that TikTok does not make links clickable when the message holds one', async () => {
    const result = await runInProcess(['qr', '--message', 'Order at https://acme.example/shop', '--json'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('TikTok does not make links inside its chats clickable');
    expect(parseJson(result.stdout).url).toBe(`${LINK}?message=Order%20at%20https%3A%2F%2Facme.example%2Fshop`);
  });

  it('refuses other file types and unwritable paths with exit 2', async () => {
    const gif = join(out, 'poster.gif');
    const wrongType = await runInProcess(['qr', '--output', gif], { configDir });
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain('--output must end in .png or .svg');
    expect(existsSync(gif)).toBe(false);

    const missingDir = await runInProcess(['qr', '--output', join(out, 'no/such/dir/poster.png'), '--json'], { configDir });
    expect(missingDir.code).toBe(2);
    expect(parseJson(missingDir.stdout).error.message).toContain('Cannot write');

    const emptyRef = await runInProcess(['qr', '--ref', ''], { configDir });
    expect(emptyRef.code).toBe(2);
  });

  it('exits 3 when no account is connected', async () => {
    const result = await runInProcess(['qr', '--json'], { configDir: mkdtempSync(join(tmpdir(), 'ttc-empty-')) });
    expect(result.code).toBe(3);
    expect(parseJson(result.stdout).error.kind).toBe('auth');
  });
});
