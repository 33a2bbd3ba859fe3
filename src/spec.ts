// One definition per command: its name, summary, examples, positionals and options with their types,
// defaults, choices and parsers. commander is configured from it (register.ts), the help cache and the
// completion script are generated from commander's tree, and the command's `run(options, deps)` takes
// `OptionsOf<typeof definition>`, so renaming or retyping an option in the definition fails to compile
// wherever the old name or type is still used. This module loads nothing: definitions are plain data.
import { usageError } from './errors.js';

/** One option: commander's flag syntax plus how its value is read. `T` is the value `run` sees. */
export interface OptionSpec<T> {
  readonly flags: string;
  readonly description: string;
  readonly parse?: (value: string, previous: unknown) => unknown;
  readonly choices?: readonly string[];
  readonly default?: unknown;
  /** `requiredOption`: commander refuses the command without it. */
  readonly mandatory?: boolean;
  readonly hidden?: boolean;
  /** Phantom: carries T for OptionsOf; never set. */
  readonly _type?: T;
}

/** One positional: `<name>` required, `[name]` optional, `<name...>` variadic. */
export interface ArgumentSpec<T> {
  readonly syntax: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly parse?: (value: string) => unknown;
  readonly _type?: T;
}

export type OptionSpecs = Record<string, OptionSpec<unknown>>;
export type ArgumentSpecs = Record<string, ArgumentSpec<unknown>>;

export interface CommandDefinition<O extends OptionSpecs = OptionSpecs, A extends ArgumentSpecs = ArgumentSpecs> {
  /** The words after `tiktok-channel`: "send", "sandbox serve", "accounts use". */
  readonly path: readonly string[];
  /** One line, imperative or descriptive; the command list shows it. */
  readonly summary: string;
  /** More paragraphs for the command's own --help (after the summary). */
  readonly details?: string;
  /** Each a full command line, shown as `$ line` in their own section. */
  readonly examples?: readonly string[];
  /** The usage line after the command's name, when commander's own would mislead (an optional positional that is needed). */
  readonly usage?: string;
  /** Its run() reads the whole command tree (`help`, `completion`): it always runs with every command registered. */
  readonly wholeProgram?: boolean;
  /** It runs until stopped or until something arrives, printing as it goes (tail, the servers, qr --wait):
   * its output keeps Node's buffered streams, so a reader that stalls never holds off Ctrl-C. */
  readonly streams?: boolean;
  readonly arguments: A;
  readonly options: O;
}

export type ValueOf<S> = S extends OptionSpec<infer T> ? T : S extends ArgumentSpec<infer T> ? T : never;

/** The options `run` receives: every option by its camelCase key, every positional by its key. */
export type OptionsOf<D> = D extends CommandDefinition<infer O, infer A> ? { [K in keyof O]: ValueOf<O[K]> } & { [K in keyof A]: ValueOf<A[K]> } : never;

export function defineCommand<const O extends OptionSpecs = {}, const A extends ArgumentSpecs = {}>(definition: {
  path: readonly string[];
  summary: string;
  details?: string;
  examples?: readonly string[];
  usage?: string;
  wholeProgram?: boolean;
  streams?: boolean;
  arguments?: A;
  options?: O;
}): CommandDefinition<O, A> {
  return { ...definition, arguments: (definition.arguments ?? {}) as A, options: (definition.options ?? {}) as O };
}

// ---- option builders: each fixes the type `run` sees ----

/** `--dry-run`: true when given. */
export function flag(flags: string, description: string, extra: { hidden?: boolean } = {}): OptionSpec<boolean | undefined> {
  return { flags, description, ...extra };
}

/** `--no-browser`: commander's negatable form; the key is the positive name and defaults to true. */
export function negatable(flags: `--no-${string}`, description: string): OptionSpec<boolean> {
  return { flags, description };
}

/** `--to <id>` (`mandatory`: commander refuses the command without it). */
export function text<const M extends boolean = false>(
  flags: string,
  description: string,
  extra: { mandatory?: M; parse?: (value: string) => string } = {},
): OptionSpec<M extends true ? string : string | undefined> {
  return { flags, description, mandatory: extra.mandatory, parse: extra.parse ? (value) => extra.parse!(value) : undefined };
}

/** `--port <n>`: a whole number in [min, max], refused with a usage error naming the flag otherwise. */
export function integer<const D extends number | undefined = undefined>(
  flags: string,
  description: string,
  range: { min: number; max: number; default?: D },
): OptionSpec<D extends number ? number : number | undefined> {
  const name = flags.split(/[ ,]/)[0]!;
  return { flags, description, parse: parseInteger(name, range.min, range.max), default: range.default };
}

/** `--type <type>` with a fixed set of values. */
export function choice<const C extends readonly string[], const D extends C[number] | undefined = undefined>(
  flags: string,
  description: string,
  choices: C,
  extra: { default?: D } = {},
): OptionSpec<D extends string ? C[number] : C[number] | undefined> {
  return { flags, description, choices, default: extra.default };
}

/** `--button <id:label...>`: every value given, in order. */
export function list(flags: string, description: string): OptionSpec<string[] | undefined> {
  return { flags, description };
}

/** `--wait [seconds]`: true when given bare, the text when given a value. */
export function optionalValue(flags: string, description: string): OptionSpec<string | true | undefined> {
  return { flags, description };
}

/** A positional; `<x>` is a string, `[x]` may be missing, `<x...>` is a list. */
export function argument<const S extends string>(
  syntax: S,
  description: string,
  extra: { choices?: readonly string[]; parse?: (value: string) => string } = {},
): ArgumentSpec<S extends `${string}...${string}` ? string[] : S extends `[${string}` ? string | undefined : string> {
  return { syntax, description, ...extra };
}

export function parseInteger(name: string, min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw usageError(`${name} must be a whole number from ${min} to ${max} (got "${value}").`);
    }
    return number;
  };
}
