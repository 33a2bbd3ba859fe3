// Cross-process lock around read-modify-write of files in the config dir (proper-lockfile: mkdir-based,
// stale-lock recovery), so concurrent CLI runs never lose an update or a rotated refresh token.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { CliError } from '../errors.js';
import { critically } from '../io/interrupt.js';
import { sleep } from '../sleep.js';
import { configDirError } from './config-dir.js';

export { configDirError };

export interface LockOptions {
  /** How long to keep trying before giving up; a token refresh holds the lock for one HTTP round trip. */
  waitMs?: number;
}

export async function withFileLock<T>(path: string, fn: () => Promise<T> | T, options: LockOptions = {}): Promise<T> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw configDirError(dirname(path), error);
  }
  const waitMs = options.waitMs ?? 60_000;
  const started = Date.now();
  let release: (() => Promise<void>) | undefined;
  for (;;) {
    try {
      // realpath:false lets us lock a path that does not exist yet (the first write).
      release = await lockfile.lock(path, { realpath: false, stale: 15_000, update: 5_000, lockfilePath: `${path}.lock` });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ELOCKED') throw configDirError(dirname(path), error);
      if (Date.now() - started > waitMs) {
        throw new CliError('unexpected', `Another tiktok-channel process has held ${path}.lock for over ${Math.round(waitMs / 1000)} s`, {
          hint: `If no other tiktok-channel is running, delete ${path}.lock and try again.`,
        });
      }
      await sleep(15 + Math.random() * 35);
    }
  }
  // From lock to release nothing may be cut short by Ctrl-C: a rotated refresh token is written in here.
  return critically(async () => {
    try {
      return await fn();
    } finally {
      await release!().catch(() => undefined);
    }
  });
}
