// Parse-only tests of `doctor`: every option's parsing, then its refusals, with nothing run.
import { describe, expect, it } from 'vitest';
import { parseOnly as parse } from '../helpers/parse-only.js';

describe('doctor', () => {
  it('parses every option', () => {
    expect(parse(['doctor'])).toEqual({ path: ['doctor'], options: {} });
    expect(parse(['doctor', '--all-accounts', '--verbose', '--strict', '--fix']).options).toEqual({
      allAccounts: true,
      verbose: true,
      strict: true,
      fix: true,
    });
    // --account is the program's: doctor itself refuses it with --all-accounts when it runs.
    expect(parse(['--account', '@acme', 'doctor', '--strict']).options).toEqual({ strict: true });
  });
  it('refuses an argument, a misspelt flag and a value for a flag', () => {
    expect(() => parse(['doctor', 'token'])).toThrow(/too many arguments for 'doctor'/);
    expect(() => parse(['doctor', '--all-account'])).toThrow(/unknown option '--all-account'/);
    expect(() => parse(['doctor', '--fix=token'])).toThrow(/unknown option '--fix=token'/);
  });
});
