// README's "Library" examples run as written: the vitest example under vitest, the client example under
// node, and every other example at least parses. They import `tiktok-channel/…` from a scratch project
// whose node_modules/tiktok-channel links to this package (built dist/, as installed).
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/tail.js';

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

  it('verify webhooks with constructEvent, the call that cannot be misused (node:http and Express alike)', () => {
    const webhookExamples = blocks.filter((block) => block.code.includes("from 'tiktok-channel/webhooks'"));
    expect(
      webhookExamples
        .map((block) => /from '(node:http|express)'/.exec(block.code)?.[1] ?? (block.code.includes('async fetch(request, env)') ? 'worker' : 'other'))
        .sort(),
    ).toEqual(['express', 'node:http', 'worker']);
    for (const block of webhookExamples) {
      expect(block.code).toMatch(/constructEvent(Async)?\(\{ rawBody/);
      // No object result that a `!` test would let through.
      expect(block.code).not.toMatch(/\.ok\b/);
    }
  });

  // Both server examples run as printed: a delivery signed as TikTok signs is taken, forged, stale and
  // unsigned ones are refused (Express is a dev dependency only for this).
  it.each(['node:http', 'express'])(
    'run: the %s webhook example takes a delivery signed as TikTok signs and refuses forged, stale and unsigned ones',
    async (framework) => {
      const dir = scratchProject();
      if (framework === 'express') symlinkSync(join(ROOT, 'node_modules/express'), join(dir, 'node_modules/express'), 'dir');
      const example = blocks.find((block) => block.lang === 'js' && block.code.includes(`from '${framework}'`));
      expect(example).toBeTruthy();
      writeFileSync(join(dir, 'webhook.mjs'), example!.code);
      const secret = 'readme-example-secret';
      const port = await freePort();
      const child = spawn(process.execPath, ['webhook.mjs'], {
        cwd: dir,
        env: cleanEnv({ TIKTOK_CHANNEL_CLIENT_SECRET: secret, PORT: String(port) }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const url = `http://127.0.0.1:${port}${framework === 'express' ? '/tiktok/webhook' : '/'}`;
      const content =
        '{"conversation_id":"c-readme","message_id":7247303576418566913,"type":"text","text":{"body":"Is the blue mug in stock?"},"from_user":{"id":"u1","role":"personal_account"},"to_user":{"id":"b1","role":"business_account"},"timestamp":1732459200000}';
      const body = `{"client_key":"awclient","event":"im_receive_msg","create_time":1732459200,"user_openid":"b1","content":${JSON.stringify(content)}}`;
      const signed = (t: number, text = body) => `t=${t},s=${createHmac('sha256', secret).update(`${t}.${text}`).digest('hex')}`;
      const post = async (headers: Record<string, string>, text = body) => {
        const response = await fetch(url, { method: 'POST', headers, body: text });
        return `${response.status} ${(await response.text()).trim()}`;
      };
      try {
        // Listening once a connection is accepted (the example prints nothing before its first event).
        const deadline = Date.now() + 15_000;
        for (;;) {
          const up = await fetch(url, { method: 'POST', body: '' }).then(
            () => true,
            () => false,
          );
          if (up) break;
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the example did not listen: ${stderr}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        const now = Math.floor(Date.now() / 1000);
        // node:http answers an empty 200, Express's sendStatus its status text.
        expect(await post({ 'tiktok-signature': signed(now) })).toBe(framework === 'express' ? '200 OK' : '200 ');
        expect(await post({ 'tiktok-signature': signed(now) }, body.replace('blue', 'red'))).toBe('401 mismatch');
        expect(await post({ 'tiktok-signature': signed(now - 3600) })).toBe('401 stale');
        expect(await post({})).toBe('401 missing');
        expect(await post({ 'tiktok-signature': 'garbage' })).toBe('401 malformed');
        expect(stdout).toBe('message c-readme Is the blue mug in stock?\n');
      } finally {
        child.kill('SIGKILL');
      }
    },
    60_000,
  );

  it('run: the vitest example passes and the client example prints what it says', () => {
    const dir = scratchProject();
    const vitestExample = blocks.find((block) => block.code.includes("from 'vitest'"));
    const clientExample = blocks.find((block) => block.lang === 'js' && block.code.includes('createClient('));
    expect(vitestExample && clientExample).toBeTruthy();

    writeFileSync(join(dir, 'sandbox.test.ts'), vitestExample!.code);
    // README's example as printed; only vitest's 5 s default per test is raised, for a loaded machine.
    const vitestArgs = ['run', '--root', dir, '--pool', 'forks', '--maxWorkers', '1', '--testTimeout', '30000'];
    const vitest = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), ...vitestArgs], {
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

  it('run: the Worker example, resolved as a Worker resolves it (workerd condition: the edge build), answers 200 and 401', () => {
    const dir = scratchProject();
    const worker = blocks.find((block) => block.lang === 'js' && block.code.includes('async fetch(request, env)'));
    expect(worker).toBeTruthy();
    writeFileSync(join(dir, 'worker.mjs'), worker!.code);
    const t = Math.floor(Date.now() / 1000);
    const body =
      '{"event":"im_receive_msg","user_openid":"b1","content":"{\\"conversation_id\\":\\"c-edge\\",\\"message_id\\":7247303576418566913,\\"type\\":\\"text\\",\\"text\\":{\\"body\\":\\"hi from the edge\\"}}"}';
    const header = `t=${t},s=${createHmac('sha256', 'worker-secret').update(`${t}.${body}`).digest('hex')}`;
    writeFileSync(
      join(dir, 'drive.mjs'),
      `import worker from './worker.mjs';
const env = { TIKTOK_CHANNEL_CLIENT_SECRET: 'worker-secret' };
const post = async (headers, text) => { const response = await worker.fetch(new Request('https://edge.example/hook', { method: 'POST', headers, body: text }), env); return response.status + ' ' + (await response.text()); };
const body = ${JSON.stringify(body)};
console.log(await post({ 'tiktok-signature': ${JSON.stringify(header)} }, body));
console.log(await post({ 'tiktok-signature': ${JSON.stringify(header)} }, body.replace('hi', 'yo')));
console.log(await post({}, body));
`,
    );
    const run = spawnSync(process.execPath, ['--conditions', 'workerd', 'drive.mjs'], { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('message c-edge hi from the edge\n200 \n401 mismatch\n401 missing\n');
  });

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
