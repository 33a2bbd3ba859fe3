// Never lose a rotated refresh token (issue 23, items 1-2): a full disk (a real tmpfs filled with dd),
// SIGTERM and SIGHUP while TikTok's answer is on its way. The sandbox holds the refresh answer after it
// has rotated (fault kind "hold"), and the tests wait for the sandbox to have seen the request.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { connectAccount, readStore, requestsTo, SEED, useServedSandbox, type ServedSandbox } from '../helpers/sandbox.js';

const sandbox = useServedSandbox();
const REFRESH = 'tt_user/oauth2/refresh_token/';

async function holdRefresh(ms: number) {
  await sandbox.control('POST', 'faults', { path: REFRESH, kind: 'hold', hold_ms: ms, times: 1 });
}

/** Resolves once the sandbox has logged (and so rotated) a refresh request: the answer is now held. */
async function refreshSeen(served: ServedSandbox, since: number, timeoutMs = 15_000) {
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    if (requestsTo(await served.state(), REFRESH).length > since) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the CLI never asked the sandbox for a refresh');
}

// A small real file system to fill: mount needs root (or CAP_SYS_ADMIN); without it the tests say so and skip.
const mountRoot = mkdtempSync(join(tmpdir(), 'ttc-tmpfs-'));
let mountProblem: string | undefined;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mountRoot], { stdio: 'pipe' });
} catch (error) {
  mountProblem = `mount -t tmpfs is unavailable here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
}
if (mountProblem) console.warn(`SKIPPED full-disk tests: ${mountProblem}`);
afterAll(() => {
  if (!mountProblem) execFileSync('umount', [mountRoot]);
  rmSync(mountRoot, { recursive: true, force: true });
});

function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'pipe' });
  } catch {
    // dd stops with ENOSPC: that is the point
  }
  return filler;
}

describe.skipIf(Boolean(mountProblem))('a full disk', { timeout: 60_000 }, () => {
  let configDir: string;
  beforeAll(() => {
    configDir = join(mountRoot, 'config');
  });

  it('refuses the refresh before spending the token, and the next refresh works once there is room', async () => {
    rmSync(configDir, { recursive: true, force: true });
    mkdirSync(configDir, { mode: 0o700 });
    const before = await connectAccount(sandbox, configDir);
    const filler = fillDisk(mountRoot);

    const full = await runCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 });
    expect(full.code, full.stderr).toBe(1);
    const error = parseJson(full.stdout).error;
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/disk is full/);
    expect(error.message).toMatch(/refresh token was not used/);
    expect(requestsTo(await sandbox.state(), REFRESH)).toHaveLength(0);
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].refreshToken).toBe(before.refreshToken);
    expect(readdirSync(configDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    rmSync(filler);
    const again = await runCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson(again.stdout)).toMatchObject({ rotated: true });
  });

  it('filled while TikTok answers: the rotated pair still lands in the room reserved before the call', async () => {
    rmSync(configDir, { recursive: true, force: true });
    mkdirSync(configDir, { mode: 0o700 });
    const before = await connectAccount(sandbox, configDir);
    await holdRefresh(1500);
    const cli = startCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 });
    await refreshSeen(sandbox, 0);
    const filler = fillDisk(mountRoot);
    const result = await cli.done;
    rmSync(filler);
    expect(result.code, result.stderr).toBe(0);
    const after = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(after.refreshToken).not.toBe(before.refreshToken);
    const again = await runCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(0);
  });
});

describe('a polite signal during a rotation', { timeout: 60_000 }, () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} during \`refresh\` waits for the rotated pair to be stored, then exits ${code}`, async () => {
      const configDir = tempConfigDir();
      const before = await connectAccount(sandbox, configDir);
      await holdRefresh(2000);
      const cli = startCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 });
      await refreshSeen(sandbox, 0);
      cli.child.kill(signal);
      const result = await cli.done;
      expect(result.code, result.stderr).toBe(code);
      const after = readStore(configDir).accounts[SEED.defaultBusinessId];
      expect(after.refreshToken).not.toBe(before.refreshToken);
      const again = await runCli(['refresh', '--json'], { configDir, timeoutMs: 30_000 });
      expect(again.code, again.stderr).toBe(0);
    });
  }

  it('SIGTERM during the auto-refresh inside another command keeps the rotated pair too', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    await sandbox.control('POST', 'tokens/expire', { business_id: SEED.defaultBusinessId, access: true });
    await holdRefresh(2000);
    const cli = startCli(['conversations', '--json'], { configDir, timeoutMs: 30_000 });
    await refreshSeen(sandbox, 0);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(143);
    const after = readStore(configDir).accounts[SEED.defaultBusinessId];
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect((await sandbox.api('business/get/', after.accessToken, { business_id: SEED.defaultBusinessId })).code).toBe(0);
  });

  it('outside a rotation SIGTERM still ends the process at once', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    await sandbox.control('POST', 'faults', { path: 'business/message/conversation/list/', kind: 'hold', hold_ms: 5000, times: 1 });
    const cli = startCli(['conversations', '--json'], { configDir, timeoutMs: 30_000 });
    for (const started = Date.now(); !requestsTo(await sandbox.state(), 'business/message/conversation/list/').length; ) {
      if (Date.now() - started > 15_000) throw new Error('no conversation/list request');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const killedAt = Date.now();
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code === 143 || cli.child.signalCode === 'SIGTERM').toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(existsSync(join(configDir, 'accounts.json.lock'))).toBe(false);
  });
});

