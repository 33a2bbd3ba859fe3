// Build step (after tsc; `npm run build`): runs the compiled CLI in-process for every help request it
// answers (each command's --help and -h, `help`, `help <command|topic>`, no arguments), walking
// commander's own command tree, and stores what it printed in dist/help.json for fast-help.ts. New
// commands and options are picked up by the walk; nothing here lists them.
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { copyAssets } from './build-assets.js';
import { buildProgram, main } from './cli.js';
import { HELP_TOPICS } from './help.js';
import { createIO } from './io/io.js';
import { argvKey, HELP_WIDTH, type HelpCache } from './fast-help.js';

/** dist/help.json, beside this file (bin/tiktok-channel.js reads it). */
const HELP_CACHE_URL = new URL('help.json', import.meta.url);

/** Every help argv the CLI answers, from commander's tree. */
export function helpRequests(): string[][] {
  const quiet = { write: () => true };
  const io = createIO({ stdout: quiet, stderr: quiet, stdin: new PassThrough(), env: {} });
  const program = buildProgram(io, async () => undefined);
  const requests: string[][] = [[], ['help']];
  const walk = (command: Command, path: string[]) => {
    requests.push([...path, '--help'], [...path, '-h']);
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  for (const command of program.commands) requests.push(['help', command.name()]);
  for (const topic of Object.keys(HELP_TOPICS)) requests.push(['help', topic]);
  return requests;
}

/** What the real CLI prints for argv, on a non-terminal stdout HELP_WIDTH wide. */
export async function runForHelp(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main({
    argv,
    env: {},
    stdout: { write: (chunk: string) => ((stdout += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream,
    stderr: { write: (chunk: string) => ((stderr += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
  });
  return { code, stdout, stderr };
}

export async function buildHelpCache(): Promise<HelpCache> {
  // commander sizes help from process.stdout: a narrow terminal running the build must not narrow the cache.
  if (process.stdout.isTTY && (process.stdout.columns ?? HELP_WIDTH) < HELP_WIDTH) Object.defineProperty(process.stdout, 'columns', { value: HELP_WIDTH });
  const cache: HelpCache = { argv: {}, texts: [] };
  for (const argv of helpRequests()) {
    const { code, stdout, stderr } = await runForHelp(argv);
    if (code !== 0 || stderr !== '' || stdout === '') continue; // not plain help: the bin runs the CLI for it
    let index = cache.texts.indexOf(stdout);
    if (index === -1) index = cache.texts.push(stdout) - 1;
    cache.argv[argvKey(argv)] = index;
  }
  return cache;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cache = await buildHelpCache();
  writeFileSync(HELP_CACHE_URL, `${JSON.stringify(cache)}\n`);
  console.log(`dist/help.json: ${Object.keys(cache.argv).length} help requests, ${cache.texts.length} texts`);
  console.log(`assets: ${copyAssets().join(', ')}`);
}
