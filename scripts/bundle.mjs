// Build step after tsc (`npm run build`): bundles the CLI with esbuild so a command loads a few files
// instead of its module graph file by file (start-up targets: bench/startup.mjs).
// - dist/cli.js (tsc's, replaced) is the CLI entry; every `import()` of src/cli.ts becomes its own lazy
//   chunk under dist/chunks/, with the code shared between chunks in chunks of its own. Nothing here
//   names a command: new commands and modules are picked up through the imports.
// - dist/bundle-meta.json maps every output file to its sources (test/integration/lazy-load.test.ts).
// - dist/.npmignore keeps out of the tarball the compiled files that nothing shipped runs: what the
//   bundle replaced and what only tests and benches import. The library entries (package.json
//   `exports`) stay tsc's output, so what they reach is found by following their imports.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
rmSync(join(dist, 'chunks'), { recursive: true, force: true });

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

const cli = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (commander, conf's helpers…) call require(): give each ES chunk one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // undici stays a dependency: the library needs it installed, and src/http/network.ts requires its
  // internal files at run time, so a bundled copy would be a second one.
  external: ['undici'],
  plugins: [lazyChildProcess],
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(dist, 'bundle-meta.json'), `${JSON.stringify(cli.metafile)}\n`);

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
  `# Written by scripts/bundle.mjs: compiled files nothing in the package runs (the CLI is bundled).\n/bundle-meta.json\n*.map\n${dropped.sort().join('\n')}\n`,
);
console.log(`dist/cli.js + ${Object.keys(cli.metafile.outputs).length - 1} chunks; ${dropped.length} compiled files left out of the package`);
