// `accounts use <account>`: make a stored account the default. The definition only: the body is in
// ./accounts/impl.ts, loaded when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { argument, defineCommand, type OptionsOf } from '../spec.js';
import { parseAccountReference } from '../store/reference.js';

export const definition = defineCommand({
  path: ['accounts', 'use'],
  summary: 'make an account the default (by channel name, @username or business_id; ids may start with "-", e.g. accounts use -000…)',
  arguments: {
    account: argument('<account>', 'channel name, @username or business_id', { parse: (value) => parseAccountReference(value, 'The account') }),
  },
});

export type UseOptions = OptionsOf<typeof definition>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./accounts/impl.js')).use(options, deps);
}
