// Doctor's two faces: grouped ✓ ! ✗ lines with one Fix block per problem (flutter doctor, expo-doctor),
// and the JSON document {account, checks, summary}. People paste this output into bug reports, so every
// string goes through the redactor with the account's tokens and the app secret, and the human form
// through displaySafe (names and TikTok's messages may hold terminal controls).
import { redactText } from '../http/redact.js';
import { displaySafe } from '../io/format.js';
import type { Colors } from '../io/io.js';
import type { Category, CheckResult, CheckStatus } from './types.js';

export interface AccountSummary {
  business_id: string;
  channel_name: string;
  username: string | null;
  region: string | null;
  source: 'store' | 'env';
  api_base_url: string;
  sandbox: 'embedded' | null;
}

export interface DoctorReport {
  account: AccountSummary | null;
  checks: CheckResult[];
  durationMs: number;
  /** Tokens and the app secret to keep out of every line. */
  secrets: string[];
}

export interface Summary {
  checks: number;
  passed: number;
  warnings: number;
  failures: number;
  skipped: number;
  errors: number;
  /** What the exit code says: no failure (and, with --strict, no warning and no check that could not run). */
  ok: boolean;
  duration_ms: number;
}

const CATEGORY_TITLES: Record<Category, string> = { setup: 'Setup', account: 'Account', messaging: 'Messaging' };
const PROBLEMS: CheckStatus[] = ['fail', 'error', 'warn'];

export function summarize(report: DoctorReport, strict: boolean): Summary {
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  const failures = count('fail');
  const errors = count('error');
  const warnings = count('warn');
  return {
    checks: report.checks.length,
    passed: count('ok'),
    warnings,
    failures,
    skipped: count('skip'),
    errors,
    ok: failures === 0 && (!strict || (warnings === 0 && errors === 0)),
    duration_ms: report.durationMs,
  };
}

export function reportJson(report: DoctorReport, strict: boolean) {
  const clean = (text: string | undefined) => (text === undefined ? null : redactText(text, report.secrets));
  return {
    account: report.account,
    checks: report.checks.map((check) => ({
      id: check.id,
      title: check.title,
      status: check.status,
      detail: clean(check.detail),
      fix: clean(check.fix),
      details: (check.details ?? []).map((line) => clean(line)),
      duration_ms: check.durationMs,
    })),
    summary: summarize(report, strict),
  };
}

function symbol(status: CheckStatus, color: Colors): string {
  switch (status) {
    case 'ok':
      return color.green('✓');
    case 'warn':
      return color.yellow('!');
    case 'fail':
      return color.red('✗');
    case 'error':
      return color.red('?');
    case 'skip':
      return color.dim('-');
  }
}

function header(account: AccountSummary | null): string {
  if (!account) return 'Doctor · no account';
  const who = `${account.channel_name}${account.username && account.channel_name !== `@${account.username}` && account.channel_name !== account.username ? ` (@${account.username})` : ''}`;
  let api = account.api_base_url;
  try {
    api = new URL(account.api_base_url).host;
  } catch {
    // keep the raw base
  }
  if (api === 'sandbox.embedded') api = 'embedded sandbox';
  return displaySafe(`Doctor · ${who} · ${account.business_id} · ${account.source === 'env' ? 'env credentials · ' : ''}${api}`);
}

export function renderHuman(report: DoctorReport, options: { verbose: boolean; strict: boolean; color: Colors }): string {
  const { color, verbose } = options;
  const clean = (text: string) => displaySafe(redactText(text, report.secrets));
  const width = Math.max(...report.checks.map((check) => check.id.length)) + 2;
  const lines = [color.bold(header(report.account)), ''];
  for (const category of Object.keys(CATEGORY_TITLES) as Category[]) {
    const checks = report.checks.filter((check) => check.category === category);
    if (!checks.length) continue;
    lines.push(color.bold(CATEGORY_TITLES[category]));
    for (const check of checks) {
      const timing = verbose ? color.dim(` (${check.durationMs} ms)`) : '';
      const detail = check.status === 'skip' ? color.dim(clean(check.detail)) : clean(check.detail);
      lines.push(`  ${symbol(check.status, color)} ${check.id.padEnd(width)}${detail}${timing}`);
      if (verbose) for (const extra of check.details ?? []) lines.push(color.dim(`      · ${clean(extra)}`));
    }
  }
  const problems = report.checks.filter((check) => PROBLEMS.includes(check.status) && check.fix);
  if (problems.length) {
    lines.push('', color.bold('Fix'));
    for (const check of problems) {
      lines.push(`  ${symbol(check.status, color)} ${color.bold(check.id)}: ${clean(check.title)}`);
      for (const fixLine of clean(check.fix!).split('\n')) lines.push(`    ${fixLine}`);
    }
  }
  const summary = summarize(report, options.strict);
  const extras = [
    summary.warnings && `${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}`,
    summary.failures && `${summary.failures} failed`,
    summary.errors && `${summary.errors} could not run`,
    summary.skipped && `${summary.skipped} skipped`,
  ].filter(Boolean);
  const tally = `${summary.passed}/${summary.checks} checks passed${extras.length ? `, ${extras.join(', ')}` : ''}`;
  const paint = summary.failures || summary.errors ? color.red : summary.warnings ? color.yellow : color.green;
  lines.push('', `${paint(tally)}${color.dim(` (${(report.durationMs / 1000).toFixed(2)} s)`)}`);
  return lines.join('\n');
}
