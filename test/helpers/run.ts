// The CLI in-process: main() with in-memory streams and the same clean environment a child would get,
// without a process per call. Most behaviour tests use this; the child-process helpers (cli.ts) stay for
// one test per command and exit path, signals, terminals and the built bundle.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import { cleanEnv, type CliResult, commandOutput, type RunningCommand } from './cli.js';

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

/** Starts `tiktok-channel ...args` in this process, its output awaited as a child's is (commandOutput). */
export function startInProcess(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; configDir?: string; timeoutMs?: number } = {},
): RunningCommand {
  const env = cleanEnv({ CI: 'true', ...(options.configDir ? { TIKTOK_CHANNEL_CONFIG_DIR: options.configDir } : {}), ...options.env });
  const output = commandOutput();
  const stdin = new PassThrough();
  stdin.end(options.input ?? '');
  const running = main({
    startedAt: Date.now(),
    argv: args,
    env,
    stdout: memoryStream((chunk) => output.write('stdout', chunk)),
    stderr: memoryStream((chunk) => output.write('stderr', chunk)),
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`in-process CLI timed out: ${args.join(' ')}\nstdout: ${output.text.stdout}\nstderr: ${output.text.stderr}`)),
      options.timeoutMs ?? 20_000,
    );
  });
  const done = Promise.race([running, timeout]).then((code) => ({ code, ...output.text }));
  void done
    .finally(() => {
      clearTimeout(timer);
      output.end();
    })
    .catch(() => undefined);
  return output.running(done);
}
