// stdout and stderr written straight to their file descriptors when they are a pipe or a file. Node
// builds process.stdout on first use, and for a pipe that loads node:net and the stream modules: about
// 5 ms of a command's ~70 (bench/startup.mjs), and asking whether a stream is a terminal loads them too.
// A terminal (or anything else) gets Node's own stream, with its isTTY and columns. Only commands that
// finish on their own write this way (CommandDefinition.streams says which do not): a blocking write to
// a pipe whose reader stalls would also hold off Ctrl-C, which Node's buffered stream never does.
import { fstatSync, statSync, writeSync } from 'node:fs';
import type { Stream } from './io.js';

type ErrorListener = (error: NodeJS.ErrnoException) => void;

function devNull(): number {
  try {
    return statSync('/dev/null').rdev;
  } catch {
    return -1;
  }
}

export function directOutput(fd: 1 | 2, nodeStream: () => NodeJS.WriteStream): Stream & { readonly writableLength?: number } {
  let direct = false;
  try {
    const stats = fstatSync(fd);
    // /dev/null is a character device like a terminal; telling them apart otherwise needs node:tty.
    direct = stats.isFIFO() || stats.isSocket() || stats.isFile() || (stats.isCharacterDevice() && stats.rdev === devNull());
  } catch {
    // closed or unknown: Node's stream decides
  }
  if (!direct) return nodeStream();

  const listeners: ErrorListener[] = [];
  // Once a write would block (a non-blocking pipe, set by whoever shares it), Node's stream takes over for good.
  let fallback: NodeJS.WriteStream | undefined;
  let closed = false;
  return {
    isTTY: false,
    /** What Node's stream still holds, once it took over (the CLI waits for it before exiting). */
    get writableLength() {
      return fallback?.writableLength ?? 0;
    },
    write(chunk: string, callback?: () => void) {
      if (fallback) return fallback.write(chunk, callback);
      if (closed) return false;
      const bytes = Buffer.from(chunk, 'utf8');
      let offset = 0;
      try {
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
        return true;
      } catch (error) {
        const failure = error as NodeJS.ErrnoException;
        if (failure.code === 'EAGAIN') {
          fallback = nodeStream();
          for (const listener of listeners) fallback.on('error', listener);
          return fallback.write(bytes.subarray(offset));
        }
        // The reader went away (`| head -1`): later output is dropped, as Node's stream would after its error.
        if (failure.code === 'EPIPE') {
          closed = true;
          for (const listener of listeners) listener(failure);
          return false;
        }
        throw error;
      }
    },
    on(event: 'error', listener: ErrorListener) {
      if (event !== 'error') return;
      listeners.push(listener);
      fallback?.on('error', listener);
    },
  };
}
