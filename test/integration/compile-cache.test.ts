// The launcher's compile cache (bin/tiktok-channel.js): V8's code for the bundled CLI, one pack per
// command group and build, in a directory only its owner can write. What it holds is run as is, so a
// directory others could write to is refused; a damaged pack costs speed, never a wrong answer.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ROOT, tempConfigDir } from '../helpers/cli.js';

let configDir: string;
const build = () => (JSON.parse(readFileSync(join(ROOT, 'dist/run/manifest.json'), 'utf8')) as { build: string }).build;
/** A pack's name starts with the build and the launcher's pack layout (PACK_FORMAT 3: one script of module functions). */
const packPrefix = () => `${build()}.3-`;

/** `accounts --json` without what moves with the clock (a token's time left). */
function accounts(cacheDir: string) {
  const child = spawnSync(process.execPath, [BIN, 'accounts', '--json'], {
    env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir, TIKTOK_CHANNEL_CACHE_DIR: cacheDir }),
    encoding: 'utf8',
  });
  expect(child.status, child.stderr).toBe(0);
  const { accounts: listed } = JSON.parse(child.stdout) as { accounts: Record<string, unknown>[] };
  return JSON.stringify(listed.map(({ business_id, channel_name, username, region }) => ({ business_id, channel_name, username, region })));
}

/** The directory the launcher keeps packs in, under TIKTOK_CHANNEL_CACHE_DIR. */
const packDir = (cacheDir: string) => join(cacheDir, `v8-${process.version}-${process.arch}`);

/** A pack as bin/tiktok-channel.js lays it out: a 4-byte header length, the header (JSON), the source, V8's code. */
function readPack(path: string) {
  const bytes = readFileSync(path);
  const headEnd = 4 + bytes.readUInt32BE(0);
  return { head: JSON.parse(bytes.subarray(4, headEnd).toString()) as { names: string[]; warm: boolean; since: number; sizes: number[] } };
}

/** Writes a cold pack (no V8 code) of these dist/run files, its set of files begun at `since`. */
function writePack(path: string, names: string[], since: number) {
  const wrapped = names.map((name) => `(function (exports, require, module, __filename, __dirname) {${readFileSync(join(ROOT, 'dist/run', name), 'utf8')}\n})`);
  const source = Buffer.from(`({\n${names.map((name, index) => `${JSON.stringify(name)}: ${wrapped[index]}`).join(',\n')}\n})`);
  const head = Buffer.from(JSON.stringify({ names, warm: false, source: source.length, cache: 0, sizes: wrapped.map((text) => text.length), since }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  writeFileSync(path, Buffer.concat([length, head, source]), { mode: 0o600 });
}

beforeAll(() => {
  configDir = tempConfigDir('ttc-cache-config-');
  const connect = spawnSync(process.execPath, [BIN, 'connect', '--sandbox'], {
    env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir }),
    encoding: 'utf8',
  });
  expect(connect.status, connect.stderr).toBe(0);
});

