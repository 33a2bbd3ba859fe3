// The CLI in-process: main() with in-memory streams and the same clean environment a child would get,
// without a process per call. Most behaviour tests use this; the child-process helpers (cli.ts) stay for
// one test per command and exit path, signals, terminals and the built bundle.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import { AUTHORIZE_URL, cleanEnv, type CliResult, type RunningCommand } from './cli.js';

function memoryStream(onWrite: (chunk: string) => void): NodeJS.WriteStream {
  return { write: (chunk: string | Uint8Array) => (onWrite(String(chunk)), true), isTTY: false, on: () => undefined } as unknown as NodeJS.WriteStream;
}

/**
 * Runs `tiktok-channel ...args` in this process to its end; stdin gets `input`, then closes. Takes the
 * same options as runCli (cli.ts), so a test moves between the two by its name alone: past `timeoutMs`
 * the call fails with what the command printed so far.
 */
export function runInProcess(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; configDir?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return startInProcess(args, options).done;
}

/** Starts `tiktok-channel ...args` in this process; each wait resolves on the write that matches, with no polling. */
export function startInProcess(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; configDir?: string; timeoutMs?: number } = {},
): RunningCommand {
  const env = cleanEnv({ CI: 'true', ...(options.configDir ? { TIKTOK_CHANNEL_CONFIG_DIR: options.configDir } : {}), ...options.env });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const wrote = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const stdin = new PassThrough();
  stdin.end(options.input ?? '');
  const running = main({
    startedAt: Date.now(),
    argv: args,
    env,
    stdout: memoryStream((chunk) => {
      stdout += chunk;
      wrote();
    }),
    stderr: memoryStream((chunk) => {
      stderr += chunk;
      wrote();
    }),
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`in-process CLI timed out: ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`)),
      options.timeoutMs ?? 20_000,
    );
  });
  let exited = false;
  const done = Promise.race([running, timeout]).then((code) => ({ code, stdout, stderr }));
  void done
    .finally(() => {
      exited = true;
      clearTimeout(timer);
      wrote();
    })
    .catch(() => undefined);
  const waitFor = (name: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = (name === 'stderr' ? stderr : stdout).match(pattern);
        if (match) return finish(() => resolve(match));
        if (exited) finish(() => reject(new Error(`${name} never matched ${pattern} (the command ended):\nstderr: ${stderr}\nstdout: ${stdout}`)));
      };
      const deadline = setTimeout(
        () => finish(() => reject(new Error(`${name} never matched ${pattern} in ${timeoutMs} ms:\nstderr: ${stderr}\nstdout: ${stdout}`))),
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
  const started: RunningCommand = {
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: (pattern, timeoutMs) => waitFor('stderr', pattern, timeoutMs),
    waitForStdout: (pattern, timeoutMs) => waitFor('stdout', pattern, timeoutMs),
    async authorizeUrl(timeoutMs) {
      const match = await started.waitForStderr(AUTHORIZE_URL, timeoutMs);
      return match[1]!;
    },
    done,
  };
  return started;
}
