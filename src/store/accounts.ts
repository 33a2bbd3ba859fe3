// Connected accounts, kept with `conf` in accounts.json (0600) and keyed by business_id. Every change is
// a locked read-modify-write of the whole file so two processes never overwrite each other's update, and
// the write's room is taken before the change is made (a refresh must not spend a token it cannot store):
// a reserved ballast is released just before conf's atomic write (temp file, fsync, rename). conf is
// loaded before the change too, so after TikTok answers nothing is imported before the write.
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import envPaths from 'env-paths';
import { CliError } from '../errors.js';
import { configDirError } from './config-dir.js';
import type Conf from 'conf';
import { reserveRoom, syncDirectoryOf, type PreparedWrite } from './durable-write.js';
import { parseAccountReference } from './reference.js';
import { validateStore } from './validate.js';

export interface StoredAccount {
  businessId: string;
  /** Our own label for the account ("Acme support"); defaults to the @username. */
  channelName: string;
  username?: string;
  displayName?: string;
  /** ISO 3166-1 alpha-2 of the account's registration region, when known. */
  region?: string;
  scopes: string[];
  accessToken: string;
  /** epoch ms */
  accessTokenExpiresAt: number;
  refreshToken: string;
  /**
   * epoch ms. TikTok counts the refresh token's 365 days from the consent, not from the last refresh
   * (tiktok-api.md §2), so this is the answer's own `refresh_token_expires_in`, never extended by us.
   */
  refreshTokenExpiresAt: number;
  /** epoch ms of the account holder's consent (connect, refresh --reauthorize); absent in older files. */
  consentedAt?: number;
  /** The account holder removed the app (webhook `authorization.removed`): its tokens are dead until a new consent. */
  revoked?: AccountRevocation;
  clientKey: string;
  clientSecret: string;
  /** 'embedded': served in-process by the sandbox in the config dir. */
  sandbox?: 'embedded';
  /** The API base the account was connected against, when not TikTok's (e.g. a served sandbox). */
  apiBaseUrl?: string;
  authUrl?: string;
  connectedAt: number;
  updatedAt: number;
}

export interface AccountRevocation {
  /** epoch ms: when TikTok says it happened (the delivery's time), else when it was received. */
  at: number;
  /** TikTok's `reason` (0 to 5, see tiktok/events.ts), null when the delivery had none we could read. */
  reason: number | null;
}

export interface StoreShape {
  version: 1;
  defaultAccount?: string;
  accounts: Record<string, StoredAccount>;
}

/** An account in use: from the store, or from TIKTOK_CHANNEL_* env credentials (CI). */
export interface ResolvedAccount extends StoredAccount {
  source: 'store' | 'env';
}

/** What a transaction does when its change was made but could not be written (a rotated token). */
export interface TransactionOptions {
  /** Said when the write cannot even be prepared, before the change: e.g. "The refresh token was not used." */
  unchangedNote?: string;
  /** Called after a second failed write with the state that could not be stored; returns the error to throw. */
  onLostWrite?: (shape: StoreShape, error: CliError) => CliError;
}

export class AccountStore {
  readonly dir: string;
  readonly path: string;
  /** performance.now() when the last transaction's write reached the disk (fsync + rename). */
  lastCommitAt = 0;
  /** Tests replace how the write is prepared (to make it fail after the change); by default conf writes. */
  private readonly prepare?: (path: string) => PreparedWrite;
  private conf?: Conf<StoreShape>;

  constructor(options: { configDir?: string; prepareWrite?: (path: string) => PreparedWrite }) {
    // The per-user default (env-paths' config dir); reads and writes need only node:fs.
    this.dir = options.configDir ?? envPaths('tiktok-channel', { suffix: '' }).config;
    this.path = resolve(this.dir, 'accounts.json');
    this.prepare = options.prepareWrite;
    if (options.configDir) {
      try {
        mkdirSync(options.configDir, { recursive: true, mode: 0o700 });
      } catch (error) {
        throw configDirError(options.configDir, error);
      }
    }
  }

  /** The stored accounts, checked field by field: a file in another shape is reported, never used or rewritten. */
  read(): StoreShape {
    let store: unknown;
    try {
      store = readStoreFile(this.path);
    } catch (error) {
      throw storeError(this.path, error, 'read');
    }
    const problem = validateStore(store);
    if (problem) {
      const path = this.path;
      throw new CliError('config', `The account file ${path} is not in the shape tiktok-channel writes: ${problem}. Nothing was changed.`, {
        hint: `Repair that field by hand, or move the file aside (mv "${path}" "${path}.broken") and run \`tiktok-channel connect\` again.`,
      });
    }
    const shape = store as Partial<StoreShape>;
    return { version: 1, defaultAccount: shape.defaultAccount, accounts: { ...(shape.accounts ?? {}) } };
  }

