// An account reference as the user typed it (--account, `accounts use`): a channel name, an @username or
// a business_id. Kept apart from the store so the CLI can check it while parsing, before conf loads.
import { usageError } from '../errors.js';

/** The reference, trimmed; empty or blank (an unset shell variable) is refused rather than read as "the default". */
export function parseAccountReference(value: string, what: string): string {
  const trimmed = value.trim();
  if (!trimmed) {
    throw usageError(
      `${what} is empty; it needs a channel name, @username or business_id.`,
      `Pass one of the accounts \`tiktok-channel accounts\` lists${what === '--account' ? ', or leave --account out for the default account' : ''} (an unset shell variable gives an empty value).`,
    );
  }
  return trimmed;
}
