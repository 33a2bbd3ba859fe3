#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) because a CommonJS entry starts faster than an ES module one.
// `--version` answers from package.json and help from dist/help.json without loading the CLI (start-up
// targets: bench/startup.mjs); everything else imports the CLI (dist/cli.js: esbuild's bundle, a chunk
// per command, or tsc's output when only tsc ran), then leaves once output is flushed so idle keep-alive
// sockets cannot hold the process open.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
let help;
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version}\n`);
} else if ((args.length === 0 || args[0] === 'help' || args.at(-1) === '--help' || args.at(-1) === '-h') && (help = cachedHelp(args)) !== undefined) {
  process.stdout.write(help);
} else {
  run();
}

async function run() {
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
    const dist = join(__dirname, '../dist');
    const made = statSync(join(dist, 'help.json')).mtimeMs;
    if (['cli.js', 'help.js'].some((name) => statSync(join(dist, name)).mtimeMs > made)) return undefined;
    const cache = JSON.parse(readFileSync(join(dist, 'help.json'), 'utf8'));
    const index = cache.argv[argv.join('\0')];
    return index === undefined ? undefined : cache.texts[index];
  } catch {
    return undefined;
  }
}
