// The journal's files as data: the line format (metadata first, base64 body last) and the reading of
// journal files, which needs no open journal. Split from journal.ts, which owns the one writer (group
// commit, rotation, pruning) and forwarded.log; doctor and replay read through these without writing.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One verified delivery as journaled. */
export interface JournalRecord {
  /** receive time, epoch ms */
  at: number;
  /** user_openid: the business account the delivery is for (null when the body names none). */
  account: string | null;
  /** Whether a served (stored) account has that business id. */
  known: boolean;
  /** The event's dedupe key (see eventDedupeKey). */
  key: string;
  /** The signature's time (unix seconds): with the key, it tells a byte-exact replay from a redelivery. */
  signedAt: number;
  /** Already seen when it arrived (a redelivery): kept for the record, never printed or forwarded again. */
  duplicate: boolean;
  /** Forwarding was on when it arrived: the forwarder owes it to the target until forwarded.log says so. */
  forward: boolean;
  /** content-type, tiktok-signature, x-tt-logid, webhook-schema-version, user-agent (as received). */
  headers: Record<string, string>;
  /** The body exactly as received. */
  body: Buffer;
}

/** Where an entry lives, so it can be read again without scanning. */
export interface JournalRef {
  id: string;
  file: string;
  offset: number;
  length: number;
}

export interface JournalEntry extends JournalRecord {
  id: string;
  ref: JournalRef;
}

/** The cheap part of an entry (everything but the body), read without decoding the body. */
export type JournalMeta = Omit<JournalEntry, 'body' | 'headers'>;

const FILE_PATTERN = /^deliveries-(\d{15})-(\d+)\.jsonl$/;

/** One journal file, as listed (oldest first). */
export interface JournalFile {
  path: string;
  name: string;
  base: string;
  size: number;
  mtimeMs: number;
}

/**
 * A line: the metadata first, the base64 body last, so metadata can be read without the body. Written
 * out field by field (the same bytes JSON.stringify gives for the object, in the same order) so no
 * object is built per delivery just to be stringified.
 */
export function serialize(id: string, record: JournalRecord): string {
  return (
    `{"id":${JSON.stringify(id)},"at":${record.at},"acct":${JSON.stringify(record.account ?? null)},"known":${record.known ? 1 : 0},` +
    `"key":${JSON.stringify(record.key)},"t":${record.signedAt},"dup":${record.duplicate ? 1 : 0},"fwd":${record.forward ? 1 : 0},` +
    `"h":${JSON.stringify(record.headers)},"b":"${record.body.toString('base64')}"}\n`
  );
}

interface RawMeta {
  id?: unknown;
  at?: unknown;
  acct?: unknown;
  known?: unknown;
  key?: unknown;
  t?: unknown;
  dup?: unknown;
  fwd?: unknown;
  h?: unknown;
  b?: unknown;
}

function toMeta(raw: RawMeta, ref: JournalRef): JournalMeta | undefined {
  if (typeof raw.id !== 'string' || typeof raw.at !== 'number' || typeof raw.key !== 'string') return undefined;
  return {
    id: raw.id,
    at: raw.at,
    account: typeof raw.acct === 'string' ? raw.acct : null,
    known: raw.known === 1,
    key: raw.key,
    signedAt: typeof raw.t === 'number' ? raw.t : 0,
    duplicate: raw.dup === 1,
    forward: raw.fwd === 1,
    ref,
  };
}

/** Parses a line; a torn last line (a crash mid-write, never answered 200) yields undefined. */
export function parseLine(line: string, ref: JournalRef, withBody: boolean): JournalEntry | JournalMeta | undefined {
  if (!withBody) {
    // The body is the last field and base64 never contains `,"b":"`; inside a JSON string the quotes
    // would be escaped, so this cut is exact.
    const cut = line.lastIndexOf(',"b":"');
    if (cut < 0 || !line.endsWith('"}')) return undefined;
    try {
      return toMeta(JSON.parse(`${line.slice(0, cut)}}`) as RawMeta, ref);
    } catch {
      return undefined;
    }
  }
  let raw: RawMeta;
  try {
    raw = JSON.parse(line) as RawMeta;
  } catch {
    return undefined;
  }
  const meta = toMeta(raw, ref);
  if (!meta || typeof raw.b !== 'string') return undefined;
  const headers: Record<string, string> = {};
  if (raw.h && typeof raw.h === 'object') {
    for (const [name, value] of Object.entries(raw.h as Record<string, unknown>)) if (typeof value === 'string') headers[name] = value;
  }
  return { ...meta, headers, body: Buffer.from(raw.b, 'base64') };
}

/** Journal files in `dir`, oldest first (none when the directory is missing). */
export async function journalFiles(dir: string): Promise<JournalFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files = [];
  for (const name of names.filter((candidate) => FILE_PATTERN.test(candidate)).sort()) {
    const path = join(dir, name);
    try {
      const info = await stat(path);
      files.push({ path, name, base: name.replace(/^deliveries-/, '').replace(/\.jsonl$/, ''), size: info.size, mtimeMs: info.mtimeMs });
    } catch {
      // deleted meanwhile (another tail pruned it)
    }
  }
  return files;
}

/**
 * Reads the entries of `files` oldest first. `since` (epoch ms) skips older entries; `withBody: false`
 * reads only the metadata (fast: the base64 body is not decoded).
 */
export async function* readEntries(files: JournalFile[], options: { since?: number; withBody?: boolean } = {}): AsyncGenerator<JournalEntry | JournalMeta> {
  const since = options.since ?? 0;
  const withBody = options.withBody ?? true;
  for (const file of files) {
    // A file last written before `since` holds nothing newer.
    if (file.mtimeMs < since - 1000) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(file.path);
    } catch {
      continue;
    }
    let offset = 0;
    while (offset < bytes.length) {
      let end = bytes.indexOf(10, offset);
      if (end < 0) end = bytes.length;
      const ref = { id: '', file: file.path, offset, length: end - offset };
      const parsed = end > offset ? parseLine(bytes.toString('utf8', offset, end), ref, withBody) : undefined;
      if (parsed && parsed.at >= since) {
        ref.id = parsed.id;
        yield parsed;
      }
      offset = end + 1;
    }
  }
}
