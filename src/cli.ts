// The CLI with every command: the entry of the built CLI and of the tests. The wiring is src/cli/program.ts;
// the commands are defined by their own definitions (src/spec.ts), each in src/commands/<name>.ts.
import { buildProgram as buildProgramOf, type MainOptions, runMain } from './cli/program.js';
import type { RunSpy } from './cli/register.js';
import type { Deps, GlobalOptions } from './deps.js';
import type { IO } from './io/io.js';
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
import * as tail from './commands/tail.js';
import * as tailReplay from './commands/tail/replay.js';
import * as sandbox from './commands/sandbox.js';
import * as sandboxServe from './commands/sandbox/serve.js';
import * as sandboxToken from './commands/sandbox/token.js';
import * as sandboxMessage from './commands/sandbox/message.js';
import * as sandboxEvent from './commands/sandbox/event.js';
import * as sandboxSet from './commands/sandbox/set.js';
import * as sandboxClock from './commands/sandbox/clock.js';
import * as sandboxReset from './commands/sandbox/reset.js';
import * as sandboxPhone from './commands/sandbox/phone.js';
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
  tail,
  tailReplay,
  doctor,
  sandbox,
  sandboxServe,
  sandboxToken,
  sandboxMessage,
  sandboxEvent,
  sandboxSet,
  sandboxClock,
  sandboxReset,
  sandboxPhone,
  completion,
];

export { packageVersion, type MainOptions } from './cli/program.js';

/** The whole command tree; with a `spy`, the commands report their parsed options to it instead of running (parse-only tests). */
export function buildProgram(io: IO, execute: (runner: (deps: Deps) => Promise<number | void>, globals: GlobalOptions) => Promise<void>, spy?: RunSpy) {
  return buildProgramOf(COMMANDS, io, execute, spy);
}

/** Runs the CLI and returns the exit code (the bin calls process.exit with it after flushing). */
export function main(options: MainOptions = {}): Promise<number> {
  return runMain(COMMANDS, options);
}
