// `send`: one message into a conversation, after every check we can make before TikTok would refuse:
// local content checks first (no network: length, file, card limits), then the conversation's window
// and quota (content/list), then, for images, TikTok's per-conversation IMAGE_SEND capability. Only then
// upload and send; `--wait-reply` then polls content/list for the user's next message.
import { asCliError, CliError, usageError } from '../../errors.js';
import { optionalSeconds } from '../../io/duration.js';
import type { Deps } from '../../deps.js';
import type { SendOptions } from '../send.js';
import { displaySafe, formatTime, isoOrNull } from '../../io/format.js';
import type { IO } from '../../io/io.js';
import { output, type Output } from '../../io/output.js';
import { readBounded } from '../../io/stdin.js';
import { buildCard, duplicateButtonIds } from '../../messaging/card.js';
import { matchCardButton } from '../../messaging/describe.js';
import { checkText, codePointLength, decodeStdinText, formatBytes, loadImage, STDIN_TEXT_MAX_BYTES, stripOneTrailingNewline, type CheckedImage } from '../../messaging/content.js';
import { explainUnknownConversation, findConversation } from '../../messaging/lookup.js';
import { resolveUsername, usernameTarget } from '../../messaging/username.js';
import { containsUrl } from '../../messaging/chat-link.js';
import { keepTypedText, LINK_WARNING } from '../../messaging/unsent.js';
import { formatWait, stoppedWaiting, waitForReply } from '../../messaging/wait-reply.js';
import { afterSend, describeUser, evaluateConversation, formatRemaining, sendRefusal, type ConversationPolicy } from '../../messaging/policy.js';
import { describeEvent } from '../../tiktok/events.js';
import { CONTENT_LIST_MAX_MESSAGES, dmRegionVerdict, MESSAGES_PER_WINDOW, TYPING_INDICATOR_MS } from '../../tiktok/limits.js';
import {
  buildCommentReplyBody,
  buildSendBody,
  canSendImage,
  getConversationContent,
  messageTypeOf,
  sendCommentReply,
  sendMessage,
  uploadImage,
  type CardContent,
  type OutgoingContent,
  type SenderAction,
} from '../../tiktok/messaging.js';

export type { SendOptions };

/** What the user asked to send, checked locally (no network yet). */
export type Draft =
  | { kind: 'text'; body: string; replyTo?: string }
  | { kind: 'image'; image: CheckedImage; replyTo?: string }
  | { kind: 'share_post'; itemId: string }
  | { kind: 'card'; card: CardContent }
  | { kind: 'action'; action: SenderAction }
  | { kind: 'comment_reply'; commentId: string; body: string };

/** `--wait-reply` without a value waits this long. */
export const DEFAULT_WAIT_REPLY_SECONDS = 300;
const MAX_WAIT_REPLY_SECONDS = 86_400;

const CONTENT_FLAGS = { text: '--text', image: '--image', sharePost: '--share-post', card: '--card', action: '--action' } as const;
const ACTIONS: Record<string, SenderAction> = { typing: 'TYPING', 'mark-read': 'MARK_READ' };

