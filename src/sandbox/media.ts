// Media (tiktok-api.md §4): upload (multipart, JPG/PNG by magic bytes, ≤ 3 MB, ids live ~30 days),
// download URLs (24 h, `x-user` header), capabilities per conversation, and the media-strategy rules.
import { IMAGE_MAX_BYTES, MEDIA_TTL_MS, REQUIRED_SCOPES, isMediaBlockedRegion } from '../tiktok/limits.js';
import { findConversation } from './conversations.js';
import * as ids from './ids.js';
import { authenticate } from './auth.js';
import type { AccountRecord, UserRecord } from './types.js';
import { ApiError, CODE, ControlError, isObject, parseJsonArray, requireString, type Params, type World } from './world.js';

const INLINE_MEDIA_BYTES = 256 * 1024;
const KNOWN_CAPABILITIES = ['IMAGE_SEND'];

/** A 1×1 transparent PNG, served for media whose bytes were not kept. */
export const PLACEHOLDER_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export function sniffImage(data: Uint8Array): 'image/jpeg' | 'image/png' | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (data.length >= 8 && png.every((b, i) => data[i] === b)) return 'image/png';
  return undefined;
}

/** Whether images can go out in a conversation (media switch, risk control, both sides' regions). */
export function imageRefusal(account: AccountRecord, user: UserRecord | undefined): string | undefined {
  if (!account.media || isMediaBlockedRegion(account.region) || (user && isMediaBlockedRegion(user.region))) {
    return 'Due to Media send strategy, images cannot be sent in this conversation.';
  }
  if (account.risk_control) return 'Due to risk control strategy, this message cannot be sent.';
  return undefined;
}

/**
 * A media record the user sent. No bytes given: none kept, downloads answer the placeholder. An image's
 * bytes (the phone page sends a real file) are kept like an upload's: small ones inline.
 */
export function userMedia(world: World, businessId: string, type: 'IMAGE' | 'VIDEO', image?: { data: Uint8Array; mime: string }): string {
  const now = world.now();
  const id = ids.mediaId();
  world.state.media[id] = {
    media_id: id,
    business_id: businessId,
    media_type: type,
    mime: image?.mime ?? (type === 'IMAGE' ? 'image/png' : 'video/mp4'),
    size: image?.data.length ?? PLACEHOLDER_PNG.length,
    ...(image && image.data.length <= INLINE_MEDIA_BYTES ? { data_base64: Buffer.from(image.data).toString('base64') } : {}),
    created_at: now,
    expires_at: now + MEDIA_TTL_MS,
  };
  return id;
}

/** The bytes of an image a user sends (base64, as JSON carries them): JPG or PNG up to 3 MB, like uploads. */
export function userImageBytes(base64: unknown): { data: Uint8Array; mime: string } {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new ControlError(400, 'image_data must be the image file in base64.');
  const data = new Uint8Array(Buffer.from(base64, 'base64'));
  const mime = sniffImage(data);
  if (!mime) throw new ControlError(400, 'image_data must be a JPG or PNG image.');
  if (data.length > IMAGE_MAX_BYTES) throw new ControlError(400, `The image is ${data.length} bytes; images must be at most 3 MB (${IMAGE_MAX_BYTES} bytes).`);
  return { data, mime };
}

/** POST business/message/media/upload/ (fields already parsed from multipart). */
export function uploadMedia(
  world: World,
  accessToken: string | undefined,
  fields: Params,
  file: { data: Uint8Array; filename?: string } | undefined,
  authorizationHeader = false,
) {
  const { account } = authenticate(world, accessToken, fields.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  if (fields.media_type !== 'IMAGE') throw new ApiError(CODE.INVALID_PARAM, `media_type must be IMAGE (got ${JSON.stringify(fields.media_type ?? null)}).`);
  if (!file) throw new ApiError(CODE.INVALID_PARAM, 'file is required (a multipart file part named "file").');
  const mime = sniffImage(file.data);
  if (!mime) throw new ApiError(CODE.UNSUPPORTED_FILE, 'Unsupported file type: only JPG and PNG images can be uploaded.');
  if (file.data.length > IMAGE_MAX_BYTES) {
    throw new ApiError(CODE.INVALID_PARAM, `File too large: ${file.data.length} bytes; images must be at most 3 MB (${IMAGE_MAX_BYTES} bytes).`);
  }
  const now = world.now();
  const id = ids.mediaId();
  world.state.media[id] = {
    media_id: id,
    business_id: account.business_id,
    media_type: 'IMAGE',
    mime,
    size: file.data.length,
    data_base64: file.data.length <= INLINE_MEDIA_BYTES ? Buffer.from(file.data).toString('base64') : undefined,
    created_at: now,
    expires_at: now + MEDIA_TTL_MS,
  };
  return { media_id: id };
}

/** POST business/message/media/download/ → a URL valid 24 h that needs `x-user: <access_token>`. */
export function downloadMedia(world: World, accessToken: string | undefined, body: Params, origin: string, authorizationHeader = false) {
  if (!isObject(body)) throw new ApiError(CODE.INVALID_PARAM, 'The request body must be a JSON object.');
  const { account } = authenticate(world, accessToken, body.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  if (body.media_type !== 'IMAGE' && body.media_type !== 'VIDEO') throw new ApiError(CODE.INVALID_PARAM, 'media_type must be IMAGE or VIDEO.');
  const conv = findConversation(world, account.business_id, body.conversation_id);
  const messageIdValue = requireString(body, 'message_id');
  const mediaIdValue = requireString(body, 'media_id');
  const message = conv.messages.find((m) => m.message_id === messageIdValue);
  if (!message) throw new ApiError(CODE.NOT_FOUND, `Message not found in this conversation: ${messageIdValue}.`);
  const onMessage = message.image?.media_id ?? message.video?.media_id;
  if (onMessage !== mediaIdValue || !world.state.media[mediaIdValue])
    throw new ApiError(CODE.NOT_FOUND, `media_id not found on this message: ${mediaIdValue}.`);
  const expires = Math.floor(world.now() / 1000) + 86_400;
  return { download_url: `${origin}/sandbox/media/${encodeURIComponent(mediaIdValue)}?x-expires=${expires}` };
}

/** GET business/message/capabilities/get/: per conversation; unknown capability types are omitted. */
export function capabilities(world: World, accessToken: string | undefined, params: Params, authorizationHeader = false) {
  const { account } = authenticate(world, accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  const types = parseJsonArray(params.capability_types, 'capability_types', '["IMAGE_SEND"]');
  const infos: { capability_type: string; capability_result: boolean }[] = [];
  for (const type of types) {
    if (!KNOWN_CAPABILITIES.includes(type)) continue;
    if (params.conversation_type !== 'SINGLE' && params.conversation_type !== 'STRANGER') {
      throw new ApiError(CODE.INVALID_PARAM, 'conversation_type (SINGLE or STRANGER) is required for IMAGE_SEND.');
    }
    const conv = findConversation(world, account.business_id, params.conversation_id);
    infos.push({ capability_type: type, capability_result: !imageRefusal(account, world.state.users[conv.user_id]) });
  }
  return { capability_infos: infos };
}
