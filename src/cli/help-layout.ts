// The help's layout (issue 24 item 5), for every command alike:
// - a command list shows the name and its required arguments only ("send", "comments <action>"), and
//   each section (options, commands, arguments) is aligned on its own widest term, so a long option such
//   as `--account <name|business_id>` no longer pushes every summary to column 32 or 40; summaries fit 80
//   columns in one or two lines;
// - examples go in their own "Examples:" section after the options, never inside a parent's command
//   list (a legacy `describe()` puts them into the description; they are moved out here).
import { Help, type Command, type HelpConfiguration } from 'commander';

type Widths = { options: number; items: number };
const widthsOf = new WeakMap<Help, Widths>();

export const HELP_LAYOUT: HelpConfiguration = {
  subcommandTerm(command: Command): string {
    const required = command.registeredArguments
      .filter((argument) => argument.required)
      .map((argument) => `<${argument.name()}${argument.variadic ? '...' : ''}>`);
    return [command.name(), ...required].join(' ');
  },
  padWidth(this: Help, command: Command, helper: Help): number {
    const options = Math.max(helper.longestOptionTermLength(command, helper), helper.longestGlobalOptionTermLength(command, helper));
    const items = Math.max(helper.longestSubcommandTermLength(command, helper), helper.longestArgumentTermLength(command, helper));
    widthsOf.set(helper, { options, items });
    return Math.max(options, items);
  },
  formatItem(this: Help, term: string, termWidth: number, description: string, helper: Help): string {
    const widths = widthsOf.get(helper);
    const width = widths ? (term.startsWith('-') ? widths.options : widths.items) : termWidth;
    return Help.prototype.formatItem.call(helper, term, width, description, helper);
  },
};

const EXAMPLES = '\n\nExamples:\n';
/** The help's width (fast-help.ts's HELP_WIDTH): an example longer than this is continued with `\`. */
const WIDTH = 80;

/**
 * The "Examples:" section: each line as `  $ line`; one too long for 80 columns is broken at a space
 * into shell continuation lines (`\`, then indented), so the terminal never wraps it to column 0.
 */
export function examplesSection(lines: readonly string[]): string {
  return `Examples:\n${lines.map((line) => continued(`  $ ${line}`)).join('\n')}`;
}

function continued(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (rest.length > WIDTH) {
    // A comment ("# …") stays whole after the command; the command is broken before it.
    const cut = rest.lastIndexOf(' ', WIDTH - 2);
    if (cut <= 8) break;
    out.push(`${rest.slice(0, cut)} \\`);
    rest = `      ${rest.slice(cut + 1)}`;
  }
  out.push(rest);
  return out.join('\n');
}

/** Moves examples a legacy description holds into their own section after the options, for every command. */
export function examplesAfterOptions(root: Command): void {
  for (const command of root.commands) {
    const description = command.description();
    const at = description.indexOf(EXAMPLES);
    if (at >= 0) {
      const summary = description.slice(0, at);
      if (!command.summary()) command.summary(summary.split('\n\n')[0]!.replace(/\n/g, ' '));
      command.description(summary);
      const lines = description
        .slice(at + EXAMPLES.length)
        .split('\n')
        .map((line) => line.replace(/^ {2}\$ /, ''));
      command.addHelpText('after', `\n${examplesSection(lines)}`);
    }
    examplesAfterOptions(command);
  }
}
