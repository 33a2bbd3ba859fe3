// README's "Library" examples run as written: the vitest example under vitest, the client example under
// node, and every other example at least parses. They import `tiktok-channel/…` from a scratch project
// whose node_modules/tiktok-channel links to this package (built dist/, as installed).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/cli.js';

interface Block {
  lang: string;
  code: string;
}

function libraryBlocks(): Block[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Library$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('README.md has no "## Library" section');
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1]!, code: match[2]! }));
}

function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ttc-readme-lib-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/tiktok-channel'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/vitest'), join(dir, 'node_modules/vitest'), 'dir');
  return dir;
}

describe("README's library examples", () => {
  const blocks = libraryBlocks();

  it('document every entry', () => {
    const all = blocks.map((block) => block.code).join('\n');
    for (const entry of ["'tiktok-channel'", "'tiktok-channel/sandbox'", "'tiktok-channel/webhooks'"]) expect(all).toContain(`from ${entry}`);
    expect(all).toContain("from 'node:http'");
    expect(all).toContain("from 'express'");
  });

  it('run: the vitest example passes and the client example prints what it says', () => {
    const dir = scratchProject();
    const vitestExample = blocks.find((block) => block.code.includes("from 'vitest'"));
    const clientExample = blocks.find((block) => block.lang === 'js' && block.code.includes('createClient('));
    expect(vitestExample && clientExample).toBeTruthy();

    writeFileSync(join(dir, 'sandbox.test.ts'), vitestExample!.code);
    const vitest = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--pool', 'forks', '--maxWorkers', '1'], {
      cwd: dir,
      env: cleanEnv({ CI: 'true', NO_COLOR: '1' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/1 passed/);

    writeFileSync(join(dir, 'client.mjs'), clientExample!.code);
    const client = spawnSync(process.execPath, ['client.mjs'], { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    expect(client.status, client.stderr).toBe(0);
    expect(client.stdout).toMatch(/^sent \S+$/m);
    expect(client.stdout).toMatch(/^validation 40007 Conversation not found: no-such-conversation\. \w+$/m);
  }, 90_000);

  it('every other example parses', () => {
    const dir = scratchProject();
    blocks
      .filter((block) => block.lang === 'js')
      .forEach((block, index) => {
        const file = join(dir, `example-${index}.mjs`);
        writeFileSync(file, block.code);
        const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
        expect(check.status, `${block.code}\n${check.stderr}`).toBe(0);
      });
  });
});
