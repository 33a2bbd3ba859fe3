// `tail replay [event_id...]`: re-send journaled deliveries to a handler, re-signed now. The definition
// only: the body (src/tail/replay.ts, next to the journal and forwarder it uses) loads when it runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { argument, defineCommand, flag, list, text, type OptionsOf } from '../../spec.js';

export const definition = defineCommand({
  path: ['tail', 'replay'],
  summary: 're-send journaled deliveries to a handler, re-signed now (original bytes)',
  details: 'In journal order: the original body bytes, re-signed with a fresh timestamp and the app secret.',
  examples: [
    'tiktok-channel tail replay --since 1h --forward-to http://localhost:3000/',
    'tiktok-channel tail replay <event_id> --forward-to http://localhost:3000/',
    'tiktok-channel tail replay --since 2d --dry-run --forward-to http://…',
  ],
  arguments: { eventIds: argument('[event_id...]', 'the `id`s `tail --json` prints (`tail --since 2h --json` lists them)') },
  options: {
    since: text('--since <duration>', 'the deliveries journaled this far back: 90s, 30m, 1h, 2d'),
    event: list('--event <name...>', 'only these events or kinds (im_receive_msg, message, reaction …)'),
    conversation: text('--conversation <id>', 'only this conversation'),
    // Not mandatory for commander: tail replay's own error says what --forward-to is for.
    forwardTo: text('--forward-to <url>', 'where to re-send them (required)'),
    forwardTimeout: text('--forward-timeout <seconds>', 'how long one attempt may take (default 10)'),
    dryRun: flag('--dry-run', 'list what would be sent, and send nothing'),
  },
});

export type ReplayOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('../../tail/replay.js')).run(options, deps);
}
