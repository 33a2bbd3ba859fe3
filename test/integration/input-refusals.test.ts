// Hostile or mistaken input is refused with exit 2 before anything is sent or stored: unbounded and
// binary stdin, control characters, an empty --account, escape bytes echoed back, ids starting with "-",
// a misspelt flag next to a missing one, and URL settings that are not URLs.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/accounts.js';
import { BIN, cleanEnv, parseJson, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

const BUSINESS_ID = '-000DashFirstBusinessId';

async function storedAccount(): Promise<string> {
  const configDir = tempConfigDir();
  const now = Date.now();
  await new AccountStore({ configDir }).upsert({
    businessId: BUSINESS_ID,
    channelName: 'Dash shop',
    username: 'dash.shop',
    scopes: ['message.list.read', 'message.list.send', 'message.list.manage'],
    accessToken: 'act.dash',
    accessTokenExpiresAt: now + 3_600_000,
    refreshToken: 'rft.dash',
    refreshTokenExpiresAt: now + 86_400_000,
    clientKey: 'key',
    clientSecret: 'secret',
    connectedAt: now,
    updatedAt: now,
  });
  return configDir;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('send --text - reads stdin with a bound and checks it is text', () => {
  it('stops reading an endless stdin at what 6000 characters can take, exit 2', async () => {
    const child = spawn(process.execPath, [BIN, 'send', '--to', 'c1', '--text', '-', '--json'], {
      env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() }),
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stdin.on('error', () => undefined); // EPIPE once the CLI stops reading: what we want
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    let exited = false;
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => ((exited = true), resolve(code))));
    // Like `cat /dev/zero`: keep writing until the CLI is gone (or 20 MB, far past any bound).
    while (!exited && written < 20 * 1024 * 1024) {
      written += chunk.length;
      if (!child.stdin.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.stdin.end();
    const code = await done;
    expect(code).toBe(2);
    expect(written).toBeLessThan(20 * 1024 * 1024);
    const error = parseJson(stdout).error;
    expect(error).toMatchObject({ kind: 'validation', code: 2 });
    expect(error.message).toContain("longer than TikTok's 6000 characters");
  });

  it('refuses bytes that are not UTF-8 instead of sending U+FFFD', async () => {
    const bytes = Buffer.from([0x48, 0x69, 0xff, 0xfe, 0x80, 0x41]);
    const child = spawn(process.execPath, [BIN, 'send', '--to', 'c1', '--text', '-', '--json'], {
      env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() }),
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stdin.end(bytes);
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(parseJson(stdout).error.message).toContain('not valid UTF-8 (byte 3 of 6)');
  });

  it('refuses bytes that are not UTF-8 in an argument too (Node would turn them into U+FFFD), naming the option', async () => {
    // Raw bytes in argv need a shell: spawn() only passes UTF-8 strings.
    const run = (script: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        // --norc: with a socket on stdin bash reads ~/.bashrc as if run by rshd (completion.test.ts).
        const child = spawn('bash', ['--norc', '-c', script, 'bash', process.execPath, BIN], {
          env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir() }),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const text = await run(`exec "$1" "$2" send --to c1 --text "$(printf 'ok \\xff\\xfe')" --dry-run --json`);
    expect(text.code, text.stderr).toBe(2);
    const error = parseJson(text.stdout).error;
    expect(error).toMatchObject({ kind: 'usage', code: 2 });
    expect(error.message).toBe('The value of --text is not valid UTF-8 (byte 4 of 5): it would be read as U+FFFD (�).');
    const joined = await run(`exec "$1" "$2" qr --message="$(printf 'caf\\xe9')"`);
    expect(joined.code).toBe(2);
    expect(joined.stderr).toContain('The value of --message is not valid UTF-8 (byte 4 of 4)');
    // A real U+FFFD typed as UTF-8 is text like any other: refused later for the missing account (3), not here.
    const literal = await run(`exec "$1" "$2" send --to c1 --text "ok \u{FFFD}" --dry-run`);
    expect(literal.code, literal.stderr).toBe(3);
  });

  it('an --image that cannot be read (EIO from /proc/self/mem) is a validation error of its own, exit 2', async () => {
    const result = await runInProcess(['send', '--to', 'c1', '--image', '/proc/self/mem', '--dry-run', '--json'], { configDir: tempConfigDir() });
    expect(result.code, result.stdout).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind: 'validation', code: 2 });
    expect(error.message).toBe('Could not read /proc/self/mem (EIO: i/o error, read).');
    expect(error.hint).toContain('a regular JPG or PNG file');
    expect(error.hint).not.toContain('--debug');
  });

  it('refuses NUL, ESC and BEL (stdin or --text), names the character; tabs and newlines pass', async () => {
    const configDir = tempConfigDir();
    for (const [input, name] of [
      ['a\u0000b', 'U+0000 (NUL)'],
      ['colour \u001b[31mred', 'U+001B (ESC)'],
      ['ding\u0007', 'U+0007 (BEL)'],
    ] as const) {
      const result = await runInProcess(['send', '--to', 'c1', '--text', '-', '--json'], { configDir, input });
      expect(result.code, input).toBe(2);
      expect(parseJson(result.stdout).error.message).toContain(name);
    }
    const argument = await runInProcess(['send', '--to', 'c1', '--text', 'colour \u001b[31mred'], { configDir });
    expect(argument.code).toBe(2);
    expect(argument.stderr).toContain('U+001B (ESC) at character 8');
    // Accepted locally: the next thing missing is an account (exit 3), not the text.
    const fine = await runInProcess(['send', '--to', 'c1', '--text', '-'], { configDir, input: 'line one\n\tindented\n' });
    expect(fine.code, fine.stderr).toBe(3);
  });
});

describe('qr --output when the disk takes no more', () => {
  it('leaves no 0-byte or partial image and no temp file; an earlier file stays as it was; exit 2 with the reason', async () => {
    const configDir = await storedAccount();
    const outDir = tempConfigDir('ttc-out-');
    writeFileSync(join(outDir, 'poster.png'), 'the earlier poster');
    // A 1 KiB file-size limit (SIGXFSZ ignored so the write fails with EFBIG) stands in for a full disk:
    // the PNG is larger, so the write fails part-way as it would on ENOSPC.
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        'bash',
        ['-c', `trap '' XFSZ; ulimit -f 1; exec "$1" "$2" qr --output "$3/$4" --json`, 'bash', process.execPath, BIN, outDir, 'poster.png'],
        {
          env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir }),
        },
      );
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(result.code, result.stdout).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind: 'validation', code: 2 });
    expect(error.message).toContain(`Cannot write ${join(outDir, 'poster.png')}: the file is larger than this process may write`);
    expect(error.message).toContain('nothing was written');
    expect(readdirSync(outDir)).toEqual(['poster.png']);
    expect(readFileSync(join(outDir, 'poster.png'), 'utf8')).toBe('the earlier poster');
    // And with room, the file is written whole.
    const fine = await runInProcess(['qr', '--output', join(outDir, 'poster.png'), '--json'], { configDir });
    expect(fine.code, fine.stderr).toBe(0);
    expect(readFileSync(join(outDir, 'poster.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readdirSync(outDir)).toEqual(['poster.png']);
  });
});

