// `tail` with the embedded sandbox (connect --sandbox): it points the sandbox's callback at itself, so a
// `sandbox message` shows up within a second with nothing else running; on a real terminal (tmux) each
// event is one readable line, and Ctrl-C stops it with a summary and exit 130.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli, startCli } from '../helpers/cli.js';
import { embeddedAccount } from '../helpers/sandbox.js';
import { withEvents } from '../helpers/tail.js';
import { startTmux } from '../helpers/tmux.js';

describe('tail with the embedded sandbox', () => {
  it('registers itself as the sandbox callback and shows a sandbox message within a second', async () => {
    const configDir = await embeddedAccount();
    const tail = withEvents(startCli(['tail', '--port', '0'], { configDir, timeoutMs: 40_000 }), {});
    try {
      const [, callbackUrl] = await tail.waitForStderr(/The embedded sandbox now delivers to (http:\/\/127\.0\.0\.1:\d+\/webhook)/, 15_000);
      const sent = await runCli(['sandbox', 'message', '--text', 'Is the blue mug in stock?'], { configDir });
      expect(sent.code).toBe(0);
      // Within a second on an idle machine because the command itself delivered it: by the time it
      // returned, tail had answered 200 and nothing was left in the outbox to retry later.
      const state = JSON.parse(readFileSync(join(configDir, 'sandbox', 'state.json'), 'utf8'));
      expect(state.outbox).toEqual([]);
      expect(state.delivered.at(-1)).toMatchObject({
        event: 'im_receive_msg',
        last_status: 200,
        attempts: 1,
        callback_url: expect.stringContaining(callbackUrl!),
      });
      const [event] = await tail.waitForEvents(1);
      expect(event).toMatchObject({ kind: 'message', text: 'Is the blue mug in stock?', user: { username: 'maya.lopez' } });
    } finally {
      tail.child.kill('SIGINT');
      await tail.done;
    }
  });

  it('prints one readable line per event on a terminal, and Ctrl-C ends with a summary and exit 130', async () => {
    const configDir = await embeddedAccount();
    const session = startTmux([process.execPath, BIN, 'tail', '--port', '0'], { env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' }, width: 160 });
    try {
      await session.waitFor(/Ready! Listening on http:\/\/127\.0\.0\.1:\d+\/webhook \(Ctrl-C to quit\)/, 15_000);
      await session.waitFor(/The embedded sandbox now delivers to/);
      expect((await runCli(['sandbox', 'message', '--text', 'Is the blue mug in stock?'], { configDir })).code).toBe(0);
      await session.waitFor(/\d\d:\d\d:\d\d {2}← {2}@maya\.lopez {2}Is the blue mug in stock\? {2}conv mY3\+hQ1\/acMeMaYaL0pezQ==/);
      expect((await runCli(['sandbox', 'message', '--from', 'newbie', '--ref', 'spring-poster', '--text', 'Hi!'], { configDir })).code).toBe(0);
      await session.waitFor(/★ {2}@newbie {2}arrived via link spring-poster {2}conv /);
      await session.waitFor(/← {2}@newbie {2}Hi! {2}conv /);
      // Ctrl-C's signal, sent to tail alone (a C-c key would also stop the pane's shell before it reports).
      const shell = execFileSync('tmux', ['-L', session.name, 'list-panes', '-t', session.name, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim();
      const tailPid = Number(execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim().split('\n')[0]);
      process.kill(tailPid, 'SIGINT');
      const screen = await session.waitFor(/\[exit 130\]/);
      expect(screen).toMatch(/Stopped: 3 received, 3 printed, 0 refused\. Journal: .*journal/);
    } finally {
      session.kill();
    }
  });
});