/** Flag rules, before anything is read or sent: each broken rule is a usage error (exit 2) saying why. */
export function checkFlags(options: SendOptions): void {
  const given = (Object.keys(CONTENT_FLAGS) as Array<keyof typeof CONTENT_FLAGS>).filter((key) => options[key] !== undefined);
  const names = (keys: Array<keyof typeof CONTENT_FLAGS>) => keys.map((key) => CONTENT_FLAGS[key]).join(' and ');
  if (options.commentReply !== undefined) {
    if (!options.commentReply.trim()) throw usageError('--comment-reply needs the id of the comment to answer.');
    if (options.to !== undefined) throw usageError('--comment-reply answers a comment, not a conversation: drop --to.', 'TikTok opens the conversation with the commenter when the reply is sent.');
    const other = given.filter((key) => key !== 'text');
    if (other.length) throw usageError(`--comment-reply sends text only (got ${names(other)}); TikTok's direct reply to a comment is a text message.`);
    if (options.text === undefined) throw usageError('--comment-reply needs --text: the private answer to the comment.');
    if (options.replyTo !== undefined) throw usageError('--reply-to quotes a message in a conversation; it does not combine with --comment-reply.');
    if (options.waitReply !== undefined) throw usageError('--wait-reply needs a conversation (--to); a comment reply has none yet.', 'Send the comment reply first, then `tiktok-channel send --to <conversation_id> … --wait-reply` in the conversation it opened.');
  } else if (!options.to || !options.to.trim()) {
    throw usageError('--to needs a conversation id or @username (or answer a comment with --comment-reply COMMENT_ID).', 'List them with `tiktok-channel conversations`.');
  }
  if ((options.button?.length || options.linkCard) && options.card === undefined) {
    throw usageError(`${options.button?.length ? '--button' : '--link-card'} belongs to a card: add --card TITLE.`);
  }
  if (options.action !== undefined) {
    if (!ACTIONS[options.action]) throw usageError(`--action must be typing or mark-read (got "${options.action}").`);
    const content = given.filter((key) => key !== 'action');
    if (content.length) {
      throw usageError(`--action ${options.action} sends no content: drop ${names(content)}.`, 'A sender action is not a message; send the content in a second command.');
    }
    if (options.replyTo !== undefined) throw usageError(`--action ${options.action} quotes nothing: drop --reply-to.`);
  }
  if (given.length === 0) {
    throw usageError('Nothing to send: pass exactly one of --text, --text - (stdin), --image FILE, --share-post ITEM_ID, --card TITLE --button ID:LABEL or --action typing|mark-read.');
  }
  if (given.length > 1) {
    throw usageError(`Pass exactly one of --text, --image, --share-post, --card and --action (got ${names(given)}); TikTok sends one kind of content per message.`);
  }
  if (options.replyTo !== undefined && options.text === undefined && options.image === undefined) {
    throw usageError('--reply-to works with --text or --image only; TikTok quotes a message only in a text or image reply.');
  }
  if (options.replyTo !== undefined && !options.replyTo.trim()) throw usageError('--reply-to needs a message id.');
  if (options.waitReply !== undefined && options.dryRun) {
    throw usageError('--wait-reply waits for an answer to a message that --dry-run does not send: drop one of them.');
  }
  waitReplySeconds(options);
}

