// `sandbox clock --advance DURATION`: age the sandbox world. The definition only: the body (./impl.ts)
// loads when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { defineCommand, text, type OptionsOf } from '../../spec.js';
import { controlUrl } from '../sandbox.js';

export const definition = defineCommand({
  path: ['sandbox', 'clock'],
  summary: "move the sandbox's time forward (e.g. 47h, 30m, 2d)",
  options: {
    advance: text('--advance <duration>', 'how far: 90s, 30m, 47h, 2d', { mandatory: true }),
    controlUrl: controlUrl(),
  },
});

export type ClockOptions = OptionsOf<typeof definition>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./impl.js')).clock(options, deps);
}
