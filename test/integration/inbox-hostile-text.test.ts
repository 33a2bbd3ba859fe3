// What a TikTok user writes is shown, never obeyed: control characters in texts and names cannot
// recolour, retitle or clear the terminal in `messages` and `conversations`.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEED, useConnectedWorld } from '../helpers/account.js';
import { BIN, runCli } from '../helpers/cli.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

const MAYA = SEED.conversations.maya;
const HOSTILE = 'Hi\u001b]0;owned\u0007\u001b[2J\u001b[31m red\u009b0m end';

let session: TmuxSession | undefined;

const ctx = useConnectedWorld({ reset: false });
beforeAll(async () => {
  await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: HOSTILE });
});
afterEach(() => {
  session?.kill();
  session = undefined;
});

describe('hostile text from a user', () => {
  it('messages prints it without its control characters', async () => {
    const result = await runCli(['messages', MAYA], { env: ctx.env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(result.stdout).toContain('Hi]0;owned[2J[31m red0m end');
  });

  it('conversations on a terminal keeps its table on screen', async () => {
    session = startTmux([process.execPath, BIN, 'conversations'], { env: { ...ctx.env, NO_COLOR: '1' }, width: 200, height: 20 });
    const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
    expect(screen).toContain('[exit 0]');
    // An obeyed ESC[2J would have wiped the header printed before the row.
    expect(screen).toMatch(/CONVERSATION\s+USER/);
    expect(screen.split('\n').find((line) => line.startsWith(MAYA))).toContain('Hi]0;owned[2J[31m red0m end');
  });
});
