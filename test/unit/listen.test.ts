// The one loopback listen/close helper every server goes through: `sandbox serve`, `sandbox phone` and
// connect's OAuth callback refuse a busy port in the same words, bind 127.0.0.1 only, and close with
// requests still held.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopback } from '../../src/auth/loopback.js';
import { serve } from '../../src/commands/sandbox/servers.js';
import { createDeps } from '../../src/deps.js';
import { CliError } from '../../src/errors.js';
import { LoopbackPortError, listenOnLoopback } from '../../src/http/listen.js';
import { createTestIO } from '../../src/io/io.js';
import { startSandboxServer } from '../../src/sandbox/index.js';
import { startPhoneServer } from '../../src/sandbox/phone-server.js';
import { tempConfigDir } from '../helpers/cli.js';

const opened: Server[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function takenPort(): Promise<number> {
  const server = createServer();
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('value' in outcome) throw new Error('expected a refusal, but the server started');
  return outcome.error as Error;
}

describe('listenOnLoopback', () => {
  it('every server refuses a busy port with the same message', async () => {
    const port = await takenPort();
    const message = `Port ${port} on 127.0.0.1 is already in use.`;

    const served = await rejection(startSandboxServer({ port }));
    expect(served).toBeInstanceOf(LoopbackPortError);
    expect(served).toMatchObject({ message, code: 'EADDRINUSE', port });

    const phone = await rejection(
      startPhoneServer({ transport: async () => ({ status: 204, headers: {}, body: new Uint8Array() }), statePath: join(tempConfigDir(), 'state.json'), port }),
    );
    expect(phone).toMatchObject({ message, code: 'EADDRINUSE' });

    const callback = await rejection(startLoopback({ state: 's', port }));
    expect(callback).toBeInstanceOf(CliError);
    expect(callback.message).toBe(message);
    expect((callback as CliError).exitCode).toBe(2);

    // `sandbox serve --port`: the same words, as a usage error (exit 2) with its own hint.
    const test = createTestIO();
    const deps = createDeps({
      io: test.io,
      env: { TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() },
      globals: { json: false, debug: false },
      signal: new AbortController().signal,
    });
    const command = await rejection(serve({ port }, deps));
    expect(command).toBeInstanceOf(CliError);
    expect(command.message).toBe(message);
    expect((command as CliError).exitCode).toBe(2);
    expect((command as CliError).hint).toContain('--port');
  });

  it('binds 127.0.0.1 only, and close() drops a held request at once (twice is fine)', async () => {
    const held: string[] = [];
    // Never answers: only close() can end this request.
    const server = createServer((req) => void held.push(req.url ?? ''));
    const listener = await listenOnLoopback(server);
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: listener.port, path: '/held' }, () => resolve('answered'));
      req.on('error', (error) => resolve(`error: ${(error as NodeJS.ErrnoException).code}`));
      req.end();
    });
    await expect.poll(() => held).toEqual(['/held']);
    const closing = listener.close();
    expect(listener.close()).toBe(closing);
    await closing;
    expect(await answer).toBe('error: ECONNRESET');
    expect(server.listening).toBe(false);
  });
});
