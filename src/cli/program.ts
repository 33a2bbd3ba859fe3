// Commander wiring only: parse flags into each command's options, lazy-import the command, and turn any
// failure into the contract's exit code and message. Heavy modules load inside the command that needs them.
// The command list is a parameter: src/cli.ts passes every command; a per-command bundle of the built CLI
// (scripts/bundle.mjs) passes only its own group, so a command run registers and compiles only what it uses.
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { CliCommand } from '../cli-command.js';
import { CliError, COMMAND_PLACEHOLDER, toCliError } from '../errors.js';
import { HELP_WIDTH } from '../fast-help.js';
import { colorLevel, createIO, type IO } from '../io/io.js';
import { displaySafe } from '../io/format.js';
import { directOutput } from '../io/direct-output.js';
import { argumentEncodingError } from '../io/argv.js';
import { parseAccountReference } from '../store/reference.js';
import { inCriticalSection, whenNotCritical } from '../io/interrupt.js';
import type { Deps, Env, GlobalOptions } from '../deps.js';
import { registerCommand, type CommandModule, type RunSpy } from './register.js';
import { examplesAfterOptions, HELP_LAYOUT } from './help-layout.js';
import type { CommandDefinition } from '../spec.js';

/** A command module as a list holds it: its definition and, unless it is a pure group, its run(). */
type CommandEntry = { readonly definition: CommandDefinition };

type RunResult = number | void;
type Runner = (deps: Deps) => Promise<RunResult>;

export interface MainOptions {
  argv?: string[];
  env?: Env;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Write a piped or redirected stdout/stderr straight to the file descriptor (io/direct-output.ts): for
   * command groups none of whose commands streams (scripts/bundle.mjs decides from the definitions). */
  directOutput?: boolean;
  /** When this run began (epoch ms), if not with the process: a host that calls main() many times in one
   * process (the tests) passes the call's time, so "since this run started" means the call's run. */
  startedAt?: number;
}

/** Written in by the bundle (scripts/bundle.mjs `define`); undeclared in tsc's output and the sources. */
declare const TIKTOK_CHANNEL_VERSION: string | undefined;

/** The package's version: the bundle has it written in (reading package.json through import.meta.url
 * cost every command ~0.7 ms and node:url's URL machinery); tsc's dist/cli/program.js and the sources
 * (tests) read package.json, two levels up from dist/cli/ and src/cli/. */
export function packageVersion(): string {
  if (typeof TIKTOK_CHANNEL_VERSION === 'string') return TIKTOK_CHANNEL_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Help leads with examples (clig, gh). Lines stay under 80 columns so commander does not re-wrap them.
const ROOT_HELP = `Put a TikTok Business Account's direct messages into your own systems.

Examples:
  $ tiktok-channel connect --sandbox     # try it all on the built-in sandbox
  $ tiktok-channel connect               # sign in a Business Account
  $ tiktok-channel conversations
  $ tiktok-channel send --to <conversation_id> --text "Thanks!"
  $ tiktok-channel doctor                # why are messages not arriving?

Learn more: tiktok-channel help environment | help exit-codes`;

function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && stream.columns ? Math.min(HELP_WIDTH, stream.columns) : HELP_WIDTH;
}

/** The whole command tree; with a `spy`, the definition-based commands report their parsed options to it instead of running (parse-only tests). */
export function buildProgram(
  commands: readonly CommandEntry[],
  io: IO,
  execute: (runner: Runner, globals: GlobalOptions) => Promise<void>,
  spy?: RunSpy,
): CliCommand {
  const program = new CliCommand('tiktok-channel');
  const register = <D extends CommandDefinition>(module: CommandModule<D>) => registerCommand(program, module, execute, spy);

  program
    .usage('<command> [options]')
    .description(ROOT_HELP)
    .version(packageVersion(), '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--account <name|business_id>', 'the account to use (default: the default account)', (value: string) => parseAccountReference(value, '--account'))
    .option('--json', 'print one JSON document on stdout (JSON Lines for tail)')
    .option('--debug', 'trace HTTP requests on stderr (tokens redacted)')
    .option('--no-color', 'no colours (NO_COLOR works too)')
    .showSuggestionAfterError(true)
    .configureHelp(HELP_LAYOUT)
    .helpCommand(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
      outputError: () => undefined, // printed once by main() so --json gets the JSON form
      // Wrapped at the terminal's width up to 80, so the help cached at build time (fast-help.ts) matches.
      getOutHelpWidth: () => helpWidth(process.stdout),
      getErrHelpWidth: () => helpWidth(process.stderr),
    });

  // In COMMANDS' order, which is the help's.
  for (const command of commands) register(command);

  examplesAfterOptions(program);
  return program;
}

