// The journal: once `tail` answers a delivery with 200, TikTok forgets it, so tail's copy must already be
// on disk. Each verified delivery (raw body bytes, the headers that matter, receive time) is appended to
// a JSON Lines file in `${configDir}/journal/` and fsync'd before the 200. Appends made during one turn
// of the event loop are committed together (group commit): one write + one fdatasync covers the whole
// batch, so throughput holds under load while every 200 still means "on disk".
//
// Files are 0600 in a 0700 directory, one writer per file (named by start time and pid), rotated by
// size and age and deleted past the retention, oldest first, so the journal stays bounded. `--since`
// replays from here; the forwarder resumes from here; `forwarded.log` records what reached the target.
// The line format and the reading of journal files are in journal-files.ts.
import { chmod, mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { closeSync, fchmodSync, fdatasync, fstatSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  journalFiles,
  parseLine,
  readEntries,
  serialize,
  type JournalEntry,
  type JournalFile,
  type JournalMeta,
  type JournalRecord,
  type JournalRef,
} from './journal-files.js';

export interface JournalOptions {
  /** `${configDir}/journal` */
  dir: string;
  /** Start a new file past this size (default 16 MiB). */
  maxFileBytes?: number;
  /** Start a new file once the current one is this old (default 1 hour). */
  maxFileAgeMs?: number;
  /** Delete files whose last write is older than this (default 7 days: TikTok retries for 72 hours). */
  retentionMs?: number;
  /** Delete the oldest files while the journal is larger than this (default 512 MiB). */
  maxTotalBytes?: number;
  now?: () => number;
}

export const JOURNAL_DEFAULTS = {
  maxFileBytes: 16 * 1024 * 1024,
  maxFileAgeMs: 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  maxTotalBytes: 512 * 1024 * 1024,
};

const FORWARDED_LOG = 'forwarded.log';
/**
 * fdatasync calls in flight at once. A batch that finds every slot taken waits for a whole sync before
 * its own starts, and on a disk shared with other writers a sync often waits for the file system's
 * journal commit: a third slot lets it start at once (the file system commits concurrent syncs
 * together). libuv's pool has 4 threads: one stays free for the rest (the forwarder's reads, DNS).
 */
const MAX_SYNCS = 3;
const FORWARDED_LOG_PRUNE_BYTES = 4 * 1024 * 1024;

interface Pending {
  record: JournalRecord;
  resolve: (ref: JournalRef) => void;
  reject: (error: unknown) => void;
}

export class JournalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalError';
  }
}

export class Journal {
  readonly dir: string;
  private readonly options: Required<Omit<JournalOptions, 'dir' | 'now'>>;
  private readonly now: () => number;
  private fd?: number;
  private file = '';
  private fileBase = '';
  private fileStartedAt = 0;
  private lastStamp = 0;
  private size = 0;
  private seq = 0;
  private queue: Pending[] = [];
  private scheduled = false;
  /** fdatasync calls in flight, per file descriptor, and files rotated away while theirs were. */
  private syncing = 0;
  private readonly inFlight = new Map<number, number>();
  private readonly retired = new Set<number>();
  private drained: Array<() => void> = [];
  private closed = false;
  private forwardedHandle?: FileHandle;
  private forwardedBuffer: string[] = [];
  private forwardedFlush?: Promise<void>;
  private readHandles = new Map<string, Promise<FileHandle>>();
  /** Entries appended by this process. */
  appended = 0;

  private constructor(options: JournalOptions) {
    this.dir = options.dir;
    this.now = options.now ?? Date.now;
    this.options = {
      maxFileBytes: options.maxFileBytes ?? JOURNAL_DEFAULTS.maxFileBytes,
      maxFileAgeMs: options.maxFileAgeMs ?? JOURNAL_DEFAULTS.maxFileAgeMs,
      retentionMs: options.retentionMs ?? JOURNAL_DEFAULTS.retentionMs,
      maxTotalBytes: options.maxTotalBytes ?? JOURNAL_DEFAULTS.maxTotalBytes,
    };
  }

  /** Reads an existing journal (doctor): nothing is created, pruned or written. */
  static reader(dir: string): Pick<Journal, 'entries'> {
    return new Journal({ dir });
  }

  /** Opens (creating) the journal directory; files are created on the first append. */
  static async open(options: JournalOptions): Promise<Journal> {
    const journal = new Journal(options);
    try {
      await mkdir(journal.dir, { recursive: true, mode: 0o700 });
      // mkdir's mode is masked by umask and ignored for an existing dir: say it plainly.
      await chmod(journal.dir, 0o700);
    } catch (error) {
      throw new JournalError(`Cannot create the journal directory ${journal.dir}: ${(error as Error).message}`, { cause: error });
    }
    await journal.prune();
    await journal.pruneForwardedLog();
    return journal;
  }

