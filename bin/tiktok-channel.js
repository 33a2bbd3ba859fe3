#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) because a CommonJS entry starts faster than an ES module one.
// `--version` answers from package.json and help from dist/help.json without loading the CLI (start-up
// targets: bench/startup.mjs). A command runs from dist/run/ (scripts/bundle.mjs): its group's file when
// the first argument names a group, else the file with every command; tsc's dist/cli.js when only tsc
// ran since the bundle. Then it leaves once the CLI has flushed its output, so idle keep-alive sockets
// cannot hold the process open.
'use strict';
const { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { basename, dirname, join, sep } = require('node:path');

const dist = join(__dirname, '../dist');
/** The compile cache's pack layout (2: sources stored wrapped, as compiled); part of each pack's name. */
const PACK_FORMAT = 2;
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
  const entry = bundledEntry(args[0]);
  let main;
  let bundle;
  if (entry) {
    bundle = bundleLoader(dirname(entry.file), entry.file, entry.build);
    ({ main } = bundle.load(entry.file));
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

/** The dist/run/ file for this command group (or for every command) and the build's id; undefined when tsc's output is newer. */
function bundledEntry(first) {
  try {
    const manifestPath = join(dist, 'run/manifest.json');
    if (mtime(join(dist, 'cli.js')) > mtime(manifestPath)) return undefined;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const group = typeof first === 'string' && Object.hasOwn(manifest.commands, first) ? manifest.commands[first] : manifest.cli;
    return { file: join(dist, 'run', group), build: String(manifest.build) };
  } catch {
    return undefined;
  }
}

/**
 * Loads the bundle's CommonJS files. A file's `require('./chunk-….js')` of a sibling is answered here,
 * without Node's resolution (a stat walk and a package.json lookup per file: ~0.2 ms for each of the
 * 20–50 files a command loads); anything else (node:…, undici) goes to Node's require. Every file is
 * still a Module in require.cache.
 *
 * With V8's code cache (what Node 22's module.enableCompileCache does, which Node 20 lacks), a run
 * compiles from the cache instead of parsing. The cache is one pack per entry and build, holding the
 * source and the compiled code of every file that entry's runs loaded, so a command opens one file
 * instead of two per module; a run that loads a file the pack lacks rewrites it. It lives in the user's
 * own cache directory (0700, refused when another user could write to it, since what it holds is run as
 * is), under Node's version and the build's id (dist/run/manifest.json). TIKTOK_CHANNEL_CACHE_DIR moves
 * it; set to an empty value, it turns the cache off.
 */
function bundleLoader(runDir, entryFile, build) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const external = Module.createRequire(join(runDir, 'package.json'));
  const paths = Module._nodeModulePaths(runDir);
  const directory = /^[0-9a-f]{16}$/.test(build) ? cacheDirectory() : undefined;
  // The pack's layout is part of its name: a launcher never reads a pack another layout wrote.
  const prefix = `${build}.${PACK_FORMAT}-`;
  const packFile = directory && join(directory, `${prefix}${basename(entryFile, '.js')}.pack`);
  const packed = readPack(packFile);
  const loaded = [];
  let stale = false;

  function load(filename) {
    const cached = Module._cache[filename];
    if (cached) return cached.exports;
    const module = new Module(filename, null);
    module.filename = filename;
    module.paths = paths;
    Module._cache[filename] = module;
    const name = basename(filename);
    const inPack = packed.get(name);
    // The pack holds the wrapped source as compiled: no concatenation V8 would flatten into a copy.
    const content = inPack ? inPack.source : Module.wrap(readFileSync(filename, 'utf8'));
    const script = new vm.Script(content, { filename, cachedData: inPack?.cache });
    const fresh = !inPack || script.cachedDataRejected;
    stale ||= fresh;
    loaded.push({ name, content, script, cache: fresh ? undefined : inPack.cache });
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
      if (!packFile || !stale) return;
      // After the run, so the functions it compiled lazily are in the cache too; what other runs of this
      // entry loaded stays in the pack.
      const entries = new Map(packed);
      for (const { name, content, script, cache } of loaded) entries.set(name, { source: content, cache: cache ?? script.createCachedData() });
      try {
        const temp = `${packFile}.${process.pid}.tmp`;
        writeFileSync(temp, encodePack(entries), { mode: 0o600 });
        renameSync(temp, packFile);
        // Packs of other builds are dead weight (an upgrade, a rebuild): gone when this build writes its own.
        for (const other of readdirSync(directory)) if (other.endsWith('.pack') && !other.startsWith(prefix)) rmSync(join(directory, other), { force: true });
      } catch {
        // a cache that cannot be written only costs speed
      }
    },
  };
}

/** A pack: a 4-byte header length, the header (JSON: [name, source bytes, cache bytes] each), then the bytes. */
function encodePack(entries) {
  const parts = [];
  const header = [];
  for (const [name, { source, cache }] of entries) {
    const bytes = Buffer.from(source, 'utf8');
    header.push([name, bytes.length, cache.length]);
    parts.push(bytes, cache);
  }
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, ...parts]);
}

/** name → {source, cache}; empty when there is no pack or it cannot be read. */
function readPack(packFile) {
  const entries = new Map();
  if (!packFile) return entries;
  let fd;
  try {
    fd = openSync(packFile, 'r');
    // The file itself must be ours and writable by no one else, whatever happened to its directory.
    const stats = fstatSync(fd);
    if (!onlyTheUsers(stats)) return entries;
    const pack = readFileSync(fd);
    const headLength = pack.readUInt32BE(0);
    let offset = 4 + headLength;
    for (const [name, sourceLength, cacheLength] of JSON.parse(pack.toString('utf8', 4, offset))) {
      const source = pack.toString('utf8', offset, offset + sourceLength);
      offset += sourceLength;
      entries.set(name, { source, cache: pack.subarray(offset, offset + cacheLength) });
      offset += cacheLength;
    }
    if (offset !== pack.length) entries.clear(); // cut short: parse nothing from it
  } catch {
    entries.clear();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return entries;
}

/** Owned by this user and writable by no one else (what the cache holds is run as is); Windows has no such bits. */
function onlyTheUsers(stats) {
  return process.platform === 'win32' || (stats.uid === process.getuid() && (stats.mode & 0o022) === 0);
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
    let stats = statSync(directory, { throwIfNoEntry: false });
    if (!stats) {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      stats = statSync(directory);
    }
    if (!onlyTheUsers(stats)) return undefined;
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
