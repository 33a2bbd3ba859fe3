// `messages <conversation_id>`: the conversation's recent messages (content/list: TikTok keeps only the 20
// most recent), oldest first, each decoded by events.ts: time, direction and who (the user, the business
// through the API, a person in TikTok's app or web inbox), type, text or a description of the media,
// sticker, post or card, the quoted message, reactions; then the window and messages-left line.
// `--download-media DIR` saves images and videos (media/download, then the signed URL with `x-user`),
// named by message id, skipping files already there.
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, toCliError, usageError, validationError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import type { MessagesOptions } from '../messages.js';
import { formatBytes } from '../../conversation/content.js';
import { displaySafe, displayWidth, formatTime, renderTable, wrapHanging } from '../../io/format.js';
import { output, renderResult, type Output } from '../../io/output.js';
import { authorLabel, matchCardButton } from '../../conversation/describe.js';
import { explainUnknownConversation } from '../../conversation/lookup.js';
import { resolveUsername, usernameTarget } from '../../conversation/username.js';
import {
  describeUser,
  evaluateConversation,
  formatRemaining,
  policyDetails,
  type ConversationPolicy,
  type ConversationUser,
} from '../../conversation/policy.js';
import type { DecodedEvent } from '../../tiktok/events.js';
import { describeEvent } from '../../tiktok/event-describe.js';
import { CONTENT_LIST_MAX_MESSAGES, MESSAGES_PER_WINDOW } from '../../tiktok/limits.js';
import { downloadMedia } from '../../tiktok/media.js';
import { getConversationContent } from '../../tiktok/messaging-api.js';

export type { MessagesOptions };

export interface MediaDownload {
  message_id: string | null;
  media_id: string;
  media_type: 'image' | 'video';
  /** Where the file is (saved now or already there); null when nothing was written. */
  path: string | null;
  status: 'saved' | 'exists' | 'failed' | 'skipped';
  bytes: number | null;
  error: string | null;
}

export async function messages(options: MessagesOptions, deps: Deps): Promise<Output<Record<string, unknown>>> {
  const { io } = deps;
  const target = (options.conversationId ?? '').trim();
  if (!target) {
    throw usageError(
      'messages needs a conversation: `tiktok-channel messages <conversation_id>` or `tiktok-channel messages @username`.',
      'Run `tiktok-channel conversations` to list them with their ids and users.',
    );
  }
  const account = deps.resolveAccount();
  const businessId = account.businessId;
  const session = await deps.session(account);
  const client = session.client;
  const username = usernameTarget(target);
  const conversationId = username
    ? await io.progress(`Finding the conversation with @${username}…`, () => resolveUsername(session, businessId, username, account.channelName, deps.now()))
    : target;

  const content = await io
    .progress('Fetching messages…', () => session.call((token) => getConversationContent(client, token, businessId, conversationId)))
    .catch((error: unknown) => {
      throw explainUnknownConversation(error, conversationId, account.channelName);
    });
  const now = deps.now();
  const policy = evaluateConversation(content, businessId, now);
  const messages = content.messages;
  // Exactly 20 back means TikTok may have cut older ones off (it keeps only the 20 most recent).
  const moreMayExist = messages.length >= CONTENT_LIST_MAX_MESSAGES;

  let downloads: MediaDownload[] | undefined;
  let firstFailure: CliError | undefined;
  if (options.downloadMedia !== undefined) {
    const dir = options.downloadMedia;
    const withMedia = messages.filter((message) => message.media);
    ({ downloads, firstFailure } = withMedia.length
      ? await io.progress(`Downloading ${withMedia.length} media file${withMedia.length === 1 ? '' : 's'}…`, () =>
          downloadAll(withMedia, dir, (message, media) =>
            session.call((token) =>
              downloadMedia(client, token, {
                businessId,
                conversationId,
                messageId: message.message_id!,
                mediaId: media.id,
                mediaType: media.type === 'video' ? 'VIDEO' : 'IMAGE',
              }),
            ),
          ),
        )
      : { downloads: [], firstFailure: undefined });
  }

  const data = {
    conversation_id: conversationId,
    user: { id: policy.user.id ?? null, username: policy.user.username ?? null, display_name: policy.user.displayName ?? null },
    messages,
    count: messages.length,
    more_may_exist: moreMayExist,
    window: { status: policy.window, ...policyDetails(policy) },
    ...(downloads ? { downloads } : {}),
  };
  const result = output(data, (_data, io) => {
    // Plain text built from what users wrote: no control character of theirs reaches the terminal.
    io.out(displaySafe(renderMessages(conversationId, messages, policy, downloads, now, moreMayExist, io.isStdoutTTY ? io.columns : undefined)));
    if (downloads) io.info(downloadSummary(downloads, options.downloadMedia!));
  });

  const failed = downloads?.filter((download) => download.status === 'failed') ?? [];
  if (firstFailure && failed.length) {
    // What was read and saved is shown before the failure is reported.
    renderResult(io, result);
    throw new CliError(
      firstFailure.kind,
      `${failed.length} of ${downloads!.length} media downloads failed; the first (message ${failed[0]!.message_id}): ${firstFailure.message}`,
      {
        hint: firstFailure.hint || 'Run the same command again: files already saved are skipped.',
        tiktokCode: firstFailure.tiktokCode,
        requestId: firstFailure.requestId,
      },
    );
  }
  return result;
}

