// Local checks of what `send` would send, before any network call (../shared/tiktok-api.md §4, §7):
// text length in code points, image type by its bytes (never its name) and size. Pure functions plus
// one thin file loader, so every edge (6000 vs 6001, 3 MB vs 3 MB + 1) is unit-tested without disk.
// fs.promises read at the call: importing node:fs/promises costs every command that loads this ~2 ms.
import { promises as fs } from 'node:fs';
import { basename, extname } from 'node:path';
import { CliError, validationError } from '../errors.js';
import { IMAGE_MAX_BYTES, TEXT_MAX_CHARACTERS, TEXT_MIN_CHARACTERS } from '../tiktok/limits.js';

/** TikTok counts characters as Unicode code points: an emoji such as 💚 (two UTF-16 units) is one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Control characters a message may carry: newline and tab; anything else (NUL, ESC, BEL, CR…) is refused. */
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

/** "U+001B (ESC)": how a refused character is named. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0)!;
  const names: Record<number, string> = { 0: 'NUL', 7: 'BEL', 8: 'BS', 0x0d: 'CR, a carriage return', 0x1b: 'ESC', 0x7f: 'DEL' };
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}${names[code] ? ` (${names[code]})` : ''}`;
}

/** The text as it will be sent, or a validation error (exit 2) that names the limit. */
export function checkText(text: string): CliError | undefined {
  const control = FORBIDDEN_CONTROL.exec(text);
  if (control) {
    const position = codePointLength(text.slice(0, control.index)) + 1;
    return validationError(
      `The message text holds the control character ${describeCharacter(control[0])} at character ${position}; only newlines and tabs are allowed.`,
      control[0] === '\r'
        ? "Convert Windows line endings first, e.g. `tr -d '\\r' < file | tiktok-channel send … --text -`."
        : 'Remove the control characters (e.g. terminal colour codes) from the text.',
    );
  }
  const length = codePointLength(text);
  if (length < TEXT_MIN_CHARACTERS) {
    return validationError('The message text is empty; TikTok needs 1 to 6000 characters.', 'Pass some text with --text, or pipe it in with --text -.');
  }
  if (length > TEXT_MAX_CHARACTERS) {
    return validationError(
      `The message text is ${length} characters; TikTok allows at most ${TEXT_MAX_CHARACTERS} (counted as Unicode code points).`,
      `Shorten it by ${length - TEXT_MAX_CHARACTERS} character${length - TEXT_MAX_CHARACTERS === 1 ? '' : 's'}, or split it into several messages.`,
    );
  }
  return undefined;
}

/** The most stdin can usefully hold: 6000 characters of up to 4 UTF-8 bytes each, plus a trailing CRLF. */
export const STDIN_TEXT_MAX_BYTES = TEXT_MAX_CHARACTERS * 4 + 2;

