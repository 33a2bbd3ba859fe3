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

/** A plain left-aligned table; columns sized to their widest cell. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column] - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/**
 * Columns a string takes on a terminal: East Asian wide characters and emoji take two, combining
 * marks, variation selectors and zero-width joiners none. An estimate (no font knowledge), good enough
 * to cut a one-line preview without wrapping.
 */
export function displayWidth(text: string): number {
  let width = 0;
  // eslint-disable-next-line no-control-regex
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