describe('the compile cache', () => {
  it("writes one pack for the command's group and build (0600 in a 0700 directory), and the next run answers the same from it", () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    const first = accounts(cacheDir);
    const packs = readdirSync(packDir(cacheDir));
    expect(packs).toEqual([expect.stringMatching(new RegExp(`^${packPrefix().replace('.', '\\.')}accounts-[A-Z0-9]+\\.pack$`))]);
    expect(statSync(packDir(cacheDir)).mode & 0o777).toBe(0o700);
    const pack = join(packDir(cacheDir), packs[0]!);
    expect(statSync(pack).mode & 0o777).toBe(0o600);
    const header = () =>
      JSON.parse(
        readFileSync(pack)
          .subarray(4, 4 + readFileSync(pack).readUInt32BE(0))
          .toString(),
      ) as { names: string[]; warm: boolean };
    expect(header().warm).toBe(false); // the files this run loaded; V8's code for what they call comes next run
    expect(accounts(cacheDir)).toBe(first);
    expect(header()).toMatchObject({ warm: true });
    const written = statSync(pack).mtimeMs;
    expect(accounts(cacheDir)).toBe(first);
    expect(statSync(pack).mtimeMs).toBe(written); // read, not rewritten
    expect(JSON.parse(first)[0].channel_name).toBe('acme.studio');
  });

  it('refuses a directory others can write to: nothing is read from it or written to it', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    mkdirSync(packDir(cacheDir), { recursive: true });
    chmodSync(packDir(cacheDir), 0o777);
    const planted = join(packDir(cacheDir), `${packPrefix()}accounts-PLANTED.pack`);
    writeFileSync(planted, 'not a pack');
    expect(JSON.parse(accounts(cacheDir))).toHaveLength(1);
    expect(readdirSync(packDir(cacheDir))).toEqual([`${packPrefix()}accounts-PLANTED.pack`]);
  });

  it('runs what its own pack holds, and refuses a pack file others could have written, even in its own directory', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'dist/run/manifest.json'), 'utf8')) as { build: string; commands: Record<string, string> };
    const planted = (cacheDir: string, mode: number) => {
      mkdirSync(packDir(cacheDir), { recursive: true, mode: 0o700 });
      // A pack (4-byte header length, header, the script, V8's code) whose accounts entry prints a marker;
      // no V8 code, so its source runs.
      const source = Buffer.from(
        `({ ${JSON.stringify(manifest.commands.accounts)}: (function (exports, require, module) { module.exports = { main: async () => { process.stdout.write('FROM THE PACK'); return 0; } }; }) })`,
      );
      const head = Buffer.from(JSON.stringify({ names: [manifest.commands.accounts], warm: true, source: source.length, cache: 0 }));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(head.length);
      const pack = join(packDir(cacheDir), `${packPrefix()}${manifest.commands.accounts!.replace(/\.js$/, '')}.pack`);
      writeFileSync(pack, Buffer.concat([length, head, source]));
      chmodSync(pack, mode);
    };
    const run = (cacheDir: string) =>
      spawnSync(process.execPath, [BIN, 'accounts', '--json'], {
        env: cleanEnv({ CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir, TIKTOK_CHANNEL_CACHE_DIR: cacheDir }),
        encoding: 'utf8',
      }).stdout;
    const own = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    planted(own, 0o600);
    expect(run(own)).toBe('FROM THE PACK'); // what the cache holds is run as is: hence the checks below
    const writable = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    planted(writable, 0o666);
    expect(JSON.parse(run(writable)).accounts[0].channel_name).toBe('acme.studio');
  });

  it('a damaged pack is ignored and replaced; an empty TIKTOK_CHANNEL_CACHE_DIR turns the cache off', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    const expected = accounts(cacheDir);
    const pack = join(packDir(cacheDir), readdirSync(packDir(cacheDir))[0]!);
    const bytes = readFileSync(pack);
    writeFileSync(pack, bytes.subarray(0, bytes.length >> 1)); // cut short
    expect(accounts(cacheDir)).toBe(expected);
    expect(statSync(pack).size).toBeGreaterThan(bytes.length >> 1); // a whole pack again
    expect(accounts('')).toBe(expected);
  });

  it('cuts a pack a day old or more back to what a run used when that was under half of it, and a younger one not', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    const expected = accounts(cacheDir);
    accounts(cacheDir); // warm
    const pack = join(packDir(cacheDir), readdirSync(packDir(cacheDir))[0]!);
    const own = readPack(pack).head.names;
    // A rare run of the same group once loaded a large file too (a prompt library, say).
    const run = join(ROOT, 'dist/run');
    const [large] = readdirSync(run)
      .filter((name) => name.endsWith('.js') && !own.includes(name))
      .sort((a, b) => statSync(join(run, b)).size - statSync(join(run, a)).size);
    const grown = [...own, large!].sort();
    const day = 24 * 60 * 60 * 1000;

    writePack(pack, grown, Date.now() - 2 * day);
    expect(accounts(cacheDir)).toBe(expected);
    expect(readPack(pack).head).toMatchObject({ names: [...own].sort(), warm: false });
    expect(Date.now() - readPack(pack).head.since).toBeLessThan(60_000);

    writePack(pack, grown, Date.now() - day / 2);
    expect(accounts(cacheDir)).toBe(expected);
    expect(readPack(pack).head.names).toEqual(grown); // made warm, not cut back: its files are under a day old
  });

  it('removes a pack write that a killed process left (a .tmp over a minute old), and not one another process is writing now', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ttc-cache-'));
    mkdirSync(packDir(cacheDir), { recursive: true, mode: 0o700 });
    const stale = join(packDir(cacheDir), `${packPrefix()}accounts-DEAD.pack.4242.tmp`);
    const fresh = join(packDir(cacheDir), `${packPrefix()}status-LIVE.pack.4343.tmp`);
    writeFileSync(stale, 'half a pack', { mode: 0o600 });
    writeFileSync(fresh, 'half a pack', { mode: 0o600 });
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(stale, twoMinutesAgo, twoMinutesAgo);
    accounts(cacheDir); // writes its pack, and tidies up after it
    const left = readdirSync(packDir(cacheDir));
    expect(left).not.toContain(`${packPrefix()}accounts-DEAD.pack.4242.tmp`);
    expect(left).toContain(`${packPrefix()}status-LIVE.pack.4343.tmp`);
    expect(left.filter((name) => name.endsWith('.pack'))).toHaveLength(1);
  });
});