describe('the refresh answer', { timeout: 30_000 }, () => {
  it('carries open_id, and without it (fault omit_open_id) the stored business_id is kept', async () => {
    const configDir = tempConfigDir();
    await connectAccount(sandbox, configDir);
    const first = await runCli(['refresh', '--json'], { configDir });
    expect(first.code, first.stderr).toBe(0);
    const response = await fetch(`${sandbox.server.apiBaseUrl}${REFRESH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: sandbox.server.clientKey,
        client_secret: sandbox.server.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: readStore(configDir).accounts[SEED.defaultBusinessId].refreshToken,
      }),
    });
    const envelope = (await response.json()) as { code: number; data: { open_id?: string } };
    expect(envelope.code).toBe(0);
    expect(envelope.data.open_id).toBe(SEED.defaultBusinessId);

    const other = tempConfigDir();
    await connectAccount(sandbox, other);
    await sandbox.control('POST', 'faults', { path: REFRESH, kind: 'omit_open_id', times: 1 });
    const tolerant = await runCli(['refresh', '--json'], { configDir: other });
    expect(tolerant.code, tolerant.stderr).toBe(0);
    expect(parseJson(tolerant.stdout).business_id).toBe(SEED.defaultBusinessId);
    expect(Object.keys(readStore(other).accounts)).toEqual([SEED.defaultBusinessId]);
  });
});

describe('a polite signal during an env-credentials refresh', { timeout: 60_000 }, () => {
  it('SIGTERM waits until the rotated pair is printed (the only place it goes), then exits 143', async () => {
    const configDir = tempConfigDir();
    const before = await connectAccount(sandbox, configDir);
    await holdRefresh(2000);
    const cli = startCli(['refresh', '--json'], {
      configDir: tempConfigDir(),
      env: sandbox.env({
        TIKTOK_CHANNEL_ACCESS_TOKEN: before.accessToken,
        TIKTOK_CHANNEL_BUSINESS_ID: SEED.defaultBusinessId,
        TIKTOK_CHANNEL_REFRESH_TOKEN: before.refreshToken,
      }),
      timeoutMs: 30_000,
    });
    await refreshSeen(sandbox, 0);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(143);
    const printed = parseJson(result.stdout);
    expect(printed.refresh_token).not.toBe(before.refreshToken);
    const state = await sandbox.state();
    expect(state.refresh_tokens.find((token: { refresh_token: string }) => token.refresh_token === printed.refresh_token).used_at).toBeUndefined();
  });
});
