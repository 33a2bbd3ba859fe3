// qr --wait's watcher on decoded webhook events, in the orders TikTok may deliver them: only an arrival
// carrying this code's ref ends the wait; a message that overtook its referral still counts; anyone
// else (another link's ref, an ad, a plain DM, an EEA user TikTok hides) is a note and keeps the wait.
import { describe, expect, it } from 'vitest';
import { ContactWatcher } from '../../src/commands/qr/wait.js';
import { decodeEvent, type DecodedEvent } from '../../src/tiktok/events.js';

const BIZ = 'biz-1';

function event(name: string, content: Record<string, unknown>): DecodedEvent {
  return decodeEvent({ event: name, user_openid: BIZ, create_time: 1_700_000_000, content: JSON.stringify(content) });
}

function parties(user: string) {
  return {
    from: user,
    to: 'acme',
    from_user: { id: `u-${user}`, role: 'personal_account' },
    to_user: { id: BIZ, role: 'business_account' },
    unique_identifier: `u-${user}`,
  };
}

function referral(user: string, conversation: string, ref: string): DecodedEvent {
  return event('im_referral_msg', {
    ...parties(user),
    conversation_id: conversation,
    timestamp: 1,
    referral: { source: 'short_link', short_link: { ref, prefilled_message: 'Hi' } },
  });
}

function message(user: string, conversation: string, text: string): DecodedEvent {
  return event('im_receive_msg', {
    ...parties(user),
    conversation_id: conversation,
    message_id: `m-${user}-${text}`,
    timestamp: 2,
    type: 'text',
    text: { body: text },
  });
}

function watcher() {
  const notes: string[] = [];
  let settled = false;
  const w = new ContactWatcher(BIZ, 'check-abc123', 60_000, (line) => notes.push(line));
  void w.done.then(() => (settled = true));
  return { w, notes, settled: async () => (await Promise.resolve(), settled) };
}

describe('ContactWatcher', () => {
  it("another link, an ad, a plain DM and an EEA message are notes; then this code's arrival and message end it", async () => {
    const { w, notes, settled } = watcher();
    w.feed(referral('elsewhere', 'c-else', 'spring-poster'));
    w.feed(message('elsewhere', 'c-else', 'Hi from the poster'));
    w.feed(event('im_referral_msg', { ...parties('adfan'), conversation_id: 'c-ad', timestamp: 1, referral: { source: 'ad', ad: { ad_id: '17' } } }));
    w.feed(message('maya', 'c-maya', 'Any news?'));
    w.feed(event('im_receive_msg_eu', { to: 'acme', to_user: { id: BIZ, role: 'business_account' }, timestamp: 3 }));
    expect(w.found).toBe(false);
    expect(await settled()).toBe(false);
    expect(notes).toEqual([
      '@elsewhere arrived through another link (ref spring-poster); still waiting for this code',
      '@elsewhere wrote, not through this code; still waiting for this code',
      '@adfan arrived through an ad; still waiting for this code',
      '@maya wrote, not through this code; still waiting for this code',
      'Someone in the EEA, Switzerland or the UK wrote (TikTok withholds who, so it cannot be matched to this code); still waiting for this code',
    ]);
    w.feed(referral('scanner', 'c-scan', 'check-abc123'));
    expect(w.found).toBe(true);
    w.feed(message('maya', 'c-maya', 'Still there?'));
    w.feed(message('scanner', 'c-scan', 'Hi'));
    expect(await settled()).toBe(true);
    const contact = w.contact();
    expect(contact).toMatchObject({ user: { username: 'scanner' }, conversationId: 'c-scan', text: 'Hi', othersSeen: 4 });
    expect(contact.summary).toBe('@scanner arrived through this QR code and wrote "Hi" – messages reach you');
  });

  it('a message that overtook its referral is theirs once the referral arrives', async () => {
    const { w, settled } = watcher();
    w.feed(message('scanner', 'c-scan', 'Hi first'));
    expect(w.found).toBe(false);
    w.feed(referral('scanner', 'c-scan', 'check-abc123'));
    expect(await settled()).toBe(true);
    expect(w.contact()).toMatchObject({ user: { username: 'scanner' }, text: 'Hi first', othersSeen: 0 });
  });

  it("another account's events are ignored", () => {
    const { w, notes } = watcher();
    w.feed(
      decodeEvent({
        event: 'im_referral_msg',
        user_openid: 'other-biz',
        create_time: 1,
        content: JSON.stringify({ conversation_id: 'c', referral: { source: 'short_link', short_link: { ref: 'check-abc123' } } }),
      }),
    );
    expect(w.found).toBe(false);
    expect(notes).toEqual([]);
  });
});
