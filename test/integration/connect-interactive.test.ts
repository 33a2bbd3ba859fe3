// An interactive `connect` in a real terminal (tmux): the prompts for the app credentials, the channel
// name and the region are answered by typing, the region warning shows at once, and the flow completes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, tempConfigDir } from '../helpers/cli.js';
import { readStore, SEED, startServedSandbox, storeMode, type ServedSandbox } from '../helpers/sandbox.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

let sandbox: ServedSandbox;
let session: TmuxSession | undefined;

beforeAll(async () => {
  sandbox = await startServedSandbox();
});
afterAll(async () => {
  session?.kill();
  await sandbox?.close();
});

it('asks for client key, secret (masked), name and region on a TTY, then connects', async () => {
  const configDir = tempConfigDir();
  session = startTmux([process.execPath, BIN, 'connect', '--no-browser', '--timeout', '20'], {
    env: {
      TIKTOK_CHANNEL_CONFIG_DIR: configDir,
      TIKTOK_CHANNEL_API_BASE_URL: sandbox.server.apiBaseUrl,
      TIKTOK_CHANNEL_AUTH_URL: sandbox.server.authUrl,
      NO_COLOR: '1',
    },
    width: 400,
    height: 60,
  });

  await session.waitFor(/Client key of your TikTok app/);
  session.type(sandbox.server.clientKey);
  session.keys('Enter');
  await session.waitFor(/Client secret of your TikTok app/);
  session.type(sandbox.server.clientSecret);
  session.keys('Enter');
  await session.waitFor(/Channel name for this account/);
  session.type('Acme support');
  session.keys('Enter');
  await session.waitFor(/Region the TikTok account is registered in/);
  session.type('nowhere');
  session.keys('Enter');
  // Validation keeps the prompt open until the answer is a two-letter code.
  await session.waitFor(/two-letter country code/);
  for (let i = 0; i < 'nowhere'.length; i++) session.keys('BSpace');
  session.type('uk');
  session.keys('Enter');
  // The region rule is said at once, before the authorize URL.
  const screen = await session.waitFor(/http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/\?\S+/);
  expect(screen).toMatch(/the UK \(GB\) cannot manage or send direct messages/);
  expect(screen.indexOf('the UK (GB)')).toBeLessThan(screen.indexOf('/v2/auth/authorize/'));
  // The secret was typed into a password prompt: it never appears on screen.
  expect(screen).not.toContain(sandbox.server.clientSecret);

  const url = screen.match(/http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/\?\S+/)![0];
  const landed = await fetch(await sandbox.approve(url));
  expect(landed.status).toBe(200);
  const done = await session.waitFor(/\[exit \d+\]/, 15_000);
  expect(done).toContain('[exit 0]');
  expect(done).toMatch(/Connected Acme support \(@acme\.studio\)/);

  const account = readStore(configDir).accounts[SEED.defaultBusinessId];
  expect(account).toMatchObject({ channelName: 'Acme support', region: 'GB', clientKey: sandbox.server.clientKey, clientSecret: sandbox.server.clientSecret });
  expect(storeMode(configDir)).toBe(0o600);
  expect(done).not.toContain(account.accessToken);
  expect(done).not.toContain(account.refreshToken);
});
