// Everything a command touches in the world, built lazily in one place (gh's Factory): a command that
// never talks to TikTok never loads undici, and one that never asks never loads the prompt library.
import { join } from 'node:path';
import type { IO } from './io/io.js';
import type { Prompter } from './io/prompter.js';
import type { Transport } from './http/raw.js';
import type { TikTokClient } from './tiktok/client.js';
import { AccountStore, accountFromEnv, type ResolvedAccount } from './store/accounts.js';
import { inquirerPrompter, noPrompter } from './io/prompter.js';
import { CliError } from './errors.js';
import { sleep } from './sleep.js';
import type { Session } from './auth/session.js';

export type Env = Record<string, string | undefined>;

export interface GlobalOptions {
  account?: string;
  json: boolean;
  debug: boolean;
}

/** Per-command tuning of a client (doctor: fewer retries, shorter timeouts, an observed transport). */
export interface ClientTuning {
  maxAttempts?: number;
  timeoutMs?: number;
  /** Wraps the transport the client would use (e.g. to read answers' Date headers). */
  wrapTransport?: (transport: Transport) => Transport;
}

/** Where a client should send its requests. */
export interface ApiTarget {
  sandbox?: 'embedded';
  apiBaseUrl?: string;
  /** The app whose rate budget the requests spend (an account carries it). */
  clientKey?: string;
}

export interface Deps {
  io: IO;
  env: Env;
  globals: GlobalOptions;
  now: () => number;
  /** When this run began (epoch ms): what another process changed after it is news to this one. */
  startedAt: number;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  store(): AccountStore;
  /** The account a command acts on: env credentials, else --account, else the default. Throws auth (3) when none. */
  resolveAccount(reference?: string): ResolvedAccount;
  client(target?: ApiTarget, tuning?: ClientTuning): Promise<TikTokClient>;
  session(account: ResolvedAccount): Promise<Session>;
  openBrowser(url: string): Promise<void>;
  /** The prompter, or one that refuses when no TTY/CI (every prompt must have a flag). */
  prompter(): Prompter;
}

export interface DepsOptions {
  io: IO;
  env: Env;
  globals: GlobalOptions;
  signal: AbortSignal;
  now?: () => number;
  /** Defaults to the process's start: a CLI process is one run. */
  startedAt?: number;
  /** Tests replace the world's edges here. */
  overrides?: Partial<Pick<Deps, 'openBrowser' | 'prompter'>> & { transport?: Transport };
}

/** Base URL precedence: env var, then what the account was connected against, then TikTok's. */
export function apiBaseUrlFor(env: Env, target: ApiTarget = {}): string | undefined {
  return env.TIKTOK_CHANNEL_API_BASE_URL || target.apiBaseUrl || undefined;
}

/** The URL settings, checked once for every command: a value that is not an http(s) URL is a usage error. */
export const URL_VARIABLES = ['TIKTOK_CHANNEL_API_BASE_URL', 'TIKTOK_CHANNEL_AUTH_URL', 'TIKTOK_CHANNEL_SANDBOX_CONTROL_URL'] as const;

export function checkEnvUrls(env: Env): void {
  for (const name of URL_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      throw new CliError('usage', `${name} is not an http(s) URL: ${JSON.stringify(value)}.`, {
        hint:
          name === 'TIKTOK_CHANNEL_API_BASE_URL'
            ? "Set it to a full URL such as https://business-api.tiktok.com/open_api/v1.3/ (or a sandbox's apiBaseUrl), or unset it to use TikTok's."
            : `Set it to a full http(s) URL, or unset it.`,
      });
    }
  }
}

/**
 * Why no graphical browser can open here, if so: a Linux/BSD session without X11 or Wayland (ssh, a
 * container, a CI box). `open` would still "succeed" there (xdg-open starts and fails later, or takes the
 * terminal with a text browser), so we say so instead of claiming the browser opened.
 */
