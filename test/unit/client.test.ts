import { describe, expect, it } from 'vitest';
import { buildUrl, normalizeBaseUrl, TikTokClient } from '../../src/tiktok/client.js';
import type { RawRequest, RawResponse, Transport } from '../../src/http/raw.js';
// The CLI's view of each failure (src/errors.ts's table over the client's TikTokApiError): what these assertions were written against.
import { CliError, toCliError } from '../../src/errors.js';

const encoder = new TextEncoder();
const json = (status: number, value: unknown, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: encoder.encode(JSON.stringify(value)),
});
const ok = (data: unknown, requestId = 'req-ok') => json(200, { code: 0, message: 'OK', request_id: requestId, data });

/** A transport that answers from a script and records every request. */
function scripted(answers: Array<RawResponse | Error>): { transport: Transport; requests: RawRequest[] } {
  const requests: RawRequest[] = [];
  const transport: Transport = async (request) => {
    requests.push(request);
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    if (next instanceof Error) throw next;
    return next;
  };
  return { transport, requests };
}

const succeeded = (): never => {
  throw new Error('the call succeeded where a failure was expected');
};
const noSleep = async () => undefined;
const client = (transport: Transport, extra: Partial<ConstructorParameters<typeof TikTokClient>[0]> = {}) =>
  // No pacing: these tests skip the backoff's sleeps, and test/unit/pacer.test.ts covers the pacer.
  new TikTokClient({ baseUrl: 'https://api.example/open_api/v1.3/', transport, sleep: noSleep, random: () => 0.5, pacer: false, ...extra });

