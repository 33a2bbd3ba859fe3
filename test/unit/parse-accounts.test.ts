// Parse-only tests of the account and token commands: accounts, accounts use, rename, disconnect,
// status, refresh. Every option's parsing, then its refusals, with nothing run.
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { parseOnly as parse } from '../helpers/parse-only.js';

/** The usage error (exit 2) a parser throws, with its message. */
function refusal(argv: string[]): CliError {
  try {
    parse(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return error as CliError;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('accounts', () => {
  it('takes no options or arguments', () => {
    expect(parse(['accounts'])).toEqual({ path: ['accounts'], options: {} });
    expect(parse(['--account', '@acme', '--json', 'accounts'])).toEqual({ path: ['accounts'], options: {} });
  });
  it('refuses an argument and an unknown flag', () => {
    expect(() => parse(['accounts', 'list'])).toThrow(/too many arguments for 'accounts'/);
    expect(() => parse(['accounts', '--all'])).toThrow(/unknown option '--all'/);
  });
});

describe('accounts use', () => {
  it('parses the account (trimmed; a business id starting with "-" with or without --)', () => {
    expect(parse(['accounts', 'use', '  Acme support '])).toEqual({ path: ['accounts', 'use'], options: { account: 'Acme support' } });
    expect(parse(['accounts', 'use', '-000SbXacme']).options).toEqual({ account: '-000SbXacme' });
    expect(parse(['accounts', 'use', '--', '-000SbXacme']).options).toEqual({ account: '-000SbXacme' });
    expect(parse(['accounts', 'use', '@acme.studio']).options).toEqual({ account: '@acme.studio' });
  });
  it('refuses a blank account, a missing one and a second one', () => {
    const blank = refusal(['accounts', 'use', ' ']);
    expect(blank.message).toBe('The account is empty; it needs a channel name, @username or business_id.');
    expect(blank.hint).toMatch(/accounts` lists/);
    expect(() => parse(['accounts', 'use'])).toThrow(/missing required argument 'account'/);
    expect(() => parse(['accounts', 'use', 'a', 'b'])).toThrow(/too many arguments for 'use'/);
  });
});

describe('rename', () => {
  it('parses the name, trimmed, and --account before or after it', () => {
    expect(parse(['rename', '  Acme EU  '])).toEqual({ path: ['rename'], options: { name: 'Acme EU' } });
    expect(parse(['--account', '@acme', 'rename', 'Acme EU']).options).toEqual({ name: 'Acme EU' });
    expect(parse(['rename', 'Acme EU', '--account', '@acme']).options).toEqual({ name: 'Acme EU' });
    expect(parse(['rename', 'x'.repeat(80)]).options).toEqual({ name: 'x'.repeat(80) });
  });
  it('refuses an empty name, one over 80 characters, control characters, and no name', () => {
    expect(refusal(['rename', '   ']).message).toBe('The new name must not be empty.');
    expect(refusal(['rename', 'x'.repeat(81)]).message).toBe('The new name is longer than 80 characters.');
    expect(refusal(['rename', 'Acme\x1b[31m']).message).toMatch(/^The new name holds control characters/);
    expect(refusal(['rename', 'Acme\u0085']).message).toMatch(/control characters/);
    expect(() => parse(['rename'])).toThrow(/missing required argument 'name'/);
    expect(() => parse(['rename', 'a', 'b'])).toThrow(/too many arguments for 'rename'/);
  });
});

describe('disconnect', () => {
  it('parses --keep-token', () => {
    expect(parse(['disconnect'])).toEqual({ path: ['disconnect'], options: {} });
    expect(parse(['disconnect', '--keep-token']).options).toEqual({ keepToken: true });
  });
  it('refuses an argument and a near-miss flag', () => {
    expect(() => parse(['disconnect', '@acme'])).toThrow(/too many arguments for 'disconnect'/);
    expect(() => parse(['disconnect', '--keep'])).toThrow(/unknown option '--keep'/);
  });
});

describe('status', () => {
  it('parses --offline', () => {
    expect(parse(['status'])).toEqual({ path: ['status'], options: {} });
    expect(parse(['status', '--offline']).options).toEqual({ offline: true });
  });
  it('refuses an argument and an unknown flag', () => {
    expect(() => parse(['status', 'acme'])).toThrow(/too many arguments for 'status'/);
    expect(() => parse(['status', '--online'])).toThrow(/unknown option '--online'/);
  });
});

describe('refresh', () => {
  it('parses every option, with --timeout 300 and browser and PKCE on by default', () => {
    expect(parse(['refresh'])).toEqual({ path: ['refresh'], options: { timeout: 300, browser: true, pkce: true } });
    expect(parse(['refresh', '--reauthorize', '--port', '8723', '--no-browser', '--timeout', '60', '--no-pkce']).options).toEqual({
      reauthorize: true,
      port: 8723,
      browser: false,
      timeout: 60,
      pkce: false,
    });
    expect(parse(['refresh', '--reauthorize', '--port', '0', '--timeout', '86400']).options).toMatchObject({ port: 0, timeout: 86_400 });
  });
  it('refuses a port or timeout out of range or not a whole number, and a flag without its value', () => {
    expect(refusal(['refresh', '--port', '65536']).message).toBe('--port must be a whole number from 0 to 65535 (got "65536").');
    expect(refusal(['refresh', '--port', '80.5']).message).toMatch(/--port must be a whole number/);
    expect(refusal(['refresh', '--timeout', '0']).message).toBe('--timeout must be a whole number from 1 to 86400 (got "0").');
    expect(refusal(['refresh', '--timeout', '86401']).message).toMatch(/--timeout must be a whole number from 1 to 86400/);
    expect(refusal(['refresh', '--timeout', 'soon']).message).toMatch(/\(got "soon"\)/);
    expect(() => parse(['refresh', '--port'])).toThrow(/option '--port <n>' argument missing/);
    expect(() => parse(['refresh', '--browser'])).toThrow(/unknown option '--browser'/);
  });
});
