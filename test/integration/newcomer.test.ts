// A new user's first hour (issue 24, items 8–11, 13, 14, 16): the CLI run as a person runs it, as a
// child process, in-process through main(), or in a real terminal (tmux at 80 columns), against the
// embedded or a served sandbox.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, parseJson, ROOT, runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { embeddedAccount, readStore, SEED, startServedSandbox, type ServedSandbox } from '../helpers/sandbox.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';
import { CliError } from '../../src/errors.js';
import { keepTypedText } from '../../src/conversation/unsent.js';

const MAYA = 'mY3+hQ1/acMeMaYaL0pezQ==';
const PRIYA = 'UHJp+WEr/2NvZGVzQWNtZQ=='; // seeded with a closed window

let sandbox: ServedSandbox;
const sessions: TmuxSession[] = [];
beforeAll(async () => {
  sandbox = await startServedSandbox();
});
afterAll(async () => {
  for (const session of sessions) session.kill();
  await sandbox?.close();
});

function tmux(args: string[], configDir: string, env: Record<string, string> = {}): TmuxSession {
  const session = startTmux([process.execPath, BIN, ...args], { env: { TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1', ...env }, width: 80, height: 40 });
  sessions.push(session);
  return session;
}

describe('connect: every prompt has a flag (item 8)', { timeout: 40_000 }, () => {
  it('with --client-key, --client-secret, --port and --no-browser nothing prompts on a terminal', async () => {
    const configDir = tempConfigDir();
    const { apiBaseUrl, authUrl, clientKey, clientSecret } = sandbox.server;
    const session = tmux(['connect', '--client-key', clientKey, '--client-secret', clientSecret, '--port', '0', '--no-browser', '--timeout', '20'], configDir, {
      TIKTOK_CHANNEL_API_BASE_URL: apiBaseUrl,
      TIKTOK_CHANNEL_AUTH_URL: authUrl,
    });
    const screen = await session.waitFor(/http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/\?\S+|Channel name|Region the TikTok/);
    expect(screen).not.toMatch(/Channel name|Region the TikTok/);
    expect(screen).toMatch(/pass --name .* and --region/);
    const url = screen.replace(/\n/g, '').match(/http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/\?\S+?(?=\s|$|\(|Waiting)/)![0];
    await fetch(await sandbox.approve(url));
    expect(await session.waitFor(/\[exit \d+\]/, 15_000)).toContain('[exit 0]');
    expect(readStore(configDir).accounts[SEED.defaultBusinessId].channelName).toBe('acme.studio');
  });

  it('without --port, says which redirect URI to register', async () => {
    const { clientKey, clientSecret } = sandbox.server;
    const result = await runCli(['connect', '--client-key', clientKey, '--client-secret', clientSecret, '--no-browser', '--timeout', '1'], {
      configDir: tempConfigDir(),
      env: sandbox.env(),
    });
    expect(result.code).toBe(3); // no approval within --timeout
    expect(result.stderr).toMatch(/random free port.*http:\/\/127\.0\.0\.1:\*\/callback\//s);
    expect(result.stderr).toMatch(/register http:\/\/127\.0\.0\.1:8723\/callback\/ and run `tiktok-channel connect --port 8723`/);
  });
});

describe('@username instead of a conversation id (item 9)', { timeout: 40_000 }, () => {
  it('send --to @maya.lopez and messages @maya.lopez find her conversation', async () => {
    const configDir = await embeddedAccount();
    const sent = await runInProcess(['send', '--to', '@maya.lopez', '--text', 'Yes, in stock', '--json'], { configDir });
    expect(sent.code, sent.stderr).toBe(0);
    expect(parseJson(sent.stdout)).toMatchObject({ conversation_id: MAYA, to: { username: 'maya.lopez' } });
    const read = await runInProcess(['messages', '@Maya.Lopez', '--json'], { configDir });
    expect(read.code, read.stderr).toBe(0);
    expect(parseJson(read.stdout).messages.at(-1).text).toBe('Yes, in stock');
  });

  it('an unknown @name is refused (exit 2) with the candidates', async () => {
    const configDir = await embeddedAccount();
    const result = await runInProcess(['send', '--to', '@maya', '--text', 'Hi', '--json'], { configDir });
    expect(result.code).toBe(2);
    const error = parseJson(result.stdout).error;
    expect(error.message).toMatch(/No conversation with @maya .*@maya\.lopez/);
    expect(error.candidates).toEqual([{ username: 'maya.lopez', conversation_id: MAYA }]);
  });

  it('messages without an id points at conversations; --share-post help says where an id comes from', async () => {
    const result = await runInProcess(['messages'], { configDir: tempConfigDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/hint: Run `tiktok-channel conversations`/);
    const help = await runInProcess(['send', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(
      /--share-post <item_id> share one of the account's own public posts: the digits at the end of its video URL/,
    );
  });
});

describe('send --text - on a terminal (item 10)', { timeout: 40_000 }, () => {
  it('checks the window before asking for the text', async () => {
    const configDir = await embeddedAccount();
    const session = tmux(['send', '--to', PRIYA, '--text', '-'], configDir);
    const screen = await session.waitFor(/\[exit \d+\]|Type the message/);
    expect(screen).not.toContain('Type the message');
    expect(screen).toContain('[exit 5]');
    expect(screen).toMatch(/48-hour window of this conversation closed/);
  });

  it('a text refused after it was typed is saved (0600, in the config dir) and the error says where', async () => {
    const configDir = await embeddedAccount();
    const session = tmux(['send', '--to', MAYA, '--text', '-'], configDir);
    await session.waitFor(/Type the message/);
    // Ctrl-V Ctrl-A types a literal control character, which checkText refuses after reading.
    session.type('Our shop opens at nine');
    session.keys('C-v', 'C-a');
    session.type(' tomorrow');
    session.keys('Enter', 'C-d');
    const screen = await session.waitFor(/\[exit \d+\]/);
    expect(screen).toContain('[exit 2]');
    const path = screen.replace(/\n/g, '').match(/saved in (\S+\.txt)/)?.[1];
    expect(path, screen).toBeDefined();
    expect(path!.startsWith(configDir)).toBe(true);
    expect(readFileSync(path!, 'utf8')).toBe('Our shop opens at nine\u0001 tomorrow\n');
    expect(statSync(path!).mode & 0o777).toBe(0o600);
  });
});

it('a Ctrl-C after the text was typed says where the text is, not just a blank line', async () => {
  const dir = tempConfigDir();
  const error = await keepTypedText(
    { store: () => ({ dir }) as never, now: () => Date.UTC(2026, 0, 2) },
    new CliError('cancelled', 'Cancelled.'),
    'Typed at length',
  );
  expect(error.message).toBe('Cancelled; the message was not sent.');
  const path = error.hint.match(/saved in (\S+\.txt)/)![1]!;
  expect(readFileSync(path, 'utf8')).toBe('Typed at length\n');
  expect(error.details).toMatchObject({ unsent_text_path: path });
});

describe('Ctrl-C says what happened (item 11)', { timeout: 40_000 }, () => {
  it('during send --wait-reply: the message was sent, only the wait stopped', async () => {
    const configDir = await embeddedAccount();
    const cli = startCli(['send', '--to', MAYA, '--text', 'Which size?', '--wait-reply', '60'], { configDir });
    await cli.waitForStderr(/Waiting up to 60 s/);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/The message \d+ was sent; stopped waiting for a reply\./);
  });

  it('while connect waits for the browser: sign-in cancelled, nothing stored', async () => {
    const configDir = tempConfigDir();
    const { clientKey, clientSecret } = sandbox.server;
    const cli = startCli(['connect', '--client-key', clientKey, '--client-secret', clientSecret, '--no-browser', '--port', '0'], {
      configDir,
      env: sandbox.env(),
    });
    await cli.authorizeUrl();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Sign-in cancelled; nothing was stored.');
    expect(existsSync(`${configDir}/accounts.json`) ? Object.keys(readStore(configDir).accounts) : []).toEqual([]);
  });
});

describe('wording (item 13)', { timeout: 40_000 }, () => {
  it('sandbox message names the whole username', async () => {
    const configDir = await embeddedAccount();
    const result = await runInProcess(['sandbox', 'message', '--from', 'maya', '--text', 'Hi'], { configDir });
    expect(result.stdout).toMatch(/^@maya\.lopez wrote "Hi"/);
  });

  it('one character too many is "1 character"; help and errors both say 3 MiB; --link-card is explained', async () => {
    const configDir = await embeddedAccount();
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'x'.repeat(6001)], { configDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Shorten it by 1 character, or split');
    const help = (await runInProcess(['send', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('up to 3 MiB');
    expect(help).not.toMatch(/3 MB\b/);
    expect(help).toMatch(/--link-card with --card: TikTok's other Q&A card type \(QA_LINK_CARD/);
    const codes = (await runInProcess(['help', 'exit-codes'])).stdout;
    expect(codes).toContain('image over 3 MiB');
  });

  it('doctor joins its config findings without ".;"', async () => {
    const result = await runInProcess(['doctor'], { configDir: tempConfigDir() });
    const output = result.stdout + result.stderr;
    expect(output).toContain('No TikTok account is connected; the app');
    expect(output).not.toContain('.;');
  });

  it('the --reply-to warning says 20, as messages does', async () => {
    const configDir = await embeddedAccount();
    const result = await runInProcess(['send', '--to', MAYA, '--text', 'ok', '--reply-to', '123', '--dry-run'], { configDir });
    expect(result.stderr).toContain("not among the conversation's 20 most recent messages");
  });
});

describe('guidance after connect, and the demo (item 14)', { timeout: 60_000 }, () => {
  it('connect prints the next steps on stderr, never in --json', async () => {
    const human = await runInProcess(['connect', '--sandbox'], { configDir: tempConfigDir() });
    expect(human.code).toBe(0);
    for (const command of ['conversations', 'tail', 'qr', 'doctor']) expect(human.stderr).toMatch(new RegExp(`Next steps:[^]*tiktok-channel ${command} `));
    const json = await runInProcess(['connect', '--sandbox', '--json'], { configDir: tempConfigDir() });
    expect(json.stderr).not.toContain('Next steps');
    expect(Object.keys(parseJson(json.stdout))).toEqual(['account', 'created']);
  });

  it('npm run demo prints a heading per step and ends with what to try next', async () => {
    const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      // --ignore-scripts skips predemo's build: the suite runs on the dist/ it built, which a rebuild would
      // rewrite under the tests running beside this one (readme-e2e runs predemo and demo in a clean clone).
      const child = spawn('npm', ['run', '--silent', '--ignore-scripts', 'demo'], { cwd: ROOT, env: cleanEnv({ CI: 'true' }) });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, text }));
    });
    expect(output.code, output.text).toBe(0);
    const headings = [...output.text.matchAll(/^== (.+) ==$/gm)].map((match) => match[1]);
    expect(headings).toEqual([
      '1/6 Connect an account of the built-in sandbox',
      '2/6 A customer writes (you play @maya.lopez)',
      '3/6 Your conversations',
      '4/6 Reply to @maya.lopez',
      '5/6 Read the conversation',
      '6/6 Your chat link as a QR code',
      'What to try next',
    ]);
    expect(output.text.slice(output.text.indexOf('== What to try next =='))).toMatch(/sandbox phone[\s\S]*tail[\s\S]*doctor/);
  });
});

describe('links in a message (item 16)', { timeout: 40_000 }, () => {
  it('send warns once about a link (stderr, "warnings" in JSON) and still sends', async () => {
    const configDir = await embeddedAccount();
    const withLink = await runInProcess(['send', '--to', MAYA, '--text', 'Order here: https://acme.shop/mug and www.acme.shop', '--json'], { configDir });
    expect(withLink.code, withLink.stderr).toBe(0);
    expect(withLink.stderr.match(/links in chats as plain text/g)).toHaveLength(1);
    const sent = parseJson(withLink.stdout);
    expect(sent.message_id).toMatch(/^\d+$/);
    expect(sent.warnings).toEqual([expect.stringMatching(/link.*plain text that cannot be tapped/)]);
    const plain = await runInProcess(['send', '--to', MAYA, '--text', 'Thanks!', '--json'], { configDir });
    expect(plain.stderr).not.toContain('plain text');
    expect(parseJson(plain.stdout).warnings).toEqual([]);
  });
});
