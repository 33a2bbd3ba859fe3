// The help as a user reads it at 80 columns (issue 24 item 5), from the built CLI: the root's command
// list is compact (each summary in one or two lines), examples are in their own section after the
// options (never inside a parent's command list), and no help line is wider than 80 columns, so the
// terminal never wraps an example or a topic back to column 0.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const section = (text: string, title: string) => (text.split(`\n${title}\n`)[1] ?? '').split('\n\n')[0]!;

describe('help layout at 80 columns', () => {
  it('the root lists each command in one or two lines', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const commands = section(stdout, 'Commands:').split('\n');
    const entries = commands.filter((line) => /^ {2}\S/.test(line));
    expect(entries.length).toBeGreaterThan(12);
    for (const entry of entries) {
      const at = commands.indexOf(entry);
      const continued = commands.slice(at + 1).findIndex((line) => !/^ {4,}\S/.test(line));
      expect(continued === -1 ? commands.length - at - 1 : continued, entry).toBeLessThanOrEqual(1);
    }
  });

  it('sandbox --help keeps examples out of its command list, after the options', async () => {
    const { stdout } = await runCli(['sandbox', '--help']);
    expect(section(stdout, 'Commands:')).not.toContain('$ ');
    expect(section(stdout, 'Commands:')).not.toContain('Examples');
    for (const command of [['sandbox', 'event'], ['sandbox', 'phone'], ['connect'], ['send'], ['tail']]) {
      const help = (await runCli([...command, '--help'])).stdout;
      expect(help.indexOf('Examples:'), command.join(' ')).toBeGreaterThan(help.indexOf('Options:'));
    }
  });

  it('no help text the CLI prints (every command, every topic) has a line over 80 columns', () => {
    const cache = JSON.parse(readFileSync(join(ROOT, 'dist/help.json'), 'utf8')) as { argv: Record<string, number>; texts: string[] };
    expect(Object.keys(cache.argv).length).toBeGreaterThan(40);
    const long = cache.texts.flatMap((text) => text.split('\n').filter((line) => [...line].length > 80));
    expect(long).toEqual([]);
  });
});