function resetError(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

describe('URL building', () => {
  it('keeps the base path and the trailing slash of every endpoint', () => {
    expect(buildUrl('https://h/open_api/v1.3', 'business/get/')).toBe('https://h/open_api/v1.3/business/get/');
    expect(buildUrl('https://h/open_api/v1.3/', '/business/get/')).toBe('https://h/open_api/v1.3/business/get/');
    expect(normalizeBaseUrl('http://127.0.0.1:4010/open_api/v1.3')).toBe('http://127.0.0.1:4010/open_api/v1.3/');
  });

  it('percent-encodes conversation ids with +, / and = and JSON-encodes arrays', () => {
    const url = buildUrl('https://h/v1.3/', 'business/message/content/list/', {
      business_id: '-000abc',
      conversation_id: 'aB+c/d==',
      fields: ['username', 'display_name'],
      skipped: undefined,
    });
    expect(url).toBe(
      'https://h/v1.3/business/message/content/list/?business_id=-000abc&conversation_id=aB%2Bc%2Fd%3D%3D&fields=%5B%22username%22%2C%22display_name%22%5D',
    );
    const parsed = new URL(url);
    expect(parsed.searchParams.get('conversation_id')).toBe('aB+c/d==');
    expect(JSON.parse(parsed.searchParams.get('fields')!)).toEqual(['username', 'display_name']);
  });
});

describe('envelope', () => {
  it('sends the bare Access-Token header and a JSON body, and returns data', async () => {
    const { transport, requests } = scripted([ok({ message: { message_id: 'm1' } })]);
    const result = await client(transport).post<{ message: { message_id: string } }>('business/message/send/', {
      accessToken: 'act.secret',
      body: { a: 1 },
    });
    expect(result.data.message.message_id).toBe('m1');
    expect(result.requestId).toBe('req-ok');
    expect(requests[0].headers['access-token']).toBe('act.secret');
    expect(requests[0].headers.authorization).toBeUndefined();
    expect(requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(requests[0].body))).toEqual({ a: 1 });
  });

  it('treats HTTP 200 with a non-zero code as an error that keeps code, message and request_id', async () => {
    const { transport } = scripted([json(200, { code: 40064, message: 'You are sending messages too fast. Take a rest.', request_id: 'r-64', data: {} })]);
    const error = await client(transport).post('business/message/send/', { body: {} }).then(succeeded, toCliError);
    expect(error).toBeInstanceOf(CliError);
    expect(error.kind).toBe('policy');
    expect(error.exitCode).toBe(5);
    expect(error.tiktokCode).toBe(40064);
    expect(error.requestId).toBe('r-64');
    expect(error.message).toContain('too fast');
  });

  it.each([
    [40001, 'permission', 4],
    [40002, 'validation', 2],
    [40007, 'validation', 2],
    [40105, 'auth', 3],
    [40104, 'auth', 3],
    [40908, 'validation', 2],
  ])('maps TikTok code %i to %s (exit %i) without retrying', async (code, kind, exit) => {
    const { transport, requests } = scripted([json(200, { code, message: 'x', request_id: 'r', data: {} })]);
    const error = await client(transport).get('business/get/').then(succeeded, toCliError);
    expect(error.kind).toBe(kind);
    expect(error.exitCode).toBe(exit);
    expect(requests).toHaveLength(1);
  });

  it('decides the kind by the code; media-strategy text only picks the hint', async () => {
    const policy = scripted([json(200, { code: 40064, message: 'Due to Media send strategy, image is not supported.', request_id: 'r', data: {} })]);
    const refused = await client(policy.transport).post('business/message/send/', { body: {} }).then(succeeded, toCliError);
    expect(refused).toMatchObject({ kind: 'policy', exitCode: 5, tiktokCode: 40064 });
    expect(refused.hint).toMatch(/media send strategy.*cannot be fixed from the CLI/);
    // The same text under the permission code stays a permission error (exit 4): text is never the kind.
    const permission = scripted([json(200, { code: 40001, message: 'Due to Media send strategy, image is not supported.', request_id: 'r', data: {} })]);
    const denied = await client(permission.transport).post('business/message/send/', { body: {} }).then(succeeded, toCliError);
    expect(denied).toMatchObject({ kind: 'permission', exitCode: 4, tiktokCode: 40001 });
    expect(denied.hint).toMatch(/cannot be fixed from the CLI/);
  });

  it('40001 is a permission error whatever its text says; region text only changes the hint', async () => {
    const { transport } = scripted([json(200, { code: 40001, message: 'Permission denied: not available in your region (EEA).', request_id: 'r', data: {} })]);
    const error = await client(transport).get('business/message/conversation/list/').then(succeeded, toCliError);
    expect(error).toMatchObject({ kind: 'permission', exitCode: 4, tiktokCode: 40001, requestId: 'r' });
    expect(error.hint).toMatch(/EEA, Switzerland or the UK/);
  });

  it('turns an HTML gateway answer into a network error (exit 6) and retries it', async () => {
    const html = { status: 502, headers: { 'content-type': 'text/html' }, body: encoder.encode('<html><body>Bad Gateway</body></html>') };
    const { transport, requests } = scripted([html, html, html, html]);
    const error = await client(transport).get('business/get/').then(succeeded, toCliError);
    expect(error.kind).toBe('network');
    expect(error.exitCode).toBe(6);
    expect(error.message).toMatch(/HTML page/);
    expect(requests).toHaveLength(4);
  });

  it('explains a 404 as a missing trailing slash or wrong base', async () => {
    const { transport } = scripted([{ status: 404, headers: {}, body: encoder.encode('Not Found') }]);
    const error = await client(transport).get('business/get/').then(succeeded, toCliError);
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/must end with "\/"/);
  });
});

