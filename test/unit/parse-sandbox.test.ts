// Parse-only tests for the `sandbox` verbs (gh's NewCmdX with a runF): the real program, built with a
// RunSpy, so every option is parsed and refused exactly as a user's argv would be, and nothing runs.
import { describe, expect, it } from 'vitest';
import { parseOnly } from '../helpers/parse-only.js';

// The one parse-only runner (test/helpers/parse-only.ts), under this file's short name.
const parse = parseOnly;

const CONTROL = ['--control-url', 'http://127.0.0.1:4010/sandbox'];
const SCENARIO_ERROR =
  /Allowed choices are healthy, eea, no-advanced-access, followers-only, expired-tokens, personal-account, media-blocked, advanced-access-rollout/;

describe('sandbox serve', () => {
  it('parses every option', () => {
    expect(parse(['sandbox', 'serve'])).toEqual({ path: ['sandbox', 'serve'], options: {} });
    const { options } = parse([
      'sandbox',
      'serve',
      '--port',
      '4010',
      '--latency',
      '250',
      '--auto-approve',
      '--rps',
      '10',
      '--require-pkce',
      '--strict-oauth',
      '--scenario',
      'eea',
    ]);
    expect(options).toEqual({ port: 4010, latency: 250, autoApprove: true, rps: 10, requirePkce: true, strictOauth: true, scenario: 'eea' });
  });
  it('refuses numbers out of range, an unknown scenario and --control-url', () => {
    expect(() => parse(['sandbox', 'serve', '--port', '70000'])).toThrow(/--port must be a whole number from 0 to 65535/);
    expect(() => parse(['sandbox', 'serve', '--latency', '60001'])).toThrow(/--latency must be a whole number from 0 to 60000/);
    expect(() => parse(['sandbox', 'serve', '--rps', '-1'])).toThrow(/--rps must be a whole number from 0 to 100000/);
    expect(() => parse(['sandbox', 'serve', '--scenario', 'sunny'])).toThrow(SCENARIO_ERROR);
    expect(() => parse(['sandbox', 'serve', ...CONTROL])).toThrow(/unknown option '--control-url'/);
  });
});

describe('sandbox token, clock, reset', () => {
  it('parse their options', () => {
    expect(parse(['sandbox', 'token'])).toEqual({ path: ['sandbox', 'token'], options: {} });
    expect(parse(['sandbox', 'token', ...CONTROL]).options).toEqual({ controlUrl: CONTROL[1] });
    expect(parse(['sandbox', 'clock', '--advance', '47h', ...CONTROL]).options).toEqual({ advance: '47h', controlUrl: CONTROL[1] });
    expect(parse(['sandbox', 'reset']).options).toEqual({});
    expect(parse(['sandbox', 'reset', '--scenario', 'expired-tokens', ...CONTROL]).options).toEqual({ scenario: 'expired-tokens', controlUrl: CONTROL[1] });
  });
  it('refuse clock without --advance, an unknown scenario and an unknown flag', () => {
    expect(() => parse(['sandbox', 'clock'])).toThrow(/required option '--advance <duration>' not specified/);
    expect(() => parse(['sandbox', 'clock', '--advance'])).toThrow(/argument missing/);
    expect(() => parse(['sandbox', 'reset', '--scenario', 'sunny'])).toThrow(SCENARIO_ERROR);
    expect(() => parse(['sandbox', 'token', '--text', 'x'])).toThrow(/unknown option '--text'/);
  });
});

describe('sandbox message', () => {
  it('parses every option', () => {
    const { options } = parse([
      'sandbox',
      'message',
      '--text',
      'Is this in stock?',
      '--from',
      'maya',
      '--ref',
      'spring',
      '--via-ad',
      '--eu',
      '--image',
      '--create-time-ms',
      '--casing',
      'upper',
      '--scene-type',
      '3',
      ...CONTROL,
    ]);
    expect(options).toEqual({
      text: 'Is this in stock?',
      from: 'maya',
      ref: 'spring',
      viaAd: true,
      eu: true,
      image: true,
      createTimeMs: true,
      casing: 'upper',
      sceneType: '3',
      controlUrl: CONTROL[1],
    });
  });
  it('refuses another casing and an unknown flag', () => {
    expect(() => parse(['sandbox', 'message', '--text', 'x', '--casing', 'title'])).toThrow(/Allowed choices are lower, upper/);
    expect(() => parse(['sandbox', 'message', '--txt', 'x'])).toThrow(/unknown option '--txt'/);
  });
});

