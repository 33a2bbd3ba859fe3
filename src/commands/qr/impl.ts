// `qr`: the account's chat link https://tiktok.me/{username} (with a pre-filled message and a tracking
// tag), printed always so it can be copied or piped, drawn as a QR code on a TTY, and written as a real
// PNG or SVG file with --output. One QR code per shop or poster, each with its own --ref, tells where
// each contact came from: TikTok sends the tag back in the referral (im_referral_msg).
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CliError, usageError } from '../../errors.js';
import { displaySafe } from '../../io/format.js';
import type { Deps } from '../../deps.js';
import type { QrOptions } from '../qr.js';
import { buildChatLink, containsUrl } from '../../conversation/chat-link.js';
import { getBusinessProfile } from '../../tiktok/messaging-api.js';
import { optionalSeconds } from '../../io/duration.js';
import { quoteArg } from '../../auth/lifetimes.js';
import type { IO } from '../../io/io.js';
import { output, type Output } from '../../io/output.js';

export type { QrOptions };

export const DEFAULT_WAIT_SECONDS = 300;

export function waitSeconds(value: boolean | string | undefined): number | undefined {
  return optionalSeconds(value, { flag: '--wait', fallback: DEFAULT_WAIT_SECONDS, min: 1, max: 86_400, whole: true });
}

export function outputFormat(path: string): 'png' | 'svg' {
  const extension = extname(path).toLowerCase();
  if (extension === '.png') return 'png';
  if (extension === '.svg') return 'svg';
  throw usageError(`--output must end in .png or .svg (got "${path}").`, 'PNG for print and chat, SVG to scale without blur: e.g. --output poster.png');
}

export function checkQrOptions(options: QrOptions): void {
  if (options.ref !== undefined && !options.ref.trim()) throw usageError('--ref needs a tag, e.g. --ref spring-poster.');
  if (options.message !== undefined && !options.message.trim()) throw usageError('--message needs some text.');
  if (options.output !== undefined) outputFormat(options.output);
  waitSeconds(options.wait);
  if (options.port !== undefined && options.wait === undefined) throw usageError('--port is used with --wait (to receive webhooks while waiting).');
}

/**
 * Writes through a temporary file in the same folder, synced, then renamed over the target: a full disk
 * or a crash leaves the earlier file (or none), never a 0-byte or half-written image.
 */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(temp, 'wx', 0o666);
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    if (created) await unlink(temp).catch(() => undefined);
    throw error;
  }
}

async function username(deps: Deps): Promise<string> {
  const account = deps.resolveAccount();
  if (account.username) return account.username;
  // Env credentials (and old stored accounts) carry no username: ask TikTok once.
  const session = await deps.session(account);
  const client = session.client;
  const profile = await deps.io.progress("Fetching the account's username…", () =>
    session.call((token) => getBusinessProfile(client, token, account.businessId)),
  );
  if (!profile.username) {
    throw new CliError('unexpected', "TikTok did not return the account's username, so the chat link cannot be built.", {
      hint: 'Check that the user.info.username scope was granted (`tiktok-channel status`), then `tiktok-channel refresh --reauthorize`.',
    });
  }
  return profile.username;
}

export async function qr(options: QrOptions, deps: Deps): Promise<Output<Record<string, unknown>> | void> {
  const { io } = deps;
  checkQrOptions(options);
  const wait = waitSeconds(options.wait);
  // A fresh tag for --wait, so the arrival we wait for is this code's and no one else's.
  const ref = options.ref ?? (wait !== undefined ? `check-${randomBytes(3).toString('hex')}` : undefined);
  const url = buildChatLink(await username(deps), { ref, message: options.message });
  if (options.message !== undefined && containsUrl(options.message)) {
    io.warn('The pre-filled message contains a link: TikTok does not make links inside its chats clickable, so people would have to copy it by hand.');
  }

  let file: string | undefined;
  if (options.output !== undefined) {
    file = resolve(options.output);
    const format = outputFormat(options.output);
    const QRCode = (await import('qrcode')).default;
    // Error correction M survives print smudges; a 4-module quiet zone is what scanners expect.
    const rendered =
      format === 'png'
        ? await QRCode.toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: 512 })
        : await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, width: 512 });
    try {
      await writeAtomically(file, rendered);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOSPC' || code === 'EDQUOT' ? ': the disk is full' : code === 'EFBIG' ? ': the file is larger than this process may write (ulimit -f)' : '';
      throw new CliError('validation', `Cannot write ${file}${why} (${code ?? String(error)}); nothing was written, any earlier file there is unchanged.`, {
        hint:
          code === 'ENOENT'
            ? 'Create the folder first, or choose another --output path.'
            : why
              ? 'Free some space, or choose an --output path on another disk.'
              : 'Choose another --output path.',
      });
    }
  }

  // Drawn before the output is chosen: drawing is async, a human renderer is not.
  const drawing = !io.json && io.isStdoutTTY ? await drawQr(url) : undefined;
  const showLink = (io: IO) => {
    io.out(url);
    if (drawing !== undefined) {
      const needed = Math.max(...drawing.split('\n').map((line) => [...line].length));
      // A code cut or wrapped by the terminal cannot be scanned: say so rather than draw it.
      if (io.columns !== undefined && needed > io.columns) {
        io.warn(
          `The QR code needs ${needed} columns but the terminal has ${io.columns}, so it was not drawn. ` +
            `Widen the terminal, or save it as an image: tiktok-channel qr${ref ? ` --ref ${quoteArg(ref)}` : ''}${options.message ? ` --message ${quoteArg(options.message)}` : ''} --output qr.png`,
        );
      } else {
        io.out(drawing);
      }
    }
    if (file) io.success(`Wrote the QR code to ${file}`);
  };
  if (wait === undefined) {
    return output({ url, ...(file ? { file } : {}) }, (_data, io) => {
      showLink(io);
      if (ref) io.info(io.color.dim(`TikTok reports "${displaySafe(ref)}" as referral.short_link.ref when someone starts a chat through this link.`));
    });
  }
  // --wait: the link is shown before the wait (the person scans it meanwhile); the outcome is the output.
  if (!io.json) showLink(io);

  if (options.ref === undefined) {
    io.info(io.color.dim(`No --ref given: the link carries the fresh tag ${ref}, so a scan of this code can be told from anyone else who writes.`));
  }
  const { waitForContact } = await import('./wait.js');
  const contact = await waitForContact(deps, { ref: ref!, url, seconds: wait, port: options.port });
  return output(
    {
      url,
      ref,
      ...(file ? { file } : {}),
      // Only an arrival through this code's tag ends the wait (a referral, or a chat it opened).
      arrived_through_link: true,
      user: contact.user,
      conversation_id: contact.conversationId,
      text: contact.message ? contact.text : null,
      referral: contact.referral ?? null,
      message: contact.message ?? null,
      others_seen: contact.othersSeen,
    },
    (_data, io) => io.success(displaySafe(contact.summary)),
  );
}

async function drawQr(url: string): Promise<string> {
  const terminal = (await import('qrcode-terminal')).default;
  return new Promise<string>((resolve) => terminal.generate(url, { small: true }, resolve));
}
