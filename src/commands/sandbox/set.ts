// `sandbox set`: change the sandbox account's settings. The definition only: the body (./impl.ts) loads
// when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { choice, defineCommand, text, type OptionsOf } from '../../spec.js';
import { controlUrl } from '../sandbox.js';

export const definition = defineCommand({
  path: ['sandbox', 'set'],
  summary: "change the sandbox account's settings",
  options: {
    region: text('--region <cc>', 'registration region'),
    advancedAccess: choice('--advanced-access <state>', 'Advanced Access', ['on', 'off']),
    dmSetting: choice('--dm-setting <who>', 'who may send DMs', ['everyone', 'followers']),
    media: choice('--media <state>', 'image sending', ['on', 'off']),
    riskControl: choice('--risk-control <state>', 'risk-control refusal of media', ['on', 'off']),
    controlUrl: controlUrl(),
  },
});

export type SetOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./impl.js')).set(options, deps);
}
