// `refresh`: renew the access token with the refresh token, or `--reauthorize`: run the consent flow
// again. The definition only: the body (./refresh/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, flag, integer, negatable, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['refresh'],
  summary: 'renew the access token (the rotated refresh token is stored first)',
  examples: ['tiktok-channel refresh', 'tiktok-channel refresh --reauthorize', 'tiktok-channel refresh --json   # with env credentials: prints the new pair'],
  options: {
    reauthorize: flag('--reauthorize', 'run the consent flow again (also refreshes permissions)'),
    port: integer('--port <n>', 'loopback port for --reauthorize', { min: 0, max: 65535 }),
    browser: negatable('--no-browser', 'with --reauthorize: print the URL only'),
    timeout: integer('--timeout <seconds>', 'with --reauthorize: how long to wait', { min: 1, max: 86_400, default: 300 }),
    pkce: negatable('--no-pkce', 'with --reauthorize: send no PKCE code_challenge'),
  },
});

export type RefreshOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./refresh/impl.js')).refresh(options, deps);
}
