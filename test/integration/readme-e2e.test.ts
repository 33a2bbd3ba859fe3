// README.md followed literally on a clean clone: the "Set up" section's commands are read from the
// clone's own README (not retyped here), its set-up command runs in the clone (npm ci from the local
// cache), then the main job, then "Install for use" (pack, global install into a temp prefix, first run);
// the test fails when README drifts from what works.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/cli.js';

interface SetUpCommand {
  /** The comment above the command, e.g. "run the tests (…)". */
  label: string;
  /** The whole line, as README has it. */
  line: string;
  setUp: string;
  job: string;
}

/** The commands of the first sh block under "## Set up", each `<set-up> && <job>` below its comment. */
function setUpCommands(readme: string): SetUpCommand[] {
  const section = readme.split(/^## Set up$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('README.md has no "## Set up" section');
  const block = section.match(/^```sh\n([\s\S]*?)^```$/m)?.[1];
  if (!block) throw new Error('README.md\'s "Set up" section has no ```sh block');
  const commands: SetUpCommand[] = [];
  let label = '';
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      label = line.replace(/^#\s*/, '');
      continue;
    }
    const split = line.indexOf(' && ');
    if (split < 0) throw new Error(`Set-up command without "<set-up> && <job>": ${line}`);
    commands.push({ label, line, setUp: line.slice(0, split), job: line.slice(split + 4) });
  }
  return commands;
}

function sh(command: string, cwd: string, env: Record<string, string>, timeoutMs: number) {
  const started = Date.now();
  const result = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`, stdout: result.stdout, ms: Date.now() - started };
}

describe('README followed literally', () => {
  it('on a clean clone, the set-up command and the main job work as written', () => {
    const clone = join(mkdtempSync(join(tmpdir(), 'ttc-readme-')), 'tiktok-channel');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    execFileSync('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]);
    execFileSync('git', ['checkout', '--quiet', head], { cwd: clone });
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);

    const commands = setUpCommands(readFileSync(join(clone, 'README.md'), 'utf8'));
    const mainJob = commands.find((command) => /main job/i.test(command.label));
    const tests = commands.find((command) => /tests/i.test(command.label));
    expect(mainJob, 'README\'s "Set up" block names the main job').toBeTruthy();
    expect(tests, 'README\'s "Set up" block names how to run the tests').toBeTruthy();
    // One set-up command for everything, so a reader runs it once.
    expect(new Set(commands.map((command) => command.setUp)).size).toBe(1);

    // The tests' command is the suite this very test belongs to: check that it exists, not run it again.
    const scripts = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const job of tests!.job.split(' && ')) {
      const script = job.match(/^npm (?:run )?([\w:-]+)$/)?.[1];
      expect(script && scripts[script], `"${job}" is not a script of package.json`).toBeTruthy();
    }

    // npm ci from the local cache: the registry is only asked for what the cache lacks.
    const env = cleanEnv({ CI: 'true', NO_COLOR: '1', npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' });
    const setUp = sh(mainJob!.setUp, clone, env, 240_000);
    expect(setUp.status, `${mainJob!.setUp}\n${setUp.output}`).toBe(0);

    // The job builds what it runs (no install script does: the published manifest has none).
    const job = sh(mainJob!.job, clone, env, 120_000);
    expect(job.status, `${mainJob!.job}\n${job.output}`).toBe(0);
    expect(existsSync(join(clone, 'dist/cli.js')), 'the main job builds dist/').toBe(true);
    // What the label promises: connect, a user writes, list, reply.
    expect(job.output).toMatch(/Connected/);
    expect(job.output).toMatch(/wrote/);
    expect(job.output).toMatch(/Sent message \S+/);
    console.log(`README set-up: ${setUp.ms} ms; main job: ${job.ms} ms`);

    // "Install for use", as printed: pack in the clone, install the tarball globally (into a temp
    // prefix), run the installed command.
    const install = readFileSync(join(clone, 'README.md'), 'utf8')
      .split(/^### Install for use$/m)[1]
      ?.match(/^```sh\n([\s\S]*?)^```$/m)?.[1];
    expect(install, 'README has an "Install for use" sh block').toBeTruthy();
    const prefix = mkdtempSync(join(tmpdir(), 'ttc-prefix-'));
    const installEnv = {
      ...env,
      npm_config_prefix: prefix,
      PATH: `${join(prefix, 'bin')}:${env.PATH}`,
      TIKTOK_CHANNEL_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'ttc-installed-')),
    };
    for (const line of install!
      .split('\n')
      .map((raw) => raw.replace(/\s+#.*$/, '').trim())
      .filter(Boolean)) {
      const step = sh(line, clone, installEnv, 180_000);
      expect(step.status, `${line}\n${step.output}`).toBe(0);
      expect(step.output, line).not.toMatch(/npm warn/);
    }
    expect(existsSync(join(prefix, 'bin/tiktok-channel')), 'the install block installs the command').toBe(true);
  }, 480_000);
});
