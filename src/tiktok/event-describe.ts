// What an event says in one line, for terminals (tail, messages): presentation only, kept apart from the
// decoding in events.ts so a decoder change and a wording change touch different files.
import type { DecodedEvent } from './events.js';

/** One line saying what happened: the text, or a description of the media/card/reaction/receipt. */
export function describeEvent(event: DecodedEvent): string {
  switch (event.kind) {
    case 'reaction': {
      const parts = (event.reactions ?? []).map((reaction) => {
        const what = reaction.emoji ?? (reaction.ai_emoji_url ? 'an AI emoji' : 'a reaction');
        return reaction.operation === 'REMOVE' ? `removed ${what}` : `reacted ${what}`;
      });
      return parts.length ? parts.join(', ') : '[reaction]';
    }
    case 'read':
      return event.read_up_to ? `read up to ${event.read_up_to}` : '[read]';
    case 'referral': {
      const referral = event.referral;
      if (referral?.source === 'short_link' || referral?.ref) {
        const prefilled = referral?.prefilled_message ? ` with "${referral.prefilled_message}"` : '';
        return `arrived via link${referral?.ref ? ` ${referral.ref}` : ''}${prefilled}`;
      }
      if (referral?.source === 'ad') {
        const name = referral.ad?.ad_name ?? referral.ad?.ad_id;
        return name ? `arrived via ad ${name}` : 'arrived via an ad (no ad details)';
      }
      return 'arrived';
    }
    case 'eu_message':
      return '[message from an EEA/CH/UK user: TikTok withholds its content]';
    case 'auto_message_config': {
      const auto = event.auto_message;
      return `auto message ${auto?.type ?? ''} ${auto?.action ?? 'updated'}`.replace(/\s+/g, ' ').trim().toLowerCase();
    }
    case 'auto_message_audit': {
      const auto = event.auto_message;
      return `auto message ${auto?.type ?? ''} ${auto?.audit_status ?? 'audited'}`.replace(/\s+/g, ' ').trim().toLowerCase();
    }
    case 'high_intent_comment':
      return `commented: ${event.comment?.text ?? ''}`.trim();
    case 'authorization_removed':
      return `the account holder removed the app: ${event.authorization?.reason_text ?? 'unknown'}`;
    case 'unknown':
      return `[${event.event ?? 'unreadable delivery'}]`;
    default:
      return describeMessage(event);
  }
}

function describeMessage(event: DecodedEvent): string {
  if (event.tapped_button_id !== null) return `[tapped: ${event.text ?? event.tapped_button_id}]`;
  if (event.text !== null) return event.text;
  switch (event.type) {
    case 'image':
      return '[image]';
    case 'video':
      return '[video]';
    case 'sticker':
      return '[sticker]';
    case 'emoji':
      return '[emoji]';
    case 'share_post':
      return event.share_post?.embed_url ? `[post: ${event.share_post.embed_url}]` : '[post]';
    case 'template':
      return `[card: ${event.template?.title ?? ''}]`;
    case null:
      return '[message]';
    default:
      return `[${event.type}]`;
  }
}
