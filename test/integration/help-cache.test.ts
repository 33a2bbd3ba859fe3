// Help served by the bin's fast path (dist/help.json, made at build time by src/build-help.ts) is exactly
// what commander prints, for every command in commander's own tree, and comes without loading commander.
// A cache made from other sources than the compiled CLI is never served.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { helpRequests, runForHelp } from '../../src/build-help.js';
import { cachedHelp, HELP_WIDTH } from '../../src/fast-help.js';
import { BIN, cleanEnv, ROOT, tempConfigDir } from '../helpers/cli.js';

const DIST = join(ROOT, 'dist');
/** The compiled dist/ the bin serves from (this test imports fast-help.ts from src/). */
const DIST_URL = pathToFileURL(`${DIST}/`);
let noCommander: string;

/** Runs the bin with a module hook that fails the process if anything imports commander. */
function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', noCommander, BIN, ...args], { env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  // The cache for the dist/ that `npm test` just compiled (npm run build does the same).
  execFileSync(process.execPath, [join(DIST, 'build-help.js')], { cwd: ROOT });
  const dir = tempConfigDir('ttc-hook-');
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'commander') throw new Error('commander was loaded');
    return next(specifier, context);
  }`;
  noCommander = join(dir, 'no-commander.mjs');
  writeFileSync(noCommander, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`);
});

describe('help from the build-time cache', () => {
  it('covers every command of commander\'s tree, with and without a subcommand', () => {
    const keys = helpRequests().map((argv) => argv.join(' '));
    for (const expected of ['--help', 'send --help', 'accounts use --help', 'sandbox serve -h', 'help environment', 'help conversations', '']) {
      expect(keys).toContain(expected);
    }
  });

  it('prints exactly what commander prints, for every help request, without loading commander', async () => {
    const requests = helpRequests();
    expect(requests.length).toBeGreaterThan(40);
    for (let i = 0; i < requests.length; i += 4) {
      await Promise.all(
        requests.slice(i, i + 4).map(async (argv) => {
          const expected = await runForHelp(argv);
          expect(expected.code, argv.join(' ')).toBe(0);
          const served = await runBin(argv);
          expect({ argv, code: served.code, stderr: served.stderr, stdout: served.stdout }).toEqual({ argv, code: 0, stderr: '', stdout: expected.stdout });
        }),
      );
    }
  }, 120_000);

  it('the hook is real: a command that needs commander fails under it', async () => {
    const result = await runBin(['status']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('commander was loaded');
  });

  it('anything not cached exactly (extra flags, a typo) still runs the CLI', () => {
    expect(cachedHelp(['send', '--help'], { isTTY: false }, DIST_URL)).toContain('Usage: tiktok-channel send');
    expect(cachedHelp(['send', '--to', 'x', '--help'], { isTTY: false }, DIST_URL)).toBeUndefined();
    expect(cachedHelp(['sned', '--help'], { isTTY: false }, DIST_URL)).toBeUndefined();
    expect(cachedHelp(['status'], { isTTY: false }, DIST_URL)).toBeUndefined();
  });

  it('a terminal narrower than the cached width gets commander\'s own wrapping', () => {
    expect(cachedHelp(['--help'], { isTTY: true, columns: HELP_WIDTH + 40 }, DIST_URL)).toBeDefined();
    expect(cachedHelp(['--help'], { isTTY: true, columns: HELP_WIDTH - 20 }, DIST_URL)).toBeUndefined();
  });

  it('a cache made from other sources than the compiled CLI is never served', () => {
    const copy = join(tempConfigDir('ttc-dist-'), 'dist');
    mkdirSync(copy);
    for (const name of ['cli.js', 'help.js', 'help.json']) copyFileSync(join(DIST, name), join(copy, name));
    const dist = pathToFileURL(`${copy}/`);
    expect(cachedHelp(['--help'], { isTTY: false }, dist)).toBeDefined();
    appendFileSync(join(copy, 'cli.js'), '\n// an option added, cache not rebuilt\n');
    expect(cachedHelp(['--help'], { isTTY: false }, dist)).toBeUndefined();
  });
});
