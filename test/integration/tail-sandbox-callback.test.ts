// `tail` and the embedded sandbox's callback (one per app), with the built CLI as child processes: a
// second tail is refused while the first receives there, `--take-over` takes it and gives it back on
// exit, and every way out (Ctrl-C, --count, --timeout) leaves no dead callback behind for doctor.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, startCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { embeddedAccount } from '../helpers/sandbox.js';
import { withEvents } from '../helpers/tail.js';

/** The callback the embedded sandbox delivers to, read from its state in the config dir. */
function callback(configDir: string): string | undefined {
  const state = JSON.parse(readFileSync(join(configDir, 'sandbox', 'state.json'), 'utf8'));
  const apps = Object.values(state.apps) as Array<{ webhook?: { callback_url?: string } }>;
  expect(apps).toHaveLength(1);
  return apps[0]!.webhook?.callback_url;
}

async function startTail(configDir: string, args: string[] = []) {
  const tail = withEvents(startCli(['tail', '--port', '0', ...args], { configDir, timeoutMs: 60_000 }), {});
  const [, url] = await tail.waitForStderr(/The embedded sandbox now delivers to (http:\/\/127\.0\.0\.1:\d+\/webhook)/, 15_000);
  return Object.assign(tail, { url: url! });
}

const message = (configDir: string, text: string) => runInProcess(['sandbox', 'message', '--text', text], { configDir });

describe('tail on the embedded sandbox: one receiver holds its callback', () => {
  it('refuses a second tail while the first receives, --take-over gives it back on Ctrl-C, and nothing is left behind', async () => {
    const configDir = await embeddedAccount();
    const first = await startTail(configDir);
    try {
      expect(callback(configDir)).toBe(first.url);

      const second = await runInProcess(['tail', '--port', '0'], { configDir });
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`Another receiver (another tail?) already takes the embedded sandbox's deliveries at ${first.url}`);
      expect(second.stderr).toMatch(/--take-over/);
      expect(callback(configDir)).toBe(first.url);

      const third = await startTail(configDir, ['--take-over']);
      expect(third.stderr()).toContain(`taken over from ${first.url}`);
      expect(callback(configDir)).toBe(third.url);
      expect((await message(configDir, 'to the third')).code).toBe(0);
      expect((await third.waitForEvents(1))[0]).toMatchObject({ text: 'to the third' });
      expect(first.events()).toHaveLength(0);

      third.child.kill('SIGINT');
      const stopped = await third.done;
      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toContain(`The embedded sandbox delivers to ${first.url} again.`);
      expect(callback(configDir)).toBe(first.url);
      expect((await message(configDir, 'back to the first')).code).toBe(0);
      expect((await first.waitForEvents(1))[0]).toMatchObject({ text: 'back to the first' });

      first.child.kill('SIGINT');
      expect((await first.done).code).toBe(130);
      expect(callback(configDir)).toBeUndefined();
      // doctor no longer finds a callback nobody answers at.
      const doctor = await runInProcess(['doctor', '--json'], { configDir });
      const webhook = parseJson(doctor.stdout).checks.find((check: { id: string }) => check.id === 'webhook');
      expect(webhook.detail).not.toMatch(/nothing answers/);
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  it('gives the callback back after --count and --timeout too, and takes over a dead one without asking', async () => {
    const configDir = await embeddedAccount();
    const counted = await startTail(configDir, ['--count', '1']);
    expect((await message(configDir, 'one')).code).toBe(0);
    expect((await counted.done).code).toBe(0);
    expect(callback(configDir)).toBeUndefined();

    const timed = await startTail(configDir, ['--timeout', '1']);
    expect((await timed.done).code).toBe(7);
    expect(callback(configDir)).toBeUndefined();

    // A tail killed outright cannot clean up: the next one finds nothing answering there and takes it.
    const killed = await startTail(configDir);
    killed.child.kill('SIGKILL');
    await killed.done;
    expect(callback(configDir)).toBe(killed.url);
    const next = await startTail(configDir, ['--count', '1']);
    expect(next.stderr()).toContain(`previous callback ${killed.url} no longer answered`);
    expect((await message(configDir, 'after the crash')).code).toBe(0);
    expect((await next.done).code).toBe(0);
    expect(callback(configDir)).toBeUndefined();
  });
});

describe('qr --wait --port on the embedded sandbox holds its callback the way tail does', () => {
  it("gives the callback back when the wait ends: removed when there was none, the running tail's again after taking it", async () => {
    const configDir = await embeddedAccount();
    // Nothing registered before: after the wait's time is up, nothing is left behind for doctor.
    const alone = await runInProcess(['qr', '--wait', '1', '--port', '0'], { configDir });
    expect(alone.code, alone.stderr).toBe(7);
    expect(alone.stderr).toMatch(/The embedded sandbox now delivers to http:\/\/127\.0\.0\.1:\d+\/webhook\./);
    expect(callback(configDir)).toBeUndefined();

    // A tail receiving there: qr --wait takes the callback while it waits and gives it back on exit.
    const tail = await startTail(configDir);
    try {
      const qr = startCli(['qr', '--wait', '1', '--port', '0'], { configDir, timeoutMs: 30_000 });
      const [, qrUrl] = await qr.waitForStderr(
        /The embedded sandbox now delivers to (http:\/\/127\.0\.0\.1:\d+\/webhook) \(taken over from (\S+), given back on exit\)/,
        15_000,
      );
      expect(qr.stderr()).toContain(`taken over from ${tail.url}`);
      expect(callback(configDir)).toBe(qrUrl);
      const done = await qr.done;
      expect(done.code).toBe(7);
      expect(done.stderr).toContain(`The embedded sandbox delivers to ${tail.url} again.`);
      expect(callback(configDir)).toBe(tail.url);
      expect((await message(configDir, 'back to tail')).code).toBe(0);
      expect((await tail.waitForEvents(1))[0]).toMatchObject({ text: 'back to tail' });
    } finally {
      tail.child.kill('SIGKILL');
    }
  });
});
