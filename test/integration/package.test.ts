// The published artefact works: `npm pack`'s tarball installs into a clean project and its bin runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, parseJson, ROOT, tempConfigDir } from '../helpers/cli.js';

describe('npm pack', () => {
  it('packs bin/ and dist/ (no sources, no tests) and the installed bin runs', () => {
    const work = mkdtempSync(join(tmpdir(), 'ttc-pack-'));
    // --ignore-scripts: dist/ is already built by `npm test`; the tarball must carry it.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
    const files: string[] = packed[0].files.map((file: { path: string }) => file.path);
    expect(files).toContain('bin/tiktok-channel.js');
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('dist/sandbox/index.js');
    expect(files).toContain('dist/help.json'); // --help without loading commander (src/fast-help.ts)
    expect(files.some((file) => file.startsWith('src/') || file.startsWith('test/'))).toBe(false);

    const project = join(work, 'consumer');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: project, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const bin = join(project, 'node_modules/.bin/tiktok-channel');
    expect(existsSync(bin)).toBe(true);

    const env = cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() });
    const version = spawnSync(bin, ['--version'], { env, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: ROOT, encoding: 'utf8' })).version);
    // A full command through the installed copy: the embedded sandbox needs nothing else.
    const connect = spawnSync(bin, ['connect', '--sandbox', '--json'], { env, encoding: 'utf8' });
    expect(connect.status, connect.stderr).toBe(0);
    const status = spawnSync(bin, ['status', '--json'], { env, encoding: 'utf8' });
    expect(parseJson(status.stdout)).toMatchObject({ username: 'acme.studio', usable: true });
  }, 120_000);
});
