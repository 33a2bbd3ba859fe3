// Reading piped or typed input with a bound: a command never holds more than it can use (`cat /dev/zero`
// stops at the bound, not at the machine's memory), and Ctrl-C stops a wait on a terminal at once.
import { CliError } from '../errors.js';

export interface BoundedRead {
  /** At most maxBytes + 1 bytes: one more than allowed tells "too long" from "exactly at the bound". */
  bytes: Uint8Array;
  /** More than maxBytes arrived; reading stopped there. */
  overflow: boolean;
}

export async function readBounded(stream: AsyncIterable<unknown>, options: { maxBytes: number; signal?: AbortSignal }): Promise<BoundedRead> {
  const { maxBytes, signal } = options;
  const iterator = stream[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let stopEarly = false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new CliError('cancelled', 'Cancelled.'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : (next.value as Uint8Array);
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        stopEarly = true;
        return { bytes: Buffer.concat(chunks).subarray(0, maxBytes + 1), overflow: true };
      }
    }
    return { bytes: Buffer.concat(chunks), overflow: false };
  } catch (error) {
    stopEarly = true;
    throw error;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Stops the source (a pipe's writer gets EPIPE) instead of draining it.
    if (stopEarly) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
