// The journal on real files: bytes round-trip exactly, modes are 0700/0600, appends of one tick share one
// commit, files rotate by size and by age and are pruned by retention and total size, a torn last line
// (a crash mid-write, never answered 200) is skipped, and forwarded.log records what the target got.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Counts the journal's commits: each one is a single write and a single fdatasync of the batch.
const syncs = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdatasync = ((...args: Parameters<typeof fs.fdatasync>) => {
    syncs.calls++;
    return fs.fdatasync(...args);
  }) as typeof fs.fdatasync;
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});
import type { JournalEntry, JournalRecord } from '../../src/tail/journal-files.js';
import { Journal } from '../../src/tail/journal.js';
import { DedupeSet } from '../../src/tail/dedupe.js';

function record(index: number, body: Buffer | string = `{"n":${index},"text":"héllo ✓"}`, at = Date.now()): JournalRecord {
  return {
    at,
    account: '-000biz',
    known: true,
    key: `-000biz|m:${index}`,
    signedAt: 1_732_459_200 + index,
    duplicate: false,
    forward: index % 2 === 0,
    headers: { 'tiktok-signature': `t=1,s=${'a'.repeat(64)}`, 'x-tt-logid': `log-${index}` },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

async function all(journal: Journal, options: { since?: number; withBody?: boolean } = {}): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for await (const entry of journal.entries(options)) entries.push(entry as JournalEntry);
  return entries;
}

const journalFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();

describe('Journal', () => {
  it('round-trips body bytes and headers exactly, in 0600 files in a 0700 directory', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ttc-journal-')), 'journal');
    const journal = await Journal.open({ dir });
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 34, 92]);
    const syncsBefore = syncs.calls;
    const refs = await Promise.all([journal.append(record(1)), journal.append(record(2, binary)), journal.append(record(3))]);
    const syncsOfTheTick = syncs.calls - syncsBefore;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(journalFiles(dir)).toHaveLength(1);
    expect(statSync(join(dir, journalFiles(dir)[0]!)).mode & 0o777).toBe(0o600);

    const entries = await all(journal);
    expect(entries.map((entry) => entry.id)).toEqual(refs.map((ref) => ref.id));
    expect(entries[1]!.body.equals(binary)).toBe(true);
    expect(entries[0]!.body.toString()).toBe('{"n":1,"text":"héllo ✓"}');
    expect(entries[2]).toMatchObject({
      account: '-000biz',
      known: true,
      key: '-000biz|m:3',
      signedAt: 1_732_459_203,
      duplicate: false,
      forward: false,
      headers: { 'x-tt-logid': 'log-3' },
    });
    // Read back by ref, as the forwarder does; metadata alone without decoding the body.
    expect((await journal.read(refs[1]!))!.body.equals(binary)).toBe(true);
    const meta = await all(journal, { withBody: false });
    expect(meta.map((entry) => entry.key)).toEqual(['-000biz|m:1', '-000biz|m:2', '-000biz|m:3']);
    expect('body' in meta[0]!).toBe(false);
    // One commit (one fdatasync) for the three appends of one tick, and every entry in it.
    expect(syncsOfTheTick).toBe(1);
    expect(entries).toHaveLength(3);
    await journal.close();
    await expect(journal.append(record(4))).rejects.toThrow('closed');
  });

  it('skips a torn last line and reads --since from the receive time', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ttc-journal-')), 'journal');
    const journal = await Journal.open({ dir });
    const now = Date.now();
    await journal.append(record(1, 'old', now - 2 * 3600_000));
    await journal.append(record(2, 'recent', now - 60_000));
    await journal.close();
    appendFileSync(join(dir, journalFiles(dir)[0]!), '{"id":"torn","at":1,"acct":null,"known":0,"key":"x","dup":0,"fwd":0,"h":{},"b":"AAA');
    const reopened = await Journal.open({ dir });
    expect((await all(reopened)).map((entry) => entry.body.toString())).toEqual(['old', 'recent']);
    expect((await all(reopened, { since: now - 3600_000 })).map((entry) => entry.body.toString())).toEqual(['recent']);
    // The next append goes to a new file of this process; nothing is appended after the torn line.
    await reopened.append(record(3, 'after'));
    expect((await all(reopened)).map((entry) => entry.body.toString())).toEqual(['old', 'recent', 'after']);
    await reopened.close();
  });

  it('rotates by size and by age, and prunes by retention and by total size', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ttc-journal-')), 'journal');
    let clock = Date.now();
    const journal = await Journal.open({ dir, maxFileBytes: 600, maxFileAgeMs: 60_000, retentionMs: 3600_000, maxTotalBytes: 100_000, now: () => clock });
    for (let index = 0; index < 6; index++) await journal.append(record(index, 'x'.repeat(200)));
    const bySize = journalFiles(dir).length;
    expect(bySize).toBeGreaterThanOrEqual(3);
    clock += 61_000;
    await journal.append(record(6, 'y'));
    expect(journalFiles(dir)).toHaveLength(bySize + 1);
    expect((await all(journal)).map((entry) => entry.key)).toEqual(Array.from({ length: 7 }, (_, index) => `-000biz|m:${index}`));

    // Files last written more than the retention ago are deleted at the next rotation.
    const oldest = journalFiles(dir)[0]!;
    const past = new Date(clock - 2 * 3600_000);
    utimesSync(join(dir, oldest), past, past);
    clock += 61_000;
    await journal.append(record(7, 'z'));
    await journal.prune();
    expect(journalFiles(dir)).not.toContain(oldest);
    await journal.close();

    // Over the total bound, the oldest files go first (checked when the journal opens, and at each rotation).
    const before = journalFiles(dir);
    const small = await Journal.open({ dir, maxTotalBytes: 700, now: () => clock });
    const after = journalFiles(dir);
    expect(after.length).toBeLessThan(before.length);
    expect(after).toEqual(before.slice(before.length - after.length));
    const left = journalFiles(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    expect(left).toBeLessThanOrEqual(700);
    await small.close();
  });

  it('records what was forwarded, and survives reopening', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ttc-journal-')), 'journal');
    const journal = await Journal.open({ dir });
    const [first, second] = await Promise.all([journal.append(record(0)), journal.append(record(2))]);
    journal.markForwarded(first!.id, 'ok');
    await journal.close();
    expect(readFileSync(join(dir, 'forwarded.log'), 'utf8')).toBe(`${first!.id} ok\n`);
    const reopened = await Journal.open({ dir });
    const done = await reopened.forwardedIds();
    expect(done.has(first!.id)).toBe(true);
    expect(done.has(second!.id)).toBe(false);
    await reopened.close();
  });
});

describe('DedupeSet', () => {
  it("keeps at most its capacity, forgetting the oldest keys first, with each key's signature time", () => {
    const set = new DedupeSet(3);
    expect(set.add('a', 100)).toBe(true);
    expect(set.add('a', 200)).toBe(false);
    expect(set.signedAt('a')).toBe(100);
    set.add('b');
    set.add('c');
    set.add('d');
    expect(set.size).toBe(3);
    expect(set.has('a')).toBe(false);
    expect(set.has('d')).toBe(true);
  });
});
