// One parser for the flags whose number of seconds is optional: send --wait-reply, qr --wait, tail --poll.
import { describe, expect, it } from 'vitest';
import { waitSeconds } from '../../src/commands/qr/impl.js';
import { waitReplySeconds } from '../../src/commands/send/draft.js';
import { pollSeconds } from '../../src/tail/options.js';

describe('optional seconds', () => {
  it('absent, bare and written values', () => {
    expect([waitSeconds(undefined), waitSeconds(true), waitSeconds('45')]).toEqual([undefined, 300, 45]);
    expect([pollSeconds(undefined), pollSeconds(true), pollSeconds('0.5'), pollSeconds(' 2 ')]).toEqual([undefined, 5, 0.5, 2]);
    expect(waitReplySeconds({ waitReply: '60' })).toBe(60);
  });

  it('whole-second flags take digits only, the same way', () => {
    for (const bad of ['1e2', '1.0', '0', '86401', '', 'soon']) {
      expect(() => waitSeconds(bad), bad).toThrow(/--wait takes whole seconds from 1 to 86400/);
      expect(() => waitReplySeconds({ waitReply: bad }), bad).toThrow(
        /--wait-reply takes whole seconds from 1 to \d+ \(got .*\); without a value it waits 300 s/,
      );
    }
  });

  it('--poll takes fractional seconds within its range', () => {
    for (const bad of ['0.4', '3601', '', 'often', 'Infinity']) expect(() => pollSeconds(bad), bad).toThrow(/--poll takes seconds from 0.5 to 3600/);
  });
});