  /**
   * Appends one delivery; resolves once it is on disk (written and fdatasync'd). Appends made while a
   * batch is being written are written together in the next batch.
   */
  append(record: JournalRecord): Promise<JournalRef> {
    if (this.closed) return Promise.reject(new JournalError('The journal is closed.'));
    return new Promise<JournalRef>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything appended so far is on disk. */
  async flush(): Promise<void> {
    while (this.queue.length || this.syncing) {
      this.commit();
      if (this.syncing) await new Promise<void>((resolve) => this.drained.push(resolve));
    }
    await this.flushForwarded();
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.fd !== undefined) closeQuietly(this.fd);
    this.fd = undefined;
    await this.forwardedHandle?.close().catch(() => undefined);
    this.forwardedHandle = undefined;
    for (const handle of this.readHandles.values()) await (await handle.catch(() => undefined))?.close().catch(() => undefined);
    this.readHandles.clear();
  }

  /**
   * Commits what was appended during one turn of the event loop: one write into the page cache (done
   * at once: microseconds, and no thread-pool hand-off) and one fdatasync for the whole batch, after
   * which every promise of the batch resolves. The sync runs in the thread pool so the next batch can
   * be parsed and verified meanwhile; at most MAX_SYNCS are in flight, and each covers every earlier
   * write of the file.
   */
  private commit(): void {
    this.scheduled = false;
    if (this.syncing >= MAX_SYNCS || !this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    const refs: JournalRef[] = [];
    let fd: number;
    try {
      fd = this.ensureFile();
      // The batch becomes one buffer and one write: no buffer per line, and no joined copy of the lines.
      const lines: string[] = [];
      let offset = this.size;
      for (const pending of batch) {
        const id = `${this.fileBase}:${this.seq++}`;
        const line = serialize(id, pending.record);
        const length = Buffer.byteLength(line);
        lines.push(line);
        refs.push({ id, file: this.file, offset, length: length - 1 });
        offset += length;
      }
      const bytes = Buffer.allocUnsafe(offset - this.size);
      let at = 0;
      for (const line of lines) at += bytes.write(line, at);
      writeAll(fd, bytes);
      this.size = offset;
    } catch (error) {
      this.fail(batch, error);
      return;
    }
    this.syncing++;
    this.inFlight.set(fd, (this.inFlight.get(fd) ?? 0) + 1);
    fdatasync(fd, (error) => {
      this.syncing--;
      const left = (this.inFlight.get(fd) ?? 1) - 1;
      if (left > 0) this.inFlight.set(fd, left);
      else {
        this.inFlight.delete(fd);
        // A file rotated away is closed once its last sync is back.
        if (this.retired.delete(fd)) closeQuietly(fd);
      }
      if (error) this.fail(batch, error, fd);
      else {
        this.appended += batch.length;
        batch.forEach((pending, index) => pending.resolve(refs[index]!));
      }
      if (this.queue.length) this.schedule();
      else if (this.syncing === 0) for (const resolve of this.drained.splice(0)) resolve();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.commit());
  }

  private fail(batch: Pending[], error: unknown, fd = this.fd): void {
    // The file may hold a torn tail now (never answered 200): the next batch starts a fresh file.
    if (fd !== undefined && fd === this.fd) {
      this.fd = undefined;
      this.retire(fd);
    }
    const failure = new JournalError(`Could not write the journal in ${this.dir}: ${(error as Error).message}`, { cause: error });
    for (const pending of batch) pending.reject(failure);
  }

  private retire(fd: number): void {
    if (this.inFlight.has(fd)) this.retired.add(fd);
    else closeQuietly(fd);
  }

  private ensureFile(): number {
    const now = this.now();
    if (this.fd !== undefined && this.size < this.options.maxFileBytes && now - this.fileStartedAt < this.options.maxFileAgeMs) return this.fd;
    if (this.fd !== undefined) {
      this.retire(this.fd);
      this.fd = undefined;
    }
    this.fileStartedAt = now;
    // Stamps only grow, so names stay unique and sorted even for several files in one millisecond.
    this.lastStamp = Math.max(now, this.lastStamp + 1);
    this.fileBase = `${String(this.lastStamp).padStart(15, '0')}-${process.pid}`;
    this.file = join(this.dir, `deliveries-${this.fileBase}.jsonl`);
    this.seq = 0;
    const fd = openSync(this.file, 'a', 0o600);
    this.fd = fd;
    fchmodSync(fd, 0o600);
    this.size = fstatSync(fd).size;
    void this.prune();
    return fd;
  }

  /** Journal files, oldest first. */
  async files(): Promise<JournalFile[]> {
    return journalFiles(this.dir);
  }

  /** Deletes files past the retention, then the oldest while over the size bound (never the open one). */
  async prune(): Promise<string[]> {
    const files = (await this.files()).filter((file) => file.path !== this.file);
    const now = this.now();
    const removed: string[] = [];
    let total = files.reduce((sum, file) => sum + file.size, 0) + this.size;
    for (const file of files) {
      if (now - file.mtimeMs > this.options.retentionMs || total > this.options.maxTotalBytes) {
        try {
          await unlink(file.path);
          removed.push(file.path);
          total -= file.size;
        } catch {
          // another process removed it first
        }
      }
    }
    return removed;
  }

  /**
   * Reads entries oldest first. `since` (epoch ms) skips older entries; `withBody: false` reads only the
   * metadata (fast: the base64 body is not decoded).
   */
  async *entries(options: { since?: number; withBody?: boolean } = {}): AsyncGenerator<JournalEntry | JournalMeta> {
    yield* readEntries(await this.files(), options);
  }

  /** Reads one entry back by its ref (the forwarder reads bodies from disk, not from memory). */
  async read(ref: JournalRef): Promise<JournalEntry | undefined> {
    let handlePromise = this.readHandles.get(ref.file);
    if (!handlePromise) {
      handlePromise = open(ref.file, 'r');
      this.readHandles.set(ref.file, handlePromise);
      // Keep a few files open at most.
      if (this.readHandles.size > 8) {
        const [oldest] = this.readHandles.keys();
        const stale = this.readHandles.get(oldest!);
        this.readHandles.delete(oldest!);
        void stale?.then((handle) => handle.close()).catch(() => undefined);
      }
    }
    let handle: FileHandle;
    try {
      handle = await handlePromise;
    } catch {
      this.readHandles.delete(ref.file);
      return undefined;
    }
    const buffer = Buffer.alloc(ref.length);
    const { bytesRead } = await handle.read(buffer, 0, ref.length, ref.offset);
    if (bytesRead !== ref.length) return undefined;
    const entry = parseLine(buffer.toString('utf8'), ref, true) as JournalEntry | undefined;
    return entry && entry.id === ref.id ? entry : undefined;
  }

  /** Records that an entry reached the forward target (or was given up); batched, not fsync'd. */
  markForwarded(id: string, outcome: 'ok' | 'gave-up' | 'lost'): void {
    this.forwardedBuffer.push(`${id} ${outcome}\n`);
    this.forwardedFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeForwarded());
  }

  private async writeForwarded(): Promise<void> {
    try {
      while (this.forwardedBuffer.length) {
        const text = this.forwardedBuffer.join('');
        this.forwardedBuffer = [];
        this.forwardedHandle ??= await open(join(this.dir, FORWARDED_LOG), 'a', 0o600);
        await this.forwardedHandle.write(text);
      }
    } catch {
      // Losing a mark only means the entry is forwarded again after a restart (at least once).
    } finally {
      this.forwardedFlush = undefined;
    }
  }

  private async flushForwarded(): Promise<void> {
    while (this.forwardedFlush) await this.forwardedFlush;
  }

  /** Ids the forwarder is done with (forwarded, or given up on). */
  async forwardedIds(): Promise<Set<string>> {
    const done = new Set<string>();
    let text = '';
    try {
      text = await readFile(join(this.dir, FORWARDED_LOG), 'utf8');
    } catch {
      return done;
    }
    for (const line of text.split('\n')) {
      const id = line.split(' ')[0];
      if (id) done.add(id);
    }
    return done;
  }

  /** Keeps forwarded.log bounded: drops ids whose journal file is gone. */
  private async pruneForwardedLog(): Promise<void> {
    const path = join(this.dir, FORWARDED_LOG);
    try {
      if ((await stat(path)).size < FORWARDED_LOG_PRUNE_BYTES) return;
      const bases = new Set((await this.files()).map((file) => file.base));
      const text = await readFile(path, 'utf8');
      const kept = text.split('\n').filter((line) => line && bases.has(line.split(':')[0]!));
      const temp = `${path}.${process.pid}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      await handle.write(kept.length ? `${kept.join('\n')}\n` : '');
      await handle.close();
      await rename(temp, path);
    } catch {
      // missing or busy: nothing to prune
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function writeAll(fd: number, buffer: Buffer): void {
  let written = 0;
  while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
}
