// `@username` → conversation id (issue 24 item 9) when TikTok's lists hold the same user twice (a SINGLE and
// a STRANGER conversation): refused with both ids. The client answers with TikTok's wire shapes (§4).
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { resolveUsername, usernameTarget } from '../../src/conversation/username.js';

const BUSINESS = 'biz-1';
const CONVERSATIONS: Record<string, string[]> = { SINGLE: ['c-single', 'c-tom'], STRANGER: ['c-stranger'] };
const WRITER: Record<string, string> = { 'c-single': 'maya.lopez', 'c-stranger': 'maya.lopez', 'c-tom': 'tom.wright' };

const client = {
  async get(path: string, options: { query: Record<string, unknown> }) {
    if (path === 'business/message/conversation/list/') {
      const ids = CONVERSATIONS[options.query.conversation_type as string] ?? [];
      return { data: { conversations: ids.map((id) => ({ conversation_id: id, update_time: 1 })), has_more: false, cursor: 0 } };
    }
    const id = options.query.conversation_id as string;
    return {
      data: {
        messages: [
          {
            message_id: `m-${id}`,
            timestamp: 1_000,
            message_type: 'TEXT',
            conversation_id: id,
            from_user: { id: `u-${WRITER[id]}`, role: 'PERSONAL_ACCOUNT' },
            to_user: { id: BUSINESS, role: 'BUSINESS_ACCOUNT' },
            sender: WRITER[id],
            recipient: 'acme',
            text: { body: 'hi' },
          },
        ],
        participants: [],
      },
    };
  },
};
const session = { client: client as never, call: <T>(fn: (token: string) => Promise<T>) => fn('token') };

describe('resolveUsername', () => {
  it('one match: its conversation id; case does not matter', async () => {
    expect(usernameTarget('@Tom.Wright')).toBe('tom.wright');
    expect(usernameTarget('mY3+hQ1/acMeMaYaL0pezQ==')).toBeUndefined();
    expect(await resolveUsername(session, BUSINESS, 'tom.wright', 'Acme', 2_000)).toBe('c-tom');
  });

  it('two conversations with the same user: refused (validation) with both ids', async () => {
    const error = await resolveUsername(session, BUSINESS, 'maya.lopez', 'Acme', 2_000).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).kind).toBe('validation');
    expect((error as CliError).message).toBe('@maya.lopez has 2 conversations with Acme: c-single, c-stranger.');
    expect((error as CliError).details?.candidates).toEqual([
      { conversation_id: 'c-single', username: 'maya.lopez' },
      { conversation_id: 'c-stranger', username: 'maya.lopez' },
    ]);
  });
});
