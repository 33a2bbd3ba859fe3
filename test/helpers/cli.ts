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

/**
 * What a running command wrote, for both runners (a child here, in-process in run.ts): each wait settles
 * on the write that matches, on the command's end, or at its deadline, with no polling.
 */
export function commandOutput() {
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  let ended = false;
  const wrote = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const waitFor = (name: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = text[name].match(pattern);
        if (match) return finish(() => resolve(match));
        if (ended) finish(() => reject(new Error(`${name} never matched ${pattern} (the command ended):\nstderr: ${text.stderr}\nstdout: ${text.stdout}`)));
      };
      const deadline = setTimeout(
        () => finish(() => reject(new Error(`${name} never matched ${pattern} in ${timeoutMs} ms:\nstderr: ${text.stderr}\nstdout: ${text.stdout}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(deadline);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  return {
    text,
    write(name: 'stdout' | 'stderr', chunk: string | Buffer) {
      text[name] += chunk;
      wrote();
    },
    /** The command ended: waits still unmatched fail at once. */
    end() {
      ended = true;
      wrote();
    },
    running(done: Promise<CliResult>): RunningCommand {
      const waitForStderr = (pattern: RegExp, timeoutMs?: number) => waitFor('stderr', pattern, timeoutMs);
      return {
        stdout: () => text.stdout,
        stderr: () => text.stderr,
        waitForStderr,
        waitForStdout: (pattern, timeoutMs) => waitFor('stdout', pattern, timeoutMs),
        authorizeUrl: async (timeoutMs) => (await waitForStderr(AUTHORIZE_URL, timeoutMs))[1]!,
        done,
      };
    },
  };
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
  const output = commandOutput();
  child.stdout.on('data', (chunk) => output.write('stdout', chunk));
  child.stderr.on('data', (chunk) => output.write('stderr', chunk));
  child.stdin.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${args.join(' ')}\nstdout: ${output.text.stdout}\nstderr: ${output.text.stderr}`));
    }, options.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ...output.text });
    });
  });
  void done.finally(() => output.end()).catch(() => undefined);
  return { child, ...output.running(done) };
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
