// The suite's tripwire (test/setup.ts): every request an in-process sandbox could not handle reaches the
// listener, whatever host serves it (bare handler, served over HTTP, embedded), and only the reports a
// test excuses are dropped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createSandboxHandler } from '../../src/sandbox/handler.js';
import { EMBEDDED_API_BASE_URL, openEmbeddedSandbox, startSandboxServer } from '../../src/sandbox/index.js';
import { expectUnhandledRequests, takeUnhandled, unexcused } from '../helpers/tripwire.js';

describe('sandbox tripwire', () => {
  it('hears the bare handler, the served sandbox and the embedded one', async () => {
    const handler = createSandboxHandler();
    await handler.handle({ method: 'GET', url: 'http://sandbox.test/open_api/v1.3/nothing/', headers: {} });
    const served = await startSandboxServer({ port: 0 });
    try {
      await (await request(`${served.apiBaseUrl}business/get?business_id=x`)).body.text();
    } finally {
      await served.close();
    }
    const embedded = openEmbeddedSandbox(mkdtempSync(join(tmpdir(), 'ttc-tripwire-')));
    await embedded.transport({
      method: 'POST',
      url: `${EMBEDDED_API_BASE_URL}tt_user/oauth2/token/`,
      headers: { 'content-type': 'text/plain' },
      body: new Uint8Array(),
    });
    expect(takeUnhandled().map((report) => `${report.method} ${report.path}: ${report.reason}`)).toEqual([
      'GET /open_api/v1.3/nothing/: unknown API path',
      expect.stringMatching(/^GET \/open_api\/v1\.3\/business\/get: missing trailing slash/),
      expect.stringMatching(/^POST \/open_api\/v1\.3\/tt_user\/oauth2\/token\/: refused: Content-Type must be application\/json/),
    ]);
  });

  it('a handled request reports nothing', async () => {
    const handler = createSandboxHandler();
    const response = await handler.handle({ method: 'GET', url: 'http://sandbox.test/sandbox/app', headers: {} });
    expect(response.status).toBe(200);
    expect(takeUnhandled()).toEqual([]);
  });

  it('an excuse drops only the reports it matches', async () => {
    const handler = createSandboxHandler();
    await handler.handle({ method: 'GET', url: 'http://sandbox.test/open_api/v1.3/nothing/', headers: {} });
    await handler.handle({ method: 'GET', url: 'http://sandbox.test/sandbox/whatever', headers: {} });
    expectUnhandledRequests(/unknown API path/);
    expect(unexcused()).toEqual(['GET /sandbox/whatever: unknown control route']);
  });
});
