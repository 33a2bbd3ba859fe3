// `comments status|enable|disable`: TikTok's Comment-to-Message switch for the account (tiktok-api.md §4,
// medium-low confidence). The definition only: the body (./comments/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { argument, defineCommand, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['comments'],
  summary: 'show or switch Comment-to-Message: high-intent comments arrive (and can be answered) only while it is on',
  examples: ['tiktok-channel comments status', 'tiktok-channel comments enable --json'],
  arguments: { action: argument('<action>', 'status, enable or disable', { choices: ['status', 'enable', 'disable'] }) },
});

export type CommentsOptions = OptionsOf<typeof definition>;

export async function run(options: CommentsOptions, deps: Deps): Promise<CommandResult> {
  return (await import('./comments/impl.js')).comments(options, deps);
}