  list(): StoredAccount[] {
    return Object.values(this.read().accounts).sort((a, b) => a.connectedAt - b.connectedAt);
  }

  defaultBusinessId(): string | undefined {
    const shape = this.read();
    if (shape.defaultAccount && shape.accounts[shape.defaultAccount]) return shape.defaultAccount;
    return Object.keys(shape.accounts)[0];
  }

  /** Finds an account by business_id, channel name or @username (case-insensitive for names). */
  find(reference: string): StoredAccount | undefined {
    const accounts = this.read().accounts;
    if (accounts[reference]) return accounts[reference];
    const wanted = reference.replace(/^@/, '').toLowerCase();
    return Object.values(accounts).find(
      (account) => account.channelName.toLowerCase() === reference.toLowerCase() || account.username?.toLowerCase() === wanted,
    );
  }

  /** The account a reference names (see find), or the default one; not connected (exit 3) when none. */
  resolve(reference?: string): StoredAccount {
    if (reference !== undefined) reference = parseAccountReference(reference, 'The account reference');
    const defaultId = reference ? undefined : this.defaultBusinessId();
    const account = reference ? this.find(reference) : defaultId ? this.read().accounts[defaultId] : undefined;
    if (!account) throw notConnected(reference);
    return account;
  }

  /**
   * Runs fn with the store locked against other processes; fn sees and changes the latest state, which is
   * then written. The write's temp file is opened and its room allocated before fn runs, so a full disk
   * refuses the change before it is made; a write that still fails is tried once more, then handed to
   * options.onLostWrite.
   */
  async transaction<T>(fn: (shape: StoreShape) => T | Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { withFileLock } = await import('./lock.js');
    return withFileLock(this.path, async () => {
      const shape = this.read();
      let prepared: PreparedWrite;
      try {
        await this.openConf();
        prepared = this.prepareWrite();
      } catch (error) {
        const failure = configDirError(this.dir, error);
        if (options.unchangedNote) failure.message = `${failure.message} ${options.unchangedNote}`;
        throw failure;
      }
      let result: T;
      try {
        result = await fn(shape);
      } catch (error) {
        prepared.abandon();
        throw error;
      }
      this.commit(prepared, shape, options);
      return result;
    });
  }

  private commit(prepared: PreparedWrite, shape: StoreShape, options: TransactionOptions): void {
    const text = `${JSON.stringify(shape, undefined, '\t')}\n`;
    try {
      prepared.commit(text);
    } catch (first) {
      // Once more with a new temp file (space may have been freed, or the failure was that file's own).
      try {
        this.prepareWrite().commit(text);
      } catch (second) {
        const error = storeError(this.path, second ?? first, 'write');
        throw options.onLostWrite ? options.onLostWrite(shape, error) : error;
      }
    }
    this.lastCommitAt = performance.now();
    // The temp file was created 0600; re-assert in case a hard link or umask surprise loosened it.
    try {
      chmodSync(this.path, 0o600);
    } catch {
      // best effort: the write itself succeeded
    }
  }

  /** conf, loaded and bound to accounts.json before any change is made (see the header). */
  private async openConf(): Promise<Conf<StoreShape>> {
    if (!this.conf) {
      const { default: Conf } = await import('conf');
      try {
        this.conf = new Conf<StoreShape>({
          projectName: 'tiktok-channel',
          projectSuffix: '',
          configName: 'accounts',
          cwd: this.dir,
          configFileMode: 0o600,
          // No defaults: conf would write them from its constructor, outside our lock. A broken file is
          // reported by read() above and never cleared.
          clearInvalidConfig: false,
        });
      } catch (error) {
        throw storeError(this.path, error, 'read');
      }
    }
    return this.conf;
  }

  /** The room for the next write, held now; its commit releases the room and lets conf write `text`. */
  private prepareWrite(): PreparedWrite {
    if (this.prepare) return this.prepare(this.path);
    const conf = this.conf!;
    const room = reserveRoom(this.path);
    return {
      tempPath: room.tempPath,
      abandon: room.abandon,
      commit: (text: string) => {
        room.release();
        conf.store = JSON.parse(text) as StoreShape;
        syncDirectoryOf(this.path);
      },
    };
  }

  /** Runs fn under the store's lock without writing (readers that must not race a writer). */
  async locked<T>(fn: () => T | Promise<T>): Promise<T> {
    const { withFileLock } = await import('./lock.js');
    return withFileLock(this.path, fn);
  }

