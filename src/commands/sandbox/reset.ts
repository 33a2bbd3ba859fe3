// `sandbox reset`: reseed the sandbox world. The definition only: the body (./impl.ts) loads when the
// command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { choice, defineCommand, type OptionsOf } from '../../spec.js';
import { controlUrl, SCENARIOS } from '../sandbox.js';

export const definition = defineCommand({
  path: ['sandbox', 'reset'],
  summary: 'reseed the sandbox world (optionally a doctor scenario)',
  options: {
    scenario: choice('--scenario <name>', 'scenario', SCENARIOS),
    controlUrl: controlUrl(),
  },
});

export type ResetOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./impl.js')).reset(options, deps);
}
