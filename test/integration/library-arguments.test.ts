// Every library entry checks its arguments and refuses a wrong one with the entry's own error type
// (tiktok-channel: TikTokError of kind "usage"; tiktok-channel/sandbox: SandboxError; the webhooks
// entry: TypeError for programmer errors, false or WebhookSignatureError for deliveries), naming the
// argument, instead of a RangeError from deep inside, a UNIX socket named "abc", or a closed sandbox
// that still answers.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient, TikTokError, type CreateClientOptions } from '../../src/library/index.js';
import { SandboxError, startSandbox, type StartSandboxOptions } from '../../src/library/sandbox.js';
import { eventDedupeKey, signPayload, verifySignature } from '../../src/library/webhooks.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('it resolved');
    },
    (error: unknown) => error,
  );
}

describe('tiktok-channel: createClient and its methods', () => {
  const base = { accessToken: 'act.x', businessId: 'biz-1', apiBaseUrl: 'http://127.0.0.1:9/v1.3/' };

  it('refuses bad options with a TikTokError of kind usage naming the option', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, maxRps: 0 }, /maxRps/],
      [{ ...base, maxRps: Number.NaN }, /maxRps/],
      [{ ...base, maxRps: -3 }, /maxRps/],
      [{ ...base, timeoutMs: 'soon' }, /timeoutMs/],
      [{ ...base, apiBaseUrl: 'not a url' }, /apiBaseUrl/],
      [{ ...base, businessId: 42 }, /businessId/],
      [{ ...base, accessToken: { token: 'x' } }, /accessToken/],
      [{ ...base, signal: 'stop' }, /signal/],
      [undefined, /accessToken, businessId/],
    ];
    for (const [options, message] of cases) {
      const error = thrown(() => createClient(options as CreateClientOptions));
      expect(error, String(message)).toBeInstanceOf(TikTokError);
      expect(error).toMatchObject({ kind: 'usage', code: null, message: expect.stringMatching(message) });
    }
  });

  it('its methods reject wrong arguments with kind usage before sending anything', async () => {
    // apiBaseUrl points at the discard port: a request that went out would fail as "network".
    const client = createClient(base);
    const refusals = await Promise.all([
      rejection(client.messages(undefined as never)),
      rejection(client.send(undefined as never)),
      rejection(client.send({ conversationId: 7, text: 'hi' } as never)),
      rejection(client.send({ commentId: 'c1', text: 5 } as never)),
      rejection(client.uploadImage('not bytes' as never)),
      rejection(client.capabilities({} as never)),
      rejection(client.downloadMedia({ conversationId: 'c', messageId: 'm' } as never)),
    ]);
    for (const error of refusals) expect(error).toMatchObject({ name: 'TikTokError', kind: 'usage' });
  });
});

describe('tiktok-channel/sandbox: startSandbox and its verbs', () => {
  it('refuses a port that is not a TCP port, an unknown scenario, bad latency or rps, before listening', async () => {
    const cwd = process.cwd();
    const scratch = mkdtempSync(join(tmpdir(), 'ttc-sbx-args-'));
    process.chdir(scratch);
    try {
      for (const [options, message] of [
        [{ port: 'abc' }, /port must be an integer from 0 to 65535/],
        [{ port: 70_000 }, /port/],
        [{ port: 1.5 }, /port/],
        [{ scenario: 'no-such-scenario' }, /unknown scenario "no-such-scenario"; use one of healthy/],
        [{ latency: Number.NaN }, /latency/],
        [{ rps: 0 }, /rps/],
        ['fast', /options must be an object/],
      ] as Array<[unknown, RegExp]>) {
        const error = await rejection(startSandbox(options as StartSandboxOptions));
        expect(error).toBeInstanceOf(SandboxError);
        expect(error).toMatchObject({ status: 400, message: expect.stringMatching(message) });
      }
      // Nothing listened on a UNIX socket named after the "port".
      expect(existsSync(join(scratch, 'abc'))).toBe(false);
    } finally {
      process.chdir(cwd);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('close() twice is fine, and a closed sandbox refuses its verbs', async () => {
    const sandbox = await startSandbox();
    await expect(sandbox.advance(Number.NaN)).rejects.toMatchObject({
      name: 'SandboxError',
      status: 400,
      message: expect.stringMatching(/advance\(seconds\)/),
    });
    await expect(sandbox.reset('nope' as never)).rejects.toMatchObject({ name: 'SandboxError', status: 400 });
    await expect(sandbox.registerWebhook('not a url')).rejects.toMatchObject({ name: 'SandboxError', status: 400 });
    await expect(sandbox.message(undefined as never)).rejects.toMatchObject({ name: 'SandboxError', status: 400 });
    await expect(sandbox.message('hi' as never)).rejects.toMatchObject({
      name: 'SandboxError',
      status: 400,
      message: expect.stringMatching(/options must be an object/),
    });
    await sandbox.close();
    await expect(sandbox.close()).resolves.toBeUndefined();
    for (const verb of [() => sandbox.message({ text: 'hi' }), () => sandbox.state(), () => sandbox.advance(60), () => sandbox.accessToken()]) {
      await expect(verb()).rejects.toMatchObject({ name: 'SandboxError', status: 410, message: expect.stringMatching(/closed/) });
    }
    // And the port is really closed.
    await expect(fetch(sandbox.apiBaseUrl)).rejects.toThrow();
  });
});

describe('tiktok-channel/webhooks: programmer errors', () => {
  it('signPayload and eventDedupeKey throw TypeErrors naming the argument; verifySignature stays a boolean', () => {
    expect(thrown(() => signPayload('secret', '{}', Number.NaN))).toBeInstanceOf(TypeError);
    expect(thrown(() => eventDedupeKey(undefined as never))).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/decodeEvent/) });
    expect(verifySignature({ rawBody: {} as never, header: 5 as never, secret: 'secret' })).toBe(false);
  });
});
