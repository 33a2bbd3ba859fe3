// `doctor`: every reason TikTok messages stop, checked at once and explained with its fix. The checks
// live in src/doctor/checks (one per contract id); they share one set of TikTok calls (src/doctor/probes)
// made concurrently, so a run costs about two round trips. Doctor only reports: it never prompts, never
// opens a browser, and changes nothing unless `--fix` is given (renew the token, make the account file
// private). Exit 1 when a check fails (with --strict also on a warning or a check that could not run), 0 otherwise.
import { type CliError, toCliError, usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { createProbes, observeTransport, type Exchange } from '../../doctor/probes.js';
import type { AccountSummary, DoctorReport, reportJson } from '../../doctor/render.js';
import type { CheckResult } from '../../doctor/types.js';
import { output, type Output } from '../../io/output.js';
import { accountFromEnv, notConnected, type ResolvedAccount } from '../../store/accounts.js';
import type { DoctorOptions } from '../doctor.js';

/** Doctor's client: one retry (not four), and a silent server is given up on after 6 s. */
const DOCTOR_CLIENT = { maxAttempts: 2, timeoutMs: 6_000 };

interface Target {
  account?: ResolvedAccount;
  accountError?: CliError;
}

function singleTarget(deps: Deps): Target {
  try {
    return { account: deps.resolveAccount() };
  } catch (error) {
    return { accountError: toCliError(error) };
  }
}

/** The env account (if any) and every stored one, each with its own credentials. */
function allTargets(deps: Deps): Target[] {
  const targets: Target[] = [];
  let stored: ResolvedAccount[] = [];
  try {
    stored = deps
      .store()
      .list()
      .map((account) => ({ ...account, source: 'store' as const }));
  } catch (error) {
    return [{ accountError: toCliError(error) }];
  }
  try {
    const fromEnv = accountFromEnv(deps.env, deps.env.TIKTOK_CHANNEL_BUSINESS_ID ? deps.store().find(deps.env.TIKTOK_CHANNEL_BUSINESS_ID) : undefined);
    if (fromEnv) targets.push({ account: fromEnv });
  } catch (error) {
    targets.push({ accountError: toCliError(error) });
  }
  targets.push(...stored.map((account) => ({ account })));
  return targets.length ? targets : [{ accountError: notConnected() }];
}

/** The app credentials the CLI uses for this account: the env account's (env, else stored), the stored ones, or env alone. */
function appFor(target: Target, deps: Deps): { clientKey?: string; clientSecret?: string } {
  const env = deps.env;
  if (target.account) return { clientKey: target.account.clientKey || undefined, clientSecret: target.account.clientSecret || undefined };
  return { clientKey: env.TIKTOK_CHANNEL_CLIENT_KEY || undefined, clientSecret: env.TIKTOK_CHANNEL_CLIENT_SECRET || undefined };
}

function isLocalBase(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
    return host === 'sandbox.embedded' || host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

async function examine(target: Target, options: DoctorOptions, deps: Deps): Promise<DoctorReport> {
  const started = performance.now();
  const exchanges: Exchange[] = [];
  const stop = new AbortController();
  const app = appFor(target, deps);
  const account = target.account;
  const client = await deps.client(account ?? {}, { ...DOCTOR_CLIENT, wrapTransport: observeTransport(exchanges, stop.signal) });
  let storePath: string | undefined;
  let configDir: string | undefined;
  try {
    storePath = deps.store().path;
    configDir = deps.store().dir;
  } catch {
    // a broken account file is reported by config through the account error
  }
  const embedded = client.baseUrl.startsWith('http://sandbox.embedded');
  // The requests go out first; the checks' code loads while TikTok answers.
  const probes = createProbes({ client, account, app, exchanges });
  const [{ CHECKS }, { runChecks }] = await Promise.all([import('../../doctor/checks/index.js'), import('../../doctor/runner.js')]);
  try {
    const checks = await runChecks(CHECKS, {
      account,
      accountError: target.accountError,
      app,
      apiBaseUrl: client.baseUrl,
      apiIsLocal: isLocalBase(client.baseUrl),
      embedded,
      env: deps.env,
      storePath,
      configDir,
      now: deps.now(),
      fix: Boolean(options.fix),
      probes,
    });
    return {
      account: account ? describe(account, client.baseUrl) : null,
      checks,
      durationMs: Math.round(performance.now() - started),
      secrets: secretsOf(account, app, deps),
    };
  } finally {
    stop.abort(); // requests of checks that were skipped need not finish
  }
}

function describe(account: ResolvedAccount, apiBaseUrl: string): AccountSummary {
  return {
    business_id: account.businessId,
    channel_name: account.channelName,
    username: account.username ?? null,
    region: account.region ?? null,
    source: account.source,
    api_base_url: apiBaseUrl,
    sandbox: account.sandbox ?? null,
  };
}

function secretsOf(account: ResolvedAccount | undefined, app: { clientSecret?: string }, deps: Deps): string[] {
  const env = deps.env;
  return [
    account?.accessToken,
    account?.accessToken.replace(/^bearer\s+/i, ''),
    account?.refreshToken,
    account?.clientSecret,
    app.clientSecret,
    env.TIKTOK_CHANNEL_ACCESS_TOKEN,
    env.TIKTOK_CHANNEL_REFRESH_TOKEN,
    env.TIKTOK_CHANNEL_CLIENT_SECRET,
  ].filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
}

/**
 * `--fix` for a token that needs renewing: refresh it (rotated pair stored first, under the store's lock)
 * and examine the account again with the new token; if TikTok refuses, say so in the token check.
 */
async function fixToken(report: DoctorReport, target: Target, options: DoctorOptions, deps: Deps): Promise<DoctorReport> {
  const token = report.checks.find((check) => check.id === 'token');
  const account = target.account;
  if (!options.fix || token?.fixable !== 'refresh' || !account || account.source !== 'store') return report;
  let renewed: ResolvedAccount;
  try {
    const session = await deps.session(account);
    await session.refresh({ staleToken: account.accessToken });
    renewed = session.current;
  } catch (error) {
    const failure = toCliError(error);
    const replaced: CheckResult = {
      ...token,
      status: 'fail',
      detail: `${token.detail}; --fix could not renew it: ${failure.message}`,
      fix: failure.hint,
      fixable: undefined,
    };
    return { ...report, checks: report.checks.map((check) => (check.id === 'token' ? replaced : check)) };
  }
  const again = await examine({ account: renewed }, { ...options, fix: false }, deps);
  return {
    ...again,
    secrets: [...again.secrets, ...report.secrets],
    checks: again.checks.map((check) => (check.id === 'token' ? { ...check, detail: `renewed by --fix: ${check.detail}` } : check)),
  };
}

type ReportJson = ReturnType<typeof reportJson>;
/** One account's report, or with --all-accounts every account's and a summary. */
export type DoctorData = ReportJson | { accounts: ReportJson[]; summary: { accounts: number; failing: number; ok: boolean } };

export async function doctor(options: DoctorOptions, deps: Deps): Promise<Output<DoctorData>> {
  if (options.allAccounts && deps.globals.account) {
    throw usageError(
      '--all-accounts and --account cannot be combined.',
      'Pass one of them: `tiktok-channel doctor --all-accounts`, or `--account <name>` for one.',
    );
  }
  const targets = options.allAccounts ? allTargets(deps) : [singleTarget(deps)];
  const label = targets.length > 1 ? `Checking ${targets.length} accounts…` : 'Running checks…';
  const reports = await deps.io.progress(label, () =>
    Promise.all(targets.map(async (target) => fixToken(await examine(target, options, deps), target, options, deps))),
  );
  const { renderHuman, reportJson, summarize } = await import('../../doctor/render.js');
  const strict = Boolean(options.strict);
  const failing = reports.filter((report) => !summarize(report, strict).ok).length;

  const data: DoctorData = options.allAccounts
    ? { accounts: reports.map((report) => reportJson(report, strict)), summary: { accounts: reports.length, failing, ok: failing === 0 } }
    : reportJson(reports[0]!, strict);
  // A failing check is the result, not an error: the report is printed whole, then exit 1.
  return output(
    data,
    (_data, io) => {
      const blocks = reports.map((report) => renderHuman(report, { verbose: Boolean(options.verbose), strict, color: io.color }));
      if (reports.length > 1)
        blocks.push(
          `${reports.length} accounts checked: ${failing ? io.color.red(`${failing} need${failing === 1 ? 's' : ''} attention`) : io.color.green('all passed')}`,
        );
      io.out(blocks.join('\n\n'));
    },
    failing ? 1 : 0,
  );
}
