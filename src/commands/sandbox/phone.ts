// `sandbox phone`: the page where you play the TikTok user. The definition only: the body (./servers.ts)
// loads when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { defineCommand, integer, negatable, type OptionsOf } from '../../spec.js';
import { controlUrl } from '../sandbox.js';

export const definition = defineCommand({
  path: ['sandbox', 'phone'],
  streams: true,
  summary: 'a page in your browser where you play the TikTok user: open chat links, write, tap cards, react, read',
  examples: ['tiktok-channel sandbox phone', 'tiktok-channel sandbox phone --port 4020 --no-browser'],
  options: {
    port: integer('--port <n>', 'port on 127.0.0.1 (default: any free port)', { min: 0, max: 65535 }),
    browser: negatable('--no-browser', 'print the URL only, do not open a browser'),
    controlUrl: controlUrl(),
  },
});

export type PhoneOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./servers.js')).phone(options, deps);
}
