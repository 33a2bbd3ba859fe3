// The library as a developer gets it: `npm pack`'s tarball installed into a fresh project, a TypeScript
// program using all three entries type-checked with `tsc --noEmit` against the shipped declarations,
// then compiled and run (sandbox, client, send, the user writes, signed webhook verified and decoded,
// a tampered one refused).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, parseJson, ROOT } from '../helpers/cli.js';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

describe('the packed library', () => {
  it('installs, type-checks a program using every entry, and runs it', () => {
    const work = mkdtempSync(join(tmpdir(), 'ttc-lib-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
    const files: string[] = packed[0].files.map((file: { path: string }) => file.path);
    for (const entry of ['index', 'sandbox', 'webhooks']) {
      expect(files).toContain(`dist/library/${entry}.js`);
      expect(files).toContain(`dist/library/${entry}.d.ts`);
    }

    const project = join(work, 'consumer');
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: project, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    // Node's types as a developer would have them (@types/node), without a network install.
    mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'), 'dir');

    copyFileSync(join(ROOT, 'test/fixtures/library-consumer.ts'), join(project, 'src/consumer.ts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          // The shipped declarations are checked too, not only the program.
          skipLibCheck: false,
          outDir: 'out',
          rootDir: 'src',
        },
        include: ['src'],
      }),
    );
    const check = spawnSync(process.execPath, [TSC, '--noEmit', '-p', '.'], { cwd: project, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const build = spawnSync(process.execPath, [TSC, '-p', '.'], { cwd: project, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);

    const run = spawnSync(process.execPath, ['out/consumer.js'], { cwd: project, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const summary = parseJson(run.stdout);
    expect(summary.conversations).toBeGreaterThan(0);
    expect(summary.messageId).toMatch(/\S/);
    expect(summary.inbound).toMatchObject({ kind: 'message', direction: 'inbound', text: 'Is the blue mug in stock?' });
    expect(summary.outbound).toMatchObject({ direction: 'outbound', text: 'Yes! It ships tomorrow.', source: 'API' });
    expect(summary).toMatchObject({ tamperedStatus: 401, tamperedReason: 'mismatch' });
    expect(summary.refusal).toMatchObject({ code: 40007, kind: 'validation' });
    expect(summary.refusal.requestId).toMatch(/\S/);
    expect(summary.refusal.message).not.toMatch(/^TikTok error/);
  }, 120_000);
});
