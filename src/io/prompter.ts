// Questions asked on a TTY. Commands ask through this interface so tests can script answers; the real
// one lazy-loads @inquirer/prompts only when something is actually asked.
import { CliError } from '../errors.js';

export interface Prompter {
  input(options: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>;
  password(options: { message: string; validate?: (value: string) => true | string }): Promise<string>;
  select<T extends string>(options: { message: string; choices: Array<{ name: string; value: T; description?: string }>; default?: T }): Promise<T>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
}

export function inquirerPrompter(signal?: AbortSignal): Prompter {
  // Questions are for people: stderr, so stdout carries only data (and --json stays one document).
  const context = { output: process.stderr, ...(signal ? { signal } : {}) };
  return {
    async input(options) {
      const { input } = await import('@inquirer/prompts');
      return input({ message: options.message, default: options.default, validate: options.validate }, context);
    },
    async password(options) {
      const { password } = await import('@inquirer/prompts');
      return password({ message: options.message, mask: '*', validate: options.validate }, context);
    },
    async select(options) {
      const { select } = await import('@inquirer/prompts');
      return select({ message: options.message, choices: options.choices, default: options.default }, context);
    },
    async confirm(options) {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message: options.message, default: options.default }, context);
    },
  };
}

/** Used when nothing may be asked: any question is a usage error naming the flag instead. */
export function noPrompter(): Prompter {
  const refuse = async (): Promise<never> => {
    throw new CliError('usage', 'A value is missing and there is no terminal to ask for it.', {
      hint: 'Pass it as a flag or environment variable (see --help).',
    });
  };
  return { input: refuse, password: refuse, select: refuse, confirm: refuse };
}
