// `send`: one message into a conversation, after every check we can make before TikTok would refuse:
// local content checks first (no network), then the conversation's window and quota (content/list),
// then, for images, TikTok's per-conversation IMAGE_SEND capability. Only then upload and send.
import { CliError, usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import { formatTime, isoOrNull } from '../io/format.js';
import { checkText, codePointLength, decodeStdinText, formatBytes, loadImage, STDIN_TEXT_MAX_BYTES, stripOneTrailingNewline, type CheckedImage } from '../messaging/content.js';
import { readBounded } from '../io/stdin.js';
import { findConversation } from '../messaging/lookup.js';
import { afterSend, describeUser, evaluateConversation, formatRemaining, sendRefusal, type ConversationPolicy } from '../messaging/policy.js';
import { dmRegionVerdict, MESSAGES_PER_WINDOW } from '../tiktok/limits.js';
import {
  buildSendBody,
  canSendImage,
  getConversationContent,
  sendMessage,
  uploadImage,
  type OutgoingContent,
} from '../tiktok/messaging.js';

export interface SendOptions {
  to: string;
  text?: string;
  image?: string;
  sharePost?: string;
  replyTo?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** What the user asked to send, checked locally (no network yet). */
export type Draft =
  | { kind: 'text'; body: string; replyTo?: string }
  | { kind: 'image'; image: CheckedImage }
  | { kind: 'share_post'; itemId: string };

/** Flag rules: exactly one content flag; --reply-to only with text. */
export function checkFlags(options: SendOptions): void {
  if (!options.to || !options.to.trim()) throw usageError('--to needs a conversation id.', 'List them with `tiktok-channel conversations`.');
  const given = (['text', 'image', 'sharePost'] as const).filter((key) => options[key] !== undefined);
  const flag = { text: '--text', image: '--image', sharePost: '--share-post' } as const;
  if (given.length === 0) {
    throw usageError('Nothing to send: pass exactly one of --text, --text - (stdin), --image FILE or --share-post ITEM_ID.');
  }
  if (given.length > 1) {
    throw usageError(`Pass exactly one of --text, --image and --share-post (got ${given.map((key) => flag[key]).join(' and ')}); TikTok sends one kind of content per message.`);
  }
  if (options.replyTo !== undefined && options.text === undefined) {
    throw usageError('--reply-to works with --text only; TikTok quotes a message only in a text reply.');
  }
  if (options.replyTo !== undefined && !options.replyTo.trim()) throw usageError('--reply-to needs a message id.');
}

/** A share-post id: digits, or a TikTok video URL from which the id is taken. */
export function parseItemId(value: string): string {
  const trimmed = value.trim();
  const fromUrl = /\/video\/(\d+)/.exec(trimmed)?.[1];
  const id = fromUrl ?? trimmed;
  if (!/^\d+$/.test(id)) {
    throw usageError(`--share-post expects the id of one of the account's posts (digits, e.g. 7351234567890123401) or its video URL; got "${value}".`);
  }
  return id;
}

/** `--text -`: at most what 6000 characters can take, valid UTF-8; Ctrl-C stops the wait at once. */
async function readStdinText(deps: Pick<Deps, 'io'> & { signal?: AbortSignal }): Promise<string> {
  const { bytes, overflow } = await readBounded(deps.io.stdin as AsyncIterable<unknown>, { maxBytes: STDIN_TEXT_MAX_BYTES, signal: deps.signal });
  return decodeStdinText(bytes, overflow);
}

/** Local checks, before any network call: failures exit 2 and name the limit. */
export async function prepareDraft(options: SendOptions, deps: Pick<Deps, 'io'> & { signal?: AbortSignal }): Promise<Draft> {
  checkFlags(options);
  if (options.text !== undefined) {
    let body = options.text;
    if (body === '-') {
      if (deps.io.isStdinTTY) deps.io.info('Type the message, then press Ctrl-D on an empty line:');
      body = stripOneTrailingNewline(await readStdinText(deps));
    }
    const problem = checkText(body);
    if (problem) throw problem;
    return { kind: 'text', body, replyTo: options.replyTo?.trim() };
  }
  if (options.image !== undefined) return { kind: 'image', image: await loadImage(options.image) };
  return { kind: 'share_post', itemId: parseItemId(options.sharePost!) };
}

function describeDraft(draft: Draft): string {
  switch (draft.kind) {
    case 'text': {
      const preview = draft.body.length > 60 ? `${[...draft.body].slice(0, 57).join('')}…` : draft.body;
      return `text (${codePointLength(draft.body)} characters${draft.replyTo ? `, quoting message ${draft.replyTo}` : ''}): ${JSON.stringify(preview)}`;
    }
    case 'image':
      return `image ${draft.image.filename} (${draft.image.contentType === 'image/png' ? 'PNG' : 'JPG'}, ${formatBytes(draft.image.size)})`;
    case 'share_post':
      return `post ${draft.itemId}`;
  }
}

/** TikTok's not-found (40007) names no object: say which id of this send it can be. */
function explainNotFound(error: unknown, outgoing: OutgoingContent, conversationId: string): unknown {
  if (!(error instanceof CliError) || error.tiktokCode !== 40007) return error;
  const hint =
    outgoing.kind === 'share_post'
      ? `TikTok found no post ${outgoing.itemId} it can share: it must be one of this account's own public posts (the digits at the end of its video URL). Check the id, or share another post.`
      : outgoing.kind === 'text' && outgoing.replyTo
        ? `The conversation ${conversationId} or the quoted message ${outgoing.replyTo} does not exist; \`tiktok-channel conversations\` lists the conversations.`
        : outgoing.kind === 'image'
          ? 'The uploaded image (media_id) or the conversation was not found; send the image again.'
          : `The conversation ${conversationId} does not exist for this account; \`tiktok-channel conversations\` lists them.`;
  return new CliError(error.kind, error.message, { hint, tiktokCode: error.tiktokCode, requestId: error.requestId, details: error.details, cause: error });
}

function windowSummary(policy: ConversationPolicy | undefined, left: number | null, now: number): string {
  const parts: string[] = [];
  if (left !== null) parts.push(`${left} of ${MESSAGES_PER_WINDOW} left${policy?.historyIncomplete ? ' at most' : ''}`);
  if (policy?.windowClosesAt !== undefined) {
    parts.push(policy.windowClosesAt > now ? `window closes in ${formatRemaining(policy.windowClosesAt - now)}` : `window closed at ${formatTime(policy.windowClosesAt)}`);
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export async function run(options: SendOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const draft = await prepareDraft(options, deps);
  const conversationId = options.to.trim();
  if (draft.kind === 'image' && draft.image.renamedFrom) {
    io.warn(`${draft.image.renamedFrom} is a ${draft.image.contentType === 'image/png' ? 'PNG' : 'JPG'} image despite its name; it is uploaded as ${draft.image.filename}.`);
  }

  const account = deps.resolveAccount();
  // Known before any call: TikTok keeps the DM API from accounts registered in the EEA, CH and the UK.
  if (!options.force && dmRegionVerdict(account.region) === 'blocked') {
    throw new CliError('region', `${account.channelName} is registered in ${account.region}, where TikTok does not offer the direct-message API (EEA, Switzerland, UK).`, {
      hint: 'Use an account registered elsewhere. If the stored region is wrong, pass --force to let TikTok decide.',
    });
  }
  const businessId = account.businessId;
  const session = await deps.session(account);
  const client = session.client;

  // The conversation's recent messages: the window, the quota and the user's name come from here.
  const content = await io.progress('Checking the conversation…', () =>
    session.call((token) => getConversationContent(client, token, businessId, conversationId)),
  );
  const now = deps.now();
  const policy = evaluateConversation(content, businessId, now);
  const who = describeUser(policy.user);
  const refusal = sendRefusal(policy, conversationId, now);
  if (refusal && !options.force) throw refusal;
  if (refusal) io.warn(`${refusal.message} Sending anyway (--force).`);
  if (draft.kind === 'text' && draft.replyTo && !content.messages.some((message) => message.messageId === draft.replyTo)) {
    io.warn(`Message ${draft.replyTo} is not among the conversation's ${content.messages.length} most recent messages; TikTok will decide whether it can be quoted.`);
  }

  if (draft.kind === 'image') {
    // Image support is decided per conversation by both sides' regions (§4 capabilities), so ask first.
    const conversation = await io.progress('Checking image support…', () =>
      session.call((token) => findConversation(client, token, businessId, conversationId)),
    );
    // A conversation on neither list is older than 90 days; SINGLE is the ordinary type.
    const type = conversation?.type ?? 'SINGLE';
    const capable = await session.call((token) => canSendImage(client, token, businessId, conversationId, type));
    if (capable === false) {
      throw new CliError('policy', `TikTok does not allow sending images in this conversation with ${who} (IMAGE_SEND capability: false).`, {
        hint:
          'Image sending depends on TikTok\'s media send strategy for both sides\' regions and on account-level (risk control) limits; ' +
          'it cannot be fixed from here. Send the information as text instead.',
        details: { conversation_id: conversationId, capability: 'IMAGE_SEND' },
      });
    }
    if (capable === undefined) io.debugLog('capabilities/get did not answer for IMAGE_SEND: unknown, trying anyway');
  }

  const leftNow = refusal ? null : policy.messagesLeft;
  if (options.dryRun) {
    const preview: OutgoingContent =
      draft.kind === 'text'
        ? { kind: 'text', body: draft.body, replyTo: draft.replyTo }
        : draft.kind === 'image'
          ? { kind: 'image', mediaId: '<media_id from the upload>' }
          : { kind: 'share_post', itemId: draft.itemId };
    if (io.json) {
      io.printJson({
        dry_run: true,
        conversation_id: conversationId,
        to: { username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
        message_type: preview.kind.toUpperCase(),
        request: buildSendBody(businessId, conversationId, preview),
        ...(draft.kind === 'image' ? { image: { file: options.image, upload_name: draft.image.filename, content_type: draft.image.contentType, size: draft.image.size } } : {}),
        messages_left: leftNow,
        window_closes_at: isoOrNull(policy.windowClosesAt),
      });
    } else {
      io.out(`Would send ${describeDraft(draft)} to ${who}${windowSummary(policy, leftNow, now)}`);
      io.info('Nothing was sent (--dry-run).');
    }
    return;
  }

  let outgoing: OutgoingContent;
  if (draft.kind === 'image') {
    const mediaId = await io.progress(`Uploading ${draft.image.filename}…`, () =>
      session.call((token) => uploadImage(client, token, businessId, { filename: draft.image.filename, contentType: draft.image.contentType, bytes: draft.image.bytes })),
    );
    outgoing = { kind: 'image', mediaId };
  } else if (draft.kind === 'text') {
    outgoing = { kind: 'text', body: draft.body, replyTo: draft.replyTo };
  } else {
    outgoing = { kind: 'share_post', itemId: draft.itemId };
  }

  const sent = await io
    .progress('Sending…', () => session.call((token) => sendMessage(client, token, businessId, conversationId, outgoing)))
    .catch((error: unknown) => {
      throw explainNotFound(error, outgoing, conversationId);
    });
  // A forced send past our count means TikTok counts differently: we no longer know what is left.
  const after = afterSend(policy);
  const left = refusal ? null : after.messagesLeft;
  if (io.json) {
    io.printJson({
      message_id: sent.messageId ?? null,
      conversation_id: conversationId,
      message_type: outgoing.kind.toUpperCase(),
      to: { username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
      messages_left: left,
      window_closes_at: isoOrNull(policy.windowClosesAt),
      request_id: sent.requestId ?? null,
    });
    return;
  }
  if (!sent.messageId) io.warn('TikTok accepted the message but returned no message id.');
  io.out(`Sent ${sent.messageId ? `message ${sent.messageId}` : 'the message'} to ${who}${windowSummary(after, left, now)}`);
}