/** A message id as a file name: anything but letters, digits, dot, dash and underscore becomes "_". */
export function mediaFileStem(messageId: string): string {
  return messageId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

/** The extension the bytes call for (content first: a server may label everything octet-stream). */
export function mediaExtension(bytes: Uint8Array, contentType?: string): string {
  const starts = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return '.png';
  if (starts(0xff, 0xd8, 0xff)) return '.jpg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return '.gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return '.webp';
  if (bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70) return '.mp4';
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const known: Record<string, string> = {
    'image/png': '.png',
    'image/jpeg': '.jpg',
    'image/gif': '.gif',
    'image/webp': '.webp',
    'video/mp4': '.mp4',
    'video/quicktime': '.mov',
  };
  return known[type] ?? '.bin';
}

async function downloadAll(
  messages: DecodedEvent[],
  dir: string,
  fetchMedia: (message: DecodedEvent, media: NonNullable<DecodedEvent['media']>) => Promise<{ bytes: Uint8Array; contentType?: string }>,
): Promise<{ downloads: MediaDownload[]; firstFailure?: CliError }> {
  let firstFailure: CliError | undefined;
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw validationError(
      `Cannot create ${dir} for --download-media (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      'Pass a directory you can write to.',
    );
  }
  const present = new Set(await readdir(dir));
  const results: MediaDownload[] = [];
  for (const message of messages) {
    const media = message.media!;
    const base = { message_id: message.message_id, media_id: media.id, media_type: media.type };
    if (!message.message_id) {
      // media/download needs the message id; TikTok named none for this one.
      results.push({ ...base, path: null, status: 'skipped', bytes: null, error: 'the message has no message_id, which media/download needs' });
      continue;
    }
    const stem = mediaFileStem(message.message_id);
    const existing = [...present].find((name) => name === stem || (name.startsWith(`${stem}.`) && !name.endsWith('.part')));
    if (existing) {
      results.push({ ...base, path: join(dir, existing), status: 'exists', bytes: null, error: null });
      continue;
    }
    try {
      const { bytes, contentType } = await fetchMedia(message, media);
      const name = `${stem}${mediaExtension(bytes, contentType)}`;
      const path = join(dir, name);
      // Written beside the target, then renamed: an interrupted run never leaves a half file that a
      // later run would skip as "already there".
      const partial = `${path}.part`;
      await writeFile(partial, bytes);
      await rename(partial, path);
      present.add(name);
      results.push({ ...base, path, status: 'saved', bytes: bytes.length, error: null });
    } catch (error) {
      const failure = toCliError(error);
      if (failure.kind === 'cancelled') throw failure;
      firstFailure ??= failure;
      results.push({ ...base, path: null, status: 'failed', bytes: null, error: failure.message });
    }
  }
  return { downloads: results, firstFailure };
}

function downloadSummary(downloads: MediaDownload[], dir: string): string {
  if (!downloads.length) return `No images or videos among these messages; nothing saved to ${dir}.`;
  const count = (status: MediaDownload['status']) => downloads.filter((download) => download.status === status).length;
  const parts = [`${count('saved')} saved to ${dir}`];
  if (count('exists')) parts.push(`${count('exists')} already there`);
  if (count('skipped')) parts.push(`${count('skipped')} without a message id`);
  if (count('failed')) parts.push(`${count('failed')} failed`);
  return `Media: ${parts.join(', ')}.`;
}

function reactionsLine(message: DecodedEvent, user: ConversationUser): string | undefined {
  const reactions = message.reactions ?? [];
  if (!reactions.length) return undefined;
  const items = reactions.map((reaction) => {
    const what = reaction.emoji ?? (reaction.ai_emoji_url ? 'AI emoji' : 'reaction');
    const by = reaction.user_id && reaction.user_id === user.id && user.username ? ` @${user.username}` : '';
    return `${reaction.operation === 'REMOVE' ? 'removed ' : ''}${what}${by}`;
  });
  return `reactions: ${items.join(', ')}`;
}

/** The lines under a message: quote, tapped button, card buttons, URLs, media, reactions, tolerance notes. */
function detailLines(
  message: DecodedEvent,
  byId: Map<string, DecodedEvent>,
  user: ConversationUser,
  download: MediaDownload | undefined,
  card: DecodedEvent | undefined,
): string[] {
  const lines: string[] = [];
  if (message.referenced_message_id) {
    const quoted = byId.get(message.referenced_message_id);
    lines.push(
      quoted
        ? `↳ quoting ${authorLabel(quoted, user)}: ${JSON.stringify(oneLine(describeEvent(quoted), 60))}`
        : `↳ quoting message ${message.referenced_message_id} (not among the ${CONTENT_LIST_MAX_MESSAGES} most recent)`,
    );
  }
  if (message.tapped_button_id) {
    lines.push(`↳ tapped button "${message.tapped_button_id}"${message.reply_source_message_id ? ` of card ${message.reply_source_message_id}` : ''}`);
  } else if (card && message.direction === 'inbound') {
    const button = matchCardButton(message, card.template!.buttons);
    const which = card.message_id ? `card ${card.message_id}` : 'the card above';
    if (button) lines.push(`↳ button "${button.id}" of ${which} (by its label: content/list does not say which button was tapped)`);
  }
  if (message.template?.buttons.length) {
    const kind = message.template.type === 'QA_LINK_CARD' ? 'link card' : 'card';
    lines.push(`${kind} buttons: ${message.template.buttons.map((button) => `[${button.label ?? '?'}] (${button.id ?? 'no id'})`).join(' ')}`);
  }
  if (message.sticker_url) lines.push(`sticker: ${message.sticker_url}`);
  if (message.emoji_url) lines.push(`emoji: ${message.emoji_url}`);
  if (message.share_post?.video_id) lines.push(`post id: ${message.share_post.video_id}`);
  if (message.media) {
    let line = `${message.media.type} media_id ${message.media.id}`;
    if (download?.status === 'saved') line += ` → saved ${download.path} (${formatBytes(download.bytes ?? 0)})`;
    else if (download?.status === 'exists') line += ` → already there: ${download.path}`;
    else if (download?.status === 'failed') line += ` → download failed: ${download.error}`;
    else if (download?.status === 'skipped') line += ` → not downloaded: ${download.error}`;
    lines.push(line);
  }
  const reactions = reactionsLine(message, user);
  if (reactions) lines.push(reactions);
  for (const problem of message.problems) lines.push(`(${problem})`);
  return lines;
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s*[\r\n\t]+\s*/g, ' ');
  return [...line].length > max ? `${[...line].slice(0, max - 1).join('')}…` : line;
}

export function windowLine(policy: ConversationPolicy, now: number): string {
  const left = `${policy.messagesLeft}${policy.historyIncomplete ? ' at most' : ''} of ${MESSAGES_PER_WINDOW} messages left`;
  switch (policy.window) {
    case 'open':
      return `Window open: closes in ${formatRemaining(policy.windowClosesAt! - now)} (${formatTime(policy.windowClosesAt!)}); ${left}.`;
    case 'closed':
      return policy.windowClosesAt !== undefined
        ? `Window closed at ${formatTime(policy.windowClosesAt)} (48 hours after the user's last message); nothing can be sent until the user writes again.`
        : 'Window closed: the user last wrote before the oldest message shown; nothing can be sent until the user writes again.';
    case 'not-opened':
      return 'Window not opened: the user has not written in this conversation, and a business cannot start one.';
    case 'unknown':
      return `Window unknown: the user's last message is older than the ${CONTENT_LIST_MAX_MESSAGES} shown; ${left}.`;
  }
}

export function renderMessages(
  conversationId: string,
  messages: DecodedEvent[],
  policy: ConversationPolicy,
  downloads: MediaDownload[] | undefined,
  now: number,
  moreMayExist: boolean,
  width?: number,
): string {
  const user = policy.user;
  const out: string[] = [`Conversation ${conversationId} with ${describeUser(user)}${user.username && user.displayName ? ` (${user.displayName})` : ''}`, ''];
  if (!messages.length) {
    out.push('No messages.');
  } else {
    const byId = new Map(messages.filter((message) => message.message_id).map((message) => [message.message_id!, message]));
    const downloadOf = new Map((downloads ?? []).filter((download) => download.message_id).map((download) => [download.message_id!, download]));
    const texts = messages.map((message) => describeEvent(message).split(/\r?\n/));
    const table = renderTable(
      ['TIME', 'FROM', 'TYPE', 'MESSAGE'],
      messages.map((message, index) => [
        message.timestamp !== null ? formatTime(message.timestamp) : 'unknown time',
        `${message.direction === 'inbound' ? '←' : message.direction === 'outbound' ? '→' : '·'} ${authorLabel(message, user)}`,
        message.type ?? 'unknown',
        texts[index]![0] ?? '',
      ]),
    ).split('\n');
    const column = table[0]!.indexOf('MESSAGE');
    const indent = ' '.repeat(column);
    // On a terminal a long body wraps under its column (a hanging indent), never back to column 0; when
    // that column leaves too little room (a narrow terminal), under the row with a shallower indent.
    const hang = width && width - column >= 30 ? column : 4;
    const fit = (line: string) => (width && displayWidth(line) > width ? wrapHanging(line, width, hang) : [line]);
    out.push(table[0]!);
    // The latest card the business sent before each message: a user's text may be a tap on it.
    let card: DecodedEvent | undefined;
    messages.forEach((message, index) => {
      out.push(...fit(table[index + 1]!));
      const download = message.message_id ? downloadOf.get(message.message_id) : undefined;
      const extra = [...texts[index]!.slice(1), ...detailLines(message, byId, user, download, card)];
      for (const line of extra) out.push(...fit(`${indent}${line}`));
      if (message.direction === 'outbound' && message.template?.buttons.length) card = message;
    });
  }
  out.push('');
  if (moreMayExist)
    out.push(
      `TikTok keeps only the ${CONTENT_LIST_MAX_MESSAGES} most recent messages of a conversation; older ones may exist but cannot be read through the API.`,
    );
  out.push(windowLine(policy, now));
  // The lines around the table wrap at spaces too, so a narrow terminal never cuts a word.
  return (width ? out.flatMap((line) => (displayWidth(line) > width ? wrapHanging(line, width, 0) : [line])) : out).join('\n');
}
