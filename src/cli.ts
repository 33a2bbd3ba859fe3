// Commander wiring only: parse flags into each command's options, lazy-import the command, and turn any
// failure into the contract's exit code and message. Heavy modules load inside the command that needs them.
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { CliCommand } from './cli-command.js';
import { CliError, COMMAND_PLACEHOLDER, toCliError, usageError } from './errors.js';
import { HELP_WIDTH } from './fast-help.js';
import { colorLevel, createIO, type IO } from './io/io.js';
import { terminalSafe } from './io/format.js';
import { argumentEncodingError } from './io/argv.js';
import { parseAccountReference } from './store/reference.js';
import { inCriticalSection, whenNotCritical } from './io/interrupt.js';
import type { Deps, Env, GlobalOptions } from './deps.js';
import { registerCommand, type CommandModule, type RunSpy } from './cli/register.js';
import { examplesAfterOptions, HELP_LAYOUT } from './cli/help-layout.js';
import type { CommandDefinition } from './spec.js';
import * as accounts from './commands/accounts.js';
import * as accountsUse from './commands/accounts-use.js';
import * as comments from './commands/comments.js';
import * as connect from './commands/connect.js';
import * as conversations from './commands/conversations.js';
import * as disconnect from './commands/disconnect.js';
import * as doctor from './commands/doctor.js';
import * as messages from './commands/messages.js';
import * as qr from './commands/qr.js';
import * as refresh from './commands/refresh.js';
import * as rename from './commands/rename.js';
import * as send from './commands/send.js';
import * as status from './commands/status.js';
import * as completion from './commands/completion.js';
import * as help from './commands/help.js';

/**
 * The commands defined by their own definition (src/spec.ts), in help order. Their modules hold only the
 * definition and a thin run() that imports the body when the command runs, so loading them stays cheap.
 */
export const COMMANDS: readonly { readonly definition: CommandDefinition }[] = [
  help,
  connect,
  refresh,
  accounts,
  accountsUse,
  rename,
  disconnect,
  status,
  conversations,
  messages,
  send,
  comments,
  qr,
  doctor,
  completion,
];

type RunResult = number | void;
type Runner = (deps: Deps) => Promise<RunResult>;

