// TikTok's token, app, region, duplicate, throttle, system and maintenance codes (tiktok-api.md §6), each
// answered by the served sandbox's fault control and reported by the built CLI: the exit code of the
// contract's table, the kind, TikTok's code and request_id in the JSON error, and a hint that says what to do.
import { describe, expect, it } from 'vitest';
import { useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';

// A fresh sandbox world and connected account for every test.
const ctx = useConnectedWorld({ connectEach: true });

interface ErrorDocument {
  error: { kind: string; code: number; message: string; hint: string | null; tiktok_code: number | null; request_id: string | null };
}

// [TikTok code, its message, exit code, kind, what the hint must say]
const CODES: Array<[number, string, number, string, RegExp]> = [
  [40101, 'App id and secret do not match.', 3, 'auth', /client key and secret/],
  // 40102 is refreshed and retried like 40105; these env credentials are never rotated implicitly, so
  // the CLI names the env token and says how to renew it.
  [40102, 'Access token has expired.', 3, 'auth', /tiktok-channel refresh --json` with TIKTOK_CHANNEL_REFRESH_TOKEN/],
  [40103, 'Refresh token has expired.', 3, 'auth', /refresh --reauthorize.*consents again/],
  [40107, 'Refresh token is invalid.', 3, 'auth', /refresh --reauthorize/],
  [40110, 'Auth code is expired or has been used.', 3, 'auth', /run `tiktok-channel connect` again/],
  [40113, 'App is blocked.', 3, 'auth', /client key.*blocked/],
  [40118, 'Not in the allow list.', 4, 'permission', /allow-listed.*region/],
  [41000, 'Your IP is in a blocked country or region.', 4, 'region', /where the request comes from/],
  [40050, 'Duplicate request.', 2, 'validation', /duplicate.*may have gone through/],
  [40016, 'App is throttled.', 6, 'rateLimit', /throttling this app/],
  [40133, 'Too many requests for this advertiser.', 6, 'rateLimit', /throttling requests for this advertiser/],
  [50000, 'System error.', 6, 'network', /system error; try again/],
  [50002, 'Internal system error.', 6, 'network', /system error; try again/],
  [60001, 'The system is under maintenance.', 6, 'network', /under maintenance: try again later/],
];

describe('TikTok codes through the sandbox and the CLI', () => {
  it.each(CODES)(
    '%i (%s): exit %i, kind %s, a hint that says what to do',
    async (code, message, exit, kind, hint) => {
      await ctx.world.control('POST', 'faults', { path: 'business/message/conversation/list/', kind: 'code', code, times: -1, message });
      const result = await runCli(['conversations', '--json'], { env: ctx.world.env(ctx.account), timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(exit);
      const { error } = parseJson(result.stdout) as ErrorDocument;
      const envToken = code === 40102 ? ' (the token from TIKTOK_CHANNEL_ACCESS_TOKEN)' : '';
      expect(error).toMatchObject({ kind, code: exit, tiktok_code: code, message: `TikTok error ${code}: ${message}${envToken}` });
      expect(error.request_id).toMatch(/\S/);
      expect(error.hint).toMatch(hint);
    },
    90_000,
  );
});