describe('retries', () => {
  it('retries 40100 with backoff and succeeds', async () => {
    const sleeps: number[] = [];
    const limited = json(200, { code: 40100, message: 'Too many requests', request_id: 'r', data: {} });
    const { transport, requests } = scripted([limited, limited, ok({ fine: true })]);
    const result = await client(transport, { sleep: async (ms) => void sleeps.push(ms) }).get<{ fine: boolean }>('business/get/');
    expect(result.data.fine).toBe(true);
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0]);
  });

  it('gives up on 40100 after the bounded attempts with a rate-limit error (exit 6)', async () => {
    const limited = () => json(200, { code: 40100, message: 'Too many requests', request_id: 'r', data: {} });
    const { transport, requests } = scripted([limited(), limited(), limited(), limited(), limited()]);
    const error = await client(transport).get('business/get/').then(succeeded, toCliError);
    expect(error.kind).toBe('rateLimit');
    expect(error.exitCode).toBe(6);
    expect(requests).toHaveLength(4);
  });

  it('retries 51065 and connection resets for reads', async () => {
    const { transport, requests } = scripted([json(200, { code: 51065, message: 'system error', request_id: 'r', data: {} }), resetError(), ok({ done: 1 })]);
    const result = await client(transport).get<{ done: number }>('business/get/');
    expect(result.data.done).toBe(1);
    expect(requests).toHaveLength(3);
  });

  it('retries a timeout only once, so a silent server cannot hold the CLI for minutes', async () => {
    const timeout = () => Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const { transport, requests } = scripted([timeout(), timeout(), timeout()]);
    const error = await client(transport, { timeoutMs: 5000 }).get('business/get/').then(succeeded, toCliError);
    expect(requests).toHaveLength(2);
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/did not answer within 5 s/);
  });

  it('never retries validation or policy errors', async () => {
    const { transport, requests } = scripted([json(200, { code: 40002, message: 'bad', request_id: 'r', data: {} })]);
    await expect(client(transport).get('business/get/')).rejects.toMatchObject({ kind: 'validation' });
    expect(requests).toHaveLength(1);
  });

  it('retries an unknown code once, then fails with it', async () => {
    const unknown = () => json(200, { code: 12345, message: 'mystery', request_id: 'r-u', data: {} });
    const { transport, requests } = scripted([unknown(), unknown()]);
    const error = await client(transport).get('business/get/').then(succeeded, toCliError);
    expect(requests).toHaveLength(2);
    expect(error.tiktokCode).toBe(12345);
    expect(error.requestId).toBe('r-u');
  });

  it('does not retry a send after a reset (it may have been delivered) and says so', async () => {
    const { transport, requests } = scripted([resetError()]);
    const unsure = { operation: 'send' as const, outcome: 'the message may or may not have been sent' };
    const error = await client(transport).post('business/message/send/', { body: {}, retry: 'refusals-only', unsure }).then(succeeded, toCliError);
    expect(requests).toHaveLength(1);
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/may or may not have been sent/);
    expect(error.hint).toMatch(/Check `tiktok-channel conversations` before sending again/);
  });

  it('says nothing is unsure when TikTok answered with a code (it refused; nothing happened)', async () => {
    const { transport } = scripted([json(200, { code: 51065, message: 'system error', request_id: 'r', data: {} })]);
    const unsure = { operation: 'send' as const, outcome: 'the message may or may not have been sent' };
    const error = await client(transport).post('business/message/send/', { body: {}, retry: 'refusals-only', unsure }).then(succeeded, toCliError);
    expect(error.tiktokCode).toBe(51065);
    expect(error.message).not.toMatch(/may or may not/);
  });

  it('retries a send refused with 40100 (TikTok did not act)', async () => {
    const { transport, requests } = scripted([
      json(200, { code: 40100, message: 'Too many requests', request_id: 'r', data: {} }),
      ok({ message: { message_id: 'm' } }),
    ]);
    await client(transport).post('business/message/send/', { body: {}, retry: 'refusals-only' });
    expect(requests).toHaveLength(2);
  });
});

describe('debug trace', () => {
  it('logs method, path, status, time and request_id with secrets redacted', async () => {
    const lines: string[] = [];
    const { transport } = scripted([ok({ callback_url: 'https://x' }, 'req-42')]);
    await client(transport, { debugLog: (line) => lines.push(line) }).get('business/webhook/list/', {
      accessToken: 'act.supersecret',
      query: { app_id: 'app', secret: 'verysecretvalue', event_type: 'DIRECT_MESSAGE' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^GET https:\/\/api\.example\/open_api\/v1\.3\/business\/webhook\/list\/\?/);
    expect(lines[0]).toContain('HTTP 200');
    expect(lines[0]).toContain('request_id=req-42');
    expect(lines[0]).toMatch(/in \d+ ms/);
    expect(lines[0]).not.toContain('verysecretvalue');
    expect(lines[0]).not.toContain('supersecret');
  });
});

describe('multipart', () => {
  it('sends a real multipart body with the fields and the file', async () => {
    const { transport, requests } = scripted([ok({ media_id: 'media-1' })]);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const result = await client(transport).postMultipart<{ media_id: string }>(
      'business/message/media/upload/',
      { business_id: 'b1', media_type: 'IMAGE' },
      { filename: 'a.png', contentType: 'image/png', bytes: png },
      { accessToken: 'act.x' },
    );
    expect(result.data.media_id).toBe('media-1');
    const contentType = requests[0].headers['content-type'];
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const text = Buffer.from(requests[0].body!).toString('latin1');
    expect(text).toContain('name="business_id"');
    expect(text).toContain('name="media_type"\r\n\r\nIMAGE');
    expect(text).toContain('name="file"; filename="a.png"');
    expect(text).toContain('Content-Type: image/png');
    expect(Buffer.from(requests[0].body!).includes(Buffer.from(png))).toBe(true);
  });
});
