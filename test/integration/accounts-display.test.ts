// Names a person or TikTok chose reach the terminal through displaySafe in every account command's human
// output (issue 20 item 3): no escape sequence, bidi override or other control from a stored channel name
// or @username is printed, while --json keeps the stored strings exactly.
import { beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/accounts.js';
import { tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';

// A hand-edited name and a username with a bidi override, an OSC title sequence and a screen clear.
const NAME = 'Acme \u202Etroppus\u202C\x1b[2J';
const USERNAME = 'acme\u2066x\x1b]0;pwned\x07';
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let configDir: string;

beforeEach(async () => {
  configDir = tempConfigDir('ttc-display-');
  const store = new AccountStore({ configDir });
  const now = Date.now();
  const account = {
    channelName: NAME,
    username: USERNAME,
    region: 'SG',
    scopes: ['user.info.basic', 'message.list.read', 'message.list.send', 'message.list.manage'],
    accessToken: 'act.DISPLAYACCESS',
    accessTokenExpiresAt: now + 23 * 3_600_000,
    refreshToken: 'rft.DISPLAYREFRESH',
    refreshTokenExpiresAt: now + 364 * 86_400_000,
    clientKey: 'ck',
    clientSecret: 'DISPLAYSECRET',
    connectedAt: now,
    updatedAt: now,
  };
  await store.upsert({ ...account, businessId: '-000display' });
  await store.upsert({ ...account, businessId: '-000other', channelName: 'Other', username: 'other' });
});

async function human(args: string[]) {
  const result = await runInProcess(args, { configDir, env: { NO_COLOR: '1' } });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout + result.stderr).not.toMatch(UNSAFE);
  return result.stdout + result.stderr;
}

describe('account commands show stored names display-safe', () => {
  it('accounts: the table', async () => {
    const text = await human(['accounts']);
    expect(text).toContain('Acme troppus[2J');
    expect(text).toContain('@acmex]0;pwned');
  });

  it('status --offline', async () => {
    expect(await human(['status', '--offline', '--account', '-000display'])).toContain('Acme troppus[2J (@acmex]0;pwned)');
  });

  it('accounts use', async () => {
    expect(await human(['accounts', 'use', '-000display'])).toContain('Acme troppus[2J (@acmex]0;pwned) is now the default account.');
  });

  it('rename names the previous name safely', async () => {
    expect(await human(['rename', 'Acme EU', '--account', '-000display'])).toContain('Renamed Acme troppus[2J to Acme EU.');
  });

  it('disconnect --keep-token', async () => {
    expect(await human(['disconnect', '--keep-token', '--account', '-000display'])).toContain('Disconnected Acme troppus[2J (@acmex]0;pwned)');
  });

  it('doctor: the header and the checks (exit 1: nothing answers on the API port)', async () => {
    // A closed loopback port: the network check fails at once, and nothing leaves the machine.
    const result = await runInProcess(['doctor', '--account', '-000display'], {
      configDir,
      env: { NO_COLOR: '1', TIKTOK_CHANNEL_API_BASE_URL: 'http://127.0.0.1:9/' },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('Doctor · Acme troppus[2J (@acmex]0;pwned) · -000display');
    expect(result.stdout + result.stderr).not.toMatch(UNSAFE);
  });

  it('--json keeps the stored strings exactly', async () => {
    const result = await runInProcess(['accounts', '--json'], { configDir });
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout).accounts.find((account: { business_id: string }) => account.business_id === '-000display');
    expect(listed).toMatchObject({ channel_name: NAME, username: USERNAME });
  });
});
