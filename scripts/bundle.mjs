// Build step after tsc (`npm run build`): bundles the CLI with esbuild so a command loads a few files
// instead of its module graph file by file (start-up targets: bench/startup.mjs).
// - dist/run/: CommonJS files the bin runs (bin/tiktok-channel.js). `cli-<hash>.js` holds every command;
//   `<group>-<hash>.js` only one command group's (`accounts`, `sandbox`…), so a command registers and
//   compiles only what it uses. Every `import()` becomes a lazy chunk, with the code shared between
//   files in chunks of its own; dist/run/manifest.json names the entries. Nothing here names a command:
//   groups come from the definitions, modules through the imports. dist/cli.js stays tsc's (dev, tests).
// - dist/bundle-meta.json maps every output file to its sources (test/integration/lazy-load.test.ts).
// - dist/.npmignore keeps out of the tarball the compiled files that nothing shipped runs: what the
//   bundle replaced and what only tests and benches import. The library entries (package.json
//   `exports`) stay tsc's output, so what they reach is found by following their imports.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
rmSync(join(dist, 'chunks'), { recursive: true, force: true }); // an older build's
rmSync(join(dist, 'run'), { recursive: true, force: true });

// proper-lockfile (the store's and the embedded sandbox's locks) takes graceful-fs, which patches every
// fs function at load (~4 ms of each command that locks) to retry EMFILE, which a CLI holding a few files
// never meets: the bundled CLI gives it node:fs. The library (tsc's output) keeps the real package.
const plainFs = {
  name: 'plain-fs',
  setup(builder) {
    builder.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'graceful-fs', namespace: 'plain-fs' }));
    builder.onLoad({ filter: /.*/, namespace: 'plain-fs' }, () => ({ contents: "module.exports = require('node:fs');", loader: 'js' }));
  },
};

// proper-lockfile's signal-exit (v3) requires node:assert for one argument check, and node:assert's
// error module builds process.stderr to choose its colours: ~9 ms of every command that takes a lock.
// The bundled CLI gets the same check without node:assert. The build fails if the line moves.
const plainAssert = {
  name: 'plain-assert',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]proper-lockfile[\\/]node_modules[\\/]signal-exit[\\/]index\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const eager = "var assert = require('assert')";
      if (!source.includes(eager)) throw new Error(`${path}: "${eager}" not found; update scripts/bundle.mjs`);
      const plain = 'var assert = { equal: function (actual, expected, message) { if (actual != expected) throw new TypeError(message) } }';
      return { contents: source.replace(eager, plain), loader: 'js' };
    });
  },
};

// The bundle renames identifiers (below), and commander names its errors from `this.constructor.name`:
// the two classes get their names written in. The build fails if the lines move.
const commanderErrorNames = {
  name: 'commander-error-names',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]error\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const parts = source.split('this.name = this.constructor.name;');
      if (parts.length !== 3) throw new Error(`${path}: "this.name = this.constructor.name;" not found twice; update scripts/bundle.mjs`);
      return { contents: `${parts[0]}this.name = 'CommanderError';${parts[1]}this.name = 'InvalidArgumentError';${parts[2]}`, loader: 'js' };
    });
  },
};

// The command groups, read from tsc's output before the bundle replaces dist/cli.js: every module under
// dist/commands/ that exports a `definition` is a command, grouped by its first word, in COMMANDS' order.
const groups = await commandGroups();

// commander requires node:child_process at load time for executable subcommands, which this CLI does
// not have; loading it on first use saves every command its cost. The build fails if the line moves.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) throw new Error(`${path}: "${eager}" not found; update scripts/bundle.mjs`);
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

