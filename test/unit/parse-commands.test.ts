// Parse-only tests (gh's NewCmdX with a runF): the real program, built with a RunSpy, so each
// definition-based command's options are parsed and refused exactly as a user's argv would be, and
// nothing runs. One table per command: every option's parsing, then its refusals.
import { describe, expect, it } from 'vitest';
import { parseOnly } from '../helpers/parse-only.js';

// The one parse-only runner (test/helpers/parse-only.ts), under this file's short name.
const parse = parseOnly;

describe('connect', () => {
  it('parses every option', () => {
    expect(parse(['connect']).options).toEqual({ timeout: 300, browser: true, pkce: true });
    const { options } = parse([
      'connect',
      '--client-key',
      'k',
      '--client-secret',
      's',
      '--port',
      '8723',
      '--no-browser',
      '--name',
      'Acme',
      '--region',
      'SG',
      '--timeout',
      '60',
      '--sandbox',
      '--no-pkce',
      '--scopes',
      'a,b',
    ]);
    expect(options).toEqual({
      clientKey: 'k',
      clientSecret: 's',
      port: 8723,
      browser: false,
      name: 'Acme',
      region: 'SG',
      timeout: 60,
      sandbox: true,
      pkce: false,
      scopes: 'a,b',
    });
  });
  it('refuses a bad port or timeout and an unknown flag', () => {
    expect(() => parse(['connect', '--port', '70000'])).toThrow(/--port must be a whole number from 0 to 65535/);
    expect(() => parse(['connect', '--timeout', '0'])).toThrow(/--timeout must be a whole number from 1 to 86400/);
    expect(() => parse(['connect', '--bogus'])).toThrow(/unknown option '--bogus'/);
  });
});

describe('conversations', () => {
  it('parses --type, default all', () => {
    expect(parse(['conversations']).options).toEqual({ type: 'all' });
    expect(parse(['conversations', '--type', 'stranger']).options).toEqual({ type: 'stranger' });
  });
  it('refuses another type', () => {
    expect(() => parse(['conversations', '--type', 'group'])).toThrow(/Allowed choices are single, stranger, all/);
  });
});

describe('messages', () => {
  it('parses the conversation (an id starting with "-" too, or @username) and --download-media', () => {
    expect(parse(['messages', '-000abc', '--download-media', 'media']).options).toEqual({ conversationId: '-000abc', downloadMedia: 'media' });
    expect(parse(['messages', '@maya.lopez']).options).toEqual({ conversationId: '@maya.lopez' });
    expect(parse(['messages']).options).toEqual({ conversationId: undefined });
  });
  it('refuses a second id and --download-media without a value', () => {
    expect(() => parse(['messages', 'a', 'b'])).toThrow(/too many arguments/);
    expect(() => parse(['messages', 'a', '--download-media'])).toThrow(/argument missing/);
  });
});

describe('send', () => {
  it('parses every option', () => {
    const { options } = parse([
      'send',
      '--to',
      'c1',
      '--text',
      'hi',
      '--image',
      'a.png',
      '--share-post',
      '123',
      '--card',
      'Size?',
      '--button',
      's:S',
      'm:M',
      '--link-card',
      '--action',
      'typing',
      '--comment-reply',
      'cm1',
      '--reply-to',
      'm1',
      '--wait-reply',
      '60',
      '--dry-run',
      '--force',
    ]);
    expect(options).toEqual({
      to: 'c1',
      text: 'hi',
      image: 'a.png',
      sharePost: '123',
      card: 'Size?',
      button: ['s:S', 'm:M'],
      linkCard: true,
      action: 'typing',
      commentReply: 'cm1',
      replyTo: 'm1',
      waitReply: '60',
      dryRun: true,
      force: true,
    });
    expect(parse(['send', '--to', 'c1', '--text', '-', '--wait-reply']).options).toEqual({ to: 'c1', text: '-', waitReply: true });
  });
  it('refuses another action, a flag without its value and an unknown flag', () => {
    expect(() => parse(['send', '--to', 'c', '--action', 'wave'])).toThrow(/Allowed choices are typing, mark-read/);
    expect(() => parse(['send', '--to'])).toThrow(/argument missing/);
    expect(() => parse(['send', '--to', 'c', '--txt', 'x'])).toThrow(/unknown option '--txt'/);
  });
});

describe('qr', () => {
  it('parses every option', () => {
    expect(parse(['qr']).options).toEqual({});
    expect(parse(['qr', '--message', 'Hi', '--ref', 'poster', '--output', 'q.png', '--wait', '30', '--port', '0']).options).toEqual({
      message: 'Hi',
      ref: 'poster',
      output: 'q.png',
      wait: '30',
      port: 0,
    });
    expect(parse(['qr', '--wait']).options).toEqual({ wait: true });
  });
  it('refuses a bad port', () => {
    expect(() => parse(['qr', '--wait', '--port', '-1'])).toThrow(/--port must be a whole number from 0 to 65535/);
  });
});

describe('comments, completion and help', () => {
  it('parse their positionals', () => {
    expect(parse(['comments', 'enable'])).toEqual({ path: ['comments'], options: { action: 'enable' } });
    expect(parse(['completion', 'fish'])).toEqual({ path: ['completion'], options: { shell: 'fish' } });
    expect(parse(['help', 'exit-codes'])).toEqual({ path: ['help'], options: { topic: 'exit-codes' } });
    expect(parse(['help']).options).toEqual({ topic: undefined });
  });
  it('refuse a missing or unknown choice', () => {
    expect(() => parse(['comments', 'on'])).toThrow(/Allowed choices are status, enable, disable/);
    expect(() => parse(['comments'])).toThrow(/missing required argument 'action'/);
    expect(() => parse(['completion', 'tcsh'])).toThrow(/Allowed choices are bash, zsh, fish/);
  });
});