/** The seconds `--wait-reply` waits, or undefined without it. */
export function waitReplySeconds(options: Pick<SendOptions, 'waitReply'>): number | undefined {
  return optionalSeconds(options.waitReply, {
    flag: '--wait-reply',
    fallback: DEFAULT_WAIT_REPLY_SECONDS,
    min: 1,
    max: MAX_WAIT_REPLY_SECONDS,
    whole: true,
    note: `without a value it waits ${DEFAULT_WAIT_REPLY_SECONDS} s`,
  });
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
export async function prepareDraft(options: SendOptions, deps: Pick<Deps, 'io'> & { signal?: AbortSignal }, typed?: { body?: string }): Promise<Draft> {
  checkFlags(options);
  if (options.action !== undefined) return { kind: 'action', action: ACTIONS[options.action]! };
  if (options.card !== undefined) return { kind: 'card', card: buildCard(options.card, options.button ?? [], Boolean(options.linkCard)) };
  if (options.text !== undefined) {
    let body = options.text;
    if (body === '-') {
      if (deps.io.isStdinTTY) deps.io.info('Type the message, then press Ctrl-D on an empty line:');
      body = stripOneTrailingNewline(await readStdinText(deps));
      // Typed at a terminal, the text exists nowhere else: run() keeps it if anything refuses it now.
      if (deps.io.isStdinTTY && typed) typed.body = body;
    }
    const problem = checkText(body);
    if (problem) throw problem;
    if (options.commentReply !== undefined) return { kind: 'comment_reply', commentId: options.commentReply.trim(), body };
    return { kind: 'text', body, replyTo: options.replyTo?.trim() };
  }
  if (options.image !== undefined) return { kind: 'image', image: await readImage(options.image), replyTo: options.replyTo?.trim() };
  return { kind: 'share_post', itemId: parseItemId(options.sharePost!) };
}

/** --image: a file that passed stat but cannot be read (EIO, EACCES, a device) is the user's input, not a crash. */
async function readImage(path: string): Promise<CheckedImage> {
  try {
    return await loadImage(path);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError('validation', `Could not read ${path} (${reason}).`, {
      hint: 'Pass a regular JPG or PNG file you can read with --image (not a device or a /proc or /sys file); check its permissions with `ls -l`.',
      cause: error,
    });
  }
}

function quotePreview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${[...text].slice(0, 57).join('')}…` : text);
}

function describeDraft(draft: Draft): string {
  switch (draft.kind) {
    case 'text':
      return `text (${codePointLength(draft.body)} characters${draft.replyTo ? `, quoting message ${draft.replyTo}` : ''}): ${quotePreview(draft.body)}`;
    case 'image':
      return `image ${draft.image.filename} (${draft.image.contentType === 'image/png' ? 'PNG' : 'JPG'}, ${formatBytes(draft.image.size)}${draft.replyTo ? `, quoting message ${draft.replyTo}` : ''})`;
    case 'share_post':
      return `post ${draft.itemId}`;
    case 'card':
      return `${draft.card.type === 'QA_LINK_CARD' ? 'link card' : 'card'} ${JSON.stringify(draft.card.title)} with ${draft.card.buttons.map((button) => `[${button.label}]`).join(' ')}`;
    case 'action':
      return draft.action === 'TYPING' ? 'the typing indicator' : 'a read receipt (mark-read)';
    case 'comment_reply':
      return `a private reply to comment ${draft.commentId}: ${quotePreview(draft.body)}`;
  }
}

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
    parts.push(policy.windowClosesAt > now ? `window closes in ${formatRemaining(policy.windowClosesAt - now)}` : `window closed at ${formatTime(policy.windowClosesAt)}`);
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

/** Said before anything is sent, once per message: printed on stderr and returned for the JSON result. */
function draftWarnings(draft: Draft, io: Deps['io']): string[] {
  const warnings: string[] = [];
  if (draft.kind === 'image' && draft.image.renamedFrom) {
    warnings.push(`${draft.image.renamedFrom} is a ${draft.image.contentType === 'image/png' ? 'PNG' : 'JPG'} image despite its name; it is uploaded as ${draft.image.filename}.`);
  }
  if (draft.kind === 'card') {
    const repeated = duplicateButtonIds(draft.card);
    if (repeated.length) warnings.push(`Button id ${repeated.map((id) => `"${id}"`).join(', ')} is used twice: a tap reports only the id, so you cannot tell those buttons apart.`);
  }
  const text = draft.kind === 'text' || draft.kind === 'comment_reply' ? draft.body : undefined;
  if (text !== undefined && containsUrl(text)) warnings.push(LINK_WARNING);
  for (const warning of warnings) io.warn(warning);
  return warnings;
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
    throw new CliError('region', `${account.channelName} is registered in ${account.region}, where TikTok does not offer the direct-message API (EEA, Switzerland, UK).`, {
      hint: 'Use an account registered elsewhere. If the stored region is wrong, pass --force to let TikTok decide.',
    });
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
    io.warn(`Message ${draft.replyTo} is not among the conversation's ${CONTENT_LIST_MAX_MESSAGES} most recent messages (all TikTok keeps); TikTok will decide whether it can be quoted.`);
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
    const preview = outgoingFor(draft, '<media_id from the upload>');
    return output(
      {
        dry_run: true,
        conversation_id: conversationId,
        to: { username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
        message_type: messageTypeOf(preview),
        request: buildSendBody(businessId, conversationId, preview),
        ...(draft.kind === 'image' ? { image: { file: options.image, upload_name: draft.image.filename, content_type: draft.image.contentType, size: draft.image.size } } : {}),
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
      session.call((token) => uploadImage(client, token, businessId, { filename: draft.image.filename, contentType: draft.image.contentType, bytes: draft.image.bytes })),
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
      const did = draft.action === 'TYPING' ? `Showing "typing…" to ${who} for about ${Math.round(TYPING_INDICATOR_MS / 1000)} s` : `Marked ${who}'s messages as read`;
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
    return output({ dry_run: true, comment_id: draft.commentId, message_type: 'TEXT', request: buildCommentReplyBody(businessId, draft.commentId, draft.body), warnings }, (_data, io) => {
      io.out(displaySafe(`Would send ${describeDraft(draft)}`));
      io.info('Nothing was sent (--dry-run).');
    });
  }
  const session = await deps.session(account);
  const sent = await io
    .progress('Replying to the comment…', () => session.call((token) => sendCommentReply(session.client, token, businessId, draft.commentId, draft.body)))
    .catch((error: unknown) => {
      error = asCliError(error);
      if (error instanceof CliError && error.tiktokCode === 40007) {
        throw new CliError('validation', `TikTok does not know comment "${draft.commentId}" for ${account.channelName} (TikTok error 40007: the object does not exist).`, {
          hint: 'Use the comment_id of an im_receive_high_intent_comment event (`tiktok-channel tail` shows them).',
          tiktokCode: 40007,
          requestId: error.requestId,
          details: { comment_id: draft.commentId },
        });
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
      io.out(displaySafe(`Replied privately to comment ${draft.commentId}${sent.messageId ? ` (message ${sent.messageId})` : ''}${sent.conversationId ? ` in conversation ${sent.conversationId}` : ''}`));
      io.info('The reply opens a conversation with the commenter: `tiktok-channel conversations` lists it.');
    },
  );
}
