// Help without commander: `npm run build` (src/build-help.ts) asks the real CLI for every command's help
// and stores what it printed in dist/help.json, keyed by argv; the bin serves an exact argv match from it.
// The cache names the contents of dist/cli.js and dist/help.js it was made from, so an edited CLI that was
// compiled but not re-cached falls back to commander instead of printing stale help. Nothing here may
// import commander or the CLI: this module is the whole cost of `--help`.
import { readFileSync } from 'node:fs';

/** commander wraps help at the terminal's width, capped at this (src/cli.ts); the cache is made at it. */
export const HELP_WIDTH = 80;

export interface HelpCache {
  /** fingerprint() of the files the help text comes from. */
  source: string;
  /** argv joined with NUL → index into texts. */
  argv: Record<string, number>;
  /** What the CLI printed on stdout (its exit code was 0 and stderr empty). */
  texts: string[];
}

const DIST = new URL('./', import.meta.url);
export const HELP_CACHE_URL = new URL('help.json', DIST);
/** The compiled files that hold every word of the help. */
export const HELP_SOURCES = ['cli.js', 'help.js'];

/** FNV-1a over the sources' text: cheap enough for every `--help`, and any edit changes it. */
export function fingerprint(texts: string[]): string {
  let hash = 0x811c9dc5;
  let length = 0;
  for (const text of texts) {
    length += text.length;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return `${hash.toString(16)}-${length}`;
}

export function currentFingerprint(dist: URL = DIST): string {
  return fingerprint(HELP_SOURCES.map((name) => readFileSync(new URL(name, dist), 'utf8')));
}

export function argvKey(argv: readonly string[]): string {
  return argv.join('\0');
}

/** Whether argv could be a help request at all (so anything else never reads the cache). */
export function looksLikeHelp(argv: readonly string[]): boolean {
  return argv.length === 0 || argv[0] === 'help' || argv.at(-1) === '--help' || argv.at(-1) === '-h';
}

/**
 * The help text commander would print for exactly this argv, or undefined (not cached, cache stale or
 * missing, or a terminal narrower than the cached width): then the caller runs the CLI.
 */
export function cachedHelp(
  argv: readonly string[],
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
  dist: URL = DIST,
): string | undefined {
  if (!looksLikeHelp(argv)) return undefined;
  if (stdout.isTTY && stdout.columns && stdout.columns < HELP_WIDTH) return undefined;
  let cache: HelpCache;
  try {
    cache = JSON.parse(readFileSync(new URL('help.json', dist), 'utf8')) as HelpCache;
    if (cache.source !== currentFingerprint(dist)) return undefined;
  } catch {
    return undefined;
  }
  const index = cache.argv[argvKey(argv)];
  return index === undefined ? undefined : cache.texts[index];
}
