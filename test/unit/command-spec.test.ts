// The command definition framework: commander is configured from a definition, run() gets typed options.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { CliCommand } from '../../src/cli-command.js';
import { argument, choice, defineCommand, flag, integer, list, negatable, optionalValue, text, type OptionsOf } from '../../src/spec.js';
import { registerCommand } from '../../src/cli/register.js';
import { createTestIO } from '../../src/io/io.js';
import { output, renderResult } from '../../src/io/output.js';
import { displaySafe } from '../../src/io/format.js';

const definition = defineCommand({
  path: ['demo'],
  summary: 'a demo command',
  examples: ['tiktok-channel demo 42 --to x'],
  arguments: { id: argument('<id>', 'an id') },
  options: {
    to: text('--to <conversation_id>', 'where', { mandatory: true }),
    port: integer('--port <n>', 'a port', { min: 0, max: 65535 }),
    type: choice('--type <type>', 'which', ['single', 'all'] as const, { default: 'all' }),
    button: list('--button <id:label...>', 'buttons'),
    wait: optionalValue('--wait [seconds]', 'wait'),
    browser: negatable('--no-browser', 'no browser'),
    dryRun: flag('--dry-run', 'dry'),
  },
});

function parse(argv: string[]): Record<string, unknown> {
  const program = new CliCommand('tiktok-channel').exitOverride();
  let seen: Record<string, unknown> = {};
  registerCommand(
    program,
    { definition, run: async () => undefined },
    async () => undefined,
    (_path, options) => (seen = options),
  );
  program.parse(argv, { from: 'user' });
  return seen;
}

describe('command definitions', () => {
  it('parses every option kind into the keys run() is typed with', () => {
    const options = parse(['demo', '-000x', '--to', 'c1', '--port', '80', '--button', 'a:A', 'b:B', '--wait', '--no-browser', '--dry-run']);
    expect(options).toEqual({ id: '-000x', to: 'c1', port: 80, type: 'all', button: ['a:A', 'b:B'], wait: true, browser: false, dryRun: true });
    const typed: OptionsOf<typeof definition> = options as OptionsOf<typeof definition>;
    expect(typed.type).toBe('all');
  });

  it('refuses a bad integer, a bad choice and a missing mandatory option', () => {
    expect(() => parse(['demo', 'x', '--to', 'c', '--port', '70000'])).toThrow(/--port must be a whole number from 0 to 65535/);
    expect(() => parse(['demo', 'x', '--to', 'c', '--type', 'stranger'])).toThrow(/Allowed choices are single, all/);
    expect(() => parse(['demo', 'x'])).toThrow(/required option '--to <conversation_id>' not specified/);
  });

  it('refuses a definition whose key does not match its flag', () => {
    const wrong = defineCommand({ path: ['wrong'], summary: 's', options: { dry: flag('--dry-run', 'd') } });
    expect(() => registerCommand(new Command(), { definition: wrong }, async () => undefined)).toThrow(/option key "dry" does not match --dry-run/);
  });

  it('renders a result once: JSON with --json, the human form otherwise', () => {
    const result = output({ n: 1 }, (data, io) => io.out(`n is ${data.n}`), 3);
    const human = createTestIO();
    expect(renderResult(human.io, result)).toBe(3);
    expect(human.stdout()).toBe('n is 1\n');
    const json = createTestIO({ json: true });
    renderResult(json.io, result);
    expect(JSON.parse(json.stdout())).toEqual({ n: 1 });
  });

  it('displaySafe drops controls and bidi overrides, keeps tabs, newlines and text', () => {
    expect(displaySafe('a\u202eb\u2066c\x1b[31md\x07e\tf\ng\u0085h')).toBe('abc[31mde\tf\ngh');
  });
});
