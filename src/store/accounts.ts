// Connected accounts, kept with `conf` (0600) and keyed by business_id. Every change is a locked
// read-modify-write of the whole file so two processes never overwrite each other's update.
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Conf from 'conf';
import envPaths from 'env-paths';
import { CliError } from '../errors.js';
import { configDirError } from './config-dir.js';
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
  refreshTokenExpiresAt: number;
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

export interface StoreShape {
  version: 1;
  defaultAccount?: string;
  accounts: Record<string, StoredAccount>;
}

/** An account in use: from the store, or from TIKTOK_CHANNEL_* env credentials (CI). */
export interface ResolvedAccount extends StoredAccount {
  source: 'store' | 'env';
}

export class AccountStore {
  readonly dir: string;
  readonly path: string;
  private conf?: Conf<StoreShape>;

  constructor(private readonly options: { configDir?: string }) {
    this.conf = undefined;
    // Where conf keeps the file (its default dir is env-paths' config dir); reads need no conf at all,
    // so read-only commands never load it (it brings ajv: most of a start-up).
    this.dir = options.configDir ?? envPaths('tiktok-channel', { suffix: '' }).config;
    this.path = resolve(this.dir, 'accounts.json');
    if (options.configDir) {
      try {
        mkdirSync(options.configDir, { recursive: true, mode: 0o700 });
      } catch (error) {
        throw configDirError(options.configDir, error);
      }
    }
  }

  private async open(): Promise<Conf<StoreShape>> {
    if (!this.conf) {
      const { default: Conf } = await import('conf');
      try {
        this.conf = new Conf<StoreShape>({
          projectName: 'tiktok-channel',
          projectSuffix: '',
          configName: 'accounts',
          cwd: this.dir,
          configFileMode: 0o600,
          // No defaults: conf would write them from its constructor, outside our lock, and a racing
          // process could overwrite an account another one just stored.
          // Tokens must survive a crash mid-write: conf writes atomically (temp file + rename).
          clearInvalidConfig: false,
        });
      } catch (error) {
        // conf reads the file in its constructor: a broken file must not be cleared, only reported.
        throw storeError(this.path, error, 'read');
      }
    }
    return this.conf;
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

  /** Runs fn with the store locked against other processes; fn sees and returns the latest state. */
  async transaction<T>(fn: (shape: StoreShape) => T | Promise<T>): Promise<T> {
    const { withFileLock } = await import('./lock.js');
    return withFileLock(this.path, async () => {
      const shape = this.read();
      const result = await fn(shape);
      await this.write(shape);
      return result;
    });
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

  private async write(shape: StoreShape): Promise<void> {
    const conf = await this.open();
    try {
      conf.store = shape;
    } catch (error) {
      throw storeError(conf.path, error, 'write');
    }
    // conf applies configFileMode on write; re-assert in case the file pre-existed with looser bits.
    try {
      chmodSync(conf.path, 0o600);
    } catch {
      // best effort: the write itself succeeded
    }
  }
}

/** What conf's `store` getter returns, read without conf: the parsed file, or {} when there is none. */
function readStoreFile(path: string): Partial<StoreShape> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
  return Object.assign({}, JSON.parse(text) as Partial<StoreShape>);
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

export function defaultConfigDirFor(env: Record<string, string | undefined>): string | undefined {
  return env.TIKTOK_CHANNEL_CONFIG_DIR ? join(env.TIKTOK_CHANNEL_CONFIG_DIR) : undefined;
}
