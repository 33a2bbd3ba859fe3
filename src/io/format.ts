// Human renderings shared by commands: durations, times, tables.

/** "23h 59m", "4m 10s", "2d 3h"; negative values read as "expired". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const total = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isoOrNull(ms: number | undefined): string | null {
  return ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * A plain left-aligned table; columns sized to their widest cell. Given a `width` (the terminal's), wide
 * columns shrink and their cells wrap at spaces, never inside a word, so the terminal never breaks a line
 * mid-word. A single word wider than its column stays whole (the line then runs long).
 */
export function renderTable(headers: string[], rows: string[][], options: { width?: number; lastColumnMin?: number; truncate?: TruncateOptions } = {}): string {
  if (options.truncate) return renderTruncatedTable(headers, rows, options.width, options.truncate);
  let gap = 2;
  const table = [headers, ...rows];
  const columns = headers.length;
  const widths = headers.map((_, column) => Math.max(...table.map((row) => visibleLength(row[column] ?? ''))));
  // `lastColumnMin`: the caller cuts the last column itself (a one-line preview); it is left whole here
  // and the other columns fit in what remains after that many columns (or it is left out, when even
  // their narrowest leaves less).
  const fitted = options.lastColumnMin === undefined ? columns : columns - 1;
  // The cut column asks for a third of the width (or its whole text if shorter), at least lastColumnMin.
  let reserved =
    options.lastColumnMin === undefined || !options.width ? 0 : Math.min(widths[columns - 1]!, Math.max(options.lastColumnMin, Math.floor(options.width / 3)));
  const total = () => widths.slice(0, fitted).reduce((sum, width) => sum + width, 0) + gap * (columns - 1) + reserved;
  if (options.width && total() > options.width) {
    const minimums = headers.map((_, column) => Math.max(1, ...table.map((row) => longestWord(row[column] ?? ''))));
    // Narrow terminals get one space between columns rather than words cut by the terminal.
    const narrowest = (spacing: number) => minimums.slice(0, fitted).reduce((sum, width) => sum + width, 0) + spacing * (columns - 1) + reserved;
    if (narrowest(gap) > options.width) gap = 1;
    // The cut column gets what the others leave at their narrowest, down to lastColumnMin.
    if (reserved && narrowest(gap) > options.width) reserved = Math.max(options.lastColumnMin!, options.width - (narrowest(gap) - reserved));
    // No room for the caller's cut column even with every other column at its narrowest: leave it out.
    if (reserved && narrowest(gap) > options.width) {
      return renderTable(
        headers.slice(0, -1),
        rows.map((row) => row.slice(0, -1)),
        { width: options.width },
      );
    }
    while (total() > options.width) {
      let widest = -1;
      for (let column = 0; column < fitted; column++) {
        if (widths[column]! > minimums[column]! && (widest < 0 || widths[column]! >= widths[widest]!)) widest = column;
      }
      if (widest < 0) break;
      widths[widest]!--;
    }
  }
  const lines: string[] = [];
  for (const row of table) {
    const wrapped = headers.map((_, column) => wrapCell(row[column] ?? '', widths[column]!));
    const height = Math.max(...wrapped.map((cell) => cell.length));
    for (let index = 0; index < height; index++) {
      lines.push(
        wrapped
          .map((cell, column) => {
            const text = cell[index] ?? '';
            return column === columns - 1 ? text : text + ' '.repeat(Math.max(0, widths[column]! - visibleLength(text)));
          })
          .join(' '.repeat(gap))
          .trimEnd(),
      );
    }
  }
  return lines.join('\n');
}

