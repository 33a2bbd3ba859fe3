// `send`: one message into a conversation, after every check we can make before TikTok would refuse:
// local content checks first (no network: length, file, card limits), then the conversation's window
// and quota (content/list), then, for images, TikTok's per-conversation IMAGE_SEND capability. Only then
// upload and send; `--wait-reply` then polls content/list for the user's next message. The flags become
// a checked Draft in draft.ts.
import { asCliError, CliError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import type { SendOptions } from '../send.js';
import { checkFlags, describeDraft, draftWarnings, prepareDraft, waitReplySeconds, type Draft } from './draft.js';
import { displaySafe, formatTime, isoOrNull } from '../../io/format.js';
import type { IO } from '../../io/io.js';
import { output, type Output } from '../../io/output.js';
import { matchCardButton } from '../../conversation/describe.js';
import { explainUnknownConversation, findConversation } from '../../conversation/lookup.js';
import { resolveUsername, usernameTarget } from '../../conversation/username.js';
import { keepTypedText } from '../../conversation/unsent.js';
import { formatWait, stoppedWaiting, waitForReply } from '../../conversation/wait-reply.js';
import { afterSend, describeUser, evaluateConversation, formatRemaining, sendRefusal, type ConversationPolicy } from '../../conversation/policy.js';
import { describeEvent } from '../../tiktok/event-describe.js';
import { canSendImage, uploadImage } from '../../tiktok/media.js';
import { CONTENT_LIST_MAX_MESSAGES, dmRegionVerdict, MESSAGES_PER_WINDOW, TYPING_INDICATOR_MS } from '../../tiktok/limits.js';
import {
  buildCommentReplyBody,
  buildSendBody,
  getConversationContent,
  messageTypeOf,
  sendCommentReply,
  sendMessage,
  type OutgoingContent,
} from '../../tiktok/messaging-api.js';

export type { SendOptions };

/** TikTok's not-found (40007) names no object: say which id of this send it can be. */
function explainNotFound(error: unknown, outgoing: OutgoingContent, conversationId: string): unknown {
  error = asCliError(error);
  if (!(error instanceof CliError) || error.tiktokCode !== 40007) return error;
  const hint =
    outgoing.kind === 'share_post'
      ? `TikTok found no post ${outgoing.itemId} it can share: it must be one of this account's own public posts (the digits at the end of its video URL). Check the id, or share another post.`
      : (outgoing.kind === 'text' || outgoing.kind === 'image') && outgoing.replyTo
        ? `The conversation ${conversationId}, or the quoted message ${outgoing.replyTo}, was not found; \`tiktok-channel messages ${conversationId}\` lists its recent messages.`
        : outgoing.kind === 'image'
          ? 'The uploaded image (media_id) or the conversation was not found; send the image again.'
          : `The conversation ${conversationId} does not exist for this account; \`tiktok-channel conversations\` lists them.`;
  return new CliError(error.kind, error.message, { hint, tiktokCode: error.tiktokCode, requestId: error.requestId, details: error.details, cause: error });
}

function windowSummary(policy: ConversationPolicy | undefined, left: number | null, now: number): string {
  const parts: string[] = [];
  if (left !== null) parts.push(`${left} of ${MESSAGES_PER_WINDOW} left${policy?.historyIncomplete ? ' at most' : ''}`);
  if (policy?.windowClosesAt !== undefined) {
    parts.push(
      policy.windowClosesAt > now
        ? `window closes in ${formatRemaining(policy.windowClosesAt - now)}`
        : `window closed at ${formatTime(policy.windowClosesAt)}`,
    );
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}

type SendOutput = Output<Record<string, unknown>>;

export async function send(options: SendOptions, deps: Deps): Promise<SendOutput> {
  const typed: { body?: string } = {};
  try {
    return await sendChecked(options, deps, typed);
  } catch (error) {
    throw typed.body !== undefined ? await keepTypedText(deps, error, typed.body) : error;
  }
}

async function sendChecked(options: SendOptions, deps: Deps, typed: { body?: string }): Promise<SendOutput> {
  const { io } = deps;
  // Typed at a terminal, the text comes after the window and quota checks: a refusal costs no typing.
  const typeLater = options.text === '-' && io.isStdinTTY && options.commentReply === undefined && !options.force;
  if (typeLater) checkFlags(options);
  let draft = typeLater ? undefined : await prepareDraft(options, deps, typed);
  const waitSeconds = waitReplySeconds(options);
  let warnings = draft ? draftWarnings(draft, io) : [];

  const account = deps.resolveAccount();
  // Known before any call: TikTok keeps the DM API from accounts registered in the EEA, CH and the UK.
  if (!options.force && dmRegionVerdict(account.region) === 'blocked') {
    throw new CliError(
      'region',
      `${account.channelName} is registered in ${account.region}, where TikTok does not offer the direct-message API (EEA, Switzerland, UK).`,
      {
        hint: 'Use an account registered elsewhere. If the stored region is wrong, pass --force to let TikTok decide.',
      },
    );
  }
  if (draft?.kind === 'comment_reply') return replyToComment(draft, options, deps, account, warnings);
  const businessId = account.businessId;
  const session = await deps.session(account);
  const client = session.client;
  const username = usernameTarget(options.to!);
  const conversationId = username
    ? await io.progress(`Finding the conversation with @${username}…`, () => resolveUsername(session, businessId, username, account.channelName, deps.now()))
    : options.to!.trim();

  // The conversation's recent messages: the window, the quota and the user's name come from here.
  const content = await io
    .progress('Checking the conversation…', () => session.call((token) => getConversationContent(client, token, businessId, conversationId)))
    .catch((error: unknown) => {
      throw explainUnknownConversation(error, conversationId, account.channelName);
    });
  const now = deps.now();
  const policy = evaluateConversation(content, businessId, now);
  // Names come from TikTok users: none of their control characters reaches the terminal.
  const who = displaySafe(describeUser(policy.user));
  let refusal = sendRefusal(policy, conversationId, now);
  // Sender actions are not messages: they cost none of the window's 10 (the window itself must be open).
  if (draft?.kind === 'action' && refusal?.details?.rule === 'quota') refusal = undefined;
  if (refusal && !options.force) throw refusal;
  if (refusal) io.warn(`${refusal.message} Sending anyway (--force).`);
  if (!draft) {
    io.info(`Writing to ${who}${windowSummary(policy, policy.messagesLeft, now)}.`);
    draft = await prepareDraft(options, deps, typed);
    warnings = draftWarnings(draft, io);
  }
  if (draft.kind === 'comment_reply') throw new CliError('unexpected', 'A comment reply reached the conversation path.');
  if ((draft.kind === 'text' || draft.kind === 'image') && draft.replyTo && !content.messages.some((message) => message.message_id === draft.replyTo)) {
    io.warn(
      `Message ${draft.replyTo} is not among the conversation's ${CONTENT_LIST_MAX_MESSAGES} most recent messages (all TikTok keeps); TikTok will decide whether it can be quoted.`,
    );
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
          "Image sending depends on TikTok's media send strategy for both sides' regions and on account-level (risk control) limits; " +
          'it cannot be fixed from here. Send the information as text instead.',
        details: { conversation_id: conversationId, capability: 'IMAGE_SEND' },
      });
    }
    if (capable === undefined) io.debugLog('capabilities/get did not answer for IMAGE_SEND: unknown, trying anyway');
  }

  const leftNow = refusal ? null : policy.messagesLeft;
  if (options.dryRun) {
    const preview = outgoingFor(draft, '<media_id from the upload>');
    return output(
      {
        dry_run: true,
        conversation_id: conversationId,
        to: { username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
        message_type: messageTypeOf(preview),
        request: buildSendBody(businessId, conversationId, preview),
        ...(draft.kind === 'image'
          ? { image: { file: options.image, upload_name: draft.image.filename, content_type: draft.image.contentType, size: draft.image.size } }
          : {}),
        messages_left: leftNow,
        window_closes_at: isoOrNull(policy.windowClosesAt),
        warnings,
      },
      (_data, io) => {
        io.out(displaySafe(`Would send ${describeDraft(draft)} to ${who}${windowSummary(policy, leftNow, now)}`));
        if (draft.kind === 'action') io.info('A sender action is not a message: it uses none of the 10 messages of the window.');
        io.info('Nothing was sent (--dry-run).');
      },
    );
  }

  let outgoing: OutgoingContent;
  if (draft.kind === 'image') {
    const mediaId = await io.progress(`Uploading ${draft.image.filename}…`, () =>
      session.call((token) =>
        uploadImage(client, token, businessId, { filename: draft.image.filename, contentType: draft.image.contentType, bytes: draft.image.bytes }),
      ),
    );
    outgoing = outgoingFor(draft, mediaId);
  } else {
    outgoing = outgoingFor(draft, '');
  }

  const sent = await io
    .progress(draft.kind === 'action' ? 'Sending the sender action…' : 'Sending…', () =>
      session.call((token) => sendMessage(client, token, businessId, conversationId, outgoing)),
    )
    .catch((error: unknown) => {
      throw explainNotFound(error, outgoing, conversationId);
    });
  // A forced send past our count means TikTok counts differently: we no longer know what is left.
  const after = draft.kind === 'action' ? policy : afterSend(policy);
  const left = refusal ? null : after.messagesLeft;
  const result: Record<string, unknown> = {
    message_id: sent.messageId ?? null,
    conversation_id: conversationId,
    message_type: messageTypeOf(outgoing),
    ...(draft.kind === 'action' ? { action: options.action, uses_message: false } : {}),
    to: { username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
    messages_left: left,
    window_closes_at: isoOrNull(policy.windowClosesAt),
    request_id: sent.requestId ?? null,
    warnings,
  };
  const sentHuman = (io: IO) => {
    if (draft.kind === 'action') {
      const did =
        draft.action === 'TYPING' ? `Showing "typing…" to ${who} for about ${Math.round(TYPING_INDICATOR_MS / 1000)} s` : `Marked ${who}'s messages as read`;
      io.out(`${did}${windowSummary(after, left, now)}`);
      io.info('A sender action is not a message: it used none of the 10 messages of the window.');
    } else {
      if (!sent.messageId) io.warn('TikTok accepted the message but returned no message id.');
      io.out(`Sent ${sent.messageId ? `message ${sent.messageId}` : 'the message'} to ${who}${windowSummary(after, left, now)}`);
    }
  };
  if (waitSeconds === undefined) return output(result, (_data, io) => sentHuman(io));
  // --wait-reply: a person hears at once that the message went; the reply (or the timeout) is the outcome.
  if (!io.json) sentHuman(io);

  const reply = await waitForReply(deps, {
    who,
    seconds: waitSeconds,
    seen: content.messages,
    poll: () => session.call((token) => getConversationContent(client, token, businessId, conversationId)),
  }).catch((error: unknown) => {
    throw stoppedWaiting(error, sent.messageId, conversationId);
  });
  if (!reply) {
    throw new CliError('timeout', `No reply from ${who} within ${formatWait(waitSeconds)}${sent.messageId ? ` (message ${sent.messageId} was sent)` : ''}.`, {
      hint: `The message was sent; run \`tiktok-channel messages ${conversationId}\` later, or wait longer with --wait-reply SECONDS.`,
      details: { sent: true, message_id: sent.messageId ?? null, conversation_id: conversationId, waited_seconds: waitSeconds },
    });
  }
  // For a card, which button the reply stands for (by the tap, or by its label: see matchCardButton).
  const button = draft.kind === 'card' ? matchCardButton(reply, draft.card.buttons) : undefined;
  const replier = describeUser({ ...policy.user, username: reply.user?.username ?? policy.user.username });
  const when = reply.timestamp !== null ? formatTime(reply.timestamp) : 'an unknown time';
  return output({ ...result, reply, ...(button !== undefined ? { reply_button: button } : {}) }, (_data, io) =>
    io.out(displaySafe(`${replier} replied at ${when}: ${describeEvent(reply)}${button ? ` (button "${button.id}")` : ''}`)),
  );
}

function outgoingFor(draft: Exclude<Draft, { kind: 'comment_reply' }>, mediaId: string): OutgoingContent {
  switch (draft.kind) {
    case 'text':
      return { kind: 'text', body: draft.body, replyTo: draft.replyTo };
    case 'image':
      return { kind: 'image', mediaId, replyTo: draft.replyTo };
    case 'share_post':
      return { kind: 'share_post', itemId: draft.itemId };
    case 'card':
      return { kind: 'card', card: draft.card };
    case 'action':
      return { kind: 'action', action: draft.action };
  }
}

/**
 * `send --comment-reply`: TikTok's private answer to a high-intent comment (§4 direct_reply, medium-low
 * confidence: the answer is read tolerantly in messaging.ts). There is no conversation yet, so there is
 * no window or quota to check; TikTok decides.
 */
async function replyToComment(
  draft: Extract<Draft, { kind: 'comment_reply' }>,
  options: SendOptions,
  deps: Deps,
  account: ReturnType<Deps['resolveAccount']>,
  warnings: string[],
): Promise<SendOutput> {
  const { io } = deps;
  const businessId = account.businessId;
  if (options.dryRun) {
    return output(
      { dry_run: true, comment_id: draft.commentId, message_type: 'TEXT', request: buildCommentReplyBody(businessId, draft.commentId, draft.body), warnings },
      (_data, io) => {
        io.out(displaySafe(`Would send ${describeDraft(draft)}`));
        io.info('Nothing was sent (--dry-run).');
      },
    );
  }
  const session = await deps.session(account);
  const sent = await io
    .progress('Replying to the comment…', () => session.call((token) => sendCommentReply(session.client, token, businessId, draft.commentId, draft.body)))
    .catch((error: unknown) => {
      error = asCliError(error);
      if (error instanceof CliError && error.tiktokCode === 40007) {
        throw new CliError(
          'validation',
          `TikTok does not know comment "${draft.commentId}" for ${account.channelName} (TikTok error 40007: the object does not exist).`,
          {
            hint: 'Use the comment_id of an im_receive_high_intent_comment event (`tiktok-channel tail` shows them).',
            tiktokCode: 40007,
            requestId: error.requestId,
            details: { comment_id: draft.commentId },
          },
        );
      }
      if (error instanceof CliError && error.tiktokCode === 40064) {
        throw new CliError('policy', error.message, {
          hint: 'TikTok allows one private reply per high-intent comment, as far as is known; answer in the conversation it opened instead.',
          tiktokCode: 40064,
          requestId: error.requestId,
          details: { comment_id: draft.commentId },
        });
      }
      throw error;
    });
  return output(
    {
      message_id: sent.messageId ?? null,
      comment_id: draft.commentId,
      conversation_id: sent.conversationId ?? null,
      message_type: 'TEXT',
      direct_reply: true,
      request_id: sent.requestId ?? null,
      warnings,
    },
    (_data, io) => {
      io.out(
        displaySafe(
          `Replied privately to comment ${draft.commentId}${sent.messageId ? ` (message ${sent.messageId})` : ''}${sent.conversationId ? ` in conversation ${sent.conversationId}` : ''}`,
        ),
      );
      io.info('The reply opens a conversation with the commenter: `tiktok-channel conversations` lists it.');
    },
  );
}
