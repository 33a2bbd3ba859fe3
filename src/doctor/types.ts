// Doctor's vocabulary: checks are data (an id, a title, what they need, and a run that reads the shared
// probes), results are {id, title, status, detail, fix} as ../shared/cli-contract.md fixes them.
import type { CliError } from '../errors.js';
import type { Env } from '../deps.js';
import type { ResolvedAccount } from '../store/accounts.js';
import type { Probes } from './probes.js';

/** Stable ids, in the order they are shown (cli-contract.md "Doctor check ids"). */
export const CHECK_IDS = [
  'config',
  'network',
  'clock',
  'token',
  'scopes',
  'business-account',
  'advanced-access',
  'region',
  'dm-setting',
  'webhook',
  'messaging-window',
  'media',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip' | 'error';
export type Category = 'setup' | 'account' | 'messaging';

export interface CheckOutcome {
  status: CheckStatus;
  /** One line: what was found. */
  detail: string;
  /** What to do about it (warn, fail, error). */
  fix?: string;
  /** Extra lines shown with --verbose (always in --json). */
  details?: string[];
  /** Checks that need this one skip even though it is only a warning (an expired access token). */
  blocksDependents?: boolean;
  /** What `doctor --fix` can do about it. */
  fixable?: 'refresh';
}

export interface CheckResult extends CheckOutcome {
  id: CheckId;
  title: string;
  category: Category;
  durationMs: number;
}

export interface DoctorContext {
  /** The account under examination; undefined when none could be resolved (see accountError). */
  account?: ResolvedAccount;
  accountError?: CliError;
  app: { clientKey?: string; clientSecret?: string };
  /** The API base the checks talk to, and whether it is a sandbox on this machine (embedded or loopback). */
  apiBaseUrl: string;
  apiIsLocal: boolean;
  embedded: boolean;
  env: Env;
  /** The account file (for its mode) and the config dir (tail's journal). */
  storePath?: string;
  configDir?: string;
  now: number;
  /** `--fix`: may repair what is safe to repair locally (the account file's mode). */
  fix: boolean;
  probes: Probes;
  /** Another check's final result (after its prerequisites). */
  result(id: CheckId): Promise<CheckResult>;
}

export interface Check {
  id: CheckId;
  title: string;
  category: Category;
  /** Checks whose failure (or skip) makes this one meaningless: it is skipped, with the reason. */
  requires: CheckId[];
  run(ctx: DoctorContext): Promise<CheckOutcome>;
}
