// README's command table and the completion script follow the definitions: every command path and every
// long flag of a definition-based command appears in the README row(s) for it and in the bash
// completion. Commands still registered by hand are listed for the check once they have a definition.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMANDS } from '../../src/cli.js';
import { commandTree, completionScript } from '../../src/commands/completion/impl.js';
import { createIO } from '../../src/io/io.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The first cell of each row of README's command table. */
const tableRows = README.split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => line.slice(3, line.indexOf('` |')));

function rowsFor(path: readonly string[]): string[] {
  const words = path.join(' ');
  return tableRows.filter((cell) => cell.split(/`,\s*`/).some((part) => part === words || part.startsWith(`${words} `)));
}

function longFlags(flags: string): string[] {
  return flags.split(/[ ,|]+/).filter((word) => word.startsWith('--'));
}

const quiet = { write: () => true };
const program = buildProgram(createIO({ stdout: quiet, stderr: quiet, stdin: new PassThrough(), env: {} }), async () => undefined);
const bash = completionScript('bash', commandTree(program));

describe('README and completion follow the definitions', () => {
  it.each(COMMANDS.filter((module) => module.definition.path[0] !== 'help').map((module) => [module.definition.path.join(' '), module.definition] as const))(
    '%s: its row names every long flag, and so does the completion',
    (_name, definition) => {
      const rows = rowsFor(definition.path);
      expect(rows, `README has no command-table row for ${definition.path.join(' ')}`).not.toEqual([]);
      for (const spec of Object.values(definition.options)) {
        for (const flag of longFlags(spec.flags)) {
          expect(rows.join(' '), `README row for ${definition.path.join(' ')}`).toContain(flag);
          expect(bash).toContain(flag);
        }
      }
      for (const word of definition.path) expect(bash).toContain(word);
    },
  );

  it('help has its row (topics) and every registered command is in the completion', () => {
    expect(tableRows.some((cell) => cell.startsWith('help '))).toBe(true);
    const defined = new Set(COMMANDS.map((module) => module.definition.path.join(' ')));
    for (const command of program.commands) {
      expect(bash).toContain(command.name());
      // Commands not yet defined by a definition are checked strictly once migrated (above).
      if (defined.has(command.name())) expect(rowsFor([command.name()]).length + Number(command.name() === 'help')).toBeGreaterThan(0);
    }
  });
});
