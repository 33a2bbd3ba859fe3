#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) because a CommonJS entry starts faster than an ES module one.
// `--version` answers from package.json and help from dist/help.json without loading the CLI (start-up
// targets: bench/startup.mjs). A command runs from dist/run/ (scripts/bundle.mjs): its group's file when
// the first argument names a group, else the file with every command; tsc's dist/cli.js when only tsc
// ran since the bundle. Then it leaves once the CLI has flushed its output, so idle keep-alive sockets
// cannot hold the process open.
'use strict';
const { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } = require('node:fs');
const { basename, dirname, join, sep } = require('node:path');

const dist = join(__dirname, '../dist');
/** The compile cache's pack layout (3: one script of every file's module function); part of each pack's name. */
const PACK_FORMAT = 3;
/** A pack is cut back to what a run used at most this often (see shrinks()). */
const TRIM_AFTER_MS = 24 * 60 * 60 * 1000;
const args = process.argv.slice(2);
/** Whether stdout is a terminal, once looked up (stdoutIsTerminal()). */
let terminal;
let help;
if (args.length === 1 && args[0] === '--version') {
  writeOut(`${JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version}\n`);
} else if ((args.length === 0 || args[0] === 'help' || args.at(-1) === '--help' || args.at(-1) === '-h') && (help = cachedHelp(args)) !== undefined) {
  writeOut(help);
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
 * compiles from the cache instead of parsing. The cache is one pack per entry and build: one script
 * holding every file that entry's runs loaded, each wrapped in its module function, and V8's code for it
 * once those runs compiled what they call. One script instead of one per file: one deserialisation, and
 * its source is one large string V8 keeps outside the young generation (50 small ones were copied by
 * every scavenge). A run that loads a file the pack lacks loads it on its own and rewrites the pack with
 * it; the next run compiles what it calls and stores that ("warm"). A pack thus holds what any run
 * loaded, so one rare run (a prompt, an error path) would make every later run read and deserialise
 * more: when a run used under half of its pack's bytes and the pack is a day old or more, it is
 * rewritten with that run's files only (at most once a day, so runs that alternate do not thrash). The
 * pack lives in the user's own
 * cache directory (0700, refused when another user could write to it, since what it holds is run as is),
 * under Node's version and the build's id (dist/run/manifest.json). TIKTOK_CHANNEL_CACHE_DIR moves it;
 * set to an empty value, it turns the cache off.
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
  const pack = readPack(packFile);
  const used = new Set();
  let script;
  let wrappers;
  let outside = false;

  /** The pack's module functions by file name, compiled (from V8's cache) on first use. */
  function packed(name) {
    if (!pack?.names.has(name)) return undefined;
    if (!wrappers) {
      script = new vm.Script(pack.source, { filename: packFile, cachedData: pack.cache.length ? pack.cache : undefined });
      wrappers = script.runInThisContext({ displayErrors: true });
    }
    return wrappers[name];
  }

  function load(filename) {
    const cached = Module._cache[filename];
    if (cached) return cached.exports;
    const module = new Module(filename, null);
    module.filename = filename;
    module.paths = paths;
    Module._cache[filename] = module;
    const name = basename(filename);
    used.add(name);
    let wrapper = packed(name);
    if (!wrapper) {
      outside = true;
      wrapper = new vm.Script(wrap(readFileSync(filename, 'utf8')), { filename }).runInThisContext({ displayErrors: true });
    }
    const localRequire = (id) => (id.startsWith('./') && !id.includes('/', 2) ? load(`${runDir}${sep}${id.slice(2)}`) : external(id));
    localRequire.resolve = external.resolve;
    localRequire.cache = Module._cache;
    wrapper.call(module.exports, module.exports, localRequire, module, filename, runDir);
    module.loaded = true;
    return module.exports;
  }

  /** This run used under half of the pack's source, and the pack's set of files is a day old or more. */
  function shrinks(now) {
    if (!pack?.sizes || now - pack.since < TRIM_AFTER_MS) return false;
    let all = 0;
    let mine = 0;
    let index = 0;
    for (const name of pack.names) {
      const size = pack.sizes[index++];
      all += size;
      if (used.has(name)) mine += size;
    }
    return mine * 2 < all;
  }

  return {
    load,
    saveCompileCache() {
      if (!packFile) return;
      const now = Date.now();
      const trim = !outside && shrinks(now);
      let next;
      if (outside || !pack || trim) {
        // Every file this entry's runs loaded (trimming: this run's), read afresh; V8's code for it comes
        // once a run has used it.
        const names = trim ? [...used].sort() : [...new Set([...(pack?.names ?? []), ...used])].sort();
        const wrapped = names.map((name) => wrap(readFileSync(join(runDir, name), 'utf8')));
        const source = `({\n${names.map((name, index) => `${JSON.stringify(name)}: ${wrapped[index]}`).join(',\n')}\n})`;
        const cache = new vm.Script(source, { filename: packFile }).createCachedData();
        next = { names, warm: false, source, cache, sizes: wrapped.map((text) => text.length), since: pack && !trim ? pack.since : now };
      } else if (script && (!pack.warm || script.cachedDataRejected !== false)) {
        // After the run, so the functions it compiled lazily are in the cache too.
        next = { names: [...pack.names], warm: true, source: pack.source, cache: script.createCachedData(), sizes: pack.sizes, since: pack.since };
      } else {
        return;
      }
      try {
        const temp = `${packFile}.${process.pid}.tmp`;
        writeFileSync(temp, encodePack(next), { mode: 0o600 });
        renameSync(temp, packFile);
        // Packs of other builds are dead weight (an upgrade, a rebuild): gone when this build writes its own.
        // So is a write a killed process left (a .tmp a minute old); one another process is writing stays.
        for (const other of readdirSync(directory)) {
          if (other.endsWith('.pack') && !other.startsWith(prefix)) rmSync(join(directory, other), { force: true });
          else if (other.endsWith('.tmp') && other !== basename(temp) && now - mtime(join(directory, other)) > 60_000)
            rmSync(join(directory, other), { force: true });
        }
      } catch {
        // a cache that cannot be written only costs speed
      }
    },
  };
}