export interface MainOptions {
  argv?: string[];
  env?: Env;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
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

/** A command's description: its one-line summary, then its examples, before the options. */
function describe(summary: string, lines: string[]): string {
  return `${summary}\n\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

function parseInteger(name: string, min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw usageError(`${name} must be a whole number from ${min} to ${max} (got "${value}").`);
    }
    return number;
  };
}

function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && stream.columns ? Math.min(HELP_WIDTH, stream.columns) : HELP_WIDTH;
}

/** The whole command tree; with a `spy`, the definition-based commands report their parsed options to it instead of running (parse-only tests). */
export function buildProgram(io: IO, execute: (runner: Runner, globals: GlobalOptions) => Promise<void>, spy?: RunSpy): CliCommand {
  const program = new CliCommand('tiktok-channel');
  const register = <D extends CommandDefinition>(module: CommandModule<D>) => registerCommand(program, module, execute, spy);
  const run = (load: (options: Record<string, unknown>, command: Command) => Runner) =>
    async function (this: Command, ...args: unknown[]) {
      const command = args[args.length - 1] as Command;
      const options = command.opts();
      const globals = command.optsWithGlobals() as { account?: string; json?: boolean; debug?: boolean };
      await execute(load({ ...options, args: command.args }, command), {
        account: globals.account,
        json: Boolean(globals.json),
        debug: Boolean(globals.debug),
      });
    };

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

  register(help);

  register(connect);

  register(refresh);

  register(accounts);
  register(accountsUse);
  register(rename);
  register(disconnect);

  register(status);

  register(conversations);
  register(messages);

  register(send);
  register(comments);

  register(qr);

  const tail = program
    .command('tail')
    .summary('receive every message live: webhooks (signature checked, journaled before the 200) or polling')
    .description(describe('receive every message live: webhooks (signature checked, journaled before the 200) or polling', [
      'tiktok-channel tail',
      'tiktok-channel tail --port 8080 --register --public-url https://example.ngrok.app/webhook',
      'tiktok-channel tail --since 1h --json > events.jsonl',
      'tiktok-channel tail --forward-to http://localhost:3000/tiktok',
      'tiktok-channel tail --poll',
      'tiktok-channel tail --count 1 --timeout 60 --json   # CI: wait for one event',
    ]))
    .option('--port <n>', 'port for the webhook receiver (default 7870; 0 = any free port)', parseInteger('--port', 0, 65535))
    .option('--host <host>', 'address to listen on (default 127.0.0.1; anything else is reachable from the network)')
    .option('--path <path>', 'webhook path (default /webhook)')
    .option('--tolerance <seconds>', 'how far a signature\'s time may be from now (default 300)', parseInteger('--tolerance', 1, 86_400))
    .option('--poll [seconds]', 'poll the API instead of receiving webhooks (default every 5 s)')
    .option('--since <duration>', 'first replay journaled events from this far back: 90s, 30m, 1h, 2d')
    .option('--forward-to <url>', 're-POST each verified delivery (original body and signature) to this URL')
    .option('--forward-timeout <seconds>', 'how long one forward may take before it is retried (default 10)')
    .option('--register', 'set the app\'s webhook callback at TikTok to --public-url (app-wide)')
    .option('--public-url <url>', 'the public HTTPS URL that reaches this receiver')
    .option('--event <name...>', 'only these events or kinds (im_receive_msg, message, reaction, read, referral …)')
    .option('--conversation <id>', 'only this conversation')
    .option('--count <n>', 'exit 0 after N events', parseInteger('--count', 1, 1_000_000_000))
    .option('--timeout <seconds>', 'give up after this long: exit 7 unless the events arrived', parseInteger('--timeout', 1, 31_536_000))
    .option('--take-over', 'embedded sandbox: take its callback from a tail receiving there (given back on exit)')
    // `tail replay …`: the options after `replay` are replay's own, not tail's.
    .enablePositionalOptions()
    .action(run((options) => async (deps) => (await import('./commands/tail.js')).run(options as never, deps)));
  tail
    .command('replay')
    .argument('[event_id...]', 'the `id`s `tail --json` prints (`tail --since 2h --json` lists them)')
    .summary('re-send journaled deliveries to a handler, re-signed now (original bytes)')
    .description(describe('re-send journaled deliveries to URL in journal order: the original body bytes,\nre-signed with a fresh timestamp and the app secret', [
      'tiktok-channel tail replay --since 1h --forward-to http://localhost:3000/',
      'tiktok-channel tail replay <event_id> --forward-to http://localhost:3000/',
      'tiktok-channel tail replay --since 2d --dry-run --forward-to http://…',
    ]))
    .option('--since <duration>', 'the deliveries journaled this far back: 90s, 30m, 1h, 2d')
    .option('--event <name...>', 'only these events or kinds (im_receive_msg, message, reaction …)')
    .option('--conversation <id>', 'only this conversation')
    .option('--forward-to <url>', 'where to re-send them (required)')
    .option('--forward-timeout <seconds>', 'how long one attempt may take (default 10)')
    .option('--dry-run', 'list what would be sent, and send nothing')
    .action(run((options) => async (deps) => (await import('./tail/replay.js')).run(options as never, deps)));

  register(doctor);

  const sandbox = program
    .command('sandbox')
    .summary('the built-in emulator of TikTok\'s API (embedded, or served over HTTP)')
    .description(describe('the built-in emulator of TikTok\'s API (embedded, or served over HTTP)', [
      'tiktok-channel sandbox serve --port 4010',
      'tiktok-channel sandbox message --from maya --text "Is this in stock?"',
      'tiktok-channel sandbox clock --advance 47h',
    ]));
  const controlUrl = () => new Option('--control-url <url>', 'act on a served sandbox (or TIKTOK_CHANNEL_SANDBOX_CONTROL_URL)');
  sandbox
    .command('serve')
    .description('serve the sandbox over HTTP on 127.0.0.1; once it listens, print its URLs, app credentials and a live token of its default account')
    .option('--port <n>', 'port (default: any free port)', parseInteger('--port', 0, 65535))
    .option('--latency <ms>', 'add this delay to every API answer', parseInteger('--latency', 0, 60_000))
    .option('--auto-approve', 'skip the consent page: approve for the default account')
    .option('--rps <n>', 'requests per second per app (its client key, all its accounts together) before 40100, as TikTok counts (default: no limit)', parseInteger('--rps', 0, 100_000))
    .option('--require-pkce', 'authorize demands a hex S256 code_challenge (like Login Kit)')
    .option('--strict-oauth', 'the token exchange refuses undocumented fields, e.g. code_verifier')
    .addOption(new Option('--scenario <name>', 'seed a scenario').choices(['healthy', 'eea', 'no-advanced-access', 'followers-only', 'expired-tokens', 'personal-account', 'media-blocked', 'advanced-access-rollout']))
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).serve(options as never, deps)));
  sandbox
    .command('token')
    .description('print a live access token and business id of the sandbox\'s default account (as `export` lines; --json)')
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).token(options as never, deps)));
  sandbox
    .command('message')
    .description('a TikTok user writes to the account (webhooks delivered if registered)')
    .option('--text <text>', 'what the user writes')
    .option('--from <username>', 'the user (default: the seeded user)')
    .option('--ref <tag>', 'arrive through a tiktok.me link with this tracking tag')
    .option('--via-ad', 'arrive through an ad')
    .option('--eu', 'as an EEA user (im_receive_msg_eu)')
    .option('--image', 'the user sends an image instead of text')
    .option('--create-time-ms', 'webhook create_time in milliseconds (as seen in the wild)')
    .addOption(new Option('--casing <casing>', 'enum casing in webhook content').choices(['lower', 'upper']))
    .option('--scene-type <value>', 'add scene_type to the webhook content')
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).message(options as never, deps)));
  sandbox
    .command('event')
    .description(describe('every other delivery TikTok makes (webhooks delivered if registered)', [
      'tiktok-channel sandbox event sticker --from maya',
      'tiktok-channel sandbox event template-tap --button size-m',
      'tiktok-channel sandbox event reaction --emoji ❤️ --message <message_id>',
      'tiktok-channel sandbox event auto-message --type welcome --action enable',
    ]))
    .argument('<kind>', 'sticker, image, video, emoji, share-post, template-tap, app-reply, read, reaction, smart-plus-ad, auto-message, auto-message-audit, high-intent-comment, authorization-removed or unknown')
    .option('--from <username>', 'the user (default: the seeded user)')
    .option('--button <id>', 'template-tap: the id of the tapped button of the latest card')
    .option('--text <text>', 'app-reply, high-intent-comment: the text')
    .option('--web', 'app-reply: from the web inbox instead of the app')
    .option('--emoji <emoji>', 'reaction: the emoji')
    .option('--message <message_id>', 'reaction: the message reacted to (default: the business\'s latest)')
    .option('--remove', 'reaction: take the reaction back')
    .option('--type <type>', 'auto-message(-audit): welcome, suggested-question or chat-prompt')
    .option('--action <action>', 'auto-message: create, update, delete, enable or disable')
    .option('--status <status>', 'auto-message-audit: approved or rejected')
    .option('--name <event>', 'unknown: the event name')
    .option('--item <item_id>', 'share-post: the shared post')
    .option('--reason <n>', 'authorization-removed: TikTok\'s reason 0-5 (default 1: the holder disconnected the app); revokes the account\'s tokens first')
    .option('--create-time-ms', 'webhook create_time in milliseconds (as seen in the wild)')
    .addOption(new Option('--casing <casing>', 'enum casing in webhook content').choices(['lower', 'upper']))
    .option('--scene-type <value>', 'add scene_type to the webhook content')
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).event((options.args as string[])[0]!, options as never, deps)));
  sandbox
    .command('set')
    .description('change the sandbox account\'s settings')
    .option('--region <cc>', 'registration region')
    .addOption(new Option('--advanced-access <state>', 'Advanced Access').choices(['on', 'off']))
    .addOption(new Option('--dm-setting <who>', 'who may send DMs').choices(['everyone', 'followers']))
    .addOption(new Option('--media <state>', 'image sending').choices(['on', 'off']))
    .addOption(new Option('--risk-control <state>', 'risk-control refusal of media').choices(['on', 'off']))
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).set(options as never, deps)));
  sandbox
    .command('clock')
    .description('move the sandbox\'s time forward (e.g. 47h, 30m, 2d)')
    .requiredOption('--advance <duration>', 'how far: 90s, 30m, 47h, 2d')
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).clock(options as never, deps)));
  sandbox
    .command('reset')
    .description('reseed the sandbox world (optionally a doctor scenario)')
    .addOption(new Option('--scenario <name>', 'scenario').choices(['healthy', 'eea', 'no-advanced-access', 'followers-only', 'expired-tokens', 'personal-account', 'media-blocked', 'advanced-access-rollout']))
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).reset(options as never, deps)));
  sandbox
    .command('phone')
    .description(describe('a page in your browser where you play the TikTok user: open chat links, write, tap cards, react, read', [
      'tiktok-channel sandbox phone',
      'tiktok-channel sandbox phone --port 4020 --no-browser',
    ]))
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', parseInteger('--port', 0, 65535))
    .option('--no-browser', 'print the URL only, do not open a browser')
    .addOption(controlUrl())
    .action(run((options) => async (deps) => (await import('./commands/sandbox.js')).phone(options as never, deps)));

  register(completion);

  examplesAfterOptions(program);
  return program;
}

/** Runs the CLI and returns the exit code (the bin calls process.exit with it after flushing). */
export async function main(options: MainOptions = {}): Promise<number> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const stdin = options.stdin ?? process.stdin;
  const colorFlag = argv.includes('--no-color') ? false : undefined;
  // chalk loads only when colour is on and a command will run (help and --version print plain text).
  const helpOnly = argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--version');
  const chalk =
    !helpOnly && colorLevel({ env, isTTY: Boolean(stderr.isTTY), flag: colorFlag }) > 0 ? (await import('chalk')).Chalk : undefined;
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
    const { createDeps } = await import('./deps.js');
    activeIO = makeIO(globals.json, globals.debug);
    const deps = createDeps({ io: activeIO, env, globals, signal: controller.signal });
    const result = await runner(deps);
    if (typeof result === 'number') exitCode = result;
  };

  const program = buildProgram(io, execute);
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
  }
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
  const hint = terminalSafe(original.hint.replaceAll(COMMAND_PLACEHOLDER, commandPath ?? COMMAND_PLACEHOLDER));
  const error = new CliError(original.kind, terminalSafe(original.message), {
    hint,
    tiktokCode: original.tiktokCode,
    requestId: original.requestId === undefined ? undefined : terminalSafe(original.requestId),
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
    const reference = [error.tiktokCode ? `tiktok_code ${error.tiktokCode}` : '', error.requestId ? `request_id ${error.requestId}` : ''].filter(Boolean).join(', ');
    if (reference) io.err(io.color.dim(`       (${reference})`));
    if (error.hint) io.err(`${io.color.cyan('hint:')} ${error.hint}`);
    if (error.kind === 'unexpected' && io.debug && error.cause instanceof Error && error.cause.stack) io.debugLog(error.cause.stack);
  }
  return error.exitCode;
}
