// A lock file taken and released synchronously (O_EXCL create, holding "pid host"), for short critical
// sections around a small state file: the shared request budget (src/tiktok/rate-file.ts) and the
// embedded sandbox's state (src/sandbox/embedded.ts). A holder that crashed or was killed leaves a lock
// naming a dead pid on this host, which the next taker breaks at once; one that froze (or runs on another
// host sharing the dir) is broken once the lock is older than the caller's stale age. No timer, no
// node:fs/promises: the lock costs a create and an unlink, and a process loads nothing else for it.
import { closeSync, fstatSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** A pid means something only on its own machine (a config dir shared between containers holds others'). */
const HOST = hostname().replace(/\s/g, '_');
/** Tells this process's aside names from another's with the same pid (containers): not a secret. */
const NONCE = Math.floor(Math.random() * 2 ** 48)
  .toString(16)
  .padStart(12, '0');

/** Takes `lock`; its inode when taken, undefined when another live holder has it (try again later). */
export function tryLock(lock: string, staleMs: number): number | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid} ${HOST}`);
        return fstatSync(fd).ino;
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!breakIfStale(lock, staleMs)) return undefined;
  }
  return undefined;
}

/** Still held by us: a breaker did not take it while we were frozen past the stale age. */
export function stillOurs(lock: string, ino: number): boolean {
  try {
    return statSync(lock).ino === ino;
  } catch {
    return false;
  }
}

/** Releases the lock unless a breaker took it from us. */
export function unlockIfOurs(lock: string, ino: number): void {
  try {
    if (statSync(lock).ino === ino) unlinkSync(lock);
  } catch {
    // Already gone.
  }
}

/** Removes a crashed or frozen holder's lock; true when the caller should try to take it again. */
function breakIfStale(lock: string, staleMs: number): boolean {
  let stat;
  let content = '';
  try {
    stat = statSync(lock);
    content = readFileSync(lock, 'utf8');
  } catch (error) {
    // Released between our open and our look: try again at once.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const [pidText, host] = content.split(' ');
  const pid = Number(pidText);
  const dead = host === HOST && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid);
  if (!dead && Date.now() - stat.mtimeMs < staleMs) return false;
  // Move it aside (atomic: one breaker wins), then make sure it was the stale lock we looked at and not a
  // fresh one a faster breaker took meanwhile; if it was fresh, put it back.
  const aside = `${lock}.${process.pid}.${NONCE}`;
  try {
    renameSync(lock, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  try {
    if (statSync(aside).ino !== stat.ino) linkSync(aside, lock);
  } catch {
    // A third taker already holds a new lock: ours goes away below, theirs stands.
  }
  unlinkSync(aside);
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
