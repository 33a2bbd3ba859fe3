// The forward target's answer beside an event: whatever its body holds cannot rewrite the screen, and
// the line fits the terminal.
import { describe, expect, it } from 'vitest';
import { firstLine } from '../../src/tail/forwarder.js';
import { forwardJson, renderEvent, renderForward } from '../../src/tail/render.js';
import { decodeEvent } from '../../src/tiktok/events.js';
import { displayWidth } from '../../src/io/format.js';
import type { Colors } from '../../src/io/io.js';

const plain = ((text: unknown) => String(text)) as unknown as Colors['bold'];
const COLORS: Colors = { bold: plain, cyan: plain, dim: plain, green: plain, red: plain, yellow: plain };

describe('the forward answer', () => {
  it("shows status, time and the body's first line, display-safe", () => {
    const body = firstLine('\n  TypeError: \u001b[2Jboom\u202e\u0007 here\n    at handler (index.js:1:1)');
    expect(body).toBe('TypeError: \u001b[2Jboom\u202e\u0007 here');
    expect(renderForward({ status: 500, ms: 12, bodyPreview: body, willRetry: true }, COLORS)).toBe('→ 500 in 12 ms: TypeError: [2Jboom here  (will retry)');
    expect(renderForward({ error: 'ECONNREFUSED', ms: 1, bodyPreview: '' }, COLORS)).toBe('→ ECONNREFUSED in 1 ms');
    expect(forwardJson({ status: 200, ms: 3, bodyPreview: 'ok' })).toEqual({ status: 200, ms: 3, body_preview: 'ok' });
  });

  it('cuts the body preview so the event line fits the terminal, or puts the answer under it', () => {
    const event = decodeEvent(
      JSON.stringify({
        event: 'im_receive_msg',
        user_openid: 'biz',
        create_time: 1,
        content: JSON.stringify({
          from: 'maya',
          to: 'acme',
          from_user: { id: 'u1', role: 'personal_account' },
          to_user: { id: 'biz', role: 'business_account' },
          conversation_id: 'c1',
          message_id: 'm1',
          timestamp: 1_732_459_200_000,
          type: 'text',
          text: { body: 'hello' },
        }),
      }),
    );
    const forward = { status: 500, ms: 12, bodyPreview: `TypeError: ${'x'.repeat(300)}` };
    for (const columns of [60, 80, 120]) {
      const lines = renderEvent(event, { color: COLORS, forward, columns }).split('\n');
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      expect(lines.join('\n')).toMatch(/→ 500 in 12 ms: TypeError: x+…/);
    }
  });
});
