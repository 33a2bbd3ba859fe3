// `accounts`, `accounts use`, `rename`, `disconnect`: the stored accounts (never the env credentials).
// Listing is offline; only `disconnect` talks to TikTok, to revoke before forgetting.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { asCliError, CliError, usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import { formatDuration, formatTime, renderTable, terminalSafe } from '../io/format.js';
import { daysLeft, daysText, REFRESH_TOKEN_WARN_DAYS } from '../auth/session.js';
import type { StoredAccount } from '../store/accounts.js';
import { revokeToken } from '../tiktok/oauth.js';
import { describeAccount } from './status.js';
import { parseName } from './connect/impl.js';

export type AccountsOptions = Record<string, unknown>;

/** A stored account by reference (name, @username, business_id), else --account, else the default. */
export function storedAccount(deps: Deps, reference?: string): StoredAccount {
  return deps.store().resolve(reference ?? deps.globals.account);
}

function describeStored(deps: Deps, account: StoredAccount, defaultId: string | undefined) {
  return describeAccount({ ...account, source: 'store' }, account.businessId === defaultId, deps.now());
}

/** One short phrase for the table's token column, with the refresh token's days (365 from consent, never extended). */
export function tokenStateText(account: StoredAccount, now: number): string {
  if (account.revoked) return `revoked ${formatTime(account.revoked.at).slice(0, 10)} by the account holder: connect again`;
  const accessLeft = account.accessTokenExpiresAt - now;
  const refreshOk = Boolean(account.refreshToken) && account.refreshTokenExpiresAt > now;
  if (!refreshOk && accessLeft <= 0) return 'expired: refresh --reauthorize';
  const days = refreshOk ? daysLeft(account.refreshTokenExpiresAt, now) : null;
  const refresh = !refreshOk
    ? '; refresh token expired: refresh --reauthorize'
    : days === null
      ? ''
      : `; refresh token ${daysText(days)} left${days < REFRESH_TOKEN_WARN_DAYS ? ': refresh --reauthorize soon' : ''}`;
  if (accessLeft > 0) return `ok, ${formatDuration(accessLeft)} left${refresh}`;
  return `access expired (renews itself)${refresh}`;
}

export async function run(_options: AccountsOptions, deps: Deps): Promise<void> {
  const { io, env } = deps;
  const store = deps.store();
  const accounts = store.list();
  const defaultId = accounts.length ? store.defaultBusinessId() : undefined;
  const envNote = env.TIKTOK_CHANNEL_ACCESS_TOKEN
    ? 'TIKTOK_CHANNEL_ACCESS_TOKEN is set: commands use that token instead of these stored accounts.'
    : undefined;
  if (io.json) {
    io.printJson({
      accounts: accounts.map((account) => describeStored(deps, account, defaultId)),
      default_account: defaultId ?? null,
      env_credentials: Boolean(env.TIKTOK_CHANNEL_ACCESS_TOKEN),
    });
    return;
  }
  if (!accounts.length) {
    io.info('No accounts connected. Run `tiktok-channel connect` (or `tiktok-channel connect --sandbox` to try the built-in sandbox).');
    if (envNote) io.warn(envNote);
    return;
  }
  const now = deps.now();
  const rows = accounts.map((account) => [
    account.businessId === defaultId ? '*' : '',
    // Hand-edited names may hold escape sequences: shown display-safe, stored as written.
    terminalSafe(account.channelName),
    account.username ? `@${account.username}` : '-',
    account.businessId,
    account.region ?? '-',
    `${tokenStateText(account, now)}${account.sandbox ? ' · sandbox' : ''}`,
  ]);
  io.out(renderTable(['', 'NAME', 'USERNAME', 'BUSINESS_ID', 'REGION', 'TOKEN'], rows, { width: io.columns }));
  if (envNote) io.warn(envNote);
}

export async function use(options: { account: string }, deps: Deps): Promise<void> {
  const { io } = deps;
  const account = storedAccount(deps, options.account);
  await deps.store().setDefault(account.businessId);
  if (io.json) {
    io.printJson({ default_account: account.businessId, account: describeStored(deps, account, account.businessId) });
    return;
  }
  io.success(`${terminalSafe(account.channelName)}${account.username ? ` (@${account.username})` : ''} is now the default account.`);
}

