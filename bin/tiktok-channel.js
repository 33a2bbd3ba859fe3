#!/usr/bin/env node
// Thin launcher. `--version` answers from package.json without loading the CLI (start-up target: within
// 1.3x of bare Node); everything else runs the compiled CLI, then leaves once output is flushed so idle
// keep-alive sockets cannot hold the process open.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/cli.js');
  const code = await main();
  const flush = (stream) => new Promise((resolve) => (stream.writableLength ? stream.write('', resolve) : resolve()));
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
