// Pieces `tail` and `qr --wait` share: which accounts are served, where the journal and poll state live,
// registering the callback, a poll source bound to an account's session, and waiting that Ctrl-C ends.
import { join } from 'node:path';
import { CliError, usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import { accountFromEnv, type ResolvedAccount } from '../store/accounts.js';
import { AccountDirectory, type ServedAccount } from './accounts.js';
import type { PollSource } from './poller.js';

export function journalDir(deps: Deps): string {
  return join(deps.store().dir, 'journal');
}

export function pollStatePath(deps: Deps, businessId: string): string {
  return join(deps.store().dir, 'poll', `${encodeURIComponent(businessId)}.json`);
}

/** Every stored account, plus the env-credentials account (CI) when set; env wins for its business id. */
function servedAccounts(deps: Deps): ResolvedAccount[] {
  const stored = deps.store().list();
  const env = accountFromEnv(
    deps.env,
    deps.env.TIKTOK_CHANNEL_BUSINESS_ID ? stored.find((account) => account.businessId === deps.env.TIKTOK_CHANNEL_BUSINESS_ID) : undefined,
  );
  const accounts: ResolvedAccount[] = stored
    .filter((account) => account.businessId !== env?.businessId)
    .map((account) => ({ ...account, source: 'store' as const }));
  if (env) accounts.push(env);
  return accounts;
}

/**
 * The served accounts and the directory that picks each delivery's secret (TIKTOK_CHANNEL_CLIENT_SECRET
 * too); a usage error, with `hint`, when there is no secret to verify anything with.
 */
export function servedDirectory(deps: Deps, hint: string): { accounts: ResolvedAccount[]; directory: AccountDirectory } {
  const accounts = servedAccounts(deps);
  const directory = new AccountDirectory(accounts.map(toServed), deps.env.TIKTOK_CHANNEL_CLIENT_SECRET?.trim() || undefined);
  if (!directory.hasSecrets) throw new CliError('usage', "There is no TikTok app secret to check the deliveries' signatures with.", { hint });
  return { accounts, directory };
}

function toServed(account: ResolvedAccount): ServedAccount {
  return {
    businessId: account.businessId,
    channelName: account.channelName,
    username: account.username,
    clientKey: account.clientKey,
    clientSecret: account.clientSecret,
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The callback URL to register: --public-url, with the receiver's path when it names only a host. */
export function callbackUrl(publicUrl: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw usageError(`--public-url must be a URL such as https://example.ngrok.app/webhook (got "${publicUrl}").`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usageError(`--public-url must be an https:// URL (got "${publicUrl}").`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = path;
  return url;
}

export interface Registration {
  previous?: string;
  callback: string;
}

/** Sets the app's DIRECT_MESSAGE callback (app-wide), returning the one it replaced. */
export async function registerCallback(deps: Deps, account: ResolvedAccount, callback: string): Promise<Registration> {
  if (!account.clientKey || !account.clientSecret) {
    throw new CliError('usage', "Registering the callback needs the TikTok app's client key and secret.", {
      hint: 'Set TIKTOK_CHANNEL_CLIENT_KEY and TIKTOK_CHANNEL_CLIENT_SECRET, or use an account stored by `tiktok-channel connect`.',
    });
  }
  const { getWebhook, registerWebhook } = await import('../tiktok/messaging-api.js');
  const client = await deps.client(account);
  return deps.io.progress('Registering the webhook callback…', async () => {
    const previous = await getWebhook(client, account.clientKey, account.clientSecret);
    if (previous.callbackUrl !== callback) await registerWebhook(client, account.clientKey, account.clientSecret, callback);
    return { previous: previous.callbackUrl, callback };
  });
}

/** conversation/list and content/list for one account, through its session (token refresh included). */
export async function pollSource(deps: Deps, account: ResolvedAccount): Promise<PollSource> {
  const { listConversations, getConversationContent } = await import('../tiktok/messaging-api.js');
  const session = await deps.session(account);
  const client = session.client;
  return {
    businessId: account.businessId,
    listConversations: (type, until) => session.call((token) => listConversations(client, token, account.businessId, type, { until })),
    listMessages: async (conversationId) => (await session.call((token) => getConversationContent(client, token, account.businessId, conversationId))).messages,
  };
}

/** Sleeps, waking early on abort (the program's one pause). */
export { sleep } from '../sleep.js';

/** Opens the journal, naming what is wrong with its directory instead of an unexpected error. */
export async function openJournal(Journal: typeof import('./journal.js').Journal, dir: string): Promise<import('./journal.js').Journal> {
  try {
    return await Journal.open({ dir });
  } catch (error) {
    const code = ((error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException)).code;
    const moveHint = `Move or delete ${dir} (tail keeps its journal there), or set TIKTOK_CHANNEL_CONFIG_DIR to another directory.`;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new CliError('config', `The journal path ${dir} is a file, not a directory.`, { hint: moveHint });
    }
    if (code === 'EPERM' || code === 'EACCES') {
      throw new CliError('config', `tail is not allowed to use the journal directory ${dir} (${code}): it belongs to another user or is not writable.`, {
        hint: `Run tail as the directory's owner, or give it back (\`chown -R $(id -un) ${dir}\`), or set TIKTOK_CHANNEL_CONFIG_DIR to a directory of your own.`,
      });
    }
    if (code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT') {
      throw new CliError('config', `The journal directory ${dir} cannot be written (${code}).`, {
        hint: 'Free space on that file system, or set TIKTOK_CHANNEL_CONFIG_DIR to a writable directory.',
      });
    }
    throw error;
  }
}
