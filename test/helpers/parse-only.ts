// Parse-only runs (gh's NewCmdX with a runF): the real program, built with a RunSpy, so a definition's
// options are parsed and refused exactly as a user's argv would be, and nothing runs.
import { PassThrough } from 'node:stream';
import { buildProgram } from '../../src/cli.js';
import { createIO } from '../../src/io/io.js';

export interface Parsed {
  path: readonly string[];
  options: Record<string, unknown>;
}

export function parseOnly(argv: string[]): Parsed {
  const quiet = { write: () => true };
  const io = createIO({ stdout: quiet, stderr: quiet, stdin: new PassThrough(), env: {} });
  let seen: Parsed | undefined;
  const program = buildProgram(
    io,
    async () => {
      throw new Error('the spy runs instead of the command');
    },
    (path, options) => (seen = { path, options }),
  );
  program.parse(argv, { from: 'user' });
  if (!seen) throw new Error(`${argv.join(' ')}: nothing ran`);
  return seen;
}
