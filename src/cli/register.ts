// commander configured from the commands' own definitions (src/spec.ts): nothing here names a flag.
// Each option's key must be the attribute commander derives from its flag, checked as it is registered,
// so a definition whose key and flag disagree fails every test that builds the program.
import { Argument, Option, type Command } from 'commander';
import type { Deps } from '../deps.js';
import { renderResult, type CommandResult } from '../io/output.js';
import type { CommandDefinition, OptionsOf } from '../spec.js';
import { examplesSection } from './help-layout.js';

/** What a few commands need beyond their options: the command tree (`help`, `completion`). */
export interface RunContext {
  readonly program: Command;
}

export interface CommandModule<D extends CommandDefinition = CommandDefinition> {
  readonly definition: D;
  /** Absent on a pure group (`sandbox`): it only holds subcommands. */
  readonly run?: (options: OptionsOf<D>, deps: Deps, context: RunContext) => Promise<CommandResult>;
}

/** Runs a command's body once deps exist (main() builds them from the parsed global options). */
export type Execute = (body: (deps: Deps) => Promise<number | void>, globals: { account?: string; json: boolean; debug: boolean }) => Promise<void>;

/** What a parse-only test gets instead of running the command (gh's runF). */
export type RunSpy = (path: readonly string[], options: Record<string, unknown>) => void;

/** The command's help: the summary, then its details; examples go after the options, in their own section. */
function examplesText(definition: CommandDefinition): string {
  if (!definition.examples?.length) return '';
  return `\n${examplesSection(definition.examples)}`;
}

function findChild(parent: Command, name: string): Command | undefined {
  return parent.commands.find((command) => command.name() === name);
}

export function registerCommand<D extends CommandDefinition>(root: Command, module: CommandModule<D>, execute: Execute, spy?: RunSpy): Command {
  const { definition } = module;
  let parent = root;
  for (const name of definition.path.slice(0, -1)) {
    const found = findChild(parent, name);
    if (!found) throw new Error(`register ${definition.path.join(' ')}: its group "${name}" is not registered yet`);
    parent = found;
  }
  // A group that is also a command with options of its own (`tail`, `tail replay`): the options after the
  // subcommand's name are the subcommand's, not the group's (cli-command.ts hands them on in order).
  if (parent !== root && parent.options.length) parent.enablePositionalOptions();
  const command = parent.command(definition.path.at(-1)!);
  command.summary(definition.summary);
  if (definition.usage) command.usage(definition.usage);
  command.description(definition.details ? `${definition.summary}\n\n${definition.details}` : definition.summary);
  const examples = examplesText(definition);
  if (examples) command.addHelpText('after', examples);

  const argumentKeys = Object.keys(definition.arguments);
  for (const key of argumentKeys) {
    const spec = definition.arguments[key]!;
    const argument = new Argument(spec.syntax, spec.description);
    if (spec.choices) argument.choices(spec.choices);
    if (spec.parse) argument.argParser(spec.parse);
    command.addArgument(argument);
  }
  for (const [key, spec] of Object.entries(definition.options)) {
    const option = new Option(spec.flags, spec.description);
    if (option.attributeName() !== key) throw new Error(`${definition.path.join(' ')}: option key "${key}" does not match ${spec.flags}`);
    if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
    if (spec.choices) option.choices(spec.choices);
    if (spec.default !== undefined) option.default(spec.default);
    if (spec.mandatory) option.makeOptionMandatory();
    if (spec.hidden) option.hideHelp();
    command.addOption(option);
  }

  const run = module.run;
  if (run) {
    command.action(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      const options: Record<string, unknown> = { ...self.opts() };
      argumentKeys.forEach((key, index) => (options[key] = self.processedArgs[index]));
      if (spy) return spy(definition.path, options);
      const globals = self.optsWithGlobals() as { account?: string; json?: boolean; debug?: boolean };
      await execute(async (deps) => renderResult(deps.io, await run(options as OptionsOf<D>, deps, { program: root })), {
        account: globals.account,
        json: Boolean(globals.json),
        debug: Boolean(globals.debug),
      });
    });
  }
  return command;
}
