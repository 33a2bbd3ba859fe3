// The bundled CLI (scripts/bundle.mjs) still starts lazily: each command loads its own module and what
// that module imports, never another command's, and the heavy dependencies only where they are used.
// The built CLI runs as a child recording every file it loads (its dist/run/ files and packages);
// dist/bundle-meta.json (esbuild's metafile) says which sources each file holds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ROOT, tempConfigDir } from '../helpers/cli.js';

const RECORDER = join(ROOT, 'test/fixtures/module-recorder.mjs');
const MAYA = 'mY3+hQ1/acMeMaYaL0pezQ==';

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
let meta: Metafile;
let configDir: string;
/** dist/run/manifest.json: the file with every command and each command group's own. */
let manifest: { cli: string; commands: Record<string, string> };
const entryOf = (group?: string) => `dist/run/${group ? manifest.commands[group] : manifest.cli}`;

/** The sources (src/… and node_modules/…) a CLI run loaded, from the bundle files it imported, and Node's own modules (`builtin:node:…`). */
function sourcesLoadedBy(args: string[]): string[] {
  const log = join(mkdtempSync(join(tmpdir(), 'ttc-lazy-')), 'modules.log');
  const child = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    env: cleanEnv({ CI: 'true', NO_COLOR: '1', TIKTOK_CHANNEL_CONFIG_DIR: configDir, MODULE_LOG: log }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(child.status, `${args.join(' ')}: ${child.stderr}`).toBe(0);
  const lines = readFileSync(log, 'utf8').split('\n');
  // Node's own modules, as `builtin:node:crypto`.
  const sources = new Set<string>(lines.filter((line) => line.startsWith('builtin:')).map((line) => `builtin:node:${line.slice('builtin:'.length)}`));
  for (const url of lines.filter((line) => line.startsWith('file:'))) {
    const file = relative(ROOT, fileURLToPath(url));
    if (file.startsWith('node_modules/')) sources.add(file); // an external package (undici)
    for (const input of Object.keys(meta.outputs[file]?.inputs ?? {})) sources.add(input);
  }
  return [...sources];
}

/** A module and everything it imports statically (what loading it costs, whatever the command does). */
function staticClosure(source: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of meta.inputs[path]?.imports ?? []) if (imported.kind !== 'dynamic-import' && !imported.external) visit(imported.path);
  };
  visit(source);
  return seen;
}

const commandModules = (sources: string[]) => sources.filter((source) => source.startsWith('src/commands/'));
/** A command defined by its definition keeps its body in src/commands/<name>/impl.ts, loaded when it runs. */
const bodyOf = (name: string) => (meta.inputs[`src/commands/${name}/impl.ts`] ? `src/commands/${name}/impl.ts` : `src/commands/${name}.ts`);
/** Definition modules are in the entry (the help and the parser need them); their bodies are not. */
const definitionModules = (group?: string) =>
  new Set([...staticClosure(group ? `command-group:${group}` : 'src/cli.ts')].filter((input) => input.startsWith('src/commands/')));
const packageOf = (source: string) => source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];

beforeAll(() => {
  const bundled = statSync(join(ROOT, 'dist/run/manifest.json')).mtimeMs >= statSync(join(ROOT, 'dist/cli.js')).mtimeMs;
  expect(bundled, 'tsc ran after the bundle (the bin would run dist/cli.js): run `npm run build`').toBe(true);
  meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle-meta.json'), 'utf8'));
  manifest = JSON.parse(readFileSync(join(ROOT, 'dist/run/manifest.json'), 'utf8'));
  configDir = tempConfigDir('ttc-lazy-config-');
  const connect = spawnSync(process.execPath, [BIN, 'connect', '--sandbox'], {
    env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir }),
    encoding: 'utf8',
  });
  expect(connect.status, connect.stderr).toBe(0);
});