/** A module function expression: Node's CommonJS wrapper without its closing semicolon. */
function wrap(content) {
  return `(function (exports, require, module, __filename, __dirname) {${content}\n})`;
}

/**
 * A pack: a 4-byte header length, the header (JSON: {names, warm, source, cache, sizes, since}: source and
 * cache as byte lengths, sizes each file's share of the source, since when its set of files began), the
 * source, V8's code.
 */
function encodePack({ names, warm, source, cache, sizes, since }) {
  const bytes = Buffer.from(source, 'utf8');
  const head = Buffer.from(JSON.stringify({ names, warm, source: bytes.length, cache: cache.length, sizes, since }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, bytes, cache]);
}

/** {names, warm, source, cache, sizes?, since}; undefined when there is no pack or it cannot be read. */
function readPack(packFile) {
  if (!packFile) return undefined;
  let fd;
  try {
    fd = openSync(packFile, 'r');
    // The file itself must be ours and writable by no one else, whatever happened to its directory.
    if (!onlyTheUsers(fstatSync(fd))) return undefined;
    const bytes = readFileSync(fd);
    const headEnd = 4 + bytes.readUInt32BE(0);
    const head = JSON.parse(bytes.toString('utf8', 4, headEnd));
    const sourceEnd = headEnd + head.source;
    // Cut short or padded: parse nothing from it.
    if (!Array.isArray(head.names) || sourceEnd + head.cache !== bytes.length) return undefined;
    const sizes = Array.isArray(head.sizes) && head.sizes.length === head.names.length && head.sizes.every(Number.isFinite) ? head.sizes : undefined;
    return {
      names: new Set(head.names),
      warm: head.warm === true,
      source: bytes.toString('utf8', headEnd, sourceEnd),
      cache: bytes.subarray(sourceEnd),
      sizes,
      since: Number.isFinite(head.since) ? head.since : 0,
    };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
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
  if (stdoutIsTerminal() && process.stdout.columns < 80) return undefined;
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

/**
 * Whether stdout is a terminal, without building process.stdout: for a pipe or a file that loads Node's
 * stream and socket modules (~2 ms of a `--version` or a cached `--help`; src/io/direct-output.ts does
 * the same for commands). /dev/null is a character device too. Asked twice on the help path, looked up once.
 */
function stdoutIsTerminal() {
  terminal ??= lookUpTerminal();
  return terminal;
}

function lookUpTerminal() {
  let stats;
  try {
    stats = fstatSync(1);
  } catch {
    return false;
  }
  if (!stats.isCharacterDevice()) return false;
  try {
    return stats.rdev !== statSync('/dev/null').rdev;
  } catch {
    return true; // no /dev/null (Windows): a character device is the console
  }
}

/** `text` on stdout: straight to the descriptor unless it is a terminal; a full pipe hands the rest to Node's stream. */
function writeOut(text) {
  if (stdoutIsTerminal()) return void process.stdout.write(text);
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    // A reader that went away (`| head -1`) gets nothing more, as from Node's stream.
    if (error.code === 'EAGAIN') process.stdout.write(bytes.subarray(offset));
    else if (error.code !== 'EPIPE') throw error;
  }
}
