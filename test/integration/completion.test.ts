// `completion bash|zsh|fish` is generated from commander's tree: every command and option of the built
// CLI appears in each script, and bash (the shell on this machine) completes with it for real.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { createTestIO } from '../../src/io/io.js';
import { runCli, tempConfigDir } from '../helpers/cli.js';

/** Every command path and its long flags, walked from the same tree the CLI runs. */
function everyCommand(): Array<{ path: string[]; flags: string[] }> {
  const program = buildProgram(createTestIO().io, async () => undefined);
  const walk = (command: Command, path: string[]): Array<{ path: string[]; flags: string[] }> => [
    { path, flags: command.options.map((option) => option.long!).filter(Boolean) },
    ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()])),
  ];
  return walk(program, []);
}

describe('completion', () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    it(`${shell}: the script names every command and every option`, async () => {
      const result = await runCli(['completion', shell]);
      expect(result.code, result.stderr).toBe(0);
      const script = result.stdout;
      const commands = everyCommand();
      expect(commands.length).toBeGreaterThan(15);
      for (const { path, flags } of commands) {
        for (const name of path) expect(script, `${shell}: command ${path.join(' ')}`).toMatch(new RegExp(`(^|[\\s'"])${name}([\\s'":]|$)`, 'm'));
        for (const flag of flags) {
          // fish writes `-l name`; bash and zsh the flag itself.
          const spelled = shell === 'fish' ? `-l ${flag.replace(/^--/, '')}` : flag;
          expect(script, `${shell}: ${path.join(' ') || '(global)'} ${flag}`).toContain(spelled);
        }
      }
    });
  }

  it('bash completes commands, subcommands, options and choices', async () => {
    const file = join(tempConfigDir(), 'tiktok-channel.bash');
    writeFileSync(file, (await runCli(['completion', 'bash'])).stdout);
    const complete = (line: string) => {
      const script = `source "${file}"
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_tiktok_channel
printf '%s\\n' "\${COMPREPLY[@]}"`;
      // --norc: bash takes a socket on stdin (how Node pipes it) for an rshd and reads ~/.bashrc, which on
      // a developer's machine can take half a second a call (seconds under load) and print its own errors.
      const result = spawnSync('bash', ['--norc', '-c', script], { env: { PATH: process.env.PATH ?? '', LINE: line }, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.split('\n').filter(Boolean);
    };
    expect(complete('tiktok-channel se')).toEqual(['send']);
    expect(complete('tiktok-channel sandbox s').sort()).toEqual(['serve', 'set']);
    expect(complete('tiktok-channel send --t').sort()).toEqual(['--text', '--to']);
    expect(complete('tiktok-channel conversations --type ')).toEqual(['single', 'stranger', 'all']);
    expect(complete('tiktok-channel --account shop sandbox reset --scenario e').sort()).toEqual(['eea', 'expired-tokens']);
    expect(complete('tiktok-channel completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('tiktok-channel help exit')).toEqual(['exit-codes']);
    expect(complete('tiktok-channel connect --no-')).toEqual(['--no-browser', '--no-pkce', '--no-color']);
  });

  it('an unknown shell is a usage error naming the choices', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bash, zsh, fish');
  });
});
