// Parse-only tests for `tail` and `tail replay` (gh's NewCmdX with a runF): the real program, built with a
// RunSpy, so every option is parsed and refused exactly as a user's argv would be, and nothing runs.
// tail has options of its own and a subcommand: the options after `replay` are replay's.
import { describe, expect, it } from 'vitest';
import { parseOnly } from '../helpers/parse-only.js';

// The one parse-only runner (test/helpers/parse-only.ts), under this file's short name.
const parse = parseOnly;

describe('tail', () => {
  it('parses every option', () => {
    expect(parse(['tail'])).toEqual({ path: ['tail'], options: {} });
    const { options } = parse([
      'tail',
      '--port',
      '8080',
      '--host',
      '0.0.0.0',
      '--path',
      '/hook',
      '--tolerance',
      '60',
      '--since',
      '1h',
      '--forward-to',
      'http://localhost:3000/',
      '--forward-timeout',
      '2.5',
      '--register',
      '--public-url',
      'https://example.ngrok.app/webhook',
      '--event',
      'message',
      'read',
      '--conversation',
      'c1',
      '--count',
      '3',
      '--timeout',
      '60',
      '--take-over',
    ]);
    expect(options).toEqual({
      port: 8080,
      host: '0.0.0.0',
      path: '/hook',
      tolerance: 60,
      since: '1h',
      forwardTo: 'http://localhost:3000/',
      forwardTimeout: '2.5',
      register: true,
      publicUrl: 'https://example.ngrok.app/webhook',
      event: ['message', 'read'],
      conversation: 'c1',
      count: 3,
      timeout: 60,
      takeOver: true,
    });
  });
  it('parses --poll bare and with seconds, and --port 0 (any free port)', () => {
    expect(parse(['tail', '--poll']).options).toEqual({ poll: true });
    expect(parse(['tail', '--poll', '2']).options).toEqual({ poll: '2' });
    expect(parse(['tail', '--port', '0']).options).toEqual({ port: 0 });
  });
  it('takes the global --json and --account wherever they are', () => {
    expect(parse(['--json', 'tail', '--count', '1']).options).toEqual({ count: 1 });
    expect(parse(['tail', '--count', '1', '--json']).options).toEqual({ count: 1 });
  });
  it('refuses numbers out of range, an operand, a flag without its value and an unknown flag', () => {
    expect(() => parse(['tail', '--port', '65536'])).toThrow(/--port must be a whole number from 0 to 65535 \(got "65536"\)/);
    expect(() => parse(['tail', '--tolerance', '0'])).toThrow(/--tolerance must be a whole number from 1 to 86400/);
    expect(() => parse(['tail', '--count', '0'])).toThrow(/--count must be a whole number from 1 to 1000000000/);
    expect(() => parse(['tail', '--count', '1.5'])).toThrow(/--count must be a whole number/);
    expect(() => parse(['tail', '--timeout', '31536001'])).toThrow(/--timeout must be a whole number from 1 to 31536000/);
    expect(() => parse(['tail', 'foo'])).toThrow(/too many arguments for 'tail'/);
    expect(() => parse(['tail', '--since'])).toThrow(/argument missing/);
    expect(() => parse(['tail', '--dry-run'])).toThrow(/unknown option '--dry-run'/);
  });
});

describe('tail replay', () => {
  it("parses its event ids and every option as its own, not tail's", () => {
    expect(parse(['tail', 'replay'])).toEqual({ path: ['tail', 'replay'], options: { eventIds: [] } });
    const { path, options } = parse([
      'tail',
      'replay',
      'e1',
      '-000e2',
      '--since',
      '2d',
      '--event',
      'message',
      '--conversation',
      'c1',
      '--forward-to',
      'http://localhost:3000/',
      '--forward-timeout',
      '5',
      '--dry-run',
    ]);
    expect(path).toEqual(['tail', 'replay']);
    expect(options).toEqual({
      eventIds: ['e1', '-000e2'],
      since: '2d',
      event: ['message'],
      conversation: 'c1',
      forwardTo: 'http://localhost:3000/',
      forwardTimeout: '5',
      dryRun: true,
    });
    expect(parse(['--json', 'tail', 'replay', '--since', '1h']).options).toEqual({ eventIds: [], since: '1h' });
  });
  it("refuses tail's own flags after replay, and an unknown flag", () => {
    expect(() => parse(['tail', 'replay', '--port', '1'])).toThrow(/unknown option '--port'/);
    expect(() => parse(['tail', 'replay', '--since', '1h', '--take-over'])).toThrow(/unknown option '--take-over'/);
    expect(() => parse(['tail', 'replay', '--forward-to'])).toThrow(/argument missing/);
  });
});
