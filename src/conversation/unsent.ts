// A message typed at a terminal (`send --text -`) exists nowhere else: when anything refuses it after it
// was typed, it is kept in the config dir (0600: it may hold a customer's details) and the error says where.
// fs.promises read at the call: importing node:fs/promises costs every command that loads this ~2 ms.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CliError, toCliError } from '../errors.js';
import type { Deps } from '../deps.js';

/** TikTok shows links in chats as plain text (tiktok-api.md §7 "Links", high); some may be blocked (low). */
export const LINK_WARNING =
  'The text holds a link: TikTok shows links in chats as plain text that cannot be tapped, so the user has to copy it; ' +
  'TikTok may also block some links outright (unconfirmed). Sending it anyway.';

/** The error, with where the typed text was saved (or, failing that, the text itself in the hint). */
export async function keepTypedText(deps: Pick<Deps, 'store' | 'now'>, thrown: unknown, body: string): Promise<CliError> {
  const error = toCliError(thrown);
  if (!body.trim()) return error;
  let where: string;
  let path: string | null = null;
  try {
    const dir = join(deps.store().dir, 'unsent');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    path = join(dir, `${new Date(deps.now()).toISOString().replace(/[:.]/g, '-')}.txt`);
    await fs.writeFile(path, `${body}\n`, { mode: 0o600, flag: 'wx' });
    where = `The text you typed is saved in ${path} (only you can read it); send it later with \`tiktok-channel send --to … --text - < '${path}'\`.`;
  } catch {
    path = null;
    where = `The text you typed was:\n${body}`;
  }
  // A bare "Cancelled." prints nothing but a line end (cli.ts): say where the text went in the message.
  const message = error.kind === 'cancelled' && error.message === 'Cancelled.' ? 'Cancelled; the message was not sent.' : error.message;
  return new CliError(error.kind, message, {
    hint: error.hint ? `${error.hint}\n${where}` : where,
    tiktokCode: error.tiktokCode,
    requestId: error.requestId,
    details: { ...(error.details ?? {}), unsent_text_path: path },
    cause: error.cause ?? thrown,
  });
}
