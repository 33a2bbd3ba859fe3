// `help [topic]`: a command's help, or a topic (gh's `help environment`): what flags' help cannot hold.
import type { RunContext } from '../cli/register.js';
import type { Deps } from '../deps.js';
import { usageError } from '../errors.js';
import { HELP_TOPICS, helpTopicJson } from '../help.js';
import { wrapHanging } from '../io/format.js';
import { output, type CommandResult } from '../io/output.js';
import { argument, defineCommand, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['help'],
  wholeProgram: true,
  summary: 'help on a command, or a topic: environment, exit-codes',
  examples: ['tiktok-channel help send', 'tiktok-channel help exit-codes --json'],
  arguments: { topic: argument('[topic]', 'a command name, or environment or exit-codes') },
});

/** Plain text, or with --json the topic as data (a command's help is text either way, as commander prints it). */
export async function run(options: OptionsOf<typeof definition>, _deps: Deps, context: RunContext): Promise<CommandResult> {
  const { topic } = options;
  const { program } = context;
  if (!topic) return void program.outputHelp();
  if (HELP_TOPICS[topic]) return output(helpTopicJson(topic), (_data, io) => io.out(fitTopic(HELP_TOPICS[topic]!)));
  const command = program.commands.find((candidate) => candidate.name() === topic);
  if (command) return void command.outputHelp();
  throw usageError(`No help topic or command named "${topic}".`, 'Topics: environment, exit-codes; or a command name.');
}

/** The help's width (fast-help.ts's HELP_WIDTH). */
const WIDTH = 80;

/**
 * A topic's long lines wrapped at 80 columns under their own text: an exit code's meaning under the
 * meaning, a variable's explanation under the explanation, so no line wraps back to column 0.
 */
function fitTopic(text: string): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= WIDTH) return [line];
      const hang = (/^ {2}\d+\s+/.exec(line) ?? /^ */.exec(line)!)[0].length;
      return wrapHanging(line, WIDTH, hang);
    })
    .join('\n');
}