export async function rename(options: { name: string }, deps: Deps): Promise<void> {
  const { io } = deps;
  const name = parseName(options.name, 'rename') as string;
  const account = storedAccount(deps);
  // Names are how --account finds accounts, so one may not shadow another account's name, @username or id.
  const clash = deps
    .store()
    .list()
    .find(
      (other) =>
        other.businessId !== account.businessId &&
        [other.channelName.toLowerCase(), other.username?.toLowerCase(), `@${other.username?.toLowerCase()}`, other.businessId.toLowerCase()].includes(name.toLowerCase()),
    );
  if (clash) {
    throw usageError(`"${name}" already names another account (${clash.channelName}, ${clash.businessId}).`, 'Choose a name no other account uses, so --account stays unambiguous.');
  }
  const previousName = account.channelName;
  const updated = await deps.store().update(account.businessId, (stored) => {
    stored.channelName = name;
  });
  if (io.json) {
    io.printJson({ account: describeStored(deps, updated, deps.store().defaultBusinessId()), previous_name: previousName });
    return;
  }
  io.success(`Renamed ${previousName} to ${name}.`);
}

export async function disconnect(options: { keepToken?: boolean }, deps: Deps): Promise<void> {
  const { io } = deps;
  const account = storedAccount(deps);
  let revoked = false;
  let note: string | undefined;
  if (!options.keepToken) {
    const session = await deps.session({ ...account, source: 'store' });
    const client = session.client;
    try {
      // Through the session: an expired access token is renewed first, so the revoke really lands.
      await io.progress('Revoking the token at TikTok…', () =>
        session.call((accessToken) => revokeToken(client, { clientKey: account.clientKey, clientSecret: account.clientSecret }, accessToken)),
      );
      revoked = true;
    } catch (error) {
      error = asCliError(error);
      if (error instanceof CliError && error.kind === 'auth') {
        // Already invalid (revoked, expired, refresh token spent): nothing live is left to revoke.
        note = 'The token was already invalid at TikTok, so there was nothing to revoke.';
      } else if (error instanceof CliError && error.kind === 'cancelled') {
        throw error;
      } else {
        const cause = error instanceof CliError ? error : undefined;
        throw new CliError(cause?.kind ?? 'unexpected', `Could not revoke the token of ${account.channelName}, so it was kept: ${error instanceof Error ? error.message : String(error)}`, {
          hint: 'Try again when TikTok is reachable, or `tiktok-channel disconnect --keep-token` to forget it locally (the token then stays valid at TikTok until it expires).',
          tiktokCode: cause?.tiktokCode,
          requestId: cause?.requestId,
        });
      }
    }
  }
  const store = deps.store();
  // The session may have rotated the tokens while revoking; remove whatever is stored now.
  await store.remove(account.businessId);
  const nextDefault = store.list().length ? store.defaultBusinessId() : undefined;
  if (io.json) {
    io.printJson({
      disconnected: { business_id: account.businessId, channel_name: account.channelName, username: account.username ?? null },
      revoked,
      default_account: nextDefault ?? null,
    });
    return;
  }
  if (note) io.info(note);
  io.success(
    `Disconnected ${terminalSafe(account.channelName)}${account.username ? ` (@${account.username})` : ''}${revoked ? ' and revoked its token at TikTok' : options.keepToken ? ' (token kept valid at TikTok, as asked)' : ''}.`,
  );
  if (nextDefault) {
    const next = store.read().accounts[nextDefault];
    io.info(`Default account is now ${terminalSafe(next?.channelName ?? nextDefault ?? '')}.`);
  }
  // Only what exists is mentioned: `tail` journals received events in ${configDir}/journal/.
  const journal = join(store.dir, 'journal');
  if (existsSync(journal)) io.info(io.color.dim(`The event journal in ${journal} was left in place (delete it to remove received messages).`));
}