describe('sandbox event', () => {
  it('parses the kind and every option', () => {
    expect(parse(['sandbox', 'event', 'sticker'])).toEqual({ path: ['sandbox', 'event'], options: { kind: 'sticker' } });
    const { options } = parse([
      'sandbox',
      'event',
      'reaction',
      '--from',
      'maya',
      '--button',
      'size-m',
      '--text',
      'hi',
      '--web',
      '--emoji',
      '❤️',
      '--message',
      'm1',
      '--remove',
      '--type',
      'welcome',
      '--action',
      'enable',
      '--status',
      'approved',
      '--name',
      'new_event',
      '--item',
      '123',
      '--reason',
      '2',
      '--create-time-ms',
      '--casing',
      'lower',
      '--scene-type',
      'x',
      ...CONTROL,
    ]);
    expect(options).toEqual({
      kind: 'reaction',
      from: 'maya',
      button: 'size-m',
      text: 'hi',
      web: true,
      emoji: '❤️',
      message: 'm1',
      remove: true,
      type: 'welcome',
      action: 'enable',
      status: 'approved',
      name: 'new_event',
      item: '123',
      reason: '2',
      createTimeMs: true,
      casing: 'lower',
      sceneType: 'x',
      controlUrl: CONTROL[1],
    });
  });
  it("refuses a missing kind, a second kind and another casing (an unknown kind is the command's own error, with the list)", () => {
    expect(() => parse(['sandbox', 'event'])).toThrow(/missing required argument 'kind'/);
    expect(() => parse(['sandbox', 'event', 'sticker', 'image'])).toThrow(/too many arguments/);
    expect(() => parse(['sandbox', 'event', 'sticker', '--casing', 'title'])).toThrow(/Allowed choices are lower, upper/);
    expect(parse(['sandbox', 'event', 'wave']).options).toEqual({ kind: 'wave' });
  });
});

describe('sandbox set', () => {
  it('parses every option', () => {
    const { options } = parse([
      'sandbox',
      'set',
      '--region',
      'de',
      '--advanced-access',
      'off',
      '--dm-setting',
      'followers',
      '--media',
      'on',
      '--risk-control',
      'on',
      ...CONTROL,
    ]);
    expect(options).toEqual({ region: 'de', advancedAccess: 'off', dmSetting: 'followers', media: 'on', riskControl: 'on', controlUrl: CONTROL[1] });
    expect(parse(['sandbox', 'set']).options).toEqual({});
  });
  it('refuses values outside each choice', () => {
    expect(() => parse(['sandbox', 'set', '--advanced-access', 'yes'])).toThrow(/Allowed choices are on, off/);
    expect(() => parse(['sandbox', 'set', '--dm-setting', 'nobody'])).toThrow(/Allowed choices are everyone, followers/);
    expect(() => parse(['sandbox', 'set', '--media', '1'])).toThrow(/Allowed choices are on, off/);
    expect(() => parse(['sandbox', 'set', '--risk-control', 'maybe'])).toThrow(/Allowed choices are on, off/);
  });
});

describe('sandbox phone', () => {
  it('parses every option; the browser opens unless --no-browser', () => {
    expect(parse(['sandbox', 'phone']).options).toEqual({ browser: true });
    expect(parse(['sandbox', 'phone', '--port', '4020', '--no-browser', ...CONTROL]).options).toEqual({ port: 4020, browser: false, controlUrl: CONTROL[1] });
  });
  it('refuses a bad port', () => {
    expect(() => parse(['sandbox', 'phone', '--port', 'x'])).toThrow(/--port must be a whole number from 0 to 65535/);
  });
});

describe('sandbox', () => {
  it('runs nothing itself: it is a group', () => {
    expect(() => parse(['sandbox', 'bogus'])).toThrow(/unknown command 'bogus'/);
  });
});
