// The config dir (accounts.json, its lock, the embedded sandbox's state) when it cannot be created or
// written: permissions, a read-only disk, a file in the way. One error names the directory and the fix,
// whichever part of the CLI hit it, instead of a raw EACCES.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';
import type { Transport } from '../http/raw.js';

const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EDQUOT']);

/** A file-system failure (as opposed to a network one), by its code. */
export function isFsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && FS_CODES.has(code) && typeof (error as { syscall?: unknown }).syscall === 'string';
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

export function configDirError(dir: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: string }).code ?? '';
  const missing = !existsSync(dir);
  // The directory to fix: the config dir, or the existing parent it could not be created in.
  const where = missing ? nearestExisting(dir) : dir;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? `permission denied${missing ? ` (it cannot be created in ${where})` : ''}`
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a file is in the way of the directory'
          : code === 'ENOSPC' || code === 'EDQUOT'
            ? 'the disk is full'
            : error instanceof Error
              ? error.message
              : String(error);
  const permission = code === 'EACCES' || code === 'EPERM';
  return new CliError('config', `Cannot write to the config dir ${dir}: ${why}${code ? ` (${code})` : ''}.`, {
    hint: permission
      ? `Make ${where} yours and writable (e.g. \`chmod u+rwx "${where}"\`, or \`sudo chown -R "$USER" "${where}"\`), or point TIKTOK_CHANNEL_CONFIG_DIR at a directory you can write.`
      : 'Point TIKTOK_CHANNEL_CONFIG_DIR at a writable directory (accounts are kept there, mode 0600).',
    cause: error,
  });
}

/**
 * The embedded sandbox keeps its state in the config dir: its file-system failures are config errors, not
 * network ones. Every call writes there, and its lock retries any failure for about 24 s, so a directory
 * that cannot be written is refused up front.
 */
export function withConfigDirErrors(transport: Transport, dir: string): Transport {
  return async (request, options) => {
    const stateDir = join(dir, 'sandbox');
    try {
      accessSync(existsSync(stateDir) ? stateDir : nearestExisting(dir), constants.W_OK);
    } catch (error) {
      throw configDirError(dir, error);
    }
    try {
      return await transport(request, options);
    } catch (error) {
      throw isFsFailure(error) ? configDirError(dir, error) : error;
    }
  };
}
