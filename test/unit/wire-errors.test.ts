// The wire layer speaks TikTok: src/tiktok throws TikTokApiError with TikTok's own fields and imports
// nothing of the CLI's error table; the CLI's one table turns it into exit code and hint; a retry pause
// ends at once when the signal aborts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError, toCliError } from '../../src/errors.js';
import type { RawResponse, Transport } from '../../src/http/raw.js';
import { sleep } from '../../src/sleep.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import { TikTokAbortError, TikTokApiError, tiktokError } from '../../src/tiktok/errors.js';
import { ROOT } from '../helpers/cli.js';

const TIKTOK_DIR = join(ROOT, 'src/tiktok');
const CLI_ERRORS = join(ROOT, 'src/errors.ts');

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((match) => match[1]!);
  return specifiers.filter((specifier) => specifier.startsWith('.')).map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

const jsonAnswer = (value: unknown, status = 200): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: new TextEncoder().encode(JSON.stringify(value)),
});

describe('src/tiktok imports nothing of the CLI', () => {
  it('no file of src/tiktok imports src/errors.ts (static or dynamic)', () => {
    const files = readdirSync(TIKTOK_DIR).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.filter((name) => importsOf(join(TIKTOK_DIR, name)).includes(CLI_ERRORS));
    expect(offenders).toEqual([]);
    // The scan itself finds such an import: the CLI's own modules are full of them.
    expect(importsOf(join(ROOT, 'src/cli/program.ts'))).toContain(CLI_ERRORS);
    for (const name of files) {
      const text = readFileSync(join(TIKTOK_DIR, name), 'utf8');
      // Nor does it speak of exit codes, hints or commands.
      expect(text, relative(ROOT, join(TIKTOK_DIR, name))).not.toMatch(/CliError|exitCode|`tiktok-channel /);
    }
  });
});

describe('TikTokApiError', () => {
  it("keeps TikTok's code, message as sent, request_id and HTTP status, with a kind and no CLI wording", async () => {
    const transport: Transport = async () => jsonAnswer({ code: 40102, message: 'Access token has expired.', request_id: 'req-40102', data: {} });
    const client = new TikTokClient({ baseUrl: 'https://api.example/open_api/v1.3/', transport, pacer: false });
    const error = await client.get('business/get/', { accessToken: 'act.x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect(error).not.toBeInstanceOf(CliError);
    expect(error).toMatchObject({
      name: 'TikTokApiError',
      kind: 'auth',
      code: 40102,
      message: 'Access token has expired.',
      requestId: 'req-40102',
      httpStatus: 200,
      retryable: false,
    });
    expect(error).not.toHaveProperty('hint');
    expect(error).not.toHaveProperty('exitCode');
    // The CLI's view: its wording, exit code and hint come from src/errors.ts alone.
    const cli = toCliError(error);
    expect(cli).toMatchObject({
      kind: 'auth',
      exitCode: 3,
      message: 'TikTok error 40102: Access token has expired.',
      tiktokCode: 40102,
      requestId: 'req-40102',
    });
    expect(cli.hint).toContain('tiktok-channel refresh');
    expect(cli.toJSON()).toMatchObject({ tiktok_code: 40102, request_id: 'req-40102' });
  });

  it('a failure to reach TikTok has no code, a network kind, and the CLI names the host in its hint', async () => {
    const transport: Transport = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    const client = new TikTokClient({ baseUrl: 'http://127.0.0.1:9/open_api/v1.3/', transport, pacer: false, maxAttempts: 1 });
    const error = await client.get('business/get/').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'TikTokApiError', kind: 'network', code: null, httpStatus: null, reason: 'unreachable' });
    expect(toCliError(error)).toMatchObject({ kind: 'network', exitCode: 6 });
    expect(toCliError(error).hint).toContain('http://127.0.0.1:9 is up');
  });

  it.each([
    [40064, 'You cannot send messages to this user: the 48-hour reply window closed at 2026-01-01T00:00:00.000Z.', 'window'],
    [40064, "You cannot send more messages to this user: 10 messages were sent since the user's last message.", 'quota'],
    [40064, 'Due to Media send strategy, this message cannot be sent.', 'media'],
    [40001, 'This feature is not available in your region.', 'region'],
    [40001, 'No permission to perform this operation.', 'permission'],
    [12345, 'Something new.', 'server'],
  ])("kind of %i from TikTok's text (a hint only: the CLI keeps the code's exit code)", (code, message, kind) => {
    const error = tiktokError({ code, message });
    expect(error.kind).toBe(kind);
    const cli = toCliError(error);
    expect(cli.exitCode).toBe(code === 40064 ? 5 : code === 40001 ? 4 : 1);
  });
});

describe('a retry pause ends when the signal aborts', () => {
  it('a client retrying a 50002 with a 4 s backoff stops within 100 ms of the abort', async () => {
    const controller = new AbortController();
    let requests = 0;
    const transport: Transport = async () => {
      requests++;
      return jsonAnswer({ code: 50002, message: 'Internal system error', request_id: `r${requests}`, data: {} });
    };
    const pauses: number[] = [];
    let pauseStarted: (() => void) | undefined;
    const longPause = new Promise<void>((resolveLong) => (pauseStarted = resolveLong));
    // The short pauses pass at once; the 4 s one is the real, default sleep, given the client's signal.
    const paced = (ms: number, signal?: AbortSignal) => {
      pauses.push(ms);
      if (ms < 4_000) return Promise.resolve();
      pauseStarted!();
      return sleep(ms, signal);
    };
    const client = new TikTokClient({
      baseUrl: 'https://api.example/',
      transport,
      pacer: false,
      random: () => 1,
      maxAttempts: 8,
      sleep: paced,
      signal: controller.signal,
    });
    const failed = client.get('business/get/').catch((caught: unknown) => caught);
    await longPause;
    const abortedAt = performance.now();
    controller.abort();
    const error = await failed;
    const latency = performance.now() - abortedAt;
    expect(pauses.at(-1)).toBe(4_000);
    expect(error).toBeInstanceOf(TikTokAbortError);
    expect(toCliError(error)).toMatchObject({ kind: 'cancelled', exitCode: 130 });
    expect(latency).toBeLessThan(100);
  });

  it('sleep() resolves at once for an already aborted signal and on abort, and after ms otherwise', async () => {
    const aborted = AbortSignal.abort();
    let started = performance.now();
    await sleep(10_000, aborted);
    expect(performance.now() - started).toBeLessThan(50);

    const controller = new AbortController();
    started = performance.now();
    const pending = sleep(10_000, controller.signal);
    queueMicrotask(() => controller.abort());
    await pending;
    expect(performance.now() - started).toBeLessThan(50);

    started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