describe('account references and ids', () => {
  it('refuses an empty or blank --account (an unset variable) instead of using the default', async () => {
    const configDir = await storedAccount();
    for (const value of ['', '   ']) {
      const result = await runInProcess(['status', '--offline', '--account', value, '--json'], { configDir });
      expect(result.code).toBe(2);
      expect(parseJson(result.stdout).error.message).toContain('--account is empty');
    }
    const use = await runInProcess(['accounts', 'use', ''], { configDir });
    expect(use.code).toBe(2);
    expect(use.stderr).toContain('is empty');
  });

  it('strips escape bytes from arguments echoed in errors', async () => {
    const configDir = await storedAccount();
    const human = await runInProcess(['status', '--offline', '--account', 'x\u001b[2J\u001b]0;pwned\u0007y'], { configDir });
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('No connected account matches');
    expect(human.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    const json = await runInProcess(['status', '--offline', '--json', '--account', 'x\u001by'], { configDir });
    expect(parseJson(json.stdout).error.message).not.toContain('\u001b');
    const unknown = await runInProcess(['send', '--to', 'c1', '--\u001b[31mbogus'], { configDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toContain('\u001b');
  });

  it('takes ids that start with "-" wherever an account or conversation id goes; `--` works too', async () => {
    const configDir = await storedAccount();
    const use = await runInProcess(['accounts', 'use', BUSINESS_ID], { configDir });
    expect(use.code, use.stderr).toBe(0);
    expect(use.stderr).toContain('Dash shop (@dash.shop) is now the default account');
    expect((await runInProcess(['accounts', 'use', '--', BUSINESS_ID], { configDir })).code).toBe(0);
    const status = await runInProcess(['status', '--offline', '--account', BUSINESS_ID, '--json'], { configDir });
    expect(status.code, status.stderr).toBe(0);
    expect(parseJson(status.stdout).business_id).toBe(BUSINESS_ID);
    const rename = await runInProcess(['rename', '--account', BUSINESS_ID, 'Dash EU'], { configDir });
    expect(rename.code, rename.stderr).toBe(0);
    // A conversation id starting with "-" reaches the send (which then needs the network: exit 6 here).
    const send = await runInProcess(['send', '--to', '-conversation=', '--text', 'hi', '--json'], {
      configDir,
      env: { TIKTOK_CHANNEL_API_BASE_URL: `http://127.0.0.1:${await closedPort()}/open_api/v1.3/` },
    });
    expect(parseJson(send.stdout).error.kind).toBe('network');
    // A real flag is still a flag.
    const flag = await runInProcess(['accounts', 'use', '--bogus'], { configDir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
  });
});

describe('usage errors name what is wrong', () => {
  it('send --bogus names the unknown flag, not a missing --to, and the hint names send', async () => {
    const result = await runInProcess(['send', '--bogus', '--json'], { configDir: tempConfigDir() });
    expect(result.code).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error.message).toContain("unknown option '--bogus'");
    expect(error.message).not.toContain('--to');
    expect(error.hint).toContain('`tiktok-channel send --help`');
    // The same for a command with a required option (commander checks those first on its own).
    const clock = await runInProcess(['sandbox', 'clock', '--advnace', '2h'], { configDir: tempConfigDir() });
    expect(clock.code).toBe(2);
    expect(clock.stderr).toContain("unknown option '--advnace'");
    expect(clock.stderr).not.toContain("required option '--advance");
    expect((await runInProcess(['sandbox', 'clock'], { configDir: tempConfigDir() })).stderr).toContain("required option '--advance <duration>'");
    // Without a misspelt flag, the missing --to is what is reported.
    const missing = await runInProcess(['send', '--text', 'hi'], { configDir: tempConfigDir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--to needs a conversation id');
  });

  it('hints name the command that ran, never `<command>`', async () => {
    // A usage error thrown by the command itself, with the default hint.
    const result = await runInProcess(['send', '--to', 'c1'], { configDir: tempConfigDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Nothing to send');
    expect(result.stderr).toContain('Run `tiktok-channel send --help`');
    const unknown = await runInProcess(['qr', '--colour'], { configDir: tempConfigDir() });
    expect(unknown.stderr).toContain('Run `tiktok-channel qr --help`');
    for (const output of [result.stderr, unknown.stderr]) expect(output).not.toContain('<command>');
  });

  it('rename "" explains the argument it has, not a --name flag it does not', async () => {
    const configDir = await storedAccount();
    const result = await runInProcess(['rename', ''], { configDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The new name must not be empty');
    expect(result.stderr).not.toContain('--name');
  });

  it('TIKTOK_CHANNEL_API_BASE_URL=not-a-url is a usage error (2), not a network one', async () => {
    const result = await runInProcess(['conversations', '--json'], {
      configDir: tempConfigDir(),
      env: { TIKTOK_CHANNEL_API_BASE_URL: 'not-a-url', TIKTOK_CHANNEL_ACCESS_TOKEN: 'act.x', TIKTOK_CHANNEL_BUSINESS_ID: '-000x' },
    });
    expect(result.code).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error).toMatchObject({ kind: 'usage', code: 2 });
    expect(error.message).toContain('TIKTOK_CHANNEL_API_BASE_URL is not an http(s) URL: "not-a-url"');
  });

  it("a network failure names the configured host, not TikTok's default", async () => {
    const port = await closedPort();
    const result = await runInProcess(['conversations', '--json'], {
      configDir: tempConfigDir(),
      env: {
        TIKTOK_CHANNEL_API_BASE_URL: `http://127.0.0.1:${port}/open_api/v1.3/`,
        TIKTOK_CHANNEL_ACCESS_TOKEN: 'act.x',
        TIKTOK_CHANNEL_BUSINESS_ID: '-000x',
      },
    });
    expect(result.code).toBe(6);
    const error = parseJson(result.stdout).error;
    expect(error.hint).toContain(`http://127.0.0.1:${port}`);
    expect(error.hint).not.toContain('business-api.tiktok.com');
  });

  it('sandbox message --from refuses a name that is not a TikTok username', async () => {
    const result = await runInProcess(['sandbox', 'message', '--from', 'bad user!', '--text', 'hi', '--json'], { configDir: tempConfigDir() });
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout).error.message).toContain('--from must be a TikTok username');
  });

  it('help exit-codes --json prints the table as JSON', async () => {
    const result = await runInProcess(['help', 'exit-codes', '--json']);
    expect(result.code).toBe(0);
    const { exit_codes } = parseJson(result.stdout);
    expect(exit_codes.find((entry: { code: number }) => entry.code === 130)).toMatchObject({ kinds: ['cancelled'], meaning: 'cancelled (Ctrl-C)' });
    expect(exit_codes.find((entry: { code: number }) => entry.code === 2).kinds).toEqual(['usage', 'validation']);
    const environment = parseJson((await runInProcess(['help', 'environment', '--json'])).stdout);
    expect(environment.environment.flatMap((entry: { variables: string[] }) => entry.variables)).toContain('TIKTOK_CHANNEL_CONFIG_DIR');
  });
});
