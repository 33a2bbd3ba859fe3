// `accounts`: the stored accounts (never the env credentials), offline. The definition only: the body
// (./accounts/impl.ts, shared with `accounts use`, `rename` and `disconnect`) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['accounts'],
  summary: 'list connected accounts',
  examples: [
    'tiktok-channel accounts',
    'tiktok-channel accounts use "Acme support"',
    'tiktok-channel rename "Acme EU" --account @acme',
    'tiktok-channel disconnect --account @acme',
  ],
});

export type AccountsOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./accounts/impl.js')).accounts(options, deps);
}
