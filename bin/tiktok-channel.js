#!/usr/bin/env node
// Thin launcher. `--version` answers from package.json and help from dist/help.json without loading the
// CLI (start-up targets: bench/startup.mjs); everything else runs the compiled CLI, then leaves once output
// is flushed so idle keep-alive sockets cannot hold the process open.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let help;
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if (
  // Help comes from dist/help.json, made at build time from the CLI itself, without loading commander
  // (src/fast-help.ts); anything it does not hold exactly runs the CLI.
  (args.length === 0 || args[0] === 'help' || args.at(-1) === '--help' || args.at(-1) === '-h') &&
  (help = (await import('../dist/fast-help.js')).cachedHelp(args)) !== undefined
) {
  process.stdout.write(help);
} else {
  const { main } = await import('../dist/cli.js');
  const code = await main();
  const flush = (stream) => new Promise((resolve) => (stream.writableLength ? stream.write('', resolve) : resolve()));
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
