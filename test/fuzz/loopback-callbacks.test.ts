// 2,000 generated requests into connect's loopback callback server (src/auth/loopback.ts), in sequences
// of 100 per server: wrong methods, hosts, paths, states (near misses included), missing or huge codes,
// errors, duplicated parameters. Only the first request that is a valid callback ends the flow, with
// exactly its code (or its error); everything before it is refused, everything after it too.
import { request } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startLoopback, type CallbackCode } from '../../src/auth/loopback.js';
import { CliError } from '../../src/errors.js';
import { seedFuzz } from '../helpers/fuzz.js';

seedFuzz();

const STATE = 'Zk3q-9vYw_T2aLmN0pQrStUvWxYz0123';
const SEQUENCES = 20;
const REQUESTS_PER_SEQUENCE = 100;

interface Generated {
  method: string;
  host: (port: number) => string;
  path: string;
  params: Array<[string, string]>;
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
const stateValue = fc.oneof(
  { arbitrary: fc.constant(STATE), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      STATE.toUpperCase(),
      STATE.slice(0, -1),
      `${STATE}x`,
      ` ${STATE}`,
      `${STATE}\u0000`,
      '',
      STATE.normalize('NFKC').replace('Z', 'Ｚ'),
    ),
    weight: 4,
  },
  { arbitrary: text, weight: 1 },
);
const codeValue = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), weight: 6 },
  { arbitrary: fc.constant(''), weight: 1 },
  { arbitrary: fc.string({ minLength: 2000, maxLength: 4000 }), weight: 1 },
);
const errorValue = fc.oneof(fc.constant('access_denied'), fc.constant('invalid_scope'), text);

const generated: fc.Arbitrary<Generated> = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant('GET'), weight: 6 },
    { arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'), weight: 4 },
  ),
  host: fc.oneof(
    { arbitrary: fc.constant((port: number) => `127.0.0.1:${port}`), weight: 6 },
    { arbitrary: fc.constant((port: number) => `localhost:${port}`), weight: 2 },
    { arbitrary: fc.constant((port: number) => `LOCALHOST:${port}`), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        (port: number) => `evil.example:${port}`,
        () => '127.0.0.1',
        (port: number) => `127.0.0.1:${port + 1}`,
        (port: number) => `127.0.0.1.nip.io:${port}`,
        (port: number) => `[::1]:${port}`,
      ),
      weight: 2,
    },
  ),
  path: fc.oneof(
    { arbitrary: fc.constantFrom('/callback/', '/callback'), weight: 8 },
    {
      arbitrary: fc.constantFrom('/', '/favicon.ico', '/Callback/', '/callback//', '/callback/x', '/callback/../callback/', '/callback%2F', '/%63allback/'),
      weight: 2,
    },
    { arbitrary: text.map((segment) => `/${encodeURIComponent(segment)}`), weight: 1 },
  ),
  params: fc
    .record({
      state: fc.array(stateValue, { minLength: 0, maxLength: 2 }),
      code: fc.oneof({ arbitrary: codeValue, weight: 4 }, { arbitrary: fc.constant(undefined), weight: 1 }),
      error: fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: errorValue, weight: 1 }),
      error_description: fc.option(text),
      scopes: fc.option(fc.constantFrom('message.list.read,message.list.send', '')),
      extra: fc.option(text),
    })
    .chain((present) => {
      const pairs: Array<[string, string]> = [];
      for (const value of present.state) pairs.push(['state', value]);
      for (const key of ['code', 'error', 'error_description', 'scopes', 'extra'] as const) {
        const value = present[key];
        if (typeof value === 'string') pairs.push([key, value]);
      }
      return fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length });
    }),
});

/** What TikTok's redirect means: the oracle this test holds the server to (RFC 6749 §4.1.2, §10.12). */
function expectedOutcome(req: Generated, port: number): { kind: 'refused' } | { kind: 'code'; code: string } | { kind: 'error'; error: string } {
  if (req.method !== 'GET') return { kind: 'refused' };
  const host = req.host(port).toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return { kind: 'refused' };
  const url = new URL(`${req.path}?${new URLSearchParams(req.params)}`, 'http://127.0.0.1');
  if (url.pathname !== '/callback/' && url.pathname !== '/callback') return { kind: 'refused' };
  if (url.searchParams.get('state') !== STATE) return { kind: 'refused' };
  const error = url.searchParams.get('error');
  if (error) return { kind: 'error', error };
  const code = url.searchParams.get('code');
  if (!code) return { kind: 'refused' };
  return { kind: 'code', code };
}

