import { describe, expect, it } from 'vitest';
import { colorLevel, createTestIO, isCI } from '../../src/io/io.js';

describe('IO', () => {
  it('decides colour once: NO_COLOR > FORCE_COLOR > TTY, and --no-color over all', () => {
    expect(colorLevel({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true })).toBe(0);
    expect(colorLevel({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(1);
    expect(colorLevel({ env: { FORCE_COLOR: '0' }, isTTY: true })).toBe(0);
    expect(colorLevel({ env: {}, isTTY: true })).toBe(1);
    expect(colorLevel({ env: {}, isTTY: false })).toBe(0);
    expect(colorLevel({ env: { FORCE_COLOR: '3' }, isTTY: true, flag: false })).toBe(0);
  });

  it('never prompts without TTYs or under CI', () => {
    expect(createTestIO({ stdinTTY: true, stdoutTTY: true }).io.canPrompt()).toBe(true);
    expect(createTestIO({ stdinTTY: false, stdoutTTY: true }).io.canPrompt()).toBe(false);
    expect(createTestIO({ stdinTTY: true, stdoutTTY: false }).io.canPrompt()).toBe(false);
    expect(createTestIO({ stdinTTY: true, stdoutTTY: true, env: { CI: 'true' } }).io.canPrompt()).toBe(false);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
  });

  it('keeps data on stdout and messages on stderr; JSON is one document', () => {
    const test = createTestIO({ json: true });
    test.io.info('working…');
    test.io.warn('careful');
    test.io.printJson({ a: 1 });
    expect(JSON.parse(test.stdout())).toEqual({ a: 1 });
    expect(test.stderr()).toContain('working…');
    expect(test.stderr()).toContain('warning: careful');
  });

  it('shows a spinner only on a TTY and never in JSON mode', async () => {
    const tty = createTestIO({ stderrTTY: true });
    expect(await tty.io.progress('Fetching', async () => 42)).toBe(42);
    expect(tty.stderr()).toContain('Fetching');
    const pipe = createTestIO({ stderrTTY: false });
    await pipe.io.progress('Fetching', async () => 1);
    expect(pipe.stderr()).toBe('');
    const json = createTestIO({ stderrTTY: true, json: true });
    await json.io.progress('Fetching', async () => 1);
    expect(json.stderr()).toBe('');
  });

  it('prints debug lines only with --debug', () => {
    const quiet = createTestIO();
    quiet.io.debugLog('GET /x');
    expect(quiet.stderr()).toBe('');
    const loud = createTestIO({ debug: true });
    loud.io.debugLog('GET /x');
    expect(loud.stderr()).toContain('[debug] GET /x');
  });
});
