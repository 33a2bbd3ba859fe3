// Writing accounts.json so a rotated refresh token is never lost to the disk: the temp file is opened and
// its blocks allocated BEFORE TikTok is asked to rotate (a full disk then refuses the refresh while the
// old token is still good), and the write after the answer only overwrites space already held, fsyncs,
// renames and fsyncs the directory. Only node:fs: nothing is imported between TikTok's answer and the
// write, so the rotated pair lives in memory alone for the write and its fsync only.
import { closeSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface PreparedWrite {
  readonly tempPath: string;
  /** Replaces the target with `text` durably (temp → fsync → rename → directory fsync). */
  commit(text: string): void;
  /** Removes the temp file (nothing to write, or the write failed). */
  abandon(): void;
}

/** Room held for the new content: the current file twice over (tokens grow little), at least 16 KiB. */
export function reserveFor(path: string): number {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // no file yet
  }
  return Math.max(16_384, size * 2 + 4096);
}

let tempCounter = 0;

/** Opens `${path}.<pid>.<random>.tmp` (0600) and fills it with `bytes` spaces, fsynced; throws ENOSPC & co. before anything is spent. */
export function prepareWrite(path: string, bytes = reserveFor(path)): PreparedWrite {
  // Unique per process and call; 'wx' refuses a collision. Not node:crypto: loading it costs every command ~3 ms.
  const tempPath = `${path}.${process.pid}.${(++tempCounter).toString(36)}${Math.floor(Math.random() * 0xffffffff).toString(16)}.tmp`;
  const fd = openSync(tempPath, 'wx', 0o600);
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  const abandon = () => {
    try {
      close();
    } catch {
      // already unusable
    }
    try {
      unlinkSync(tempPath);
    } catch {
      // already gone
    }
  };
  try {
    // Real bytes, not a sparse ftruncate: the file system must hand out the blocks now.
    const chunk = Buffer.alloc(Math.min(bytes, 65_536), 0x20);
    for (let written = 0; written < bytes; ) written += writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written), written);
    fsyncSync(fd);
  } catch (error) {
    abandon();
    throw error;
  }
  return {
    tempPath,
    abandon,
    commit(text: string) {
      const data = Buffer.from(text, 'utf8');
      try {
        for (let written = 0; written < data.length; ) written += writeSync(fd, data, written, data.length - written, written);
        ftruncateSync(fd, data.length);
        fsyncSync(fd);
        close();
        renameSync(tempPath, path);
      } catch (error) {
        abandon();
        throw error;
      }
      syncDirectory(dirname(path));
    },
  };
}

/**
 * Room held on the config dir's file system for a write that another writer (conf) will make: a ballast
 * file of real, fsynced bytes, released just before that write so its temp file gets the freed blocks.
 * A full disk refuses the reservation, before a refresh token is spent.
 */
export function reserveRoom(path: string, bytes = reserveFor(path)): PreparedWrite & { release(): void } {
  const ballast = prepareWrite(`${path}.reserve`, bytes);
  return {
    tempPath: ballast.tempPath,
    abandon: ballast.abandon,
    release: ballast.abandon,
    commit() {
      throw new Error('reserveRoom: release the room, then write with the store (conf)');
    },
  };
}

/** After conf's atomic write (temp, fsync, rename), the directory entry itself is made durable too. */
export function syncDirectoryOf(path: string): void {
  syncDirectory(dirname(path));
}

/** The rename itself survives a power cut only once the directory is fsynced (best effort: some systems refuse). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported here: the rename is still atomic
  }
}
