// JSON.parse that keeps big integers exact. TikTok sends some ids (comment_id, video_id) as bare
// 19-digit JSON numbers (../shared/tiktok-api.md §5), more than a double holds: 7247303576418566913
// would become 7247303576418567000. Node 20's revivers get no `context.source`, so the raw text is
// rewritten instead: every integer literal of 16 or more digits outside strings is quoted, then parsed.
// One loop over the characters, no recursion: any nesting depth JSON.parse accepts is fine here too.

/** An integer literal this long may not survive a double; it is kept as a string of its digits. */
const BIG_DIGITS = 16;
const HAS_BIG_RUN = new RegExp(`\\d{${BIG_DIGITS}}`);
const BIG_INTEGER = new RegExp(`^-?[1-9]\\d{${BIG_DIGITS - 1},}$`);

function isNumberChar(code: number): boolean {
  // digits . + - e E
  return (code >= 48 && code <= 57) || code === 46 || code === 43 || code === 45 || code === 101 || code === 69;
}

/** The text with every integer literal of 16+ digits outside strings put in quotes; the rest untouched. */
export function quoteBigIntegers(text: string): string {
  if (!HAS_BIG_RUN.test(text)) return text;
  let out = '';
  let copied = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 34) {
      // A string: skip to its closing quote, stepping over escapes.
      index++;
      while (index < length) {
        const inner = text.charCodeAt(index);
        if (inner === 92) index += 2;
        else if (inner === 34) break;
        else index++;
      }
      index++;
    } else if (code === 45 || (code >= 48 && code <= 57)) {
      const start = index;
      while (index < length && isNumberChar(text.charCodeAt(index))) index++;
      if (index - start >= BIG_DIGITS && BIG_INTEGER.test(text.slice(start, index))) {
        out += `${text.slice(copied, start)}"${text.slice(start, index)}"`;
        copied = index;
      }
    } else {
      index++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * JSON.parse, except that integers of 16 or more digits come out as exact strings. Throws what
 * JSON.parse throws; whether the text is JSON is judged on the text as given (quoting a number in a
 * place where JSON allows none, such as a key, must not make broken JSON valid).
 */
export function parseJsonExact(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  const quoted = quoteBigIntegers(text);
  return quoted === text ? parsed : JSON.parse(quoted);
}
