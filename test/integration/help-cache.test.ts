// Help served by the bin's fast path (dist/help.json, made at build time by src/build-help.ts) is exactly
// what commander prints, for every command in commander's own tree, and comes without loading commander.
// Anything the cache does not hold exactly, a cache older than the compiled CLI, or a terminal narrower
// than the cached width runs the CLI instead. Module hooks that fail any import or require of the CLI
// (dist/run/ or dist/cli.js, commander bundled in it) or of commander itself tell the two paths apart.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { helpRequests, runForHelp } from '../../src/build-help.js';
import { HELP_WIDTH } from '../../src/fast-help.js';
import { BIN, cleanEnv, ROOT, tempConfigDir } from '../helpers/cli.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

let noCommander: string;

/** Runs a bin with a module hook that fails the process if anything imports the CLI or commander. */
function runBin(args: string[], bin = BIN): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', noCommander, bin, ...args], {
      env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() }),
    });
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
  execFileSync(process.execPath, [join(ROOT, 'dist/build-help.js')], { cwd: ROOT });
  const hook = `export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    if (specifier === 'commander' || resolved.url.endsWith('/dist/cli.js')) throw new Error('commander was loaded');
    return resolved;
  }`;
  noCommander = join(tempConfigDir('ttc-hook-'), 'no-commander.mjs');
  // The bin loads the bundled CLI (dist/run/, CommonJS) itself, registering each file in require.cache,
  // and requires packages through Node: the same refusal for both.
  const requireHook = `import { createRequire } from 'node:module';
    const Module = createRequire(import.meta.url)('node:module');
    const refused = (file) => /[\\\\/]dist[\\\\/](run[\\\\/]|cli\\.js$)/.test(file) || /[\\\\/]node_modules[\\\\/]commander[\\\\/]/.test(file);
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
      const file = request.startsWith('node:') ? request : Module._resolveFilename(request, parent, isMain);
      if (request === 'commander' || refused(file)) throw new Error('commander was loaded');
      return load.apply(this, arguments);
    };
    Module._cache = new Proxy(Module._cache, {
      set(target, file, module) {
        if (refused(String(file))) throw new Error('commander was loaded');
        target[file] = module;
        return true;
      },
    });`;
  writeFileSync(
    noCommander,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n${requireHook}\n`,
  );
});

describe('help from the build-time cache', () => {
  it("covers every command of commander's tree, with and without a subcommand", () => {
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

  it.each([['status'], ['send', '--to', 'x', '--help'], ['sned', '--help']])('%j is not in the cache: the CLI (commander) runs', async (...argv) => {
    const result = await runBin(argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('commander was loaded');
  });

  it('answers --version and a cached --help on a pipe without building process.stdout, and stops quietly when the reader goes away', () => {
    // At exit, whether Node's socket module (what process.stdout needs for a pipe) was ever loaded.
    const probe = join(tempConfigDir('ttc-probe-'), 'net-probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeSync(2, process.moduleLoadList.includes('NativeModule net') ? 'net loaded' : 'net not loaded'));`,
    );
    const env = cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() });
    for (const argv of [['--version'], ['--help'], ['send', '--help']]) {
      const child = spawnSync(process.execPath, ['--require', probe, BIN, ...argv], { env, encoding: 'utf8' });
      expect({ argv, code: child.status, stderr: child.stderr }).toEqual({ argv, code: 0, stderr: 'net not loaded' });
      expect(child.stdout.length, argv.join(' ')).toBeGreaterThan(argv[0] === '--version' ? 4 : 500);
    }
    // `| true` has usually exited before the launcher writes: its write meets a closed pipe (EPIPE).
    const piped = spawnSync('bash', ['--norc', '-c', `"${process.execPath}" "${BIN}" --help | true; echo "exit \${PIPESTATUS[0]}"`], { env, encoding: 'utf8' });
    expect({ stdout: piped.stdout.trim(), stderr: piped.stderr }).toEqual({ stdout: 'exit 0', stderr: '' });
  });

  it('a cache older than the compiled CLI (tsc ran, the help step did not) is never served', async () => {
    const copy = tempConfigDir('ttc-copy-');
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true, preserveTimestamps: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const bin = join(copy, 'bin/tiktok-channel.js');
    const fresh = await runBin(['send', '--help'], bin);
    expect(fresh.stdout).toContain('Usage: tiktok-channel send');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, 'dist/cli.js'), later, later);
    const stale = await runBin(['send', '--help'], bin);
    expect(stale.stderr).toContain('commander was loaded');
  });

  describe('in a terminal', () => {
    let session: TmuxSession | undefined;
    afterEach(() => session?.kill());

    it(`one narrower than ${HELP_WIDTH} columns gets commander's own wrapping; a wider one the cache`, async () => {
      const env = { CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() };
      session = startTmux([process.execPath, '--import', noCommander, BIN, 'send', '--help'], { env, width: HELP_WIDTH - 20 });
      expect(await session.waitFor(/\[exit \d+\]/)).toContain('commander was loaded');
      session.kill();
      session = startTmux([process.execPath, '--import', noCommander, BIN, 'send', '--help'], { env, width: HELP_WIDTH + 40 });
      const screen = await session.waitFor(/\[exit \d+\]/);
      expect(screen).toContain('Usage: tiktok-channel send');
      expect(screen).toContain('[exit 0]');
    });
  });
});
