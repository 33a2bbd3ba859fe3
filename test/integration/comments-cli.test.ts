// `comments status|enable|disable` through the CLI (built, as a child, then in-process) on the embedded sandbox: TikTok's
// Comment-to-Message switch (tiktok-api.md §4), off for a new account; the sandbox refuses a
// high-intent comment while it is off and says how to turn it on.
import { describe, expect, it } from 'vitest';
import { SEED } from '../../src/sandbox/index.js';
import { parseJson, runCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

describe('comments', () => {
  it('shows, enables and disables Comment-to-Message; high-intent comments arrive only while it is on', async () => {
    const configDir = tempConfigDir('ttc-comments-');
    expect((await runCli(['connect', '--sandbox'], { configDir })).code).toBe(0);

    const off = await runInProcess(['comments', 'status', '--json'], { configDir });
    expect(off.code, off.stderr).toBe(0);
    expect(parseJson(off.stdout)).toEqual({ business_id: SEED.defaultBusinessId, enabled: false });

    const refused = await runInProcess(['sandbox', 'event', 'high-intent-comment', '--text', 'price?'], { configDir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Comment-to-Message is off/);
    expect(refused.stderr).toMatch(/tiktok-channel comments enable/);

    const human = await runInProcess(['comments', 'status'], { configDir });
    expect(human.stdout).toMatch(/Comment-to-Message is off for .*@acme\.studio/);
    expect(human.stderr).toMatch(/comments enable/);

    const enabled = await runInProcess(['comments', 'enable', '--json'], { configDir });
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(parseJson(enabled.stdout)).toEqual({ business_id: SEED.defaultBusinessId, enabled: true });
    expect(parseJson((await runInProcess(['comments', 'status', '--json'], { configDir })).stdout).enabled).toBe(true);

    const comment = await runInProcess(['sandbox', 'event', 'high-intent-comment', '--text', 'price?', '--json'], { configDir });
    expect(comment.code, comment.stderr).toBe(0);
    expect(parseJson(comment.stdout).comment_id).toMatch(/^\d+$/);

    // Doctor's webhook check says nothing about it while it is on…
    const doctorOn = parseJson((await runInProcess(['doctor', '--json'], { configDir, timeoutMs: 60_000 })).stdout);
    expect(JSON.stringify(doctorOn.checks.find((c: any) => c.id === 'webhook'))).not.toMatch(/Comment-to-Message/);

    const disabled = await runInProcess(['comments', 'disable'], { configDir });
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/Comment-to-Message is off/);
    expect(parseJson((await runInProcess(['comments', 'status', '--json'], { configDir })).stdout).enabled).toBe(false);
    // …and mentions it, with the command that turns it on, while it is off.
    const doctorOff = parseJson((await runInProcess(['doctor', '--json'], { configDir, timeoutMs: 60_000 })).stdout);
    const webhook = doctorOff.checks.find((c: any) => c.id === 'webhook');
    expect(webhook.details.join('\n')).toMatch(/Comment-to-Message is off.*comments enable/);
  });

  it('refuses an unknown action (exit 2) and needs a connected account (exit 3)', async () => {
    const configDir = tempConfigDir('ttc-comments-');
    const unknown = await runInProcess(['comments', 'on'], { configDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/status.*enable.*disable/);
    const none = await runInProcess(['comments', 'status', '--json'], { configDir });
    expect(none.code).toBe(3);
    expect(parseJson(none.stdout).error.kind).toBe('auth');
  });
});
