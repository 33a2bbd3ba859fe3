// README's CI recipe ("To test a pipeline without TikTok") run verbatim with bash, as a CI job would:
// the block is read from README.md (not retyped here), `tiktok-channel` on PATH is the built CLI, and
// everything stays on loopback. The block runs in its own process group, so the background server is
// killed whatever happens, and the test checks the block itself stopped it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED } from '../../src/sandbox/index.js';
import { BIN, cleanEnv, ROOT } from '../helpers/cli.js';

function ciBlock(readme: string): string {
  const after = readme.split(/^To test a pipeline without TikTok/m)[1];
  const block = after?.match(/^```(?:bash|sh)\n([\s\S]*?)^```$/m)?.[1];
  if (!block) throw new Error('README.md has no fenced block after "To test a pipeline without TikTok"');
  return block;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("README's CI recipe", () => {
  it('runs as printed: waits for the served sandbox, uses its token, a user writes, the job replies, the server is stopped', async () => {
    const block = ciBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const work = mkdtempSync(join(tmpdir(), 'ttc-readme-ci-'));
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(BIN, join(bin, 'tiktok-channel'));
    const env = cleanEnv({ CI: 'true', NO_COLOR: '1', TIKTOK_CHANNEL_CONFIG_DIR: join(work, 'config'), PATH: `${bin}:${process.env.PATH}` });
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', block], { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
        child.on('close', (exit) => {
          clearTimeout(timer);
          resolve(exit);
        });
      });
      expect(code, `${stdout}\n${stderr}`).toBe(0);
      const lines = stdout.trim().split('\n');
      // `conversations` listed maya's conversation; the reply went there, with the contract's fields.
      expect(lines).toContain(SEED.conversations.maya);
      const sent = JSON.parse(lines.at(-1)!);
      expect(sent).toMatchObject({ conversation_id: SEED.conversations.maya, message_id: expect.stringMatching(/\S/), messages_left: 9 });
      expect(stderr).not.toMatch(/ECONNREFUSED|No TikTok account is connected/);
      // The block stopped its own server (SIGTERM: a clean stop): its process group empties within seconds.
      const deadline = Date.now() + 10_000;
      while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(groupAlive(child.pid!)).toBe(false);
    } finally {
      if (groupAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
