// `accounts`, `accounts use`, `rename`, `disconnect`: the stored accounts (never the env credentials).
// Listing is offline; only `disconnect` talks to TikTok, to revoke before forgetting, so the OAuth
// client loads there alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { asCliError, CliError, usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import type { IO } from '../../io/io.js';
import { displaySafe, formatDuration, formatTime, renderTable } from '../../io/format.js';
import { output, type Output } from '../../io/output.js';
import { daysLeft, daysText, REFRESH_TOKEN_WARN_DAYS } from '../../auth/lifetimes.js';
import type { StoredAccount } from '../../store/accounts.js';
import type { AccountsOptions } from '../accounts.js';
import type { UseOptions } from '../accounts-use.js';
import type { RenameOptions } from '../rename.js';
import type { DisconnectOptions } from '../disconnect.js';
import { describeAccount, type AccountDescription } from './describe.js';

/** A stored account by reference (name, @username, business_id), else --account, else the default. */
export function storedAccount(deps: Deps, reference?: string): StoredAccount {
  return deps.store().resolve(reference ?? deps.globals.account);
}

function describeStored(deps: Deps, account: StoredAccount, defaultId: string | undefined): AccountDescription {
  return describeAccount({ ...account, source: 'store' }, account.businessId === defaultId, deps.now());
}

/** "Acme support (@acme)": names a person or TikTok chose, shown display-safe (stored as written). */
function nameOf(account: Pick<StoredAccount, 'channelName' | 'username'>): string {
  return displaySafe(`${account.channelName}${account.username ? ` (@${account.username})` : ''}`);
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

export interface AccountList {
  accounts: AccountDescription[];
  default_account: string | null;
  env_credentials: boolean;
}

export async function accounts(_options: AccountsOptions, deps: Deps): Promise<Output<AccountList>> {
  const { env } = deps;
  const store = deps.store();
  const stored = store.list();
  const defaultId = stored.length ? store.defaultBusinessId() : undefined;
  const envNote = env.TIKTOK_CHANNEL_ACCESS_TOKEN ? 'TIKTOK_CHANNEL_ACCESS_TOKEN is set: commands use that token instead of these stored accounts.' : undefined;
  const data: AccountList = {
    accounts: stored.map((account) => describeStored(deps, account, defaultId)),
    default_account: defaultId ?? null,
    env_credentials: Boolean(env.TIKTOK_CHANNEL_ACCESS_TOKEN),
  };
  return output(data, (_data, io) => {
    if (!stored.length) {
      io.info('No accounts connected. Run `tiktok-channel connect` (or `tiktok-channel connect --sandbox` to try the built-in sandbox).');
      if (envNote) io.warn(envNote);
      return;
    }
    const now = deps.now();
    const rows = stored.map((account) => [
      account.businessId === defaultId ? '*' : '',
      // Hand-edited names may hold escape sequences: shown display-safe, stored as written.
      displaySafe(account.channelName),
      account.username ? displaySafe(`@${account.username}`) : '-',
      displaySafe(account.businessId),
      displaySafe(account.region ?? '-'),
      `${tokenStateText(account, now)}${account.sandbox ? ' · sandbox' : ''}`,
    ]);
    io.out(renderTable(['', 'NAME', 'USERNAME', 'BUSINESS_ID', 'REGION', 'TOKEN'], rows, { width: io.columns }));
    if (envNote) io.warn(envNote);
  });
}

export async function use(options: UseOptions, deps: Deps): Promise<Output<{ default_account: string; account: AccountDescription }>> {
  const account = storedAccount(deps, options.account);
  await deps.store().setDefault(account.businessId);
  return output({ default_account: account.businessId, account: describeStored(deps, account, account.businessId) }, (_data, io) => {
    io.success(`${nameOf(account)} is now the default account.`);
  });
}

export async function rename(options: RenameOptions, deps: Deps): Promise<Output<{ account: AccountDescription; previous_name: string }>> {
  // Checked (trimmed, no controls, at most 80 characters) as it was parsed: see rename.ts.
  const name = options.name;
  const account = storedAccount(deps);
  // Names are how --account finds accounts, so one may not shadow another account's name, @username or id.
  const clash = deps
    .store()
    .list()
    .find(
      (other) =>
        other.businessId !== account.businessId &&
        [other.channelName.toLowerCase(), other.username?.toLowerCase(), `@${other.username?.toLowerCase()}`, other.businessId.toLowerCase()].includes(
          name.toLowerCase(),
        ),
    );
  if (clash) {
    throw usageError(
      `"${name}" already names another account (${clash.channelName}, ${clash.businessId}).`,
      'Choose a name no other account uses, so --account stays unambiguous.',
    );
  }
  const previousName = account.channelName;
  const updated = await deps.store().update(account.businessId, (stored) => {
    stored.channelName = name;
  });
  return output({ account: describeStored(deps, updated, deps.store().defaultBusinessId()), previous_name: previousName }, (_data, io) => {
    io.success(`Renamed ${displaySafe(previousName)} to ${name}.`);
  });
}

export interface Disconnected {
  disconnected: { business_id: string; channel_name: string; username: string | null };
  revoked: boolean;
  default_account: string | null;
}

export async function disconnect(options: DisconnectOptions, deps: Deps): Promise<Output<Disconnected>> {
  const account = storedAccount(deps);
  let revoked = false;
  let note: string | undefined;
  if (!options.keepToken) {
    const [session, { revokeToken }] = await Promise.all([deps.session({ ...account, source: 'store' }), import('../../tiktok/oauth.js')]);
    const client = session.client;
    try {
      // Through the session: an expired access token is renewed first, so the revoke really lands.
      await deps.io.progress('Revoking the token at TikTok…', () =>
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
        throw new CliError(
          cause?.kind ?? 'unexpected',
          `Could not revoke the token of ${account.channelName}, so it was kept: ${error instanceof Error ? error.message : String(error)}`,
          {
            hint: 'Try again when TikTok is reachable, or `tiktok-channel disconnect --keep-token` to forget it locally (the token then stays valid at TikTok until it expires).',
            tiktokCode: cause?.tiktokCode,
            requestId: cause?.requestId,
          },
        );
      }
    }
  }
  const store = deps.store();
  // The session may have rotated the tokens while revoking; remove whatever is stored now.
  await store.remove(account.businessId);
  const nextDefault = store.list().length ? store.defaultBusinessId() : undefined;
  const data: Disconnected = {
    disconnected: { business_id: account.businessId, channel_name: account.channelName, username: account.username ?? null },
    revoked,
    default_account: nextDefault ?? null,
  };
  return output(data, (_data, io) => {
    if (note) io.info(note);
    io.success(
      `Disconnected ${nameOf(account)}${revoked ? ' and revoked its token at TikTok' : options.keepToken ? ' (token kept valid at TikTok, as asked)' : ''}.`,
    );
    if (nextDefault) {
      const next = store.read().accounts[nextDefault];
      io.info(`Default account is now ${displaySafe(next?.channelName ?? nextDefault)}.`);
    }
    journalNote(store.dir, io);
  });
}

/** Only what exists is mentioned: `tail` journals received events in <config dir>/journal/. */
function journalNote(configDir: string, io: IO): void {
  const journal = join(configDir, 'journal');
  if (existsSync(journal)) io.info(io.color.dim(`The event journal in ${journal} was left in place (delete it to remove received messages).`));
}
