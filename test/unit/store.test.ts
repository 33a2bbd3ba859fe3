import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountStore, accountFromEnv, type StoredAccount } from '../../src/store/accounts.js';
import { ROOT, tempConfigDir } from '../helpers/cli.js';

function account(businessId: string, extra: Partial<StoredAccount> = {}): StoredAccount {
  return {
    businessId,
    channelName: `channel ${businessId}`,
    username: `user_${businessId.replace(/\W/g, '')}`,
    scopes: ['message.list.read'],
    accessToken: `act.${businessId}`,
    accessTokenExpiresAt: Date.now() + 3_600_000,
    refreshToken: `rft.${businessId}`,
    refreshTokenExpiresAt: Date.now() + 86_400_000,
    clientKey: 'ck',
    clientSecret: 'cs',
    connectedAt: Date.now(),
    updatedAt: Date.now(),
    ...extra,
  };
}

describe('account store', () => {
  it('writes the config file with mode 0600 and the first account becomes the default', async () => {
    const dir = tempConfigDir();
    const store = new AccountStore({ configDir: dir });
    const result = await store.upsert(account('-000a'));
    expect(result).toEqual({ created: true, isDefault: true });
    await store.upsert(account('-000b'));
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(store.path).toBe(join(dir, 'accounts.json'));
    expect(store.defaultBusinessId()).toBe('-000a');
    expect(store.list().map((a) => a.businessId)).toEqual(['-000a', '-000b']);
  });

  it('finds accounts by business_id, channel name or @username', async () => {
    const store = new AccountStore({ configDir: tempConfigDir() });
    await store.upsert(account('-000a', { channelName: 'Acme Support', username: 'acme' }));
    expect(store.find('-000a')?.businessId).toBe('-000a');
    expect(store.find('acme support')?.businessId).toBe('-000a');
    expect(store.find('@ACME')?.businessId).toBe('-000a');
    expect(store.find('nobody')).toBeUndefined();
  });

  it('re-connecting the same business_id updates in place', async () => {
    const store = new AccountStore({ configDir: tempConfigDir() });
    await store.upsert(account('-000a'));
    const again = await store.upsert(account('-000a', { accessToken: 'act.new' }));
    expect(again.created).toBe(false);
    expect(store.list()).toHaveLength(1);
    expect(store.find('-000a')?.accessToken).toBe('act.new');
  });

  it('removing the default account moves the default to another one', async () => {
    const store = new AccountStore({ configDir: tempConfigDir() });
    await store.upsert(account('-000a'));
    await store.upsert(account('-000b'));
    await store.remove('-000a');
    expect(store.defaultBusinessId()).toBe('-000b');
    await expect(store.setDefault('-000zzz')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('leaves no half-written file when a transaction throws', async () => {
    const store = new AccountStore({ configDir: tempConfigDir() });
    await store.upsert(account('-000a'));
    const before = readFileSync(store.path, 'utf8');
    await expect(
      store.transaction((shape) => {
        shape.accounts['-000a'].accessToken = 'act.changed';
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(store.path, 'utf8')).toBe(before);
    expect(existsSync(`${store.path}.lock`)).toBe(false);
  });

  it('loses no update when 8 processes write at once', async () => {
    const dir = tempConfigDir();
    const writers = Array.from(
      { length: 8 },
      (_, index) =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/store-writer.mjs'), dir, String(index)], { stdio: 'inherit' });
          child.on('error', reject);
          child.on('close', resolve);
        }),
    );
    expect(await Promise.all(writers)).toEqual(Array(8).fill(0));
    const store = new AccountStore({ configDir: dir });
    expect(
      store
        .list()
        .map((a) => a.businessId)
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, i) => `-000writer${i}`).sort());
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });
});

describe('env credentials', () => {
  it('win over the store and need both variables', () => {
    const fromEnv = accountFromEnv({ TIKTOK_CHANNEL_ACCESS_TOKEN: 'act.env', TIKTOK_CHANNEL_BUSINESS_ID: '-000env' });
    expect(fromEnv).toMatchObject({ source: 'env', businessId: '-000env', accessToken: 'act.env' });
    expect(() => accountFromEnv({ TIKTOK_CHANNEL_ACCESS_TOKEN: 'act.env' })).toThrow(/TIKTOK_CHANNEL_BUSINESS_ID is missing/);
    expect(accountFromEnv({})).toBeUndefined();
  });
});

describe('account file that is not an object of accounts', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['null', 'null', /holds null/],
    ['an empty list', '[]', /holds a list/],
    ['a string', '"x"', /holds "x"/],
    ['a number', '42', /holds the number 42/],
    ['true', 'true', /holds true/],
    ['a list of accounts', JSON.stringify([account('-000a')]), /holds a list/],
  ];
  for (const [what, text, expected] of cases) {
    it(`holding ${what} is refused by name and never overwritten`, async () => {
      const dir = tempConfigDir();
      const path = join(dir, 'accounts.json');
      writeFileSync(path, text);
      const store = new AccountStore({ configDir: dir });
      expect(() => store.read()).toThrow(expected);
      expect(() => store.read()).toThrow(path);
      await expect(store.upsert(account('-000b'))).rejects.toThrow(/not in the shape tiktok-channel writes/);
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  }

  for (const value of [1e308, -1e308, -1]) {
    it(`refuses a timestamp of ${value}`, () => {
      const dir = tempConfigDir();
      writeFileSync(join(dir, 'accounts.json'), JSON.stringify({ version: 1, accounts: { '-000a': account('-000a', { accessTokenExpiresAt: value }) } }));
      expect(() => new AccountStore({ configDir: dir }).read()).toThrow(/accessTokenExpiresAt is the number .* expected a number \(epoch milliseconds/);
    });
  }
});