// One esbuild run, split into shared chunks (ES modules in memory), then each file turned into CommonJS:
// esbuild cannot split CommonJS itself, and a CommonJS file starts faster than an ES module (no module
// loader, no ES facades of node:fs and node:crypto). Entries: `cli` (every command) and one per command
// group; every file name carries its content's hash, which the bin's compile cache keys on.
const runnable = groups.filter((group) => !group.wholeProgram);
const split = await build({
  absWorkingDir: root,
  entryPoints: [{ in: 'src/cli.ts', out: 'cli' }, ...runnable.map((group) => ({ in: `command-group:${group.name}`, out: group.name }))],
  outdir: 'dist/run',
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // A CommonJS file has no import.meta: the sources' `new URL(…, import.meta.url)` resolve from the file itself.
  define: {
    'import.meta.url': '__import_meta.url',
    // The version every command registers for --version (src/cli/program.ts), without reading package.json.
    TIKTOK_CHANNEL_VERSION: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version),
  },
  // undici stays a dependency: the library needs it installed, and src/http/network.ts requires its
  // internal files at run time, so a bundled copy would be a second one.
  external: ['undici'],
  plugins: [lazyChildProcess, plainFs, plainAssert, commanderErrorNames, commandGroupEntries(runnable)],
  metafile: true,
  write: false,
  logLevel: 'warning',
});
const run = join(dist, 'run');
mkdirSync(run, { recursive: true });
writeFileSync(join(run, 'package.json'), '{ "type": "commonjs" }\n');
for (const file of split.outputFiles) {
  const cjs = await transform(file.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import() of a chunk becomes require(): a lazy chunk loads only when the command reaches it.
    supported: { 'dynamic-import': false },
    // Whitespace and syntax here; identifiers in the pass below, once plainInterop has rewritten esbuild's
    // helpers by name.
    minifyWhitespace: true,
    minifySyntax: true,
    // Computed on first use: most files never ask, and pathToFileURL costs every file that does.
    banner: "'use strict';\nvar __import_meta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
    logLevel: 'warning',
  });
  // Local names shortened too: files a fifth smaller than with whitespace and syntax alone, and reading,
  // decoding and deserialising them is most of what a command's start costs (~3 ms of `send --dry-run`,
  // bench/startup.mjs). Errors keep their names (every class sets `name`); a stack trace under --debug
  // shows short function names, with the file and column to find them by in the same version's build.
  const renamed = await transform(plainInterop(cjs.code, file.path), {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyIdentifiers: true,
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  writeFileSync(file.path, renamed.code);
}
// Read by the bin: which file runs a command group, and which runs everything else.
// `build` changes whenever any file does: the bin's compile cache is valid for one build only.
const manifest = { build: '', cli: '', commands: {} };
for (const [output, { entryPoint }] of Object.entries(split.metafile.outputs)) {
  const name = relative('dist/run', output);
  if (entryPoint === 'src/cli.ts') manifest.cli = name;
  else if (entryPoint?.startsWith('command-group:')) manifest.commands[entryPoint.slice('command-group:'.length)] = name;
}
const buildHash = createHash('sha256');
for (const file of [...split.outputFiles].sort((a, b) => a.path.localeCompare(b.path))) buildHash.update(file.path).update(readFileSync(file.path));
manifest.build = buildHash.digest('hex').slice(0, 16);
writeFileSync(join(run, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(join(dist, 'bundle-meta.json'), `${JSON.stringify(split.metafile)}\n`);
const cli = split;

// What the library entries reach (tsc's files, imported as they are at run time).
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Every condition's target, nested ones too (`./webhooks` has an edge build under workerd, worker…).
const targets = (target) => (typeof target === 'string' ? [target] : Object.values(target).flatMap(targets));
const entries = [...new Set(Object.values(pkg.exports).flatMap(targets))].filter((target) => target.endsWith('.js'));
const library = await build({
  absWorkingDir: root,
  entryPoints: entries,
  bundle: true,
  write: false,
  outdir: 'out',
  format: 'esm',
  platform: 'node',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});
// Every package a shipped file imports at run time must be a dependency (the rest are bundled).
const imported = new Set();
for (const metafile of [cli.metafile, library.metafile]) {
  for (const input of Object.values(metafile.inputs)) {
    for (const { path, external } of input.imports)
      if (external && !path.startsWith('node:') && !builtinModules.includes(path))
        imported.add(
          path
            .split('/')
            .slice(0, path.startsWith('@') ? 2 : 1)
            .join('/'),
        );
  }
}
const missing = [...imported].filter((name) => !pkg.dependencies?.[name]);
if (missing.length) throw new Error(`imported at run time but not in package.json dependencies: ${missing.join(', ')}`);
const keep = new Set([...Object.keys(library.metafile.inputs), ...Object.keys(cli.metafile.outputs)].map((file) => relative('dist', file)));

const dropped = [];
const walk = (dir) => {
  for (const entry of readdirSync(join(dist, dir), { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    // Only tsc's output of a src/*.ts file can be left out; assets (the phone page's scripts) always ship.
    else if (file.endsWith('.js') && !keep.has(file) && existsSync(join(root, 'src', file.replace(/\.js$/, '.ts')))) dropped.push(`/${file}`);
  }
};
walk('');
writeFileSync(
  join(dist, '.npmignore'),
  `# Written by scripts/bundle.mjs: compiled files nothing in the package runs (the CLI is bundled).\n/bundle-meta.json\n/.tsbuildinfo\n*.map\n${dropped.sort().join('\n')}\n`,
);
console.log(
  `dist/run/: the whole CLI, ${runnable.length} command groups and ${Object.keys(cli.metafile.outputs).length - runnable.length - 1} shared chunks (CommonJS); ${dropped.length} compiled files left out of the package`,
);

/** [{name, wholeProgram, streams, sources: ['src/commands/….ts', …]}] in the order src/cli.ts registers them. */
async function commandGroups() {
  const { COMMANDS } = await import(pathToFileURL(join(dist, 'cli.js')).href);
  const order = COMMANDS.map((command) => command.definition.path.join(' '));
  const byPath = new Map();
  const scan = async (dir) => {
    for (const entry of readdirSync(join(dist, dir), { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) await scan(file);
      else if (file.endsWith('.js') && existsSync(join(root, 'src', file.replace(/\.js$/, '.ts')))) {
        const module = await import(pathToFileURL(join(dist, file)).href);
        if (module.definition?.path)
          byPath.set(module.definition.path.join(' '), { definition: module.definition, source: `src/${file.replace(/\.js$/, '.ts')}` });
      }
    }
  };
  await scan('commands');
  const missing = order.filter((path) => !byPath.has(path));
  if (missing.length) throw new Error(`commands of src/cli.ts not found under src/commands/: ${missing.join(', ')}`);
  const groups = new Map();
  for (const path of order) {
    const { definition, source } = byPath.get(path);
    const name = definition.path[0];
    if (!groups.has(name)) groups.set(name, { name, wholeProgram: false, streams: false, sources: [] });
    const group = groups.get(name);
    group.sources.push(source);
    group.wholeProgram ||= Boolean(definition.wholeProgram);
    group.streams ||= Boolean(definition.streams);
  }
  return [...groups.values()];
}

/** `command-group:<name>`: an entry registering that group's commands with src/cli/program.ts. */
function commandGroupEntries(list) {
  return {
    name: 'command-group-entries',
    setup(builder) {
      builder.onResolve({ filter: /^command-group:/ }, ({ path }) => ({ path: path.slice('command-group:'.length), namespace: 'command-group' }));
      builder.onLoad({ filter: /.*/, namespace: 'command-group' }, ({ path }) => {
        const group = list.find((candidate) => candidate.name === path);
        const imports = group.sources.map((source, index) => `import * as command${index} from './${source}';`);
        const contents = [
          "import { runMain } from './src/cli/program.ts';",
          ...imports,
          // A group none of whose commands streams writes piped output straight to the fd (src/io/direct-output.ts).
          `export const main = (options) => runMain([${group.sources.map((_, index) => `command${index}`).join(', ')}], { directOutput: ${!group.streams}, ...options });`,
        ].join('\n');
        return { contents, resolveDir: root, loader: 'js' };
      });
    },
  };
}

/**
 * esbuild's CommonJS form of an ES module copies its exports twice more than a command needs: once into
 * `module.exports` (`__toCommonJS`: every export's descriptor read and a new getter made) and once per
 * `import()` of a chunk (`__toESM`). Across the 40–60 chunks a command loads that was ~70 KB of the young
 * generation and the scavenge it set off (~2.5 ms in `send --dry-run`, bench/startup.mjs). The exports
 * object esbuild built (live getters, one per export) is marked as an ES module and is `module.exports`
 * itself, and a chunk's `import()` yields it as it is: every chunk here is such a module, so the copy
 * read the same getters. The build fails if esbuild's output changes shape.
 */
function plainInterop(code, path) {
  let exported = 0;
  const plain = code
    .replace(/module\.exports=__toCommonJS\(([\w$]+)\)/g, (_, name) => {
      exported++;
      return `module.exports=__defProp(${name},"__esModule",{value:!0})`;
    })
    .replace(/__toESM\(require\("(\.\/chunk-\w+\.js)"\)\)/g, 'require("$1")');
  if (exported !== 1) throw new Error(`${path}: expected one module.exports=__toCommonJS(…), found ${exported}; update scripts/bundle.mjs`);
  return nodeBuiltinsAsIs(plain);
}

/**
 * A default or namespace import of a Node built-in (`import process from 'node:process'`, as env-paths,
 * conf and chalk's helpers write it) becomes `__toESM(require(…))` in CommonJS: a copy of every property of
 * the module as a getter, ~100 closures for `process` alone (env-paths: 0.7 ms and 60 KB of the young
 * generation, in every command that opens the account store). The built-in itself as the prototype of an
 * object whose `default` is the built-in reads the same, live, and costs one small object.
 */
function nodeBuiltinsAsIs(code) {
  return code.replace(/__toESM\(require\("(node:[\w/]+)"\)(?:,\s*1)?\)/g, (_, id) => `(m=>({__proto__:m,default:m}))(require(${JSON.stringify(id)}))`);
}
