// The commander Command every tiktok-channel command is built from. Three changes serve all commands:
// - a positional id may start with "-" (TikTok's business ids do: "-000…"), so `accounts use -000…`
//   works without `--` (which still works, and ends options as usual);
// - an unknown flag is reported before a missing required one (`send --bogus` names --bogus);
// - the command being parsed is remembered, so hints can name it instead of `<command>`.
import { Command, type Option, type ParseOptionsResult } from 'commander';

/** Commander methods our overrides call that its typings keep private (commander is pinned). */
interface CommanderInternals {
  unknownOption(flag: string): never;
  missingMandatoryOptionValue(option: Option): never;
}
const internals = Command.prototype as unknown as CommanderInternals;

export class CliCommand extends Command {
  /** On the root: the deepest command whose options were parsed (the one the user ran). */
  private parsedCommand?: CliCommand;
  private unknownFlags: string[] = [];

  override createCommand(name?: string): CliCommand {
    return new CliCommand(name);
  }

  /** "accounts use", or undefined before parsing reached a subcommand. */
  commandPath(): string | undefined {
    const names: string[] = [];
    for (let command: Command | null = this.parsedCommand ?? null; command?.parent; command = command.parent) names.unshift(command.name());
    return names.length ? names.join(' ') : undefined;
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    let root: CliCommand = this;
    while (root.parent instanceof CliCommand) root = root.parent;
    root.parsedCommand = this;
    const held = new Map<string, string>();
    const masked = this.takesPositionals() ? this.maskDashOperands(argv, held) : argv;
    const parsed = super.parseOptions(masked);
    const restore = (values: string[]) => values.map((value) => held.get(value) ?? value);
    const result = { operands: restore(parsed.operands), unknown: restore(parsed.unknown) };
    this.keepSubcommandOrder(result);
    this.unknownFlags = result.unknown.filter((value) => value.startsWith('-'));
    return result;
  }

  /**
   * `tail replay --since 1h`: a command with options of its own and a subcommand (positional options
   * enabled) must see its arguments in their order, or it takes the subcommand's flags as its own.
   * Commander's root splits them into operands and unknown flags; they are handed on whole instead.
   */
  private keepSubcommandOrder(result: { operands: string[]; unknown: string[] }): void {
    if (this.parent || result.operands.length < 2) return;
    const sub = this.commands.find((command) => command.name() === result.operands[0]);
    if (!sub || !(sub as unknown as { _enablePositionalOptions?: boolean })._enablePositionalOptions) return;
    result.unknown = [...result.operands.slice(1), ...result.unknown];
    result.operands = result.operands.slice(0, 1);
  }

  /** Commander checks required options first; a misspelt flag is the better thing to report. */
  missingMandatoryOptionValue(option: Option): never {
    if (this.unknownFlags.length) internals.unknownOption.call(this, this.unknownFlags[0]!);
    return internals.missingMandatoryOptionValue.call(this, option);
  }

  private takesPositionals(): boolean {
    return this.commands.length === 0 && this.registeredArguments.length > 0;
  }

  /**
   * Hides operands that start with "-" but cannot be one of this command's flags (e.g. "-000abc") behind
   * a placeholder, so commander takes them as positionals. Values of flags and anything after `--` are
   * left to commander.
   */
  private maskDashOperands(argv: string[], held: Map<string, string>): string[] {
    const result: string[] = [];
    for (let index = 0; index < argv.length; index++) {
      const arg = argv[index]!;
      if (arg === '--') {
        result.push(...argv.slice(index));
        break;
      }
      const option = arg.startsWith('-') ? this.findFlag(arg) : undefined;
      if (option) {
        result.push(arg);
        // A required value is taken as is, even when it starts with "-" (commander does the same).
        if (option.required && !arg.includes('=') && index + 1 < argv.length) result.push(argv[++index]!);
        continue;
      }
      if (arg.length > 1 && arg.startsWith('-') && !arg.startsWith('--') && !this.isHelpFlag(arg)) {
        const placeholder = `\u0000operand-${held.size}`;
        held.set(placeholder, arg);
        result.push(placeholder);
        continue;
      }
      result.push(arg);
    }
    return result;
  }

  private findFlag(arg: string): Option | undefined {
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    return (
      this.options.find((option) => option.long === name || option.short === name) ??
      (arg.startsWith('--') ? undefined : this.options.find((option) => option.short === arg.slice(0, 2)))
    );
  }

  private isHelpFlag(arg: string): boolean {
    return arg === '-h' || arg === '--help';
  }
}
