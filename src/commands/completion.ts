// `completion bash|zsh|fish`: a shell completion script generated from commander's command tree. The
// definition only: the generator (./completion/impl.ts) loads when the command runs.
import type { RunContext } from '../cli/register.js';
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { argument, defineCommand, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['completion'],
  wholeProgram: true,
  summary: 'print a shell completion script (bash, zsh or fish)',
  details: 'The script is generated from the command tree, so it offers every command, option and choice.',
  examples: [
    'tiktok-channel completion bash > ~/.local/share/bash-completion/completions/tiktok-channel',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a zsh command line, shown as text
    'tiktok-channel completion zsh > "${fpath[1]}/_tiktok-channel"',
    'tiktok-channel completion fish > ~/.config/fish/completions/tiktok-channel.fish',
  ],
  arguments: { shell: argument('<shell>', 'the shell', { choices: ['bash', 'zsh', 'fish'] }) },
});

export type CompletionOptions = OptionsOf<typeof definition>;

export async function run(options: CompletionOptions, deps: Deps, context: RunContext): Promise<CommandResult> {
  (await import('./completion/impl.js')).completion(options, deps, context);
}