const SGR = /\x1b\[[0-9;]*m/g;

export interface TruncateOptions {
  /** Columns cut in the middle ("mY3+hQ…pezQ=="): ids, whose both ends tell them apart. */
  middle?: readonly number[];
  /** Columns kept at least this wide (or their whole text, if narrower) while others can shrink. */
  minimums?: Readonly<Record<number, number>>;
}

/**
 * gh's table: every cell on one line; when the rows are wider than `width`, the widest column loses a
 * column at a time (never below its minimum while another can still shrink) and its cells are cut with
 * "…", so no cell wraps, no word breaks across lines and no line runs past the terminal's edge.
 */
function renderTruncatedTable(headers: string[], rows: string[][], width: number | undefined, options: TruncateOptions): string {
  const table = [headers, ...rows];
  const columns = headers.length;
  const cells = rows.length ? rows : [headers];
  // A header wider than every cell of its column ("LAST USER MESSAGE" over "3s ago") is cut first.
  const content = headers.map((_, column) => Math.max(1, ...cells.map((row) => displayWidth(row[column] ?? ''))));
  const widths = headers.map((header, column) => Math.max(content[column]!, displayWidth(header)));
  let gap = 2;
  if (width) {
    const total = () => widths.reduce((sum, each) => sum + each, 0) + gap * (columns - 1);
    const shrink = (floor: (column: number) => number) => {
      while (total() > width) {
        let widest = -1;
        for (let column = 0; column < columns; column++) {
          if (widths[column]! > floor(column) && (widest < 0 || widths[column]! > widths[widest]!)) widest = column;
        }
        if (widest < 0) return;
        widths[widest]!--;
      }
    };
    const minimum = (column: number) => Math.min(content[column]!, options.minimums?.[column] ?? 6);
    // Cells are cut before headers, and the gap narrows to one space before a header is cut.
    const keepHeader = (column: number) => Math.max(displayWidth(headers[column]!), minimum(column));
    shrink(keepHeader);
    if (total() > width) gap = 1;
    shrink(keepHeader);
    shrink(minimum);
    shrink(() => 1);
  }
  return table
    .map((row, index) =>
      headers
        .map((_, column) => {
          const cell = cutCell(row[column] ?? '', widths[column]!, index > 0 && (options.middle?.includes(column) ?? false));
          return column === columns - 1 ? cell : cell + ' '.repeat(Math.max(0, widths[column]! - displayWidth(cell)));
        })
        .join(' '.repeat(gap))
        .trimEnd(),
    )
    .join('\n');
}

/** A cell cut to `width` columns with "…" (at the end, or in the middle); a cell wholly in one colour keeps it. */
function cutCell(text: string, width: number, middle: boolean): string {
  if (displayWidth(text) <= width) return text;
  const uniform = /^((?:\x1b\[[0-9;]*m)+)([^\x1b]*)((?:\x1b\[[0-9;]*m)+)$/.exec(text);
  if (uniform) return `${uniform[1]}${cutCell(uniform[2]!, width, middle)}${uniform[3]}`;
  const plain = text.replace(SGR, '');
  return middle ? truncateMiddle(plain, width) : truncateToWidth(plain, width);
}

/** "mY3+hQ…pezQ==": the start and the end of `text` around "…", at most `width` columns. */
export function truncateMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return width === 1 ? '…' : '';
  const characters = [...text];
  const tail = Math.floor((width - 1) / 2);
  const head = width - 1 - tail;
  return `${characters.slice(0, head).join('')}…${characters.slice(characters.length - tail).join('')}`;
}

/**
 * Plain text wrapped at spaces to `width` columns, lines after the first indented by `hang` spaces (a
 * message body under its column). A word longer than a line is cut across lines, so nothing runs past the edge.
 */
export function wrapHanging(text: string, width: number, hang: number): string[] {
  const room = Math.max(1, width - hang);
  // The first line keeps its own indent (a continuation line of a table, an entry of a help topic).
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = '';
  let first = true;
  const push = () => {
    lines.push(first ? lead + line : ' '.repeat(hang) + line);
    first = false;
    line = '';
  };
  const limit = () => (first ? Math.max(1, width - lead.length) : room);
  for (const word of text.slice(lead.length).split(' ')) {
    let rest = word;
    if (line && displayWidth(line) + 1 + displayWidth(rest) > limit()) push();
    while (displayWidth(line ? `${line} ${rest}` : rest) > limit()) {
      const taken = takeColumns(rest, limit() - (line ? displayWidth(line) + 1 : 0));
      if (!taken) {
        if (line) {
          push();
          continue;
        }
        // Not even one character fits (a wide one in a 1-column room): it goes on a line of its own.
        line = [...rest][0]!;
        rest = rest.slice(line.length);
        push();
        continue;
      }
      line = line ? `${line} ${taken}` : taken;
      rest = rest.slice(taken.length);
      push();
    }
    line = line ? `${line} ${rest}` : rest;
  }
  if (line || first) push();
  return lines;
}

function takeColumns(text: string, width: number): string {
  let used = 0;
  let out = '';
  for (const character of text) {
    const w = characterWidth(character.codePointAt(0)!);
    if (used + w > width) break;
    out += character;
    used += w;
  }
  return out;
}

function longestWord(text: string): number {
  return Math.max(
    0,
    ...text
      .replace(SGR, '')
      .split(' ')
      .map((word) => displayWidth(word)),
  );
}

/** A cell's lines at `width`, broken at spaces; a cell wholly in one colour keeps it on every line. */
function wrapCell(text: string, width: number): string[] {
  if (visibleLength(text) <= width) return [text];
  const uniform = /^((?:\x1b\[[0-9;]*m)+)([^\x1b]*)((?:\x1b\[[0-9;]*m)+)$/.exec(text);
  if (uniform) return wrapWords(uniform[2]!, width).map((line) => `${uniform[1]}${line}${uniform[3]}`);
  return wrapWords(text.replace(SGR, ''), width);
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (!line) line = word;
    else if (displayWidth(line) + 1 + displayWidth(word) <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}

function visibleLength(text: string): number {
  return displayWidth(text);
}

/**
 * Text that came from TikTok, a user, a file or an argument, made safe to show on a terminal: C0 and C1
 * controls (ESC, BEL, NUL, CSI…) are dropped so they cannot recolour or rewrite the screen, and so are the
 * bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the line/paragraph separators,
 * which can make a shown name or id read differently from what it is. Tabs and newlines stay.
 * The one definition of "control character" for everything printed.
 */
export function displaySafe(text: string): string {
  return text.replace(UNSAFE, '');
}

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** What displaySafe() drops, shown instead as visible `\uXXXX` escapes (a body quoted as evidence). */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Columns a string takes on a terminal: East Asian wide characters and emoji take two, combining
 * marks, variation selectors and zero-width joiners none. An estimate (no font knowledge), good enough
 * to cut a one-line preview without wrapping.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text.replace(/\x1b\[[0-9;]*m/g, '')) width += characterWidth(character.codePointAt(0)!);
  return width;
}

function characterWidth(code: number): number {
  if (code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f) || (code >= 0x0300 && code <= 0x036f) || (code >= 0x1f3fb && code <= 0x1f3ff)) return 0;
  if (code < 0x1100) return 1;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/** One line (newlines and tabs become spaces), cut with "…" to at most `width` columns. */
export function truncateToWidth(text: string, width: number): string {
  const line = text.replace(/\s*[\r\n\t]+\s*/g, ' ');
  if (displayWidth(line) <= width) return line;
  if (width <= 1) return width === 1 ? '…' : '';
  let used = 0;
  let out = '';
  for (const character of line) {
    const w = characterWidth(character.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += character;
    used += w;
  }
  return `${out}…`;
}
