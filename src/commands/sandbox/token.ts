// `sandbox token`: a live access token and business id of the sandbox's default account. The definition
// only: the body (./impl.ts) loads when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { defineCommand, type OptionsOf } from '../../spec.js';
import { controlUrl } from '../sandbox.js';

export const definition = defineCommand({
  path: ['sandbox', 'token'],
  summary: "print a live access token and business id of the sandbox's default account (as `export` lines; --json)",
  options: { controlUrl: controlUrl() },
});

export type TokenOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./impl.js')).token(options, deps);
}
