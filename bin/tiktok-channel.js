#!/usr/bin/env node
// Thin launcher. `--version` answers from package.json and help from dist/help.json without loading the
// CLI (start-up targets: bench/startup.mjs); everything else runs the compiled CLI, then leaves once output
// is flushed so idle keep-alive sockets cannot hold the process open.
import { readFileSync, statSync } from 'node:fs';

const args = process.argv.slice(2);
let help;
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if ((args.length === 0 || args[0] === 'help' || args.at(-1) === '--help' || args.at(-1) === '-h') && (help = cachedHelp(args)) !== undefined) {
  process.stdout.write(help);
} else {
  const { main } = await import('../dist/cli.js');
  const code = await main();
  const flush = (stream) => new Promise((resolve) => (stream.writableLength ? stream.write('', resolve) : resolve()));
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}

/**
 * The help commander would print for exactly this argv, from dist/help.json (made by `npm run build` from
 * the CLI itself: src/build-help.ts, src/fast-help.ts); undefined when it is not there, older than the
 * compiled CLI, or the terminal is narrower than the 80 columns it was made at. Then the CLI runs.
 */
function cachedHelp(argv) {
  if (process.stdout.isTTY && process.stdout.columns < 80) return undefined;
  try {
    const dist = new URL('../dist/', import.meta.url);
    const made = statSync(new URL('help.json', dist)).mtimeMs;
    if (['cli.js', 'help.js'].some((name) => statSync(new URL(name, dist)).mtimeMs > made)) return undefined;
    const cache = JSON.parse(readFileSync(new URL('help.json', dist), 'utf8'));
    const index = cache.argv[argv.join('\0')];
    return index === undefined ? undefined : cache.texts[index];
  } catch {
    return undefined;
  }
}
