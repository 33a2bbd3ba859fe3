// Arguments that are not UTF-8. Node decodes argv lossily: `--text $'ok \xff\xfe'` arrives as "ok ��"
// and would be sent as such, while the same bytes on stdin are refused. One check for every command,
// before parsing: on Linux the raw bytes are in /proc/self/cmdline (exact: a U+FFFD typed as UTF-8 is
// text like any other); elsewhere, or when they cannot be matched to argv, a U+FFFD in an argument is
// the signal (the only way to be sure it came from bad bytes is not available there).
import { readFileSync } from 'node:fs';
import { usageError, type CliError } from '../errors.js';

/** Index of the first byte that does not start a well-formed UTF-8 sequence, or undefined. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number | undefined {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    // Length and the allowed range of the second byte (no overlongs, no surrogates, at most U+10FFFF).
    const [length, low, high] =
      lead >= 0xc2 && lead <= 0xdf
        ? [2, 0x80, 0xbf]
        : lead === 0xe0
          ? [3, 0xa0, 0xbf]
          : lead === 0xed
            ? [3, 0x80, 0x9f]
            : lead >= 0xe1 && lead <= 0xef
              ? [3, 0x80, 0xbf]
              : lead === 0xf0
                ? [4, 0x90, 0xbf]
                : lead === 0xf4
                  ? [4, 0x80, 0x8f]
                  : lead >= 0xf1 && lead <= 0xf3
                    ? [4, 0x80, 0xbf]
                    : [0, 0, 0];
    if (!length || index + length > bytes.length) return index;
    const second = bytes[index + 1]!;
    if (second < low || second > high) return index;
    for (let next = index + 2; next < index + length; next++) if ((bytes[next]! & 0xc0) !== 0x80) return index;
    index += length;
  }
  return undefined;
}

/** This process's arguments as the kernel holds them (Linux), matched to `args`; undefined elsewhere. */
export function rawArguments(args: readonly string[]): Buffer[] | undefined {
  let cmdline: Buffer;
  try {
    cmdline = readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
  const parts: Buffer[] = [];
  let start = 0;
  for (let index = 0; index < cmdline.length; index++) {
    if (cmdline[index] === 0) {
      parts.push(cmdline.subarray(start, index));
      start = index + 1;
    }
  }
  if (parts.length < args.length) return undefined;
  const raw = parts.slice(parts.length - args.length);
  // The user's arguments are the last ones; a changed process title or a wrapper would not line up.
  return raw.every((bytes, index) => bytes.toString('utf8') === args[index]) ? raw : undefined;
}

/** What the argument is, for the message: the option it belongs to, else its position. */
function nameOf(args: readonly string[], index: number): string {
  const arg = args[index]!;
  const joined = /^(--?[A-Za-z][\w-]*)=/.exec(arg);
  if (joined) return `the value of ${joined[1]}`;
  const previous = args[index - 1];
  if (previous && /^--?[A-Za-z][\w-]*$/.test(previous)) return `the value of ${previous}`;
  return `argument ${index + 1}`;
}

/** A usage error for the first argument that is not UTF-8, or undefined when all are text. */
export function argumentEncodingError(args: readonly string[], given?: readonly Buffer[]): CliError | undefined {
  // Node decodes every byte sequence that is not UTF-8 to U+FFFD: without one, every argument was text,
  // and the common case reads no /proc file.
  if (!args.some((arg) => arg.includes('\uFFFD'))) return undefined;
  const raw = given ?? rawArguments(args);
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    let detail = '';
    if (raw) {
      const at = firstInvalidUtf8Byte(raw[index]!);
      if (at === undefined) continue;
      // Counted within the value: `--message=` is not part of it.
      const prefix = /^--?[A-Za-z][\w-]*=/.exec(arg)?.[0].length ?? 0;
      detail = ` (byte ${at + 1 - prefix} of ${raw[index]!.length - prefix})`;
    } else if (!arg.includes('\uFFFD')) {
      continue;
    }
    return usageError(
      `${nameOf(args, index).replace(/^t/, 'T').replace(/^a/, 'A')} is not valid UTF-8${detail}: it would be read as U+FFFD (\uFFFD).`,
      'Pass text in UTF-8: check that the terminal and `locale` use UTF-8, or convert it first (e.g. `iconv -t UTF-8`).',
    );
  }
  return undefined;
}
