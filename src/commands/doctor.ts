// `doctor`: every reason TikTok messages stop, checked at once and explained with its fix. The
// definition only: the body (./doctor/impl.ts, then src/doctor) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, flag, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['doctor'],
  summary: 'find why messages stop: 12 checks at once, each problem with its fix (exit 1 on a failure)',
  details:
    'With --strict, exit 1 on a warning too. Checks: config, network, clock, token, scopes, business-account, advanced-access, region, dm-setting, ' +
    'webhook, messaging-window, media. Never prompts; changes nothing without --fix.',
  examples: ['tiktok-channel doctor', 'tiktok-channel doctor --verbose', 'tiktok-channel doctor --all-accounts --strict --json'],
  options: {
    allAccounts: flag('--all-accounts', 'check every connected account'),
    verbose: flag('--verbose', "show each check's details and timings"),
    strict: flag('--strict', 'warnings and checks that could not run (TikTok failing) fail too (exit 1)'),
    fix: flag('--fix', 'renew an expired or refused access token and make the account file private (0600); nothing else'),
  },
});

export type DoctorOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./doctor/impl.js')).doctor(options, deps);
}