describe('the bundled CLI loads lazily', () => {
  it('is split: every command module of src/cli.ts is in a chunk of its own, not in an entry', () => {
    const importers = ['src/cli.ts', ...definitionModules()];
    const lazy = importers.flatMap((importer) =>
      meta.inputs[importer]!.imports.filter((imported) => imported.kind === 'dynamic-import').map((imported) => imported.path),
    );
    expect(lazy.filter((path) => path.startsWith('src/commands/')).length).toBeGreaterThan(8);
    // The entries hold only definitions (src/commands/<name>.ts): no body, and nothing a definition would drag in.
    for (const group of [undefined, ...Object.keys(manifest.commands)])
      expect(Object.keys(meta.outputs[entryOf(group)]!.inputs).filter((input) => input.startsWith('src/commands/') && input.endsWith('/impl.ts'))).toEqual([]);
    // A command group's entry registers only its own commands: `accounts` holds `accounts` and `accounts use`.
    expect([...definitionModules('accounts')].sort()).toEqual(['src/commands/accounts-use.ts', 'src/commands/accounts.ts']);
  });

  it.each([['--version'], ['--help'], ['send', '--help'], ['sandbox', 'serve', '--help']])('%s loads no compiled file at all', (...args) => {
    expect(sourcesLoadedBy(args)).toEqual([]);
  });

  it.each([
    ['accounts', ['accounts']],
    ['status', ['status', '--offline']],
    ['send', ['send', '--to', MAYA, '--text', 'hi', '--dry-run']],
    ['conversations', ['conversations']],
    ['messages', ['messages', MAYA]],
    ['qr', ['qr']],
    ['completion', ['completion', 'bash']],
    ['sandbox', ['sandbox', 'message', '--from', 'maya', '--text', 'hello']],
  ])('%s loads its own command module and what it imports, no other command', (name, args) => {
    const own = bodyOf(name);
    const loaded = sourcesLoadedBy(args);
    expect(loaded).toContain(own);
    const allowed = staticClosure(own);
    // A command group runs from its own entry (only its definitions); `completion` reads the whole tree.
    const definitions = definitionModules(manifest.commands[name] ? name : undefined);
    expect(commandModules(loaded).filter((source) => !allowed.has(source) && !definitions.has(source))).toEqual([]);
    // Prompts, QR drawing and colours load only for the commands (and terminals) that use them.
    const packages = new Set(loaded.map(packageOf).filter(Boolean));
    if (name !== 'qr') expect(packages.has('qrcode') || packages.has('qrcode-terminal')).toBe(false);
    expect(packages.has('@inquirer/prompts')).toBe(false);
    expect(packages.has('chalk')).toBe(false); // NO_COLOR
  });

  it("the CLI's files never hold undici's transport: commands speak node:http (undici costs ~30 ms to load)", () => {
    // undici stays only where it does what node:http does not: tail's forwarding pool, replay, a media upload's form.
    const held = Object.entries(meta.outputs).filter(([, output]) => Object.keys(output.inputs).includes('src/http/network.ts'));
    expect(held.map(([file]) => file)).toEqual([]);
    expect(Object.keys(meta.inputs)).toContain('src/http/node-http.ts');
  });

  it.each([
    [['accounts'], ['node:crypto', 'node:net', 'node:tty', 'node:http']],
    [
      ['status', '--offline'],
      ['node:crypto', 'node:net', 'node:tty', 'node:http'],
    ],
    [
      ['send', '--to', MAYA, '--text', 'hi', '--dry-run'],
      ['node:crypto', 'node:tty', 'node:net', 'node:assert'],
    ],
    [['conversations'], ['node:crypto', 'node:tty', 'node:net', 'node:assert']],
  ])("%s loads none of Node's %s: piped output goes straight to the fd, nothing is hashed", (args, unused) => {
    const loaded = sourcesLoadedBy(args);
    expect(loaded.some((source) => source.startsWith('builtin:'))).toBe(true); // the recorder lists Node's modules
    expect(unused.filter((name) => loaded.includes(`builtin:${name}`))).toEqual([]);
  });

  it.each([[['send', '--to', MAYA, '--text', 'hi', '--dry-run']], [['conversations']]])(
    '%s through the embedded sandbox loads its read path only: no send, media, webhook or multipart area, no proper-lockfile',
    (args) => {
      const loaded = sourcesLoadedBy(args);
      expect(loaded).toContain('src/sandbox/conversations.ts'); // it did read through the sandbox
      const writers = [
        'src/sandbox/send.ts',
        'src/sandbox/media.ts',
        'src/sandbox/webhooks.ts',
        'src/sandbox/multipart.ts',
        'src/sandbox/comment-to-message.ts',
      ];
      expect(loaded.filter((source) => writers.includes(source) || packageOf(source) === 'proper-lockfile')).toEqual([]);
    },
  );

  it.each([['accounts'], ['status', '--offline']])('%s (stored state only) loads neither the network stack nor the sandbox', (...args) => {
    const loaded = sourcesLoadedBy(args);
    expect(loaded.filter((source) => packageOf(source) === 'undici' || source.startsWith('src/sandbox/') || source === 'src/http/network.ts')).toEqual([]);
    // Nor the client, the session, the OAuth calls, the loopback server or connect's body: stored state needs none of them.
    const client = [
      'src/tiktok/client.ts',
      'src/tiktok/oauth.ts',
      'src/tiktok/messaging.ts',
      'src/auth/session.ts',
      'src/auth/loopback.ts',
      'src/commands/connect/impl.ts',
    ];
    expect(loaded.filter((source) => client.includes(source) || source.startsWith('src/http/'))).toEqual([]);
  });
});
