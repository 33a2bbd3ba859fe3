// tail's terminal line: what a signed delivery carries cannot recolour or rewrite the screen.
import { describe, expect, it } from 'vitest';
import { displaySafe, escapeUnsafe } from '../../src/io/format.js';
import { renderEvent } from '../../src/tail/render.js';
import { decodeEvent } from '../../src/tiktok/events.js';
import type { Colors } from '../../src/io/io.js';

const plain = ((text: unknown) => String(text)) as unknown as Colors['bold'];
const COLORS: Colors = { bold: plain, cyan: plain, dim: plain, green: plain, red: plain, yellow: plain };

describe('renderEvent', () => {
  it('drops control characters from the text, names and ids a delivery carries', () => {
    const hostile = '\u001b[2J\u001b]0;owned\u0007';
    const content = {
      from: `mallory${hostile}`,
      to: 'acme',
      from_user: { id: 'u1', role: 'personal_account' },
      to_user: { id: 'biz', role: 'business_account' },
      conversation_id: `c1${hostile}`,
      message_id: 'm1',
      timestamp: 1_732_459_200_000,
      type: 'text',
      text: { body: `hi${hostile} there\u009b31m` },
      message_tag: { source: `app${hostile}` },
    };
    const event = decodeEvent(JSON.stringify({ event: 'im_receive_msg', user_openid: 'biz', create_time: 1, content: JSON.stringify(content) }));
    const line = renderEvent(event, { color: COLORS, accountLabel: `acme${hostile}` });
    expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(line).toContain('@mallory[2J]0;owned');
    expect(line).toContain('hi[2J]0;owned there31m');
    expect(line).toContain('conv c1[2J]0;owned');
  });

  it("shows a high-intent comment's id, which `send --comment-reply` needs", () => {
    const event = decodeEvent({
      event: 'im_receive_high_intent_comment',
      user_openid: '-000biz',
      content: JSON.stringify({ comment_id: '7455012345678901234', comment_text: 'How much?', conversation_id: 'c', from_user: { id: 'u' } }),
    });
    const line = renderEvent(event, { color: COLORS });
    expect(line).toContain('commented: How much?');
    expect(line).toContain('comment 7455012345678901234');
  });
});

describe('one definition of unsafe', () => {
  it("tail's visible escapes (escapeUnsafe) stand for exactly what displaySafe drops, over the BMP", () => {
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const character = String.fromCharCode(code);
      const dropped = displaySafe(character) === '';
      const escaped = escapeUnsafe(character);
      expect(escaped === `\\u${code.toString(16).padStart(4, '0')}`, `U+${code.toString(16)}`).toBe(dropped);
      if (!dropped) expect(escaped).toBe(character);
    }
  });

  it('an unreadable body is quoted with those escapes: bidi overrides and C1 controls visible, not acted on', () => {
    const event = decodeEvent('not json \u202e\u0085\u2066 end');
    const line = renderEvent(event, { color: COLORS });
    expect(line).toContain('"not json \\u202e\\u0085\\u2066 end"');
    expect(displaySafe(line)).toBe(line);
  });
});
