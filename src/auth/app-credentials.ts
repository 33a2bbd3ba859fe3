// The TikTok developer app's credentials for a consent flow: flag > env > stored > prompt (TTY only).
// Without a TTY a missing value is a usage error that names both the flag and the env var.
import { CliError } from '../errors.js';
import type { Deps } from '../deps.js';
import type { AppCredentials } from '../tiktok/oauth.js';
import type { StoredAccount } from '../store/accounts.js';

export interface AppCredentialOptions {
  clientKey?: string;
  clientSecret?: string;
  /** Stored accounts whose app may be reused (already filtered to the same API target). */
  stored?: StoredAccount[];
}

export async function resolveAppCredentials(deps: Deps, options: AppCredentialOptions): Promise<AppCredentials & { source: string }> {
  const { env, io } = deps;
  const trimmed = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  let clientKey = trimmed(options.clientKey) ?? trimmed(env.TIKTOK_CHANNEL_CLIENT_KEY);
  let source = options.clientKey ? 'flag' : clientKey ? 'env' : '';
  const storedApps = options.stored ?? [];
  // A stored secret is only reused with its own key, never paired with a different one.
  const storedFor = (key: string | undefined) => storedApps.find((account) => account.clientKey && (!key || account.clientKey === key));
  if (!clientKey) {
    const stored = storedFor(undefined);
    if (stored) {
      clientKey = stored.clientKey;
      source = 'stored';
    }
  }
  let clientSecret = trimmed(options.clientSecret) ?? trimmed(env.TIKTOK_CHANNEL_CLIENT_SECRET) ?? storedFor(clientKey)?.clientSecret;

  const canAsk = io.canPrompt();
  if (!clientKey) {
    if (!canAsk) throw missing('client key', '--client-key', 'TIKTOK_CHANNEL_CLIENT_KEY');
    io.info(io.color.dim('Your TikTok developer app (developers.tiktok.com → your app → App details) has a client key and secret.'));
    clientKey = (await deps.prompter().input({ message: 'Client key of your TikTok app:', validate: required('the client key') })).trim();
    source = 'prompt';
  }
  if (!clientSecret) {
    if (!canAsk) throw missing('client secret', '--client-secret', 'TIKTOK_CHANNEL_CLIENT_SECRET');
    clientSecret = (await deps.prompter().password({ message: 'Client secret of your TikTok app:', validate: required('the client secret') })).trim();
  }
  return { clientKey, clientSecret, source };
}

function required(what: string) {
  return (value: string): true | string => (value.trim() ? true : `Enter ${what} (or press Ctrl-C to stop).`);
}

function missing(what: string, flag: string, envVar: string): CliError {
  return new CliError('usage', `The TikTok app's ${what} is missing and there is no terminal to ask for it.`, {
    hint: `Pass ${flag} or set ${envVar} (or run \`tiktok-channel connect --sandbox\` to try the built-in sandbox without an app).`,
  });
}
