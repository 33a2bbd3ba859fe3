// The config dir and its accounts.json as found on disk: a file in another shape is reported by file and
// field and never rewritten; a directory that cannot be written is named with its fix (exit 1).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, parseJson, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

const now = Date.now();
const complete = {
  businessId: '-000shape',
  channelName: 'Shape shop',
  scopes: ['message.list.read'],
  accessToken: 'act.shape',
  accessTokenExpiresAt: now + 3_600_000,
  refreshToken: 'rft.shape',
  refreshTokenExpiresAt: now + 86_400_000,
  clientKey: 'key',
  clientSecret: 'secret',
  connectedAt: now,
  updatedAt: now,
};

function writeStore(configDir: string, account: Record<string, unknown>): string {
  const path = join(configDir, 'accounts.json');
  writeFileSync(path, JSON.stringify({ version: 1, defaultAccount: '-000shape', accounts: { '-000shape': account } }, null, '\t'), { mode: 0o644 });
  return path;
}

describe('accounts.json is validated on read', () => {
  it('a missing field: every command names the file and the field, exit 1, kind config', async () => {
    const configDir = tempConfigDir();
    const { channelName: _dropped, ...account } = complete;
    const path = writeStore(configDir, account);
    for (const args of [['status', '--offline'], ['accounts'], ['conversations']]) {
      const result = await runInProcess([...args, '--json'], { configDir });
      expect(result.code, args.join(' ')).toBe(1);
      const error = parseJson(result.stdout).error;
      expect(error.kind).toBe('config');
      expect(error.message).toContain(path);
      expect(error.message).toContain('accounts["-000shape"].channelName is missing');
      expect(error.message).not.toContain('Cannot read properties');
    }
  });

  it('a wrong-typed field is reported, and rename does not rewrite the file', async () => {
    const configDir = tempConfigDir();
    const path = writeStore(configDir, { ...complete, accessTokenExpiresAt: 'tomorrow' });
    const before = readFileSync(path, 'utf8');
    const rename = await runInProcess(['rename', 'New name'], { configDir });
    expect(rename.code).toBe(1);
    expect(rename.stderr).toContain('accounts["-000shape"].accessTokenExpiresAt is "tomorrow", expected a number');
    expect(rename.stderr).toContain('Nothing was changed');
    expect(rename.stderr).not.toContain('Renamed');
    expect(readFileSync(path, 'utf8')).toBe(before);
    // The same file with the field repaired works.
    writeStore(configDir, complete);
    expect((await runInProcess(['rename', 'New name'], { configDir })).code).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8')).accounts['-000shape'].channelName).toBe('New name');
  });
});

describe('accounts.json that is not an object of accounts, or holds impossible times', () => {
  it('a list holding an account is refused by name, and `connect --sandbox` does not overwrite it', async () => {
    const configDir = tempConfigDir();
    const path = join(configDir, 'accounts.json');
    const text = JSON.stringify([complete]);
    writeFileSync(path, text, { mode: 0o600 });
    for (const args of [['accounts'], ['connect', '--sandbox']]) {
      const result = await runInProcess([...args, '--json'], { configDir });
      expect(result.code, args.join(' ')).toBe(1);
      const error = parseJson(result.stdout).error;
      expect(error.kind).toBe('config');
      expect(error.message).toContain(`${path} is not in the shape tiktok-channel writes: the file holds a list`);
    }
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('a timestamp of 1e308 is refused, and `status --offline` does not crash on it', async () => {
    const configDir = tempConfigDir();
    writeStore(configDir, { ...complete, refreshTokenExpiresAt: 1e308 });
    const result = await runInProcess(['status', '--offline', '--json'], { configDir });
    expect(result.code, result.stderr).toBe(1);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('config');
    expect(error.message).toContain('accounts["-000shape"].refreshTokenExpiresAt is the number 1e+308');
  });
});

describe('a config dir that cannot be written', () => {
  // Root ignores file modes, so as root the CLI runs as nobody for these.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const run = (args: string[], configDir: string) => {
    const result = spawnSync(process.execPath, [BIN, ...args], {
      env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir }),
      encoding: 'utf8',
      timeout: 20_000,
      ...asUser,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const readOnlyDir = () => {
    const base = mkdtempSync(join(tmpdir(), 'ttc-ro-'));
    chmodSync(base, 0o755);
    const dir = join(base, 'config');
    mkdirSync(dir);
    writeStore(dir, complete);
    chmodSync(dir, 0o555);
    return dir;
  };

  it('a read-only one: names the directory and how to fix it (exit 1), never a raw EACCES', () => {
    const dir = readOnlyDir();
    const result = run(['rename', 'Elsewhere', '--json'], dir);
    expect(result.code, result.stderr).toBe(1);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('config');
    expect(error.message).toContain(`Cannot write to the config dir ${dir}: permission denied`);
    expect(error.hint).toContain(`chmod u+rwx "${dir}"`);
    expect(error.hint).toContain('TIKTOK_CHANNEL_CONFIG_DIR');
    expect(error.hint).not.toContain('report the output');
    // Reading still works.
    expect(run(['status', '--offline', '--json'], dir).code).toBe(0);
    // The embedded sandbox keeps its state there too: the same error, not a network one.
    const sandbox = run(['connect', '--sandbox', '--json'], dir);
    expect(sandbox.code, sandbox.stderr).toBe(1);
    expect(parseJson(sandbox.stdout).error.message).toContain(`Cannot write to the config dir ${dir}`);
  });

  it('an embedded-sandbox account in a read-only dir fails at once, naming the dir (no lock retries)', async () => {
    const dir = tempConfigDir();
    expect((await runInProcess(['connect', '--sandbox'], { configDir: dir })).code).toBe(0);
    // Readable by nobody, writable by no one but root.
    chmodSync(join(dir, 'accounts.json'), 0o644);
    chmodSync(join(dir, 'sandbox', 'state.json'), 0o644);
    chmodSync(join(dir, 'sandbox'), 0o555);
    chmodSync(dir, 0o555);
    const started = Date.now();
    const result = run(['conversations', '--json'], dir);
    const elapsed = Date.now() - started;
    expect(result.code, result.stderr).toBe(1);
    const error = parseJson(result.stdout).error;
    expect(error.kind).toBe('config');
    expect(error.message).toContain(`Cannot write to the config dir ${dir}`);
    // Before: about 24 s of lock retries. Node's start-up and the CLI's own imports take well under 5 s.
    expect(elapsed).toBeLessThan(5000);
  });

  it('one that cannot be created names the parent to fix', () => {
    const parent = readOnlyDir();
    const dir = join(parent, 'nested');
    const result = run(['accounts'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot write to the config dir ${dir}: permission denied (it cannot be created in ${parent})`);
    expect(result.stderr).toContain(`chmod u+rwx "${parent}"`);
  });

  it('a file in the way is named too', async () => {
    const file = join(tempConfigDir(), 'not-a-dir');
    writeFileSync(file, '');
    const result = await runInProcess(['accounts', '--json'], { configDir: join(file, 'config') });
    expect(result.code).toBe(1);
    expect(parseJson(result.stdout).error.message).toContain('a file is in the way of the directory (ENOTDIR)');
  });
});
