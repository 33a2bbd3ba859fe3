// `network`: the API base answers. Every first-round call counts: the first one TikTok answers (with data
// or its own error envelope) proves the way there; when none does, the failure is explained: DNS, a
// refused connection, TLS (a proxy re-signing HTTPS), a timeout, a reset, or something that is not
// TikTok answering (a gateway's HTML page).
import type { CliError } from '../../errors.js';
import { errorCode } from '../../tiktok/network-error.js';
import type { Check, CheckOutcome, DoctorContext } from '../types.js';

const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|EPROTO$|HOSTNAME_MISMATCH)/;

function where(ctx: DoctorContext): string {
  if (ctx.embedded) return 'the embedded sandbox';
  try {
    return new URL(ctx.apiBaseUrl).host;
  } catch {
    return ctx.apiBaseUrl;
  }
}

function proxyNote(ctx: DoctorContext): string {
  const proxy = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].find((name) => ctx.env[name]);
  return proxy ? ` ${proxy} is set, but tiktok-channel connects directly (it does not use proxy variables): allow direct HTTPS to ${where(ctx)}.` : '';
}

function explain(ctx: DoctorContext, error: CliError): { detail: string; fix: string } {
  const code = errorCode(error.cause ?? error, 5);
  const host = where(ctx);
  const custom = ctx.env.TIKTOK_CHANNEL_API_BASE_URL ? ` TIKTOK_CHANNEL_API_BASE_URL is ${ctx.env.TIKTOK_CHANNEL_API_BASE_URL}.` : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      detail: `${host} could not be resolved (DNS: ${code})`,
      fix: `Check the internet connection and DNS (\`nslookup ${host}\`).${custom}${proxyNote(ctx)}`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      detail: `the connection to ${host} was refused`,
      fix: ctx.apiIsLocal
        ? `Nothing listens at ${ctx.apiBaseUrl}: start the sandbox (\`tiktok-channel sandbox serve\`) or fix TIKTOK_CHANNEL_API_BASE_URL.`
        : `A firewall or the network refused the connection to ${host}.${custom}${proxyNote(ctx)}`,
    };
  }
  if (TLS_CODES.test(code)) {
    return {
      detail: `the TLS handshake with ${host} failed (${code})`,
      fix:
        'A proxy or antivirus that re-signs HTTPS usually causes this: set NODE_EXTRA_CA_CERTS to its root certificate ' +
        `(a PEM file) and run doctor again.${proxyNote(ctx)}`,
    };
  }
  if (/did not answer within/.test(error.message)) {
    return {
      detail: `${error.message} (twice)`,
      fix: `Check the connection; a firewall or proxy may drop traffic to ${host}. Try again in a moment.${proxyNote(ctx)}`,
    };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return { detail: `the connection to ${host} was reset`, fix: `A proxy or firewall may cut connections to ${host}; try again.${proxyNote(ctx)}` };
  }
  if (/answered HTTP/.test(error.message)) {
    return {
      detail: `something answers at ${host}, but not TikTok's API: ${error.message.replace(/^TikTok answered/, 'it answered')}`,
      fix: `TikTok may be unavailable (try again in a few minutes), or a gateway or proxy answers instead.${custom}`,
    };
  }
  return { detail: error.message, fix: `${error.hint}${proxyNote(ctx)}` };
}

/** TikTok answered, but with a system error or a rate limit: nothing was learnt about the account. */
function unavailable(error: CliError): boolean {
  return error.kind === 'network' || error.kind === 'rateLimit';
}

export const network: Check = {
  id: 'network',
  title: 'TikTok API reachable',
  category: 'setup',
  requires: [],
  async run(ctx): Promise<CheckOutcome> {
    const { answered, failures } = await ctx.probes.reach();
    if (answered) {
      // TikTok's envelope proves the way there, but a server that answers every call with a system error
      // or a rate limit lets no other check see anything: say so rather than "ok".
      const outcomes = await ctx.probes.roundOne();
      const failed = outcomes.filter((outcome) => !outcome.ok).map((outcome) => (outcome as { error: CliError }).error);
      if (failed.length === outcomes.length && failed.every(unavailable)) {
        const codes = [...new Set(failed.map((error) => (error.tiktokCode !== undefined ? `TikTok error ${error.tiktokCode}` : error.message)))];
        return {
          status: 'warn',
          detail: `${where(ctx)} answers, but every call failed (${codes.join(', ')}): the other checks could not see the account`,
          fix: failed.some((error) => error.kind === 'rateLimit')
            ? "The app's request budget is used up (TikTok error 40100): stop other jobs using this app for a minute, then run doctor again."
            : "TikTok is failing on its side: run `tiktok-channel doctor` again in a few minutes; if it persists, check TikTok's status page or contact TikTok with the request_ids (`--verbose`).",
          details: [`API base ${ctx.apiBaseUrl}`, ...failed.map((error) => `${error.message}${error.requestId ? ` (request_id ${error.requestId})` : ''}`)],
        };
      }
      return { status: 'ok', detail: `${where(ctx)} answered in ${answered.ms} ms`, details: [`API base ${ctx.apiBaseUrl}`] };
    }
    const first = failures[0];
    if (!first) return { status: 'error', detail: 'no request was made', fix: 'Run `tiktok-channel doctor --debug` and report the output.' };
    const { detail, fix } = explain(ctx, first);
    return { status: 'fail', detail, fix, details: [`API base ${ctx.apiBaseUrl}`, ...failures.map((failure) => failure.message)] };
  },
};