/** Bytes read from stdin as text: valid UTF-8 only (random bytes are refused, never sent as U+FFFD). */
export function decodeStdinText(bytes: Uint8Array, overflow: boolean): string {
  if (overflow) {
    throw validationError(
      `The text on stdin is longer than TikTok's ${TEXT_MAX_CHARACTERS} characters (reading stopped after ${STDIN_TEXT_MAX_BYTES.toLocaleString('en-US')} bytes).`,
      'Shorten it or split it into several messages.',
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw validationError(
      `The text on stdin is not valid UTF-8${at === undefined ? '' : ` (byte ${at + 1} of ${bytes.length})`}; only text can be sent.`,
      'Pipe in UTF-8 text (e.g. convert with `iconv -t UTF-8`); images go with --image FILE.',
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Bisect on prefixes: the longest valid prefix ends where the first bad sequence starts.
  let low = 0;
  let high = bytes.length;
  const validPrefix = (end: number) => {
    try {
      decoder.decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (validPrefix(high)) return undefined;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (validPrefix(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** `--text -`: stdin as given, minus one trailing newline (what `echo` and heredocs add). */
export function stripOneTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

export type ImageMime = 'image/png' | 'image/jpeg';

/** What the first bytes say the file is; only PNG and JPEG are accepted, the rest only named for the message. */
export function sniffImage(bytes: Uint8Array): { mime: ImageMime; extension: '.png' | '.jpg' } | { mime: undefined; looksLike: string } {
  const startsWith = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { mime: 'image/png', extension: '.png' };
  if (startsWith(0xff, 0xd8, 0xff)) return { mime: 'image/jpeg', extension: '.jpg' };
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  let looksLike = 'not a JPG or PNG image';
  if (ascii(0, 4) === 'GIF8') looksLike = 'a GIF image';
  else if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') looksLike = 'a WebP image';
  else if (ascii(4, 8) === 'ftyp') looksLike = 'an HEIC/MP4-family file';
  else if (ascii(0, 5) === '%PDF-') looksLike = 'a PDF document';
  else if (startsWith(0x42, 0x4d)) looksLike = 'a BMP image';
  else if (/^\s*<(\?xml|svg)/i.test(ascii(0, Math.min(bytes.length, 64)))) looksLike = 'an SVG/XML text file';
  else if (bytes.length === 0) looksLike = 'an empty file';
  else if (isMostlyText(bytes.subarray(0, 512))) looksLike = 'a text file';
  return { mime: undefined, looksLike };
}

function isMostlyText(bytes: Uint8Array): boolean {
  let printable = 0;
  for (const byte of bytes) if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127) || byte >= 128) printable++;
  return bytes.length > 0 && printable / bytes.length > 0.95;
}

/** Binary units, named as such (MiB, KiB): the 3 MB limit is 3 × 1024 × 1024 bytes, so sizes are counted the same way. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2).replace(/\.?0+$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

/** The size rule alone: TikTok's "3 MB", taken as 3 MiB = 3 × 1024 × 1024 bytes. */
export function checkImageSize(size: number, name: string): CliError | undefined {
  if (size > IMAGE_MAX_BYTES) {
    return validationError(
      `${name} is ${formatBytes(size)} (${size.toLocaleString('en-US')} bytes); TikTok accepts images up to 3 MiB (${IMAGE_MAX_BYTES.toLocaleString('en-US')} bytes).`,
      'Resize or recompress the image (e.g. a JPG at lower quality) and try again.',
    );
  }
  return undefined;
}

export interface CheckedImage {
  /** The name sent in the upload: the original base name, with the extension its content calls for. */
  filename: string;
  contentType: ImageMime;
  bytes: Uint8Array;
  size: number;
  /** Set when the file's extension disagrees with its content (e.g. a PNG named .jpg). */
  renamedFrom?: string;
}

/** Size and type of an already-read image (pure). */
export function checkImageBytes(bytes: Uint8Array, path: string): CheckedImage | CliError {
  const name = basename(path);
  const tooBig = checkImageSize(bytes.length, name);
  if (tooBig) return tooBig;
  const sniffed = sniffImage(bytes);
  if (!sniffed.mime) {
    return validationError(
      `${name} is ${sniffed.looksLike}; TikTok accepts JPG or PNG images only (checked by the file's content, not its name).`,
      'Convert it to JPG or PNG and try again.',
    );
  }
  const extension = extname(name).toLowerCase();
  const matches = sniffed.mime === 'image/png' ? extension === '.png' : extension === '.jpg' || extension === '.jpeg';
  const filename = matches ? name : `${extension ? name.slice(0, -extension.length) : name}${sniffed.extension}`;
  return { filename, contentType: sniffed.mime, bytes, size: bytes.length, renamedFrom: matches ? undefined : name };
}

/**
 * Reads and checks an image file. The size is checked from `stat` first so a huge file is never read
 * into memory; then only the bytes are trusted.
 */
export async function loadImage(path: string): Promise<CheckedImage> {
  const name = basename(path);
  let size: number;
  try {
    const info = await fs.stat(path);
    if (!info.isFile()) throw validationError(`${path} is not a file.`, 'Pass the path of a JPG or PNG image with --image.');
    size = info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw validationError(
      code === 'ENOENT' ? `${path} does not exist.` : `Cannot read ${path} (${code ?? String(error)}).`,
      'Pass the path of a JPG or PNG image with --image.',
    );
  }
  const tooBig = checkImageSize(size, name);
  if (tooBig) throw tooBig;
  const handle = await fs.open(path, 'r');
  let bytes: Uint8Array;
  try {
    const buffer = await handle.readFile();
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } finally {
    await handle.close();
  }
  const checked = checkImageBytes(bytes, path);
  if (checked instanceof CliError) throw checked;
  return checked;
}
