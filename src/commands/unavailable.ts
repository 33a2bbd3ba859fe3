// Placeholder for commands whose issue has not landed: an honest exit 1 instead of a silent no-op.
import { CliError } from '../errors.js';

export function notAvailableYet(command: string): never {
  throw new CliError('unexpected', `\`tiktok-channel ${command}\` is not available yet in this version.`, {
    hint: 'Follow the project\'s releases; `tiktok-channel --help` lists what works today.',
  });
}
