// tail's options: their defaults and the checks that run before anything listens or reads the journal.
// Shared by live `tail` and `tail replay`.
import { usageError } from '../errors.js';
import { optionalSeconds, parseDuration } from '../io/duration.js';
import type { DecodedEvent } from '../tiktok/events.js';
import type { TailOptions } from '../commands/tail.js';

// The options' types come from tail's definition (src/commands/tail.ts): a renamed flag fails to compile here.
export type { TailOptions };

/** The port tail listens on when --port is not given (falls back to any free port when taken). */
export const DEFAULT_PORT = 7870;
export const DEFAULT_PATH = '/webhook';
export const DEFAULT_POLL_SECONDS = 5;
/** How long one forward may take before it counts as failed and is retried. */
export const DEFAULT_FORWARD_TIMEOUT_SECONDS = 10;
export const MAX_POLL_BACKOFF_MS = 5 * 60 * 1000;
/** How far back the journal is read at start to recognise TikTok's redeliveries (it retries for 72 h). */
export const DEDUPE_HORIZON_MS = 72 * 60 * 60 * 1000;

export function pollSeconds(value: TailOptions['poll']): number | undefined {
  return optionalSeconds(value, { flag: '--poll', fallback: DEFAULT_POLL_SECONDS, min: 0.5, max: 3600, whole: false });
}

export function forwardTimeoutSeconds(options: Pick<TailOptions, 'forwardTimeout'>): number {
  if (options.forwardTimeout === undefined) return DEFAULT_FORWARD_TIMEOUT_SECONDS;
  const text = String(options.forwardTimeout).trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 0.1 && seconds <= 3600))
    throw usageError(
      `--forward-timeout must be a number of seconds from 0.1 to 3600 (got "${options.forwardTimeout}").`,
      'e.g. --forward-timeout 30 for a target that is slow to answer.',
    );
  return seconds;
}

export function checkTailOptions(options: TailOptions): void {
  const polling = options.poll !== undefined;
  if (options.forwardTimeout !== undefined && !options.forwardTo) throw usageError('--forward-timeout is only used with --forward-to.');
  forwardTimeoutSeconds(options);
  if (polling) {
    const webhookOnly = (['port', 'host', 'path', 'forwardTo', 'register', 'publicUrl', 'tolerance', 'takeOver'] as const).filter(
      (key) => options[key] !== undefined,
    );
    if (webhookOnly.length) {
      const flag = webhookOnly[0]!.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
      throw usageError(`--${flag} is for webhook mode; --poll reads the API instead.`, 'Drop --poll to receive webhooks, or drop the webhook options to poll.');
    }
  }
  if (options.register && !options.publicUrl) {
    throw usageError(
      '--register needs --public-url: the HTTPS URL at which TikTok reaches this receiver.',
      'e.g. tiktok-channel tail --port 8080 --register --public-url https://example.ngrok.app/webhook',
    );
  }
  if (options.publicUrl && !options.register) throw usageError('--public-url is only used with --register.', "Add --register to set it as the app's callback.");
  if (options.forwardTo) checkForwardUrl(options.forwardTo);
  if (options.since !== undefined) parseDuration(options.since, '--since');
  if (options.path !== undefined && !options.path.trim()) throw usageError('--path needs a path, e.g. --path /webhook.');
}

/** --event accepts event names (im_receive_msg) and kinds (message, reaction, read, referral …). */
export function eventFilter(names: string[] | undefined): ((event: DecodedEvent) => boolean) | undefined {
  if (!names?.length) return undefined;
  const wanted = new Set(
    names
      .flatMap((name) => name.split(','))
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  return (event) => wanted.has((event.event ?? '').toLowerCase()) || wanted.has(event.kind);
}

export function checkForwardUrl(forwardTo: string): void {
  let url: URL | undefined;
  try {
    url = new URL(forwardTo);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw usageError(`--forward-to must be an http(s) URL (got "${forwardTo}").`);
}
