// Drives an interactive command in a real terminal: a detached tmux session of fixed size, keys sent
// with send-keys, the screen read with capture-pane and polled until expected text appears.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TmuxSession {
  /** The session's name, and the name of its own tmux server's socket (`tmux -L <name>`). */
  name: string;
  /** Types literal text (no Enter). */
  type(text: string): void;
  /** Sends tmux key names: Enter, C-c, BSpace… */
  keys(...keys: string[]): void;
  screen(): string;
  /** Polls the screen until `pattern` matches; throws with the screen after the deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(): void;
}

/** Every session has its own tmux server (-L socket): sessions of parallel tests or of a second copy of the
 * suite never share one, so one's server exiting as its last session ends cannot fail another's start. */
function runTmux(socket: string, args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Starts `command` (argv) in a new detached session, `width`×`height`, with exactly `env` plus PATH/HOME.
 * The pane stays after the command exits (remain-on-exit), so its last screen and exit status can be read.
 */
export function startTmux(command: string[], options: { env: Record<string, string>; width?: number; height?: number }): TmuxSession {
  const name = `ttc-${randomBytes(4).toString('hex')}`;
  const envPrefix = Object.entries(options.env)
    .map(([key, value]) => `${key}=${shellQuote(value)}`)
    .join(' ');
  // The shell traps Ctrl-C (a trap, not an ignore, so the command still gets it) and outlives the command.
  const script = `trap true INT; env -i PATH=${shellQuote(process.env.PATH ?? '/usr/bin:/bin')} HOME=${shellQuote(process.env.HOME ?? '/tmp')} TERM=xterm-256color ${envPrefix} ${command.map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 30`;
  const tmux = (args: string[]) => runTmux(name, args);
  tmux(['new-session', '-d', '-s', name, '-x', String(options.width ?? 200), '-y', String(options.height ?? 50), 'sh', '-c', script]);
  const session: TmuxSession = {
    name,
    type(text) {
      tmux(['send-keys', '-t', name, '-l', text]);
    },
    keys(...keys) {
      tmux(['send-keys', '-t', name, ...keys]);
    },
    screen() {
      return tmux(['capture-pane', '-p', '-J', '-t', name, '-S', '-200']);
    },
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = session.screen();
        if (pattern.test(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`tmux screen never matched ${pattern}:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    kill() {
      try {
        tmux(['kill-server']);
      } catch {
        // already gone
      }
    },
  };
  return session;
}
