// The CLI in-process: main() with in-memory streams and the same clean environment a child would get,
// without a process per call. Most behaviour tests use this; the child-process helpers (cli.ts) stay for
// one test per command and exit path, signals, terminals and the built bundle.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import { cleanEnv, type CliResult } from './cli.js';

function memoryStream(onWrite: (chunk: string) => void): NodeJS.WriteStream {
  return { write: (chunk: string | Uint8Array) => (onWrite(String(chunk)), true), isTTY: false, on: () => undefined } as unknown as NodeJS.WriteStream;
}

/** Runs `tiktok-channel ...args` in this process to its end; stdin gets `input`, then closes. */
export async function runInProcess(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; configDir?: string } = {},
): Promise<CliResult> {
  const env = cleanEnv({ CI: 'true', ...(options.configDir ? { TIKTOK_CHANNEL_CONFIG_DIR: options.configDir } : {}), ...options.env });
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(options.input ?? '');
  const code = await main({
    argv: args,
    env,
    stdout: memoryStream((chunk) => (stdout += chunk)),
    stderr: memoryStream((chunk) => (stderr += chunk)),
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  return { code, stdout, stderr };
}
