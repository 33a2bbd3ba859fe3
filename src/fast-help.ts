// Help without commander: `npm run build` (src/build-help.ts) asks the real CLI for every command's help
// and stores what it printed in dist/help.json, keyed by argv; bin/tiktok-channel.js serves an exact argv
// match from it, on a stdout at least HELP_WIDTH wide (or not a terminal), and only while dist/help.json
// is at least as new as the compiled CLI (dist/cli.js, dist/help.js): a CLI compiled by tsc alone runs
// commander instead of printing stale help. The lookup lives in the bin itself (a module more to load
// would cost more than the lookup); this module holds what the build and the bin agree on.

/** commander wraps help at the terminal's width, capped at this (src/cli.ts); the cache is made at it. */
export const HELP_WIDTH = 80;

export interface HelpCache {
  /** argv joined with NUL → index into texts. */
  argv: Record<string, number>;
  /** What the CLI printed on stdout (its exit code was 0 and stderr empty). */
  texts: string[];
}

export function argvKey(argv: readonly string[]): string {
  return argv.join('\0');
}
