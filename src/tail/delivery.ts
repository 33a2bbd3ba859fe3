// One decoding of a delivery's bytes for every part of tail (live, --since, the forwarder's resume), so
// an event has the same id and dedupe key wherever it is read.
import { createHash } from 'node:crypto';
import { decodeEvent, eventDedupeKey, type DecodedEvent } from '../tiktok/events.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes a delivery. The decoder's id for an event with no message id hashes the event name, account
 * and `content`; a delivery without usable `content` (an event TikTok has not documented) would then
 * share its id with every other such delivery of that event, and all but the first would be dropped as
 * "duplicates". Those get an id from the exact body instead (TikTok's redelivery of the same body still
 * shares it). `envelope`: the body already parsed, when the caller has it.
 */
export function decodeDelivery(body: Buffer, envelope?: unknown): DecodedEvent {
  let parsed = envelope;
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
  }
  let event: DecodedEvent;
  try {
    // From the bytes, not the parsed envelope: the decoder keeps 16+ digit ids exact (JSON.parse rounds them).
    event = decodeEvent(body);
  } catch (error) {
    // The decoder promises never to throw; if it ever does, the delivery is still shown and kept.
    event = decodeEvent(Buffer.from('{}'));
    event.problems.push(`could not be decoded (${(error as Error).message}); its exact bytes are in the journal`);
    event.id = `h:${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
    return event;
  }
  if (!event.message_id && isObject(parsed) && typeof parsed.content !== 'string' && !isObject(parsed.content)) {
    event.id = `h:${createHash('sha256').update('body\u0000').update(body).digest('hex').slice(0, 32)}`;
  }
  return event;
}

/** The key that decides "already seen": per account, the message id, else the event's id. */
export function deliveryKey(event: DecodedEvent): string {
  return `${event.business_id ?? ''}|${event.message_id ? eventDedupeKey(event) : event.id}`;
}
