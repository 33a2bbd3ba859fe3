// Output rendered once: a command returns its data and how a person reads it; this module alone decides
// between one JSON document (--json) and the human text, so no command branches on --json.
import type { IO } from './io.js';

export interface Output<T> {
  readonly data: T;
  /** Writes the human form (io.out for data, io.err/info/warn for messages). A method, so any Output<T> is an Output<unknown>. */
  human(data: T, io: IO): void;
  /** Non-zero when the result itself is a failure that is not an error (doctor found problems). */
  readonly exitCode?: number;
}

/** What a command's run() returns: an Output, an exit code, or nothing (it streamed or printed itself). */
export type CommandResult = Output<unknown> | number | void;

export function output<T>(data: T, human: (data: T, io: IO) => void, exitCode?: number): Output<T> {
  return { data, human, exitCode };
}

export function isOutput(value: unknown): value is Output<unknown> {
  return typeof value === 'object' && value !== null && 'data' in value && typeof (value as Output<unknown>).human === 'function';
}

/** Prints a command's result the one way it should be printed and returns its exit code. */
export function renderResult(io: IO, result: CommandResult): number | void {
  if (!isOutput(result)) return result;
  if (io.json) io.printJson(result.data);
  else result.human(result.data, io);
  return result.exitCode;
}

/**
 * One record of a stream (tail's events, serve's ready line): a JSON line in --json mode, else the human
 * line. Streams print as they go, so they cannot return one Output.
 */
export function emit<T>(io: IO, data: T, human: (data: T, io: IO) => void): void {
  if (io.json) io.printJsonLine(data);
  else human(data, io);
}
