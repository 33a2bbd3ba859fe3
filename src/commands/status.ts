// `status`: who am I, with the tokens checked by TikTok (token info: one call), as `gh auth status` does.
// The definition only: the body (./status/impl.ts) loads when the command runs, and with --offline it
// loads nothing of the HTTP client.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, flag, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['status'],
  summary: 'show the account in use, its token expiry and scopes, checked with TikTok (exit 3 when not usable)',
  examples: ['tiktok-channel status', 'tiktok-channel status --offline --json'],
  options: {
    offline: flag('--offline', 'judge from the stored expiry only, without asking TikTok'),
  },
});

export type StatusOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./status/impl.js')).status(options, deps);
}
