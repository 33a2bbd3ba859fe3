// Media endpoints (../shared/tiktok-api.md §4): image upload and its per-conversation capability, and
// media download (a signed URL fetched with the user's token). Split from messaging.ts, which keeps the
// conversation, content and send calls: these are the ones that move bytes rather than JSON.
import type { TikTokClient } from './client.js';
import { TikTokApiError } from './errors.js';
import { optionalString, type ConversationType } from './messaging-api.js';

export async function uploadImage(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  file: { filename: string; contentType: string; bytes: Uint8Array },
): Promise<string> {
  const { data, requestId } = await client.postMultipart<{ media_id?: string }>(
    'business/message/media/upload/',
    { business_id: businessId, media_type: 'IMAGE' },
    file,
    { accessToken },
  );
  const mediaId = optionalString(data.media_id);
  if (!mediaId) {
    throw new TikTokApiError('TikTok accepted the upload but answered without a media_id, so the image cannot be sent; nothing was sent.', {
      kind: 'server',
      reason: 'incomplete-answer',
      requestId,
    });
  }
  return mediaId;
}

/** undefined = TikTok did not say (a missing entry means unknown, not no). */
export async function canSendImage(
  client: TikTokClient,
  accessToken: string,
  businessId: string,
  conversationId: string,
  conversationType: ConversationType,
): Promise<boolean | undefined> {
  const { data } = await client.get<{ capability_infos?: Array<{ capability_type?: string; capability_result?: boolean }> }>(
    'business/message/capabilities/get/',
    {
      accessToken,
      query: { business_id: businessId, capability_types: ['IMAGE_SEND'], conversation_id: conversationId, conversation_type: conversationType },
    },
  );
  const entry = (data.capability_infos ?? []).find((info) => info.capability_type === 'IMAGE_SEND');
  return typeof entry?.capability_result === 'boolean' ? entry.capability_result : undefined;
}

export async function getMediaDownloadUrl(
  client: TikTokClient,
  accessToken: string,
  request: { businessId: string; conversationId: string; messageId: string; mediaId: string; mediaType: 'IMAGE' | 'VIDEO' },
): Promise<string> {
  const { data } = await client.post<{ download_url?: string }>('business/message/media/download/', {
    accessToken,
    body: {
      business_id: request.businessId,
      conversation_id: request.conversationId,
      message_id: request.messageId,
      media_id: request.mediaId,
      media_type: request.mediaType,
    },
  });
  return String(data.download_url ?? '');
}

export interface DownloadedMedia {
  bytes: Uint8Array;
  contentType?: string;
  /** The signed URL the bytes came from (valid about 24 h). */
  url: string;
}

/** media/download, then the signed URL it answers (valid 24 h), fetched with `x-user: <access_token>` (§4). */
export async function downloadMedia(
  client: TikTokClient,
  accessToken: string,
  request: { businessId: string; conversationId: string; messageId: string; mediaId: string; mediaType: 'IMAGE' | 'VIDEO' },
): Promise<DownloadedMedia> {
  const url = await getMediaDownloadUrl(client, accessToken, request);
  if (!url)
    throw new TikTokApiError(`TikTok answered media/download for message ${request.messageId} without a download_url.`, {
      kind: 'server',
      reason: 'incomplete-answer',
    });
  const { bytes, contentType } = await client.fetchSigned(url, { 'x-user': accessToken });
  return { bytes, contentType, url };
}
