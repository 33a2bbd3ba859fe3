#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) because a CommonJS entry starts faster than an ES module one.
// `--version` answers from package.json and help from dist/help.json without loading the CLI (start-up
// targets: bench/startup.mjs). A command runs from dist/run/ (scripts/bundle.mjs): its group's file when
// the first argument names a group, else the file with every command; tsc's dist/cli.js when only tsc
// ran since the bundle. Then it leaves once the CLI has flushed its output, so idle keep-alive sockets
// cannot hold the process open.
'use strict';
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { basename, dirname, join, sep } = require('node:path');

const dist = join(__dirname, '../dist');
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
  const file = bundledEntry(args[0]);
  let main;
  let bundle;
  if (file) {
    bundle = bundleLoader(dirname(file));
    ({ main } = bundle.load(file));
  } else {
    ({ main } = await import('../dist/cli.js'));
  }
  // main() has flushed its output (src/cli/program.ts); idle keep-alive sockets must not hold the process.
  const code = await main();
  bundle?.saveCompileCache();
  process.exit(code);
}

/** Modification time in ms, 0 when the file is not there (the package ships no dist/cli.js). */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The dist/run/ file for this command group (or for every command); undefined when tsc's output is newer. */
function bundledEntry(first) {
  try {
    const manifestPath = join(dist, 'run/manifest.json');
    if (mtime(join(dist, 'cli.js')) > mtime(manifestPath)) return undefined;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const group = typeof first === 'string' && Object.hasOwn(manifest.commands, first) ? manifest.commands[first] : manifest.cli;
    return join(dist, 'run', group);
  } catch {
    return undefined;
  }
}

/**
 * Loads the bundle's CommonJS files. A file's `require('./chunk-….js')` of a sibling is answered here,
 * without Node's resolution (a stat walk and a package.json lookup per file: ~0.2 ms for each of the
 * 20–50 files a command loads); anything else (node:…, undici) goes to Node's require. Every file is
 * still a Module in require.cache. With V8's code cache (what Node 22's module.enableCompileCache does,
 * which Node 20 lacks), a run compiles from the cache instead of parsing, and the first run of a build
 * writes it: in the user's own cache directory (0700, refused when another user could write to it, since
 * cached code is run as is), keyed by Node's version and each file's content hash (in its name).
 * TIKTOK_CHANNEL_CACHE_DIR moves it; set to an empty value, it turns the cache off.
 */
function bundleLoader(runDir) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const external = Module.createRequire(join(runDir, 'package.json'));
  const directory = cacheDirectory();
  const paths = Module._nodeModulePaths(runDir);
  const fresh = [];

  function load(filename) {
    const cached = Module._cache[filename];
    if (cached) return cached.exports;
    const module = new Module(filename, null);
    module.filename = filename;
    module.paths = paths;
    Module._cache[filename] = module;
    const content = readFileSync(filename, 'utf8');
    const cacheFile = directory && join(directory, `${basename(filename)}.v8`);
    let cachedData;
    try {
      if (cacheFile) cachedData = readFileSync(cacheFile);
    } catch {
      // not cached yet
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) fresh.push({ cacheFile, script });
    const localRequire = (id) => (id.startsWith('./') && !id.includes('/', 2) ? load(`${runDir}${sep}${id.slice(2)}`) : external(id));
    localRequire.resolve = external.resolve;
    localRequire.cache = Module._cache;
    script.runInThisContext({ displayErrors: true }).call(module.exports, module.exports, localRequire, module, filename, runDir);
    module.loaded = true;
    return module.exports;
  }

  return {
    load,
    saveCompileCache() {
      // After the run, so the functions it compiled lazily are in the cache too.
      for (const { cacheFile, script } of fresh) {
        try {
          const temp = `${cacheFile}.${process.pid}.tmp`;
          writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
          renameSync(temp, cacheFile);
        } catch {
          return; // a cache that cannot be written only costs speed
        }
      }
    },
  };
}

function cacheDirectory() {
  const configured = process.env.TIKTOK_CHANNEL_CACHE_DIR;
  if (configured === '') return undefined;
  try {
    const os = require('node:os');
    const base =
      configured ??
      join(
        process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA || os.tmpdir() : join(os.homedir(), '.cache')),
        'tiktok-channel',
      );
    const directory = join(base, `v8-${process.version}-${process.arch}`);
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') {
      const stats = statSync(directory);
      if (stats.uid !== process.getuid() || (stats.mode & 0o022) !== 0) return undefined;
    }
    return directory;
  } catch {
    return undefined;
  }
}

/**
 * The help commander would print for exactly this argv, from dist/help.json (made by `npm run build` from
 * the CLI itself: src/build-help.ts, src/fast-help.ts); undefined when it is not there, older than the
 * built CLI, or the terminal is narrower than the 80 columns it was made at. Then the CLI runs.
 */
function cachedHelp(argv) {
  if (process.stdout.isTTY && process.stdout.columns < 80) return undefined;
  try {
    const made = statSync(join(dist, 'help.json')).mtimeMs;
    if (['cli.js', 'help.js', 'run/manifest.json'].some((name) => mtime(join(dist, name)) > made)) return undefined;
    const cache = JSON.parse(readFileSync(join(dist, 'help.json'), 'utf8'));
    const index = cache.argv[argv.join('\0')];
    return index === undefined ? undefined : cache.texts[index];
  } catch {
    return undefined;
  }
}
