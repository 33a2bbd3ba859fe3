// What people see on a real terminal (tmux): the conversations table and a drawn QR code, with colour
// on a TTY and without it under NO_COLOR.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { embeddedAccount } from '../helpers/sandbox.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

describe('on a real terminal', () => {
  it('conversations draws a table with the user, window and messages left', async () => {
    const configDir = await embeddedAccount('Hello from the terminal test');
    session = startTmux([process.execPath, BIN, 'conversations'], { env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir }, width: 200 });
    const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
    expect(screen).toContain('[exit 0]');
    expect(screen).toMatch(/CONVERSATION\s+USER\s+LAST USER MESSAGE\s+WINDOW\s+LEFT\s+TYPE\s+VIA/);
    const maya = screen.split('\n').find((line) => line.includes('mY3+hQ1/acMeMaYaL0pezQ=='));
    expect(maya).toMatch(/@maya\.lopez \(Maya López\)\s+\d+s ago\s+closes in 4[78]h\s*\d*m?\s+10\/10\s+single/);
    expect(screen).toMatch(/UHJp\+WEr\/2NvZGVzQWNtZQ==.*closed/);
    expect(screen.trimStart().startsWith('{')).toBe(false);
  });

  it('colour goes to the terminal, never into stdout redirected to a file', async () => {
    const configDir = await embeddedAccount('Hello from the terminal test');
    const file = join(configDir, 'status.txt');
    session = startTmux(['sh', '-c', `"${process.execPath}" "${BIN}" status > "${file}"`], { env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir } });
    await session.waitFor(/\[exit 0\]/, 15_000);
    const saved = readFileSync(file, 'utf8');
    expect(saved).toContain('acme.studio (@acme.studio)');
    expect(saved).not.toMatch(/\x1b\[/);
    // The same command with stdout on the terminal is coloured (stderr and stdout are both TTYs).
    session.kill();
    session = startTmux([process.execPath, BIN, 'status'], { env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir } });
    await session.waitFor(/\[exit 0\]/, 15_000);
    const colored = execFileSync('tmux', ['-L', session.name, 'capture-pane', '-p', '-e', '-t', session.name], { encoding: 'utf8' });
    expect(colored).toMatch(/\x1b\[[0-9;]*m/);
  });

  it('qr prints the link and draws the code in the terminal', async () => {
    const configDir = await embeddedAccount('Hello from the terminal test');
    session = startTmux([process.execPath, BIN, 'qr', '--ref', 'poster-1'], {
      env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' },
      width: 120,
      height: 60,
    });
    const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
    expect(screen).toContain('[exit 0]');
    expect(screen).toContain('https://tiktok.me/acme.studio?ref=poster-1');
    // qrcode-terminal draws with block characters; a version-2+ code is at least 25 rows of them.
    const blockRows = screen.split('\n').filter((line) => /[█▀▄]/.test(line));
    expect(blockRows.length).toBeGreaterThanOrEqual(12);
  });
});
