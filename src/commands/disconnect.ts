// `disconnect`: revoke the account's token at TikTok, then forget it. The definition only: the body is
// in ./accounts/impl.ts, loaded when the command runs (the OAuth client only once it revokes).
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, flag, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['disconnect'],
  summary: "revoke the account's token at TikTok and forget it",
  options: {
    keepToken: flag('--keep-token', 'do not revoke at TikTok, only forget locally'),
  },
});

export type DisconnectOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./accounts/impl.js')).disconnect(options, deps);
}