/** Runs the CLI and returns the exit code (the bin calls process.exit with it after flushing). */
export async function runMain(commands: readonly CommandEntry[], options: MainOptions = {}): Promise<number> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? (options.directOutput ? directOutput(1, () => process.stdout) : process.stdout);
  const stderr = options.stderr ?? (options.directOutput ? directOutput(2, () => process.stderr) : process.stderr);
  // process.stdin is built on first use: only a command that reads it or may prompt pays for it.
  const stdin = options.stdin ?? (() => process.stdin);
  const colorFlag = argv.includes('--no-color') ? false : undefined;
  // chalk loads only when colour is on and a command will run (help and --version print plain text).
  const helpOnly = argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--version');
  const chalk = !helpOnly && colorLevel({ env, isTTY: Boolean(stderr.isTTY), flag: colorFlag }) > 0 ? (await import('chalk')).Chalk : undefined;
  const makeIO = (json: boolean, debug: boolean) => createIO({ stdout, stderr, stdin, env, json, debug, color: colorFlag, chalk });
  const io = makeIO(argv.includes('--json'), argv.includes('--debug'));

  const controller = new AbortController();
  let interrupted = false;
  let firstInterruptAt = 0;
  // The active IO is the one the command runs with (its --json/--debug as commander parsed them).
  let activeIO = io;
  const onSigint = () => {
    if (interrupted) {
      // Libraries re-raise the first SIGINT (conf's when-exit does): only a later one is the user insisting.
      if (Date.now() - firstInterruptAt < 500) return;
      if (inCriticalSection()) activeIO.err(FINISHING_TOKEN_WRITE);
      whenNotCritical(() => process.exit(130)); // a second Ctrl-C leaves at once, but never mid-write
      return;
    }
    interrupted = true;
    firstInterruptAt = Date.now();
    // A token write is never cut short, but the user hears at once that the Ctrl-C was taken.
    if (inCriticalSection()) activeIO.err(FINISHING_TOKEN_WRITE);
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  let exitCode = 0;
  const execute = async (runner: Runner, globals: GlobalOptions) => {
    const { createDeps } = await import('../deps.js');
    activeIO = makeIO(globals.json, globals.debug);
    const deps = createDeps({ io: activeIO, env, globals, signal: controller.signal, startedAt: options.startedAt });
    const result = await runner(deps);
    if (typeof result === 'number') exitCode = result;
  };

  const program = buildProgram(commands, io, execute);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    // Every command's arguments at once: bytes that are not UTF-8 never become U+FFFD text.
    const encoding = argumentEncodingError(argv);
    if (encoding) return report(io, encoding);
    await program.parseAsync(argv, { from: 'user' });
    // A command that could not stop at once (a token write) still ends as cancelled once it is done.
    if (interrupted) return report(activeIO, new CliError('cancelled', 'Cancelled.'), program.commandPath());
    return exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      if (thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version' || thrown.code === 'commander.help') return 0;
      const message = thrown.message.replace(/^error: /, '');
      const path = program.commandPath();
      const hint = path ? `Run \`tiktok-channel ${path} --help\` to see its options.` : 'Run `tiktok-channel --help` to see the commands.';
      return report(io, new CliError('usage', message, { hint }), path);
    }
    const failure = toCliError(thrown);
    const error = interrupted && failure.kind !== 'cancelled' ? cancelledBecause(thrown) : failure;
    return report(activeIO, error, program.commandPath());
  } finally {
    process.off('SIGINT', onSigint);
    // Node's own streams may still hold output; a direct one wrote it already (and a test's is the test's).
    await Promise.all([flushed(stdout, options.stdout), flushed(stderr, options.stderr)]);
  }
}

/** Resolves once a stream this function chose has written what it was given (the bin exits right after). */
function flushed(stream: { write(chunk: string, callback?: () => void): unknown; writableLength?: number }, given: unknown): Promise<void> {
  if (given !== undefined || !stream.writableLength) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** A failure while stopping on Ctrl-C is reported as the cancellation it is, keeping what it knew. */
function cancelledBecause(thrown: unknown): CliError {
  const inner = toCliError(thrown);
  return new CliError('cancelled', 'Cancelled.', { tiktokCode: inner.tiktokCode, requestId: inner.requestId, cause: thrown });
}

const FINISHING_TOKEN_WRITE = 'Ctrl-C: finishing the token write, then stopping…';

/**
 * Prints a failure once. Text from arguments and servers is made terminal-safe here (no escape bytes),
 * and a hint that points at `<command>` names the command that ran.
 */
function report(io: IO, original: CliError, commandPath?: string): number {
  const hint = displaySafe(original.hint.replaceAll(COMMAND_PLACEHOLDER, commandPath ?? COMMAND_PLACEHOLDER));
  const error = new CliError(original.kind, displaySafe(original.message), {
    hint,
    tiktokCode: original.tiktokCode,
    requestId: original.requestId === undefined ? undefined : displaySafe(original.requestId),
    details: original.details,
    cause: original.cause,
  });
  if (io.json && io.jsonPrinted) {
    // The command already printed its document (e.g. `sandbox serve --json` stopped with Ctrl-C):
    // stdout stays one JSON document, and anything worth saying goes to stderr.
    if (error.kind !== 'cancelled') io.err(`error: ${error.message}`);
  } else if (io.json) {
    io.printJson({ error: error.toJSON() });
  } else if (error.kind === 'cancelled') {
    // The bare Ctrl-C ends the line the terminal echoed; a command that knows what the stop left behind says it.
    io.err(error.message === 'Cancelled.' ? '' : `\n${error.message}`);
    if (error.message !== 'Cancelled.' && error.hint) io.err(`${io.color.cyan('hint:')} ${error.hint}`);
  } else {
    io.err(`${io.color.red('error:')} ${error.message}`);
    const reference = [error.tiktokCode ? `tiktok_code ${error.tiktokCode}` : '', error.requestId ? `request_id ${error.requestId}` : '']
      .filter(Boolean)
      .join(', ');
    if (reference) io.err(io.color.dim(`       (${reference})`));
    if (error.hint) io.err(`${io.color.cyan('hint:')} ${error.hint}`);
    if (error.kind === 'unexpected' && io.debug && error.cause instanceof Error && error.cause.stack) io.debugLog(error.cause.stack);
  }
  return error.exitCode;
}
