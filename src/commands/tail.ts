// `tail`: every TikTok message, live (webhooks, or polling with --poll); `tail replay` (./tail/replay.ts)
// is its subcommand. The definition only: the body (./tail/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, flag, integer, list, optionalValue, text, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['tail'],
  streams: true,
  summary: 'receive every message live: webhooks (signature checked, journaled before the 200) or polling',
  examples: [
    'tiktok-channel tail',
    'tiktok-channel tail --port 8080 --register --public-url https://example.ngrok.app/webhook',
    'tiktok-channel tail --since 1h --json > events.jsonl',
    'tiktok-channel tail --forward-to http://localhost:3000/tiktok',
    'tiktok-channel tail --poll',
    'tiktok-channel tail --count 1 --timeout 60 --json   # CI: wait for one event',
  ],
  options: {
    port: integer('--port <n>', 'port for the webhook receiver (default 7870; 0 = any free port)', { min: 0, max: 65535 }),
    host: text('--host <host>', 'address to listen on (default 127.0.0.1; anything else is reachable from the network)'),
    path: text('--path <path>', 'webhook path (default /webhook)'),
    tolerance: integer('--tolerance <seconds>', "how far a signature's time may be from now (default 300)", { min: 1, max: 86_400 }),
    poll: optionalValue('--poll [seconds]', 'poll the API instead of receiving webhooks (default every 5 s)'),
    since: text('--since <duration>', 'first replay journaled events from this far back: 90s, 30m, 1h, 2d'),
    forwardTo: text('--forward-to <url>', 're-POST each verified delivery (original body and signature) to this URL'),
    forwardTimeout: text('--forward-timeout <seconds>', 'how long one forward may take before it is retried (default 10)'),
    register: flag('--register', "set the app's webhook callback at TikTok to --public-url (app-wide)"),
    publicUrl: text('--public-url <url>', 'the public HTTPS URL that reaches this receiver'),
    event: list('--event <name...>', 'only these events or kinds (im_receive_msg, message, reaction, read, referral …)'),
    conversation: text('--conversation <id>', 'only this conversation'),
    count: integer('--count <n>', 'exit 0 after N events', { min: 1, max: 1_000_000_000 }),
    timeout: integer('--timeout <seconds>', 'give up after this long: exit 7 unless the events arrived', { min: 1, max: 31_536_000 }),
    takeOver: flag('--take-over', 'embedded sandbox: take its callback from a tail receiving there (given back on exit)'),
  },
});

/** What the body takes: the parsed options, any of them left out (tests and other callers pass a few). */
export type TailOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./tail/impl.js')).tail(options, deps);
}
