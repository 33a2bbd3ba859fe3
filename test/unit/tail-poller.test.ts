// The poller's position is committed per conversation, and only for what was handed on: a conversation
// whose content/list fails (after the client's own retry) neither marks another conversation's messages
// seen without returning them, nor moves its own position; what was not printed (--count reached mid-
// batch) is read again next time. The state file on disk is what a restart reads.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { Poller, type PollSource } from '../../src/tail/poller.js';
import { decodeEvent, type DecodedEvent } from '../../src/tiktok/events.js';
import type { Conversation } from '../../src/tiktok/messaging-api.js';

const BIZ = '-000PollBiz';

function message(conversationId: string, id: string, timestamp: number): DecodedEvent {
  return decodeEvent({
    event: 'im_receive_msg',
    user_openid: BIZ,
    content: JSON.stringify({
      conversation_id: conversationId,
      message_id: id,
      timestamp,
      type: 'text',
      text: { body: id },
      from_user: { id: 'u', role: 'personal_account' },
      to_user: { id: BIZ, role: 'business_account' },
    }),
  });
}

/** Two conversations; `failing` makes content/list of that conversation fail as a reset would. */
function world() {
  const conversations = new Map<string, { updateTime: number; messages: DecodedEvent[] }>();
  const state = { failing: new Set<string>(), clock: 1_000 };
  const add = (conversationId: string, id: string) => {
    state.clock += 1_000;
    const conversation = conversations.get(conversationId) ?? { updateTime: 0, messages: [] };
    conversation.messages.push(message(conversationId, id, state.clock));
    conversation.updateTime = state.clock;
    conversations.set(conversationId, conversation);
  };
  const source: PollSource = {
    businessId: BIZ,
    async listConversations(type) {
      if (type !== 'SINGLE') return [];
      return [...conversations.entries()]
        .sort((a, b) => b[1].updateTime - a[1].updateTime)
        .map(([conversationId, value]) => ({ conversationId, updateTime: value.updateTime }) as Conversation);
    },
    async listMessages(conversationId) {
      if (state.failing.has(conversationId)) throw new CliError('network', 'Could not reach TikTok (ECONNRESET).');
      return conversations.get(conversationId)!.messages.slice(-20);
    },
  };
  return { source, add, state };
}

const ids = (events: DecodedEvent[]) => events.map((event) => event.message_id);

describe('Poller', () => {
  it('marks nothing seen when a later conversation fails, so the next poll returns every message once', async () => {
    const { source, add, state } = world();
    const statePath = join(mkdtempSync(join(tmpdir(), 'ttc-poll-')), 'poll.json');
    const poller = new Poller({ source, statePath, since: 0, now: () => state.clock });
    expect(ids((await poller.poll()).events)).toEqual([]);
    for (const id of ['a1', 'a2', 'a3']) add('conv-a', id);
    add('conv-b', 'b1');
    add('conv-a', 'a4');
    add('conv-b', 'b2');
    state.failing.add('conv-b');
    await expect(poller.poll()).rejects.toThrow(/ECONNRESET/);
    await expect(poller.poll()).rejects.toThrow(/ECONNRESET/);
    state.failing.clear();
    add('conv-a', 'a5');
    const events = (await poller.poll()).events;
    expect(ids(events).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2']);
    // A restart reads the state file: everything printed is seen, nothing is owed.
    const restarted = new Poller({ source, statePath, since: 0, now: () => state.clock });
    expect(ids((await restarted.poll()).events)).toEqual([]);
  });

  it('with deferred commits, returns the conversations that worked and commits only what was printed', async () => {
    const { source, add, state } = world();
    const statePath = join(mkdtempSync(join(tmpdir(), 'ttc-poll-')), 'poll.json');
    const open = () => new Poller({ source, statePath, since: 0, now: () => state.clock });
    const first = open();
    await first.commit(await first.poll({ defer: true }));
    add('conv-a', 'a1');
    add('conv-a', 'a2');
    add('conv-b', 'b1');
    state.failing.add('conv-b');
    const partial = await first.poll({ defer: true });
    expect(ids(partial.events)).toEqual(['a1', 'a2']);
    expect(partial.failures.map((failure) => failure.conversationId)).toEqual(['conv-b']);
    expect(partial.failures[0]!.error).toBeInstanceOf(CliError);
    // Printing stopped after a1 (say --count 1): a2 stays owed.
    await first.commit(partial, 1);
    state.failing.clear();
    const second = open();
    const rest = await second.poll({ defer: true });
    expect(ids(rest.events)).toEqual(['a2', 'b1']);
    expect(rest.failures).toEqual([]);
    await second.commit(rest);
    expect(ids((await open().poll({ defer: true })).events)).toEqual([]);
  });
});
