// How a decoded message reads to people: who wrote it (the user, the business through the API, or a
// person in TikTok's app or web inbox; §5 message_tag.source) and a short description of its content.
// `conversations` and `messages` both use these, on top of event-describe.ts's describeEvent.
import type { DecodedEvent } from '../tiktok/events.js';
import type { ConversationUser } from './policy.js';

export type Author = 'user' | 'api' | 'app' | 'web' | 'business' | 'unknown';

export function authorOf(event: Pick<DecodedEvent, 'direction' | 'source'>): Author {
  if (event.direction === 'inbound') return 'user';
  if (event.direction !== 'outbound') return 'unknown';
  switch (event.source) {
    case 'API':
      return 'api';
    case 'APP':
      return 'app';
    case 'WEB':
      return 'web';
    default:
      return 'business';
  }
}

/** "@maya.lopez", "business via API", "person in TikTok's app" …: the FROM column of `messages`. */
export function authorLabel(event: Pick<DecodedEvent, 'direction' | 'source' | 'user' | 'auto_message_type'>, user?: ConversationUser): string {
  const author = authorOf(event);
  const auto = event.auto_message_type && author !== 'user' ? ` (auto ${event.auto_message_type.toLowerCase().replace(/_/g, ' ')})` : '';
  switch (author) {
    case 'user': {
      const username = event.user?.username ?? user?.username;
      return username ? `@${username.replace(/^@/, '')}` : 'the user';
    }
    case 'api':
      return `business via API${auto}`;
    case 'app':
      return `person in TikTok's app${auto}`;
    case 'web':
      return `person in TikTok's web inbox${auto}`;
    case 'business':
      return `business${event.source ? ` (${event.source.toLowerCase()})` : ''}${auto}`;
    case 'unknown':
      return 'unknown sender';
  }
}

/** The short form for a table cell: "user", "you (API)", "you (app)", "you (web)". */
export function shortAuthor(event: Pick<DecodedEvent, 'direction' | 'source'>): string {
  switch (authorOf(event)) {
    case 'user':
      return 'user';
    case 'api':
      return 'you (API)';
    case 'app':
      return 'you (app)';
    case 'web':
      return 'you (web)';
    case 'business':
      return 'you';
    case 'unknown':
      return '?';
  }
}

export interface MatchedButton {
  id: string | null;
  label: string | null;
  /** tap: TikTok named the button (webhooks' reply_source_payload); label: the reply's text is exactly one button's label. */
  matched_by: 'tap' | 'label';
}

/**
 * Which button of a card a reply stands for. Webhooks carry the tap (reply_source_payload), but the
 * reference lists no such field on content/list messages, where a tap is a plain text holding the label.
 * So: the tap when there is one, else an exact label match on exactly one button, else null.
 */
export function matchCardButton(
  reply: Pick<DecodedEvent, 'direction' | 'tapped_button_id' | 'text'>,
  buttons: ReadonlyArray<{ id: string | null; label: string | null }>,
): MatchedButton | null {
  if (reply.direction === 'outbound') return null;
  if (reply.tapped_button_id) {
    const tapped = buttons.find((button) => button.id === reply.tapped_button_id);
    return { id: reply.tapped_button_id, label: tapped?.label ?? reply.text, matched_by: 'tap' };
  }
  const text = reply.text?.trim();
  if (!text) return null;
  const matches = buttons.filter((button) => button.label?.trim() === text);
  return matches.length === 1 ? { id: matches[0]!.id, label: matches[0]!.label, matched_by: 'label' } : null;
}
