// The published artefact works as a user gets it: `npm pack`'s tarball holds only what runs, its manifest
// has no install-time script (nothing to approve, no compiler), and installed into an empty project with
// --ignore-scripts (from npm's cache where it can), its bin and its three library entries work: --version, a sandbox round trip
// (connect, the user writes, the conversation lists it) and the exports. `npm publish --dry-run` is clean.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, parseJson, ROOT, tempConfigDir } from '../helpers/cli.js';

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
let work: string;
let files: string[];
let tarball: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ttc-pack-'));
  // --ignore-scripts: `npm test` has just built dist/ (prepack would rebuild it under the other tests' feet).
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
  files = packed[0].files.map((file: { path: string }) => file.path);
  tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);
}, 60_000);

describe('npm pack', () => {
  it('holds the launcher, the bundled CLI, the library and its declarations, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/tiktok-channel.js', 'bin/package.json', 'dist/cli.js', 'dist/help.json']));
    for (const entry of ['index', 'sandbox', 'webhooks'])
      expect(files).toEqual(expect.arrayContaining([`dist/library/${entry}.js`, `dist/library/${entry}.d.ts`]));
    expect(files.some((file) => file.startsWith('dist/chunks/'))).toBe(true); // the commands, loaded lazily
    const extra = files.filter(
      (file) =>
        /^(src|test|bench|scripts)\//.test(file) ||
        file.endsWith('.map') ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        file === 'dist/bundle-meta.json',
    );
    expect(extra).toEqual([]);
    // What the bundle replaced (tsc's command modules) stays out: every command is in a chunk.
    expect(files.filter((file) => file.startsWith('dist/commands/') && file.endsWith('.js'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('build-help.js'))).toEqual([]);
  });

  it('the packed manifest runs nothing at install time', () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
    expect(manifest.scripts.prepack).toMatch(/build/);
  });

  it('`npm install -g` of the tarball (scripts allowed) prints no install-scripts warning', () => {
    const prefix = join(work, 'global');
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/install-scripts|warn/i);
    const version = spawnSync(join(prefix, 'bin/tiktok-channel'), ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 120_000);

  it('`npm publish --dry-run` prints no warning about the package', () => {
    const result = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: cleanEnv({ npm_config_loglevel: 'notice' }),
    });
    expect(result.status, result.stderr).toBe(0);
    // Being logged out is the machine's state, not the package's.
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('npm warn') && !/requires you to be logged in/.test(line));
    expect(warnings).toEqual([]);
    expect(result.stderr).toContain('tiktok-channel@');
  }, 60_000);

  describe('installed into an empty project (--ignore-scripts)', () => {
    let project: string;
    let bin: string;
    beforeAll(() => {
      project = join(work, 'consumer');
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
      const install = spawnSync('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
        cwd: project,
        encoding: 'utf8',
      });
      expect(install.status, install.stderr).toBe(0);
      expect(install.stderr).not.toContain('install-scripts');
      bin = join(project, 'node_modules/.bin/tiktok-channel');
    }, 120_000);

    it('runs --version and a sandbox round trip through the installed bin', () => {
      expect(existsSync(bin)).toBe(true);
      const env = cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() });
      const run = (args: string[]) => spawnSync(bin, args, { cwd: project, env, encoding: 'utf8', timeout: 30_000 });
      const version = run(['--version']);
      expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
      const connect = run(['connect', '--sandbox', '--json']);
      expect(connect.status, connect.stderr).toBe(0);
      const wrote = run(['sandbox', 'message', '--from', 'maya', '--text', 'Packed and installed?', '--json']);
      expect(wrote.status, wrote.stderr).toBe(0);
      const conversations = run(['conversations', '--json']);
      expect(conversations.status, conversations.stderr).toBe(0);
      const texts = (parseJson(conversations.stdout).conversations as { last_message?: { text?: string } }[]).map(
        (conversation) => conversation.last_message?.text,
      );
      expect(texts).toContain('Packed and installed?');
    }, 60_000);

    it('imports the three library entries', () => {
      const script = `
const root = await import('tiktok-channel');
const sandbox = await import('tiktok-channel/sandbox');
const webhooks = await import('tiktok-channel/webhooks');
console.log(JSON.stringify({ createClient: typeof root.createClient, startSandbox: typeof sandbox.startSandbox, verifySignature: typeof webhooks.verifySignature }));`;
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: cleanEnv(), encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(parseJson(result.stdout)).toEqual({ createClient: 'function', startSandbox: 'function', verifySignature: 'function' });
    });
  });
});
