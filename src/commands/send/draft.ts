// `send`'s drafting: the flags read into one Draft and checked locally, before any network call
// (flag rules, text length, the image file, the card's limits), and the warnings and one-line description
// of that draft. Split from impl.ts, which takes a Draft to TikTok (window, quota, upload, send, reply).
import { CliError, usageError } from '../../errors.js';
import { optionalSeconds } from '../../io/duration.js';
import type { Deps } from '../../deps.js';
import type { SendOptions } from '../send.js';
import { readBounded } from '../../io/stdin.js';
import { buildCard, duplicateButtonIds } from '../../conversation/card.js';
import {
  checkText,
  codePointLength,
  decodeStdinText,
  formatBytes,
  loadImage,
  STDIN_TEXT_MAX_BYTES,
  stripOneTrailingNewline,
  type CheckedImage,
} from '../../conversation/content.js';
import { containsUrl } from '../../conversation/chat-link.js';
import { LINK_WARNING } from '../../conversation/unsent.js';
import type { CardContent, SenderAction } from '../../tiktok/messaging-api.js';

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
    if (options.to !== undefined)
      throw usageError(
        '--comment-reply answers a comment, not a conversation: drop --to.',
        'TikTok opens the conversation with the commenter when the reply is sent.',
      );
    const other = given.filter((key) => key !== 'text');
    if (other.length) throw usageError(`--comment-reply sends text only (got ${names(other)}); TikTok's direct reply to a comment is a text message.`);
    if (options.text === undefined) throw usageError('--comment-reply needs --text: the private answer to the comment.');
    if (options.replyTo !== undefined) throw usageError('--reply-to quotes a message in a conversation; it does not combine with --comment-reply.');
    if (options.waitReply !== undefined)
      throw usageError(
        '--wait-reply needs a conversation (--to); a comment reply has none yet.',
        'Send the comment reply first, then `tiktok-channel send --to <conversation_id> … --wait-reply` in the conversation it opened.',
      );
  } else if (!options.to?.trim()) {
    throw usageError(
      '--to needs a conversation id or @username (or answer a comment with --comment-reply COMMENT_ID).',
      'List them with `tiktok-channel conversations`.',
    );
  }
  if ((options.button?.length || options.linkCard) && options.card === undefined) {
    throw usageError(`${options.button?.length ? '--button' : '--link-card'} belongs to a card: add --card TITLE.`);
  }
  if (options.action !== undefined) {
    if (!ACTIONS[options.action]) throw usageError(`--action must be typing or mark-read (got "${options.action}").`);
    const content = given.filter((key) => key !== 'action');
    if (content.length) {
      throw usageError(
        `--action ${options.action} sends no content: drop ${names(content)}.`,
        'A sender action is not a message; send the content in a second command.',
      );
    }
    if (options.replyTo !== undefined) throw usageError(`--action ${options.action} quotes nothing: drop --reply-to.`);
  }
  if (given.length === 0) {
    throw usageError(
      'Nothing to send: pass exactly one of --text, --text - (stdin), --image FILE, --share-post ITEM_ID, --card TITLE --button ID:LABEL or --action typing|mark-read.',
    );
  }
  if (given.length > 1) {
    throw usageError(
      `Pass exactly one of --text, --image, --share-post, --card and --action (got ${names(given)}); TikTok sends one kind of content per message.`,
    );
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

export function describeDraft(draft: Draft): string {
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

/** Said before anything is sent, once per message: printed on stderr and returned for the JSON result. */
export function draftWarnings(draft: Draft, io: Deps['io']): string[] {
  const warnings: string[] = [];
  if (draft.kind === 'image' && draft.image.renamedFrom) {
    warnings.push(
      `${draft.image.renamedFrom} is a ${draft.image.contentType === 'image/png' ? 'PNG' : 'JPG'} image despite its name; it is uploaded as ${draft.image.filename}.`,
    );
  }
  if (draft.kind === 'card') {
    const repeated = duplicateButtonIds(draft.card);
    if (repeated.length)
      warnings.push(
        `Button id ${repeated.map((id) => `"${id}"`).join(', ')} is used twice: a tap reports only the id, so you cannot tell those buttons apart.`,
      );
  }
  const text = draft.kind === 'text' || draft.kind === 'comment_reply' ? draft.body : undefined;
  if (text !== undefined && containsUrl(text)) warnings.push(LINK_WARNING);
  for (const warning of warnings) io.warn(warning);
  return warnings;
}
