// On a real terminal (tmux): the first Ctrl-C stops a wait for typed text, tables wrap at word boundaries
// instead of being cut mid-word by the terminal, a QR code too wide is not drawn, and no browser is
// claimed to have opened on a machine with no display.
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempConfigDir } from '../helpers/cli.js';
import { embeddedAccount, useServedSandbox } from '../helpers/sandbox.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

const sandbox = useServedSandbox();

describe('on a real terminal', () => {
  it('the first Ctrl-C stops send --text - while it waits for typed text (exit 130)', async () => {
    // A real conversation with an open window: the window is checked before the text is asked for.
    const configDir = await embeddedAccount();
    session = startTmux([process.execPath, BIN, 'send', '--to', 'mY3+hQ1/acMeMaYaL0pezQ==', '--text', '-'], {
      env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' },
    });
    await session.waitFor(/Type the message, then press Ctrl-D/, 15_000);
    session.type('half a mess');
    session.keys('C-c');
    const screen = await session.waitFor(/\[exit \d+\]/, 3_000);
    expect(screen).toContain('[exit 130]');
  });

  it('the conversations table fits 60, 80 and 120 columns: cells cut with …, never wrapped, the preview kept', async () => {
    const configDir = await embeddedAccount('Hello from the terminal test');
    for (const width of [60, 80, 120]) {
      session?.kill();
      session = startTmux([process.execPath, BIN, 'conversations'], { env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' }, width });
      const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
      expect(screen).toContain('[exit 0]');
      // capture-pane -J joins lines the terminal wrapped: none may be wider than the terminal.
      const lines = screen.split('\n').filter((line) => line.trim());
      for (const line of lines) expect([...line].length, `${width}: ${line}`).toBeLessThanOrEqual(width);
      // One line per conversation: the id cut in its middle (its both ends still tell it apart).
      const maya = lines.filter((line) => /^mY3\+\S*…\S*zQ==\s/.test(line) || line.startsWith('mY3+hQ1/acMeMaYaL0pezQ== '));
      expect(maya, `${width}:\n${screen}`).toHaveLength(1);
      expect(maya[0]).toMatch(/@maya/);
      expect(screen).not.toContain('Too narrow');
      // The preview stays from 80 columns up.
      if (width >= 80) expect(maya[0], screen).toMatch(/user \d+s ago: Hel/);
      if (width === 120) expect(screen).toMatch(/CONVERSATION\s+USER\s+LAST USER MESSAGE\s+WINDOW\s+LEFT\s+TYPE\s+VIA\s+LAST MESSAGE/);
    }
  });

  it('a QR code wider than the terminal is not drawn: it says so and suggests --output', async () => {
    const configDir = await embeddedAccount('Hello from the terminal test');
    session = startTmux([process.execPath, BIN, 'qr', '--ref', 'poster-1'], {
      env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' },
      width: 30,
      height: 40,
    });
    const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
    expect(screen).toContain('[exit 0]');
    expect(screen.replace(/\n/g, '')).toContain('https://tiktok.me/acme.studio?ref=poster-1');
    expect(screen).not.toMatch(/[█▀▄]/);
    const joined = screen.replace(/\n/g, '');
    expect(joined).toMatch(/needs \d+ columns but the terminal has 30/);
    expect(joined).toContain('--output qr.png');
  });

  it('with no display, connect says it could not open a browser instead of "Opened your browser"', async () => {
    session = startTmux([process.execPath, BIN, 'connect', '--name', 'Shop', '--region', 'SG', '--timeout', '20'], {
      env: { ...sandbox.env(), CI: '', TIKTOK_CHANNEL_CONFIG_DIR: tempConfigDir(), NO_COLOR: '1' },
    });
    const screen = await session.waitFor(/Waiting for approval|Could not open a browser|Opened your browser/, 15_000);
    const settled = await session.waitFor(/Waiting for approval/, 15_000).catch(() => screen);
    expect(settled).toContain('Could not open a browser (no display');
    expect(settled).not.toContain('Opened your browser');
  });
});