  async upsert(account: StoredAccount, options: { makeDefault?: boolean } = {}): Promise<{ created: boolean; isDefault: boolean }> {
    return this.transaction((shape) => {
      const created = !shape.accounts[account.businessId];
      shape.accounts[account.businessId] = account;
      if (options.makeDefault || !shape.defaultAccount || !shape.accounts[shape.defaultAccount]) shape.defaultAccount = account.businessId;
      return { created, isDefault: shape.defaultAccount === account.businessId };
    });
  }

  async update(businessId: string, mutate: (account: StoredAccount) => void): Promise<StoredAccount> {
    return this.transaction((shape) => {
      const account = shape.accounts[businessId];
      if (!account) throw notConnected(businessId);
      mutate(account);
      account.updatedAt = Date.now();
      return account;
    });
  }

  async remove(businessId: string): Promise<void> {
    await this.transaction((shape) => {
      delete shape.accounts[businessId];
      if (shape.defaultAccount === businessId) shape.defaultAccount = Object.keys(shape.accounts)[0];
    });
  }

  async setDefault(businessId: string): Promise<void> {
    await this.transaction((shape) => {
      if (!shape.accounts[businessId]) throw notConnected(businessId);
      shape.defaultAccount = businessId;
    });
  }
}

/** The parsed file as it is (validateStore judges it), or {} when there is none. */
function readStoreFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/** A config file we cannot use: say which file, why, and that nothing was changed. */
function storeError(path: string, error: unknown, action: 'read' | 'write'): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: string }).code;
  if (error instanceof SyntaxError) {
    return new CliError('config', `The account file ${path} is not valid JSON (${error.message}); nothing was changed.`, {
      hint: `Move it aside (mv "${path}" "${path}.broken") and run \`tiktok-channel connect\` again, or repair it by hand.`,
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new CliError('config', `Permission denied to ${action} ${path}${code === 'EROFS' ? ' (read-only file system)' : ''}.`, {
      hint: 'Make the config dir yours (it should be mode 0700, the file 0600), or point TIKTOK_CHANNEL_CONFIG_DIR elsewhere.',
      cause: error,
    });
  }
  return new CliError('config', `Could not ${action} ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export function notConnected(reference?: string): CliError {
  return new CliError('auth', reference ? `No connected account matches "${reference}".` : 'No TikTok account is connected.', {
    hint: reference
      ? 'Run `tiktok-channel accounts` to see connected accounts, or `tiktok-channel connect` to add one.'
      : 'Run `tiktok-channel connect` (or `tiktok-channel connect --sandbox` to try the built-in sandbox).',
  });
}

/** The env-credentials account (CI): TIKTOK_CHANNEL_ACCESS_TOKEN + TIKTOK_CHANNEL_BUSINESS_ID win over the store. */
export function accountFromEnv(env: Record<string, string | undefined>, stored?: StoredAccount): ResolvedAccount | undefined {
  const accessToken = env.TIKTOK_CHANNEL_ACCESS_TOKEN;
  const businessId = env.TIKTOK_CHANNEL_BUSINESS_ID;
  if (!accessToken && !businessId) return undefined;
  if (!accessToken || !businessId) {
    throw new CliError('usage', `${accessToken ? 'TIKTOK_CHANNEL_BUSINESS_ID' : 'TIKTOK_CHANNEL_ACCESS_TOKEN'} is missing`, {
      hint: 'Set both TIKTOK_CHANNEL_ACCESS_TOKEN and TIKTOK_CHANNEL_BUSINESS_ID to use env credentials, or neither to use the stored account.',
    });
  }
  return {
    source: 'env',
    businessId,
    channelName: stored?.channelName ?? businessId,
    username: stored?.businessId === businessId ? stored.username : undefined,
    displayName: stored?.businessId === businessId ? stored.displayName : undefined,
    region: stored?.businessId === businessId ? stored.region : undefined,
    scopes: stored?.businessId === businessId ? stored.scopes : [],
    accessToken,
    // Unknown: env tokens carry no expiry, so the CLI only learns of expiry from TikTok's 40105.
    accessTokenExpiresAt: Number.POSITIVE_INFINITY,
    refreshToken: env.TIKTOK_CHANNEL_REFRESH_TOKEN ?? '',
    refreshTokenExpiresAt: env.TIKTOK_CHANNEL_REFRESH_TOKEN ? Number.POSITIVE_INFINITY : 0,
    clientKey: env.TIKTOK_CHANNEL_CLIENT_KEY ?? stored?.clientKey ?? '',
    clientSecret: env.TIKTOK_CHANNEL_CLIENT_SECRET ?? stored?.clientSecret ?? '',
    sandbox: stored?.businessId === businessId ? stored.sandbox : undefined,
    apiBaseUrl: stored?.businessId === businessId ? stored.apiBaseUrl : undefined,
    connectedAt: 0,
    updatedAt: 0,
  };
}
