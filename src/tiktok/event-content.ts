// The per-kind content decoders: the message block (text, media, cards, reactions), the parties and
// direction, templates and referrals. Split from events.ts, which reads the envelope (exact JSON, the
// event name, the content string) and hands each content object here.
import type { DecodedEvent, EventParty, EventReferral, EventTemplate } from './events.js';
import { bool, identifier, isObject, iso, lower, object, party, text, toEpochMs, upper, type Json } from './event-fields.js';

/** Fields shared by every content shape: parties, conversation, time, follower flag. */
export function fillCommon(event: DecodedEvent, content: Json, businessId: string | null): void {
  event.conversation_id = identifier(content.conversation_id);
  event.message_id = identifier(content.message_id);
  event.sender = party(content.from_user, content.from ?? content.sender);
  event.recipient = party(content.to_user, content.to ?? content.recipient);
  event.timestamp = toEpochMs(content.timestamp);
  event.time = iso(event.timestamp);
  event.is_follower = bool(content.is_follower);
  event.scene_type = typeof content.scene_type === 'number' || typeof content.scene_type === 'string' ? content.scene_type : null;
  event.auto_message_type = upper(content.auto_message_type);
  event.source = upper(object(content.message_tag).source);

  // Direction (§5, high): inbound when to_user is the business, outbound when from_user is.
  const senderIsBusiness = isBusiness(event.sender, businessId);
  const recipientIsBusiness = isBusiness(event.recipient, businessId);
  if (senderIsBusiness === true || recipientIsBusiness === false) event.direction = 'outbound';
  else if (recipientIsBusiness === true || senderIsBusiness === false) event.direction = 'inbound';

  const customer = event.direction === 'outbound' ? event.recipient : event.direction === 'inbound' ? event.sender : null;
  const uniqueId = identifier(content.unique_identifier);
  if (customer || uniqueId) {
    event.user = { id: customer?.id ?? uniqueId, username: customer?.username ?? null };
  }
}

/** true / false when the party can be told apart, null when nothing says. */
function isBusiness(party_: EventParty | null, businessId: string | null): boolean | null {
  if (!party_) return null;
  // The role first: an id may be a user id rather than the open_id user_openid carries, and comparing
  // ids from two different spaces would call both parties "not the business".
  if (party_.role === 'business_account') return true;
  if (party_.role === 'personal_account') return false;
  if (businessId && party_.id) return party_.id === businessId;
  return null;
}

/** The message block of a webhook (`type`, lower case) or REST (`message_type`, upper case) message. */
export function fillMessage(event: DecodedEvent, content: Json, origin: 'webhook' | 'rest'): void {
  const type = lower(content.type ?? content.message_type);
  event.type = type;
  // text.body; a bare string `text` (one integration's shape) is text too, never dropped.
  event.text = text(object(content.text).body) ?? text(content.text);
  const image = object(content.image);
  const video = object(content.video);
  const imageId = text(image.media_id);
  const videoId = text(video.media_id);
  if (imageId) event.media = { id: imageId, type: 'image' };
  else if (videoId) event.media = { id: videoId, type: 'video' };
  event.sticker_url = text(object(content.sticker).url);
  event.emoji_url = text(object(content.emoji).url);
  if (isObject(content.share_post)) {
    const share = content.share_post;
    event.share_post = { embed_url: text(share.embed_url), video_id: text(share.video_id ?? share.item_id) };
  }
  if (isObject(content.template)) event.template = decodeTemplate(content.template);
  event.referenced_message_id = text(object(content.referenced_message_info).referenced_message_id);
  const replySource = object(content.reply_source_payload);
  event.tapped_button_id = text(replySource.reply_source_unique_id);
  event.reply_source_message_id = text(replySource.reply_source_msg_id);

  const reactions = Array.isArray(content.reaction) ? content.reaction : Array.isArray(content.reactions) ? content.reactions : null;
  if (reactions) {
    event.reactions = reactions.filter(isObject).map((reaction) => ({
      // content/list lists the reactions a message carries now, usually without an operation: those are ADDs.
      operation: upper(reaction.operation) ?? (origin === 'rest' ? 'ADD' : null),
      type: upper(reaction.type),
      emoji: text(reaction.emoji),
      ai_emoji_url: text(reaction.ai_emoji_url),
      user_id: text(reaction.unique_identifier ?? reaction.user_id),
      target_message_id: text(reaction.original_msg_id) ?? (origin === 'rest' ? event.message_id : null),
      time: iso(toEpochMs(reaction.timestamp)),
    }));
  }
  if (event.type === null && event.text !== null) event.type = 'text';
}

export function decodeTemplate(template: Json): EventTemplate {
  // Webhooks: {type, elements: [{title, buttons: [{text, type, id}]}]}; sends and REST: {type, title, buttons: [{title, type, id}]}.
  const element = Array.isArray(template.elements) && isObject(template.elements[0]) ? template.elements[0] : template;
  const buttons = Array.isArray(element.buttons) ? element.buttons : Array.isArray(template.buttons) ? template.buttons : [];
  return {
    type: upper(template.type),
    title: text(element.title ?? template.title),
    buttons: buttons.filter(isObject).map((button) => ({ id: text(button.id), label: text(button.text ?? button.title), type: upper(button.type) })),
  };
}

export function decodeReferral(value: unknown): EventReferral | null {
  if (!isObject(value)) return null;
  // Webhooks carry one `ad`/`short_link` object; conversation/list carries arrays (§4): take the first.
  const first = (item: unknown): Json | null => (Array.isArray(item) ? (isObject(item[0]) ? item[0] : null) : isObject(item) ? item : null);
  const link = first(value.short_link);
  const ad = first(value.ad);
  const source = lower(value.source) ?? (link ? 'short_link' : ad ? 'ad' : null);
  return {
    source,
    ref: link ? text(link.ref) : null,
    prefilled_message: link ? text(link.prefilled_message) : null,
    prefilled_message_audit_status: link ? upper(link.prefilled_message_audit_status) : null,
    // Smart+ leads may carry no ad details at all (§5): every ad field is optional.
    ad: ad
      ? {
          advertiser_id: text(ad.advertiser_id),
          ad_id: text(ad.ad_id),
          ad_name: text(ad.ad_name),
          embed_url: text(ad.embed_url),
          // The seed data spells it messages_material_id; the wire name is message_material_id.
          message_material_id: text(ad.message_material_id ?? ad.messages_material_id),
          timestamp: toEpochMs(ad.timestamp),
        }
      : source === 'ad'
        ? { advertiser_id: null, ad_id: null, ad_name: null, embed_url: null, message_material_id: null, timestamp: null }
        : null,
  };
}
