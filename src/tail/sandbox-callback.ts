// The embedded sandbox's callback while `tail` runs. The sandbox lives in the config dir and delivers to
// loopback, so a receiver points it at itself with no tunnel. The callback is one per app: a second tail
// taking it silently would starve the first, and a tail leaving its own URL behind makes every later
// `doctor` warn that nothing answers there. So: refuse while another receiver answers at the registered
// callback (unless --take-over), and on exit give back what was there, if it still answers.
import { connect } from 'node:net';
import { usageError } from '../errors.js';
import type { Deps } from '../deps.js';
import type { ResolvedAccount } from '../store/accounts.js';
import type { TikTokClient } from '../tiktok/client.js';

const PROBE_TIMEOUT_MS = 1_000;

/**
 * Whether something listens at the URL's host and port. A bare TCP connection, no HTTP request: a live
 * tail would count and print a request as a refused delivery.
 */
export function answers(url: string): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface SandboxHold {
  /** The callback registered before this tail, when it was there and answered. */
  previous?: string;
  /** The registered callback that answered no more (a tail that was killed): not given back. */
  stale?: string;
  tookOver: boolean;
  /** Gives the callback back (or removes ours); what it did, for the exit message. */
  release(): Promise<string | undefined>;
}

// The webhook calls made here must also run after Ctrl-C (to give the callback back): uninterruptible.
async function currentCallback(client: TikTokClient, account: ResolvedAccount): Promise<string | undefined> {
  const { data } = await client.get<{ callback_url?: string }>('business/webhook/list/', {
    query: { app_id: account.clientKey, secret: account.clientSecret, event_type: 'DIRECT_MESSAGE' },
    uninterruptible: true,
  });
  return typeof data.callback_url === 'string' && data.callback_url ? data.callback_url : undefined;
}

async function setCallback(client: TikTokClient, account: ResolvedAccount, callback: string | undefined): Promise<void> {
  const credentials = { app_id: account.clientKey, secret: account.clientSecret, event_type: 'DIRECT_MESSAGE' };
  if (callback) await client.post('business/webhook/update/', { body: { ...credentials, callback_url: callback }, uninterruptible: true });
  else await client.post('business/webhook/delete/', { body: credentials, uninterruptible: true });
}

/**
 * Points the embedded sandbox at `localUrl`, when every served account is an embedded-sandbox one (never
 * TikTok's app-wide callback) and no API base URL overrides where requests go; undefined otherwise.
 */
export async function holdEmbeddedSandbox(deps: Deps, accounts: ResolvedAccount[], localUrl: string, takeOver: boolean): Promise<SandboxHold | undefined> {
  const embedded = accounts.find((candidate) => candidate.sandbox === 'embedded');
  if (!embedded || deps.env.TIKTOK_CHANNEL_API_BASE_URL || !accounts.every((candidate) => candidate.sandbox === 'embedded')) return undefined;
  const account = deps.globals.account ? deps.resolveAccount(deps.globals.account) : embedded;
  const client = await deps.client(account);
  const registered = await currentCallback(client, account);
  const live = registered !== undefined && registered !== localUrl && (await answers(registered));
  if (live && !takeOver) {
    throw usageError(
      `Another receiver (another tail?) already takes the embedded sandbox's deliveries at ${registered}.`,
      'Stop that tail first, or pass --take-over: this tail then receives them, and gives them back when it exits.',
    );
  }
  await setCallback(client, account, localUrl);
  const previous = live ? registered : undefined;
  return {
    previous,
    stale: !live && registered !== localUrl ? registered : undefined,
    tookOver: live,
    async release() {
      // Only our own registration is undone: a tail that took over from us keeps its callback.
      if ((await currentCallback(client, account)) !== localUrl) return undefined;
      // The receiver taken over from may have stopped meanwhile: its URL would only make doctor warn.
      const giveBack = previous !== undefined && (await answers(previous)) ? previous : undefined;
      await setCallback(client, account, giveBack);
      return giveBack ? `The embedded sandbox delivers to ${giveBack} again.` : "The embedded sandbox's callback is removed (nothing else was receiving).";
    },
  };
}
