// `connect`: sign in a TikTok Business Account through loopback OAuth (or an account of the sandbox with
// --sandbox) and store it. The definition only: the body (./connect/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, flag, integer, negatable, text, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['connect'],
  summary: 'sign in a TikTok Business Account (loopback OAuth in your browser) and store its tokens',
  examples: ['tiktok-channel connect', 'tiktok-channel connect --sandbox', 'tiktok-channel connect --port 8723 --no-browser --name "Acme support" --region SG'],
  options: {
    clientKey: text('--client-key <key>', "your TikTok app's client key (or TIKTOK_CHANNEL_CLIENT_KEY)"),
    clientSecret: text(
      '--client-secret <secret>',
      "your TikTok app's client secret; visible to others in `ps`: prefer TIKTOK_CHANNEL_CLIENT_SECRET or the prompt",
    ),
    port: integer('--port <n>', 'loopback port for the redirect (default: any free port)', { min: 0, max: 65535 }),
    browser: negatable('--no-browser', 'print the authorize URL but do not open a browser'),
    name: text('--name <name>', 'a channel name for this account (default: its @username)'),
    region: text('--region <cc>', "the account's registration region, e.g. US, SG, DE"),
    timeout: integer('--timeout <seconds>', 'how long to wait for consent', { min: 1, max: 86_400, default: 300 }),
    sandbox: flag('--sandbox', 'connect an account of the built-in sandbox (no TikTok app needed)'),
    pkce: negatable('--no-pkce', 'send no PKCE code_challenge (sent by default: a hex S256 challenge)'),
    scopes: text('--scopes <a,b,...>', 'ask for exactly these scopes (default: the messaging set)'),
  },
});

export type ConnectOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./connect/impl.js')).connect(options, deps);
}
