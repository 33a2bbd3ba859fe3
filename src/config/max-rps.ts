// TIKTOK_CHANNEL_MAX_RPS is read by the CLI and a bad value is its usage error (exit 2), so it is parsed
// here, beside deps.ts, rather than in src/tiktok/pacer.ts: the wire layer knows nothing of exit codes.
import { usageError } from '../errors.js';
import { DEFAULT_MAX_RPS } from '../tiktok/pacer.js';

const MAX_RPS_LIMIT = 1_000;

/** TIKTOK_CHANNEL_MAX_RPS: a positive number up to 1000 (decimals allowed); unset or empty = 10. */
export function parseMaxRps(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_MAX_RPS;
  const number = Number(value.trim());
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(number > 0) || number > MAX_RPS_LIMIT) {
    throw usageError(
      `TIKTOK_CHANNEL_MAX_RPS must be a number of requests per second above 0 and at most ${MAX_RPS_LIMIT} (got "${value}").`,
      "Unset it for the default of 10, TikTok's Basic tier per app; set 20, 30 or 50 when TikTok granted your app a higher tier.",
    );
  }
  return number;
}
