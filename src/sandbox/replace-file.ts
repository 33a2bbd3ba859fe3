// The embedded sandbox's files (state.json, requests.jsonl) are replaced whole: written to a temp file
// beside them (0600), then renamed over, so a reader never sees one half written. Not fsynced: they are a
// test double's, rewritten by every call, and a crash loses at most that call. Synchronous, like the rest
// of the embedded sandbox's file work (embedded.ts).
import { chmodSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export function replaceFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.${Math.floor(Math.random() * 0xffffffff).toString(16)}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    // The umask may have taken bits from the mode above.
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never written
    }
    throw error;
  }
}
