// `connect`: sign in a TikTok Business Account through loopback OAuth (or an account of the sandbox
// with --sandbox), store it (0600), and say what was connected and what is missing.
import { CliError, usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import type { ConnectOptions } from '../connect.js';
import type { IO } from '../../io/io.js';
import { formatDuration, formatTime } from '../../io/format.js';
import { resolveAppCredentials } from '../../auth/app-credentials.js';
import { completeAuthorization, type Connected } from '../../auth/authorize.js';
import { runBrowserConsent, sandboxApp, sandboxConsent } from '../../auth/consent-flow.js';
import { controlRequest, sandboxControlTarget, servedControlUrl } from '../../http/control.js';
import type { Transport } from '../../http/raw.js';
import { DM_API_BLOCKED_REGIONS, dmRegionVerdict, MESSAGING_SCOPES, normalizeRegion } from '../../tiktok/limits.js';
import { normalizeBaseUrl } from '../../tiktok/client.js';
import { describeAccount } from '../accounts/describe.js';
import { parseName } from '../../store/channel-name.js';

export type { ConnectOptions };

/** `--scopes`: comma-separated scope names, checked for shape only (TikTok decides what the app may have). */
export function parseScopeList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = [
    ...new Set(
      value
        .split(',')
        .map((scope) => scope.trim())
        .filter(Boolean),
    ),
  ];
  const malformed = scopes.filter((scope) => !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/i.test(scope));
  if (!scopes.length || malformed.length) {
    throw usageError(
      scopes.length ? `--scopes holds ${malformed.map((scope) => JSON.stringify(scope)).join(', ')}, not a scope name.` : '--scopes is empty.',
      `Give scope names separated by commas, e.g. --scopes ${MESSAGING_SCOPES.join(',')}`,
    );
  }
  return scopes;
}

/**
 * TikTok's `invalid_scope` (tiktok-api.md §2): the app is not approved for one of the scopes asked for,
 * and TikTok granted nothing. A permission problem (exit 4) fixed in the developer portal, not here.
 */
function scopeRefusal(error: unknown, scopes: readonly string[]): CliError | undefined {
  if (!(error instanceof CliError)) return undefined;
  const named = error.details?.oauth_error === 'invalid_scope' || /\binvalid_scope\b/.test(error.message);
  if (!named) return undefined;
  const said = error.message
    .replace(/^.*?invalid_scope:?\s*/, '')
    .replace(/^\((.*)\)$/, '$1')
    .replace(/\.$/, '');
  return new CliError(
    'permission',
    `TikTok refused the scopes asked for: the app is not approved for at least one of ${scopes.join(', ')}, so nothing was granted${said ? ` (${said})` : ''}.`,
    {
      hint:
        "Add the missing scopes to the app in TikTok's developer portal (your app → Permissions, then wait for approval), " +
        `or ask only for approved ones: \`tiktok-channel connect --scopes ${MESSAGING_SCOPES.join(',')}\`.`,
      details: { oauth_error: 'invalid_scope', requested_scopes: [...scopes] },
    },
  );
}

export const DEFAULT_TIMEOUT_SECONDS = 300;

export async function connect(options: ConnectOptions, deps: Deps): Promise<void> {
  const { io, env } = deps;
  if (options.clientSecret !== undefined) {
    // Arguments are world-readable (`ps`, /proc/PID/cmdline) and land in shell history.
    io.warn(
      '--client-secret on the command line: other users of this machine can see it (`ps`) and it stays in your shell history. ' +
        'Set TIKTOK_CHANNEL_CLIENT_SECRET instead, or leave it out to be asked for it (hidden) on a terminal.',
    );
  }
  const name = parseName(options.name);
  const scopes = parseScopeList(options.scopes);
  let region = options.region !== undefined ? parseRegion(options.region) : undefined;
  if (region) warnRegion(io, region);

  const servedBase = env.TIKTOK_CHANNEL_API_BASE_URL || undefined;
  let connected: Connected;
  if (options.sandbox) {
    connected = await connectSandbox(deps, { name, region, servedBase, pkce: options.pkce, scopes }).catch((error: unknown) => {
      throw scopeRefusal(error, scopes ?? MESSAGING_SCOPES) ?? error;
    });
  } else {
    const store = deps.store();
    const target = servedBase ? normalizeBaseUrl(servedBase) : undefined;
    // Reuse the app of an account connected against the same API (the default account first).
    const defaultId = store.defaultBusinessId();
    const sameTarget = store
      .list()
      .filter((account) => !account.sandbox && (account.apiBaseUrl ? normalizeBaseUrl(account.apiBaseUrl) : undefined) === target)
      .sort((a, b) => Number(b.businessId === defaultId) - Number(a.businessId === defaultId));
    const app = await resolveAppCredentials(deps, { clientKey: options.clientKey, clientSecret: options.clientSecret, stored: sameTarget });

    let askedName = name;
    if (io.canPrompt() && scripted(options)) {
      if (askedName === undefined || region === undefined) io.info(notAskedNote(askedName, region));
    } else if (io.canPrompt()) {
      const prompter = deps.prompter();
      if (askedName === undefined) {
        const answer = (await prompter.input({ message: 'Channel name for this account (Enter: its @username, or the name it already has):' })).trim();
        askedName = answer || undefined;
      }
      if (region === undefined) {
        const answer = await prompter.input({
          message: 'Region the TikTok account is registered in (two letters, e.g. US, SG, DE; Enter if unknown):',
          validate: (value) => (!value.trim() || isRegionCode(value) ? true : 'Enter a two-letter country code such as US, SG or DE, or nothing.'),
        });
        region = answer.trim() ? parseRegion(answer) : undefined;
        if (region) warnRegion(io, region);
      }
    }

    if (options.port === undefined) io.info(RANDOM_PORT_NOTE);
    const client = await deps.client({ apiBaseUrl: servedBase });
    const authUrl = env.TIKTOK_CHANNEL_AUTH_URL || undefined;
    connected = await runBrowserConsent(
      deps,
      {
        app,
        authUrl,
        port: options.port,
        browser: options.browser !== false,
        timeoutSeconds: options.timeout ?? DEFAULT_TIMEOUT_SECONDS,
        pkce: options.pkce,
        scopes,
        retryCommand: `tiktok-channel connect${options.pkce === false ? ' --no-pkce' : ''}`,
      },
      async (authorized) => {
        const result = await completeAuthorization(deps, { client, app, authorized, name: askedName, region, apiBaseUrl: servedBase, authUrl });
        return { value: result, page: result.missingScopes.length ? 'partial' : 'success' };
      },
    ).catch((error: unknown) => {
      throw scopeRefusal(error, scopes ?? MESSAGING_SCOPES) ?? error;
    });
  }
  reportConnected(deps, connected, { verb: connected.created ? 'Connected' : 'Re-connected', regionWarned: region !== undefined, nextSteps: true });
}

