// Runs the built CLI (bin/tiktok-channel.js → dist/) as a child process, the way users run it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/tiktok-channel.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempConfigDir(prefix = 'ttc-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A clean environment: no inherited TIKTOK_CHANNEL_* or colour variables unless a test sets them. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('TIKTOK_CHANNEL_') || key === 'FORCE_COLOR' || key === 'NO_COLOR') continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** A running command whose output can be awaited (for flows that wait on a browser): a child here, or
 * in-process (run.ts). */
export interface RunningCommand {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr, or fails at the deadline or the command's end. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The same for stdout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The authorize URL the command printed on stderr. */
  authorizeUrl(timeoutMs?: number): Promise<string>;
  done: Promise<CliResult>;
}

/** The authorize URL as `connect` prints it for the loopback flow. */
export const AUTHORIZE_URL = /(http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/\?\S+)/;

export interface RunningCli extends RunningCommand {
  child: ChildProcessWithoutNullStreams;
}

const startedByTheTest = new Set<ChildProcessWithoutNullStreams>();
let inTest = false;

/** test/setup.ts marks each test's span: a child started outside one (a beforeAll) is the file's to stop. */
export function markInTest(value: boolean): void {
  inTest = value;
}

/**
 * Kills what the test that just ended started and left running (it failed before stopping it): a
 * `tail --poll` left behind would go on polling the file's sandbox and take the next test's faults.
 */
export function killLeftoverClis(): number {
  const leftover = [...startedByTheTest];
  for (const child of leftover) child.kill('SIGKILL');
  startedByTheTest.clear();
  return leftover.length;
}

export function startCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; configDir?: string; timeoutMs?: number; input?: string } = {},
): RunningCli {
  const env = cleanEnv({ CI: 'true', ...(options.configDir ? { TIKTOK_CHANNEL_CONFIG_DIR: options.configDir } : {}), ...options.env });
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // Started by a test (not a beforeAll): it must not outlive that test, even a failed one (test/setup.ts).
  // Not expect.getState().currentTestName: where files share a worker, it still names the last file's
  // last test while the next file's beforeAll runs.
  if (inTest) {
    startedByTheTest.add(child);
    child.on('close', () => startedByTheTest.delete(child));
  }
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  child.stdin.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${args.join(' ')}\nstdout: ${out}\nstderr: ${err}`));
    }, options.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: err });
    });
  });
  const waitFor = async (name: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void done.then(
      () => (exited = true),
      () => (exited = true),
    );
    for (;;) {
      const match = (name === 'stderr' ? err : out).match(pattern);
      if (match) return match;
      if (exited || Date.now() > deadline)
        throw new Error(`${name} never matched ${pattern}${exited ? ' (the CLI exited)' : ''}:\nstderr: ${err}\nstdout: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const running: RunningCli = {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr: (pattern, timeoutMs) => waitFor('stderr', pattern, timeoutMs),
    waitForStdout: (pattern, timeoutMs) => waitFor('stdout', pattern, timeoutMs),
    async authorizeUrl(timeoutMs) {
      const match = await running.waitForStderr(AUTHORIZE_URL, timeoutMs);
      return match[1]!;
    },
    done,
  };
  return running;
}

/** `sandbox serve --json …args` as a child, with the JSON document (URLs, app credentials) it printed first. */
export async function startServe(args: string[] = []): Promise<{ cli: RunningCli; info: any }> {
  const cli = startCli(['sandbox', 'serve', '--json', ...args], { timeoutMs: 120_000 });
  try {
    const [line] = await cli.waitForStdout(/^.*\n/);
    return { cli, info: JSON.parse(line) };
  } catch (error) {
    cli.child.kill('SIGKILL');
    await cli.done.catch(() => undefined);
    throw error;
  }
}

/** Runs the CLI to its end (stdin gets `input`, then closes). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number; configDir?: string } = {},
): Promise<CliResult> {
  return startCli(args, { timeoutMs: 20_000, ...options }).done;
}

export function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`stdout is not one JSON document:\n${text}`);
  }
}