export function noDisplay(env: Env, platform: NodeJS.Platform): string | undefined {
  if (platform === 'darwin' || platform === 'win32' || platform === 'android') return undefined;
  if (env.DISPLAY || env.WAYLAND_DISPLAY || env.BROWSER || env.WSL_DISTRO_NAME || env.WSL_INTEROP) return undefined;
  return 'no display: DISPLAY and WAYLAND_DISPLAY are unset';
}

export function createDeps(options: DepsOptions): Deps {
  const { io, env, globals, signal } = options;
  checkEnvUrls(env);
  const now = options.now ?? Date.now;
  let store: AccountStore | undefined;

  const deps: Deps = {
    io,
    env,
    globals,
    now,
    // process.uptime(), not performance.now(): the global `performance` loads node:perf_hooks (~1.5 ms).
    startedAt: options.startedAt ?? now() - process.uptime() * 1000,
    signal,
    store() {
      store ??= new AccountStore({ configDir: env.TIKTOK_CHANNEL_CONFIG_DIR || undefined });
      return store;
    },
    resolveAccount(reference) {
      const current = deps.store();
      const wanted = reference ?? globals.account;
      const fromEnv = accountFromEnv(env, env.TIKTOK_CHANNEL_BUSINESS_ID ? current.find(env.TIKTOK_CHANNEL_BUSINESS_ID) : undefined);
      if (fromEnv) return fromEnv;
      return { ...current.resolve(wanted), source: 'store' };
    },
    async client(target = {}, tuning = {}) {
      const { TikTokClient } = await import('./tiktok/client.js');
      const debugLog = io.debug ? (line: string) => io.debugLog(line) : undefined;
      const wrap = tuning.wrapTransport ?? ((transport: Transport) => transport);
      const limits = { maxAttempts: tuning.maxAttempts, timeoutMs: tuning.timeoutMs };
      // Validated here, where it matters: a bad value is a usage error (exit 2) before any request.
      const maxRps = (await import('./config/max-rps.js')).parseMaxRps(env.TIKTOK_CHANNEL_MAX_RPS);
      // One budget per app, shared through the config dir by every process of this tool on the machine.
      // A config dir that cannot be made costs only the sharing (env credentials need no store).
      let rateDir: string | undefined;
      try {
        rateDir = join(deps.store().dir, 'rate');
      } catch {
        rateDir = undefined;
      }
      const budget = { maxRps, clientKey: target.clientKey || env.TIKTOK_CHANNEL_CLIENT_KEY || undefined, rateDir };
      if (target.sandbox === 'embedded' && !env.TIKTOK_CHANNEL_API_BASE_URL) {
        const embedded = await (await import('./http/control.js')).embeddedSandbox(deps.store().dir);
        const transport = wrap(options.overrides?.transport ?? embedded.transport);
        return new TikTokClient({ baseUrl: embedded.apiBaseUrl, transport, debugLog, now, signal, ...budget, ...limits });
      }
      const transport = options.overrides?.transport ?? (await import('./http/node-http.js')).nodeHttpTransport;
      return new TikTokClient({ baseUrl: apiBaseUrlFor(env, target), transport: wrap(transport), debugLog, now, signal, ...budget, ...limits });
    },
    async session(account) {
      const { Session } = await import('./auth/session.js');
      const client = await deps.client(account);
      return new Session(account, { store: deps.store(), client, now, debugLog: io.debug ? (line) => io.debugLog(line) : undefined });
    },
    async openBrowser(url) {
      if (options.overrides?.openBrowser) return options.overrides.openBrowser(url);
      const missing = noDisplay(env, process.platform);
      if (missing) throw new Error(missing);
      const { default: open } = await import('open');
      const child = await open(url, { wait: false });
      // `open` resolves once spawned; a missing opener shows up as an 'error' event on the child.
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        void sleep(200, signal).then(resolve);
      });
      child.unref();
    },
    prompter() {
      if (options.overrides?.prompter) return options.overrides.prompter();
      return io.canPrompt() ? inquirerPrompter(signal) : noPrompter();
    },
  };
  return deps;
}