/**
 * Flags for the app or the port mean a script or a typed-out command: the optional questions (name,
 * region) are not asked then, so the flags alone decide and nothing waits for a keyboard.
 */
function scripted(options: ConnectOptions): boolean {
  return options.clientKey !== undefined || options.clientSecret !== undefined || options.port !== undefined;
}

function notAskedNote(name: string | undefined, region: string | undefined): string {
  const missing = [
    name === undefined && '--name (default: the @username)',
    region === undefined && '--region (default: unknown, which doctor cannot check)',
  ].filter(Boolean);
  return `Not asking for what flags can say: pass ${missing.join(' and ')} to set ${missing.length > 1 ? 'them' : 'it'}.`;
}

/** README's advice: a random port needs TikTok to accept a wildcard port, which is unconfirmed for Business apps. */
const RANDOM_PORT_NOTE =
  'No --port: the redirect URI uses a random free port, so it works only if your app registered http://127.0.0.1:*/callback/ ' +
  '(unconfirmed for Business apps). For a redirect TikTok always accepts, register http://127.0.0.1:8723/callback/ and run `tiktok-channel connect --port 8723`.';

/** What to try once an account is connected (as `gh auth login` ends): human mode only, on stderr. */
function printNextSteps(deps: Deps, sandbox: boolean): void {
  const { io } = deps;
  // Kept within 80 columns.
  const steps: Array<[string, string]> = [
    ...(sandbox ? ([['sandbox message --text "Hi"', 'write as a sandbox customer']] as Array<[string, string]>) : []),
    ['conversations', 'who wrote; how long to reply'],
    ['tail', sandbox ? 'messages as they arrive' : 'messages as they arrive (or --poll)'],
    ['qr', 'your chat link as a QR code'],
    ['doctor', 'check what messaging needs'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  io.info(['', 'Next steps:', ...steps.map(([command, what]) => `  tiktok-channel ${command.padEnd(width)}  ${io.color.dim(what)}`)].join('\n'));
}

interface SandboxConnectOptions {
  name?: string;
  region?: string;
  servedBase?: string;
  pkce?: boolean;
  scopes?: readonly string[];
}

/**
 * `connect --sandbox`: the sandbox's own app, a code from its control API (no browser), then the same
 * exchange → profile → token info → store path as a real connect. A served sandbox
 * (TIKTOK_CHANNEL_API_BASE_URL) is used when set; otherwise the embedded one in the config dir.
 */
async function connectSandbox(deps: Deps, options: SandboxConnectOptions): Promise<Connected> {
  const { io } = deps;
  const { transport, controlUrl } = await sandboxControlTarget(
    () => deps.store().dir,
    options.servedBase ? servedControlUrl(deps.env, options.servedBase) : undefined,
  );
  const client = await deps.client(options.servedBase ? { apiBaseUrl: options.servedBase } : { sandbox: 'embedded' });
  const app = await sandboxApp(deps, transport, controlUrl);
  const authorized = await io.progress('Approving in the sandbox…', () =>
    sandboxConsent(deps, { transport, controlUrl, app, pkce: options.pkce, scopes: options.scopes }),
  );
  const connected = await completeAuthorization(deps, {
    client,
    app,
    authorized,
    name: options.name,
    region: options.region,
    sandbox: options.servedBase ? undefined : 'embedded',
    apiBaseUrl: options.servedBase,
    authUrl: options.servedBase ? `${new URL(options.servedBase).origin}/v2/auth/authorize/` : undefined,
  });
  // The sandbox knows the account's region now: a re-connect takes it rather than keeping the old one
  // (unless --region said otherwise), so a move into the EEA is warned about.
  if (!options.region) {
    const region = await sandboxRegion(deps, transport, controlUrl, connected.account.businessId);
    if (region && region !== connected.account.region) {
      connected.account = await deps.store().update(connected.account.businessId, (account) => void (account.region = region));
    }
  }
  return connected;
}

/** The sandbox knows its accounts' regions; remember it so `doctor` can check it (tolerant: unknown is fine). */
async function sandboxRegion(deps: Deps, transport: Transport, controlUrl: string, businessId: string): Promise<string | undefined> {
  try {
    type SandboxAccount = { business_id?: unknown; region?: unknown };
    const state = await controlRequest<{ accounts?: SandboxAccount[] | Record<string, SandboxAccount> }>(transport, 'GET', `${controlUrl}/state`, undefined, {
      signal: deps.signal,
    });
    const accounts = Array.isArray(state.accounts) ? state.accounts : Object.values(state.accounts ?? {});
    const region = accounts.find((account) => account.business_id === businessId)?.region;
    return typeof region === 'string' && isRegionCode(region) ? normalizeRegion(region) : undefined;
  } catch {
    return undefined;
  }
}

function isRegionCode(value: string): boolean {
  return /^[A-Za-z]{2}$/.test(value.trim());
}

export function parseRegion(value: string): string {
  if (!isRegionCode(value)) {
    throw usageError(`--region must be a two-letter country code such as US, SG or DE (got "${value}").`);
  }
  return normalizeRegion(value) as string;
}

/** Said at once, before any browser opens: the reference's region rules (§7). */
export function warnRegion(io: IO, region: string): void {
  const verdict = dmRegionVerdict(region);
  if (verdict === 'blocked') {
    const where = region === 'CH' ? 'Switzerland' : region === 'GB' ? 'the UK' : 'the EEA';
    io.warn(
      `Accounts registered in ${where} (${region}) cannot manage or send direct messages through TikTok's API. ` +
        'Connecting works, but messaging calls will be refused; use an account registered elsewhere.',
    );
  } else if (verdict === 'restricted') {
    io.warn(`Business Messaging is in open beta in ${region}; some features may be unavailable to this account.`);
  }
}

/** The human summary (stderr) or `{account, created}` (stdout, --json); missing scopes exit 4 after storing. */
export function reportConnected(deps: Deps, connected: Connected, options: { verb: string; regionWarned?: boolean; nextSteps?: boolean }): void {
  const { io, env } = deps;
  const now = deps.now();
  const { account } = connected;
  const description = describeAccount({ ...account, source: 'store' }, connected.isDefault, now);
  for (const warning of connected.warnings) io.warn(warning);

  if (!io.json) {
    const { color } = io;
    const label = (text: string) => color.dim(text.padEnd(15));
    const who = `${color.bold(account.channelName)}${account.username ? ` (@${account.username})` : ''}`;
    const lines = [
      `${options.verb} ${who}${connected.isDefault ? color.dim(' · default account') : ''}${account.sandbox ? color.dim(' · embedded sandbox') : ''}`,
      `  ${label('business_id')}${account.businessId}`,
      `  ${label('access token')}expires in ${formatDuration(account.accessTokenExpiresAt - now)} (${formatTime(account.accessTokenExpiresAt)})`,
      `  ${label('refresh token')}expires in ${formatDuration(account.refreshTokenExpiresAt - now)} (${formatTime(account.refreshTokenExpiresAt)})`,
      `  ${label('scopes')}${account.scopes.length ? account.scopes.join(', ') : 'none reported'}`,
      `  ${label('region')}${account.region ?? 'unknown (doctor cannot check it; pass --region next time)'}`,
    ];
    if (description.chat_link) lines.push(`  ${label('chat link')}${description.chat_link}`);
    io.success(lines.join('\n'));
    if (account.region && !options.regionWarned && DM_API_BLOCKED_REGIONS.includes(account.region)) warnRegion(io, account.region);
  }
  if (env.TIKTOK_CHANNEL_ACCESS_TOKEN) {
    io.warn('TIKTOK_CHANNEL_ACCESS_TOKEN is set, so commands use that token instead of this stored account until you unset it.');
  }
  if (connected.missingScopes.length) {
    throw new CliError(
      'permission',
      `${account.channelName} was stored, but TikTok did not grant the scopes messaging needs: ${connected.missingScopes.join(', ')}.`,
      {
        hint: 'Run `tiktok-channel refresh --reauthorize` and approve every permission; check the app requests them in the TikTok developer portal.',
        details: { stored: true, missing_scopes: connected.missingScopes, account: description, created: connected.created },
      },
    );
  }
  if (io.json) io.printJson({ account: description, created: connected.created });
  else if (options.nextSteps) printNextSteps(deps, Boolean(account.sandbox));
}
