// Issue 24 #6: a reset leaves the connected sandbox account usable, except in the scenario whose point
// is a dead token. Through the built CLI on the embedded sandbox, as a user explores it.
import { describe, expect, it } from 'vitest';
import { parseJson, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

describe('sandbox reset and the connected account', () => {
  it('after expired-tokens, a plain reset, --scenario healthy or media-blocked makes status usable again, and says so', async () => {
    const configDir = tempConfigDir('ttc-reset-');
    expect((await runInProcess(['connect', '--sandbox'], { configDir })).code).toBe(0);

    const dead = await runInProcess(['sandbox', 'reset', '--scenario', 'expired-tokens'], { configDir });
    expect(dead.code).toBe(0);
    expect(dead.stdout + dead.stderr).toMatch(/expired/);
    expect((await runInProcess(['status'], { configDir })).code).toBe(3);

    for (const args of [[], ['--scenario', 'healthy'], ['--scenario', 'media-blocked']]) {
      const reset = await runInProcess(['sandbox', 'reset', ...args], { configDir });
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout + reset.stderr, args.join(' ')).toMatch(/tokens? .*valid again|renewed/i);
      const status = await runInProcess(['status', '--json'], { configDir });
      expect(status.code, `${args.join(' ')}: ${status.stdout}${status.stderr}`).toBe(0);
      expect(parseJson(status.stdout)).toMatchObject({ usable: true, checked_with_tiktok: true });
      // Expire them again for the next round.
      expect((await runInProcess(['sandbox', 'reset', '--scenario', 'expired-tokens'], { configDir })).code).toBe(0);
      expect((await runInProcess(['status'], { configDir })).code).toBe(3);
    }
  });
});
