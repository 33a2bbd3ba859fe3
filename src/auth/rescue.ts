// The last resort when TikTok has rotated an account's tokens and accounts.json could not take them
// (twice): the old refresh token is already spent, so the new pair is the only way back in short of a
// new consent. It is saved on another file system when there is one (not the full disk's victim) and
// shown once on stderr, and the error says plainly that the old token is spent.
import { statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';
import { displaySafe } from '../io/format.js';
import type { StoredAccount } from '../store/accounts.js';
import { prepareWrite } from '../store/durable-write.js';

function deviceOf(path: string): number | undefined {
  try {
    return statSync(path).dev;
  } catch {
    return undefined;
  }
}

/** Writes the account (0600, fsynced) to a directory on another device than the store; its path, or undefined. */
function saveElsewhere(account: StoredAccount, storePath: string): string | undefined {
  const storeDevice = deviceOf(dirname(storePath));
  for (const dir of [homedir(), tmpdir()]) {
    const device = deviceOf(dir);
    if (device === undefined || device === storeDevice) continue;
    const path = join(dir, `tiktok-channel-rescued-${account.businessId.replace(/[^\w.-]/g, '_')}-${Date.now()}.json`);
    try {
      prepareWrite(path).commit(`${JSON.stringify({ accounts: { [account.businessId]: account } }, undefined, '\t')}\n`);
      return path;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

export function rescueRotatedPair(
  account: StoredAccount,
  storePath: string,
  failure: CliError,
  emergency: (text: string) => void = (text) => process.stderr.write(text),
): CliError {
  const saved = saveElsewhere(account, storePath);
  const name = displaySafe(account.channelName);
  emergency(
    [
      `!! TikTok rotated the tokens of ${name}, but ${storePath} could not be written: ${failure.message}`,
      '!! The old refresh token is spent. STORE THIS NEW PAIR NOW; it is shown only this once:',
      `   business_id:              ${account.businessId}`,
      `   access_token:             ${account.accessToken}`,
      `   access_token_expires_at:  ${new Date(account.accessTokenExpiresAt).toISOString()}`,
      `   refresh_token:            ${account.refreshToken}`,
      `   refresh_token_expires_at: ${new Date(account.refreshTokenExpiresAt).toISOString()}`,
      saved ? `   (also saved, mode 0600, to ${saved})` : '   (no other file system was writable to save it to)',
      '',
    ].join('\n'),
  );
  return new CliError(
    'config',
    `TikTok rotated the tokens of ${name}, but they could not be stored in ${storePath}; the old refresh token is spent. The new pair was shown on stderr${saved ? ` and saved to ${saved}` : ''}: store it now.`,
    {
      hint: `Free space in ${dirname(storePath)}, then put the new accessToken, refreshToken and their expiry (epoch ms) into accounts["${account.businessId}"] of ${storePath}${saved ? ` (or copy that entry from ${saved})` : ''}. Without them the account must consent again (\`tiktok-channel refresh --reauthorize\`).`,
      cause: failure,
    },
  );
}
