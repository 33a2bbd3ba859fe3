// `sandbox serve`: the sandbox over HTTP on 127.0.0.1 until stopped. The definition only: the body
// (./servers.ts) loads when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { choice, defineCommand, flag, integer, type OptionsOf } from '../../spec.js';
import { SCENARIOS } from '../sandbox.js';

export const definition = defineCommand({
  path: ['sandbox', 'serve'],
  streams: true,
  summary: 'serve the sandbox over HTTP on 127.0.0.1; once it listens, print its URLs, app credentials and a live token of its default account',
  options: {
    port: integer('--port <n>', 'port (default: any free port)', { min: 0, max: 65535 }),
    latency: integer('--latency <ms>', 'add this delay to every API answer', { min: 0, max: 60_000 }),
    autoApprove: flag('--auto-approve', 'skip the consent page: approve for the default account'),
    rps: integer('--rps <n>', 'requests per second per app (its client key, all its accounts together) before 40100, as TikTok counts (default: no limit)', {
      min: 0,
      max: 100_000,
    }),
    requirePkce: flag('--require-pkce', 'authorize demands a hex S256 code_challenge (like Login Kit)'),
    strictOauth: flag('--strict-oauth', 'the token exchange refuses undocumented fields, e.g. code_verifier'),
    scenario: choice('--scenario <name>', 'seed a scenario', SCENARIOS),
  },
});

export type ServeOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./servers.js')).serve(options, deps);
}
