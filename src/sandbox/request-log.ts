// The embedded sandbox's request log (`GET /sandbox/state`'s `requests`) in a file of its own beside
// state.json: one JSON entry per line, appended by each API call. In state.json it was parsed and
// written again by every call (the last 200 requests: ~33 KB of the ~40 KB file), which cost a `send
// --dry-run` a young-generation scavenge (~2.5 ms, bench/startup.mjs) and made each call's work grow
// with the log. Control calls (the state, a reset, the clock) read and rewrite the whole log; API
// calls only append. Every read and write happens under the state's lock (embedded.ts).
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { replaceFile } from './replace-file.js';
import { REQUESTS_KEPT, type RequestLogEntry } from './types.js';
/** Appends run until the file holds about this many entries' worth of bytes, then it is cut back. */
const COMPACT_AT_BYTES = 3 * REQUESTS_KEPT * 200;

/** The last REQUESTS_KEPT entries, oldest first; a line cut short by a crash is skipped. */
export function readRequestLog(path: string): RequestLogEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  // From the end, so only the entries kept are parsed (the file holds up to ~3 times as many).
  const lines = text.split('\n');
  const entries: RequestLogEntry[] = [];
  for (let index = lines.length - 1; index >= 0 && entries.length < REQUESTS_KEPT; index--) {
    if (!lines[index]) continue;
    try {
      entries.push(JSON.parse(lines[index]!) as RequestLogEntry);
    } catch {
      // the tail of a write cut short: nothing to show for it
    }
  }
  return entries.reverse();
}

/** Replaces the log with `entries` (their last REQUESTS_KEPT), atomically. */
export function writeRequestLog(path: string, entries: readonly RequestLogEntry[]): void {
  replaceFile(
    path,
    entries
      .slice(-REQUESTS_KEPT)
      .map((entry) => `${JSON.stringify(entry)}\n`)
      .join(''),
  );
}

/**
 * Adds `entries` at the end, each after a line break (so a line a crash cut short ends there and the new
 * entries stay whole); past COMPACT_AT_BYTES the file is rewritten with its last REQUESTS_KEPT.
 */
export function appendRequestLog(path: string, entries: readonly RequestLogEntry[]): void {
  if (entries.length === 0) return;
  const fd = openSync(path, 'a', 0o600);
  let size: number;
  try {
    writeSync(fd, entries.map((entry) => `\n${JSON.stringify(entry)}`).join(''));
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  if (size > COMPACT_AT_BYTES) writeRequestLog(path, readRequestLog(path));
}
