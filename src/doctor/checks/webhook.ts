// `webhook`: the app's DIRECT_MESSAGE callback (webhook/list, app-wide). None: TikTok pushes nothing, but
// `tail --poll` still works. Set: shown (redacted); a local URL is only reachable from a sandbox on this
// machine, so it is tried to see whether something answers there.
import { redactUrl } from '../../http/redact.js';
import type { Check, CheckOutcome } from '../types.js';
import { couldNotCheck } from './shared.js';

const LOCAL_PROBE_TIMEOUT_MS = 2_000;

export function isLocalUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\./.test(host);
}

/** Any HTTP answer means a receiver listens; only no answer at all is a problem. */
async function answers(url: string): Promise<{ status?: number; error?: string }> {
  const { nodeHttpTransport: networkTransport } = await import('../../http/node-http.js');
  try {
    const response = await networkTransport(
      { method: 'GET', url, headers: { accept: '*/*' } },
      { timeoutMs: LOCAL_PROBE_TIMEOUT_MS, signal: AbortSignal.timeout(LOCAL_PROBE_TIMEOUT_MS) },
    );
    return { status: response.status };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { error: code ?? (error instanceof Error ? error.message : String(error)) };
  }
}

/**
 * Comment-to-Message (tiktok-api.md §4, medium-low confidence): while it is off, high-intent comments are
 * never delivered, so `send --comment-reply` has nothing to answer. Said in the details only: doctor
 * cannot know whether this account answers comments at all, and an unknown answer says nothing.
 */
async function withCommentToMessage(ctx: Parameters<Check['run']>[0], outcome: CheckOutcome): Promise<CheckOutcome> {
  const probe = await ctx.probes.commentToMessage?.();
  if (!probe?.ok || probe.value !== false) return outcome;
  const line =
    'Comment-to-Message is off for this account: TikTok delivers no high-intent comments, so comment replies (`send --comment-reply`) ' +
    'have nothing to answer; `tiktok-channel comments enable` turns it on';
  return { ...outcome, details: [...(outcome.details ?? []), line] };
}

export const webhook: Check = {
  id: 'webhook',
  title: 'Webhook callback',
  category: 'messaging',
  requires: ['config'],
  run: async (ctx) => withCommentToMessage(ctx, await callbackOutcome(ctx)),
};

async function callbackOutcome(ctx: Parameters<Check['run']>[0]): Promise<CheckOutcome> {
  if (!ctx.app.clientKey || !ctx.app.clientSecret)
    return { status: 'skip', detail: "skipped: webhook/list needs the app's client key and secret (see config)" };
  const outcome = await ctx.probes.webhook();
  if (!outcome.ok) return couldNotCheck("read the app's webhook", outcome.error);
  const callback = outcome.value.callbackUrl;
  if (!callback) {
    return {
      status: 'warn',
      detail: 'no DIRECT_MESSAGE callback is registered for this app: TikTok pushes no messages, though `tail --poll` still reads them',
      fix: 'Poll with `tiktok-channel tail --poll`, or receive pushes: `tiktok-channel tail --register --public-url https://<your public URL>`.',
    };
  }
  const shown = redactUrl(callback);
  let url: URL | undefined;
  try {
    url = new URL(callback);
  } catch {
    url = undefined;
  }
  const details = [`callback ${shown} (one per app: every account of the app shares it)`];
  if (!url)
    return {
      status: 'warn',
      detail: `the registered callback is not a URL: ${shown}`,
      fix: 'Register a public HTTPS URL: `tiktok-channel tail --register --public-url https://…`.',
      details,
    };
  if (isLocalUrl(url)) {
    if (!ctx.apiIsLocal) {
      return {
        status: 'warn',
        detail: `the callback ${shown} is a local URL: TikTok's servers cannot reach it`,
        fix: 'Expose the receiver through a tunnel (cloudflared, ngrok) and register its public HTTPS URL: `tiktok-channel tail --register --public-url https://…`.',
        details,
      };
    }
    const probe = await answers(callback);
    if (probe.status === undefined) {
      return {
        status: 'warn',
        detail: `the callback ${shown} is registered, but nothing answers there (${probe.error})`,
        fix: `Start the receiver (\`tiktok-channel tail --port ${url.port || 80} --path ${url.pathname}\`), or register the URL it listens on.`,
        details,
      };
    }
    return { status: 'ok', detail: `callback ${shown} (answers: HTTP ${probe.status})`, details };
  }
  if (url.protocol !== 'https:' && !ctx.apiIsLocal) {
    return {
      status: 'warn',
      detail: `the callback ${shown} is not HTTPS: TikTok delivers webhooks over HTTPS`,
      fix: 'Register an HTTPS URL: `tiktok-channel tail --register --public-url https://…`.',
      details,
    };
  }
  return { status: 'ok', detail: `callback ${shown}`, details };
}
