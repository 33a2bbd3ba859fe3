// `conversations`: every SINGLE and STRANGER conversation with its user, window and the last message.
// The definition only: the body (./conversations/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { choice, defineCommand, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['conversations'],
  summary: 'list conversations with the last message (who, when, a preview), window closing time and messages left',
  examples: ['tiktok-channel conversations', 'tiktok-channel conversations --type stranger --json'],
  options: {
    type: choice('--type <type>', 'which conversations', ['single', 'stranger', 'all'], { default: 'all' }),
  },
});

export type ConversationsOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./conversations/impl.js')).conversations(options, deps);
}
