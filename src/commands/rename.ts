// `rename <name>`: set the channel name of a stored account. The definition only: the body is in
// ./accounts/impl.ts, loaded when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { argument, defineCommand, type OptionsOf } from '../spec.js';
import { parseName } from '../store/channel-name.js';

export const definition = defineCommand({
  path: ['rename'],
  summary: 'set the channel name of the account (--account, else the default)',
  arguments: {
    name: argument('<name>', 'the new channel name (plain text, at most 80 characters)', { parse: (value) => parseName(value, 'rename')! }),
  },
});

export type RenameOptions = OptionsOf<typeof definition>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./accounts/impl.js')).rename(options, deps);
}
