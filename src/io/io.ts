// The only place that touches process.stdout/stderr/stdin. stdout carries data, stderr carries people's
// messages; colour and interactivity are decided once here (gh's IOStreams).
import type { ChalkInstance } from 'chalk';

/** The colours commands use. Plain functions when colour is off, so chalk only loads when it is on. */
export type Colors = Pick<ChalkInstance, 'bold' | 'cyan' | 'dim' | 'green' | 'red' | 'yellow'>;
export type ChalkConstructor = new (options: { level: 0 | 1 | 2 | 3 }) => ChalkInstance;

const identity = ((text: unknown) => String(text)) as unknown as ChalkInstance;
const PLAIN: Colors = { bold: identity, cyan: identity, dim: identity, green: identity, red: identity, yellow: identity };

export interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  on?(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

type StdinStream = NodeJS.ReadableStream & { isTTY?: boolean };

export interface IOOptions {
  stdout: Stream;
  stderr: Stream;
  /** A function when constructing it costs: process.stdin loads the stream modules (node:tty or node:net),
   * which only commands that read stdin or may prompt need; it is called when one asks. */
  stdin: StdinStream | (() => StdinStream);
  env: Record<string, string | undefined>;
  json?: boolean;
  debug?: boolean;
  /** false when --no-color was given. */
  color?: boolean;
  /** chalk's constructor, loaded by the caller only when colour is on (see colorLevel). */
  chalk?: ChalkConstructor;
}

export interface IO {
  readonly json: boolean;
  /** True once a JSON document went to stdout: --json promises exactly one. */
  readonly jsonPrinted: boolean;
  readonly debug: boolean;
  readonly isStdoutTTY: boolean;
  readonly isStderrTTY: boolean;
  readonly isStdinTTY: boolean;
  /** The terminal's width when stdout is one (else undefined): tables wrap to it, previews are cut to it, a QR code must fit in it. */
  readonly columns?: number;
  readonly color: Colors;
  readonly stdin: NodeJS.ReadableStream;
  /** Data for stdout (the result). */
  out(text: string): void;
  /** A message for people, always on stderr. */
  err(text: string): void;
  info(text: string): void;
  warn(text: string): void;
  success(text: string): void;
  /** Prints exactly one JSON document on stdout. */
  printJson(value: unknown): void;
  /** One compact JSON document on its own line (JSON Lines: tail's events, a server's ready line). */
  printJsonLine(value: unknown): void;
  /** HTTP traces and internals, only with --debug; callers pass already-redacted text. */
  debugLog(text: string): void;
  /** False without a TTY on stdin and stdout, or under CI: then nothing may be asked. */
  canPrompt(): boolean;
  /** Shows a spinner on stderr while fn runs (TTY only, never in --json). */
  progress<T>(label: string, fn: () => Promise<T>): Promise<T>;
  /** Long-running output (tail): `listener` runs once when stdout's reader goes away (EPIPE, `| head -1`); later output is dropped. */
  onStdoutClosed(listener: () => void): void;
}

export function isCI(env: Record<string, string | undefined>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** NO_COLOR > FORCE_COLOR > TTY, and --no-color over all. */
export function colorLevel(options: { env: Record<string, string | undefined>; isTTY: boolean; flag?: boolean }): 0 | 1 | 2 | 3 {
  if (options.flag === false) return 0;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return 0;
  const force = options.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const level = Number(force);
    return level >= 1 && level <= 3 ? (level as 1 | 2 | 3) : 1;
  }
  return options.isTTY ? 1 : 0;
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

export function createIO(options: IOOptions): IO {
  const { stdout, stderr, env } = options;
  const stdinOption = options.stdin;
  let stdin = typeof stdinOption === 'function' ? undefined : stdinOption;
  const getStdin = () => (stdin ??= (stdinOption as () => StdinStream)());
  const json = options.json ?? false;
  const debug = options.debug ?? false;
  const isStdoutTTY = Boolean(stdout.isTTY);
  const isStderrTTY = Boolean(stderr.isTTY);
  const level = colorLevel({ env, isTTY: isStderrTTY, flag: options.color });
  const color: Colors = level > 0 && options.chalk ? new options.chalk({ level }) : PLAIN;
  // Colour is decided per stream: data piped to a file keeps no escape codes even when stderr is a terminal.
  const stdoutColored = color !== PLAIN && colorLevel({ env, isTTY: isStdoutTTY, flag: options.color }) > 0;
  let spinnerActive = false;
  let jsonPrinted = false;
  let stdoutClosed = false;

  const io: IO = {
    json,
    get jsonPrinted() {
      return jsonPrinted;
    },
    debug,
    isStdoutTTY,
    isStderrTTY,
    get isStdinTTY() {
      return Boolean(getStdin().isTTY);
    },
    columns: isStdoutTTY && stdout.columns ? stdout.columns : undefined,
    color,
    get stdin() {
      return getStdin();
    },
    out: (text) => {
      if (stdoutClosed) return;
      const plain = stdoutColored ? text : stripAnsi(text);
      stdout.write(plain.endsWith('\n') ? plain : `${plain}\n`);
    },
    err: (text) => void stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    info: (text) => io.err(text),
    warn: (text) => io.err(`${color.yellow('warning:')} ${text}`),
    success: (text) => io.err(`${color.green('✓')} ${text}`),
    printJson: (value) => {
      jsonPrinted = true;
      stdout.write(`${JSON.stringify(value, null, isStdoutTTY ? 2 : undefined)}\n`);
    },
    printJsonLine: (value) => {
      if (stdoutClosed) return;
      jsonPrinted = true;
      stdout.write(`${JSON.stringify(value)}\n`);
    },
    debugLog: (text) => {
      if (debug) io.err(color.dim(`[debug] ${text}`));
    },
    canPrompt: () => isStdoutTTY && !isCI(env) && io.isStdinTTY,
    onStdoutClosed(listener) {
      stdout.on?.('error', (error) => {
        if (error.code !== 'EPIPE' || stdoutClosed) return;
        stdoutClosed = true;
        listener();
      });
    },
    async progress(label, fn) {
      // Nested or non-interactive progress prints nothing: the outer spinner already shows we are waiting.
      if (json || !isStderrTTY || spinnerActive || debug) return fn();
      spinnerActive = true;
      let frame = 0;
      const draw = () => stderr.write(`\r${color.cyan(SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length])} ${label}`);
      draw();
      const timer = setInterval(draw, 80);
      try {
        return await fn();
      } finally {
        clearInterval(timer);
        stderr.write('\r\x1b[2K');
        spinnerActive = false;
      }
    },
  };
  return io;
}

export interface TestIO {
  io: IO;
  stdout: () => string;
  stderr: () => string;
}

/** In-memory IO for tests (gh's iostreams.Test()). */
export function createTestIO(
  options: {
    stdinTTY?: boolean;
    stdoutTTY?: boolean;
    stderrTTY?: boolean;
    json?: boolean;
    debug?: boolean;
    env?: Record<string, string | undefined>;
    stdin?: NodeJS.ReadableStream;
  } = {},
): TestIO {
  let out = '';
  let err = '';
  const stdin = (options.stdin ?? (emptyReadable() as NodeJS.ReadableStream)) as NodeJS.ReadableStream & { isTTY?: boolean };
  stdin.isTTY = options.stdinTTY ?? false;
  const io = createIO({
    stdout: { write: (chunk: string) => (out += chunk), isTTY: options.stdoutTTY ?? false },
    stderr: { write: (chunk: string) => (err += chunk), isTTY: options.stderrTTY ?? false },
    stdin,
    env: options.env ?? {},
    json: options.json,
    debug: options.debug,
  });
  return { io, stdout: () => out, stderr: () => err };
}

function emptyReadable(): NodeJS.ReadableStream {
  // Lazy require-free construction: an already-ended async iterable behaves like an empty stdin.
  const chunks: Buffer[] = [];
  const stream = {
    [Symbol.asyncIterator]: async function* () {
      yield* chunks;
    },
  };
  return stream as unknown as NodeJS.ReadableStream;
}
