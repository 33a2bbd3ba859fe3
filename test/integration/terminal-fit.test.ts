// Tables and text fit the terminal (issue 24 item 4), in a real terminal (tmux) at 60, 80 and 120
// columns: `conversations` keeps one line per conversation, cut with "…", never wrapped; a long
// `messages` body wraps under its column (a hanging indent), never back to column 0, never mid-word.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEED, useConnectedWorld } from '../helpers/account.js';
import { BIN } from '../helpers/cli.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';
import { displayWidth } from '../../src/io/format.js';

const MAYA = SEED.conversations.maya;
const LONG = `Is the blue mug in stock? ${'I would like to order several of them for the whole team before Friday. '.repeat(3)}Thanks!`;

let session: TmuxSession | undefined;
const ctx = useConnectedWorld({ reset: false });
beforeAll(async () => {
  await ctx.world.control('POST', 'messages', { from_username: 'maya.lopez', text: LONG });
});
afterEach(() => {
  session?.kill();
  session = undefined;
});

async function screenAt(args: string[], width: number): Promise<string[]> {
  session?.kill();
  session = startTmux([process.execPath, BIN, ...args], { env: { ...ctx.env, NO_COLOR: '1' }, width, height: 60 });
  const screen = await session.waitFor(/\[exit \d+\]/, 15_000);
  expect(screen).toContain('[exit 0]');
  // capture-pane -J joins what the terminal wrapped: a line wider than the terminal shows up whole.
  return screen.split('\n').filter((line) => line.trim() && !line.startsWith('[exit'));
}

describe('text that fits the terminal', () => {
  it.each([60, 80, 120])('conversations at %i columns: one line per conversation, none past the edge', async (width) => {
    const lines = await screenAt(['conversations'], width);
    for (const line of lines) expect(displayWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
    const prefixes = Object.values(SEED.conversations).map((id) => id.slice(0, 4));
    const rows = lines.filter((line) => prefixes.some((prefix) => line.startsWith(prefix)));
    expect(rows.length, lines.join('\n')).toBeGreaterThanOrEqual(4);
    // No row continues on a second line: every line of the table starts at column 0.
    const table = lines.slice(lines.findIndex((line) => line.startsWith('CONV')));
    expect(table.filter((line) => line.startsWith(' '))).toEqual([]);
    const maya = rows.find((line) => line.startsWith(MAYA.slice(0, 3)) && line.includes('@maya'))!;
    expect(maya, lines.join('\n')).toBeDefined();
    if (width >= 80) expect(maya).toMatch(/user \d+s ago: Is the/);
  });

  it.each([60, 80, 120])('messages at %i columns: a long body wraps under its column, words whole', async (width) => {
    const lines = await screenAt(['messages', MAYA], width);
    for (const line of lines) expect(displayWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
    const first = lines.findIndex((line) => line.includes('Is the'));
    expect(first, lines.join('\n')).toBeGreaterThan(-1);
    const body: string[] = [lines[first]!.slice(lines[first]!.indexOf('Is the'))];
    for (const line of lines.slice(first + 1)) {
      if (!/^ {4}/.test(line) || body.join(' ').includes('Thanks!')) break;
      body.push(line.trim());
    }
    // The continuation lines start at the message column, and rejoined they are the text, word for word.
    expect(body.join(' ').replace(/\s+/g, ' ')).toContain(LONG.replace(/\s+/g, ' ').trim());
  });
});
