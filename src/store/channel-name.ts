// A channel name as a person gives it (`connect --name`, `rename <name>`): checked before anything is
// stored, so the name --account finds an account by is plain text. Light, for the parsers that use it.
import { usageError } from '../errors.js';

/** A channel name: `--name` of connect, or the argument of `rename` (`what` says which, for the messages). */
export function parseName(value: string | undefined, what: 'connect' | 'rename' = 'connect'): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const label = what === 'rename' ? 'The new name' : '--name';
  if (!trimmed) {
    throw usageError(
      `${label} must not be empty.`,
      what === 'rename'
        ? 'Pass the channel name to use, e.g. `tiktok-channel rename "Acme support"` (add --account to rename another account).'
        : 'Pass a channel name such as --name "Acme support", or leave --name out to use the @username.',
    );
  }
  if (trimmed.length > 80) throw usageError(`${label} is longer than 80 characters.`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) throw usageError(`${label} holds control characters (e.g. terminal escape codes); use plain text.`);
  return trimmed;
}