function send(port: number, req: Generated): Promise<{ status: number } | { failed: string }> {
  return new Promise((resolve) => {
    const query = new URLSearchParams(req.params).toString();
    const outgoing = request(
      { host: '127.0.0.1', port, method: req.method, path: `${req.path}${query ? `?${query}` : ''}`, headers: { host: req.host(port) }, timeout: 5_000 },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ failed: error.code ?? error.message }));
    outgoing.end();
  });
}

describe('fuzz: the loopback callback server', () => {
  it(`accepts only the one valid callback among ${SEQUENCES * REQUESTS_PER_SEQUENCE} generated requests`, async () => {
    const seen = { sent: 0, accepted: 0, denied: 0, refusedWhileOpen: 0, refusedAfterAnswer: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(generated, { minLength: REQUESTS_PER_SEQUENCE, maxLength: REQUESTS_PER_SEQUENCE }), async (requests) => {
        const server = await startLoopback({ state: STATE });
        let settled: { kind: 'code'; value: CallbackCode } | { kind: 'error'; error: unknown } | undefined;
        let settlements = 0;
        const waiting = server.waitForCallback({ timeoutMs: 60_000 }).then(
          (value) => (settlements++, (settled = { kind: 'code', value })),
          (error: unknown) => (settlements++, (settled = { kind: 'error', error })),
        );
        // The accepted callback's browser tab is held until the flow finishes: later requests meet the
        // server still listening, and must all be refused.
        let held: { callback: CallbackCode; answer: ReturnType<typeof send> } | undefined;
        let ended = false;
        try {
          for (const req of requests) {
            seen.sent++;
            const expected = ended ? ({ kind: 'refused' } as const) : expectedOutcome(req, server.port);
            const answer = send(server.port, req);
            if (expected.kind === 'code') {
              await waiting;
              expect(settled?.kind).toBe('code');
              const callback = (settled as { value: CallbackCode }).value;
              expect(callback.code).toBe(expected.code);
              held = { callback, answer };
              seen.accepted++;
              ended = true;
            } else if (expected.kind === 'error') {
              expect(await answer).toEqual({ status: 200 });
              await waiting;
              expect(settled?.kind).toBe('error');
              const error = (settled as { error: unknown }).error as CliError;
              expect(error).toBeInstanceOf(CliError);
              expect(error.kind).toBe('auth');
              seen.denied++;
              ended = true;
            } else {
              const result = await answer;
              const described = JSON.stringify({ ...req, host: req.host(server.port) });
              if (held || !ended) {
                // The server is up: a 4xx page, and the flow is not answered by this request.
                expect(result, described).toHaveProperty('status');
                expect((result as { status: number }).status, described).toBeGreaterThanOrEqual(400);
                if (held) seen.refusedAfterAnswer++;
                else seen.refusedWhileOpen++;
              }
              expect(ended || settled === undefined, described).toBe(true);
            }
          }
          if (held) {
            await held.callback.finish('success');
            expect(await held.answer).toEqual({ status: 200 });
          }
          expect(settlements).toBeLessThanOrEqual(1);
        } finally {
          await server.close();
        }
      }),
      { numRuns: SEQUENCES },
    );
    expect(seen.sent).toBe(SEQUENCES * REQUESTS_PER_SEQUENCE);
    // The generator reaches every branch: accepted codes, denials, refusals before and after the answer.
    expect(seen.accepted).toBeGreaterThanOrEqual(5);
    expect(seen.refusedWhileOpen).toBeGreaterThanOrEqual(200);
    expect(seen.refusedAfterAnswer).toBeGreaterThanOrEqual(200);
    console.log(`loopback fuzz: ${JSON.stringify(seen)}`);
  }, 120_000);
});
