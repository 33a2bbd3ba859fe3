// The loopback redirect target of the consent flow: an HTTP server bound to 127.0.0.1 only, serving
// exactly one valid callback (../shared/tiktok-api.md §2). Every page it serves is static text: nothing
// from the query is ever reflected into HTML, so a crafted redirect cannot inject script.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { CliError } from '../errors.js';
import { LOOPBACK_HOST, LoopbackPortError, listenOnLoopback, type LoopbackListener } from '../http/listen.js';
import { parseScopes } from '../tiktok/oauth.js';

export const CALLBACK_PATH = '/callback/';

export function redirectUriFor(port: number): string {
  return `http://${LOOPBACK_HOST}:${port}${CALLBACK_PATH}`;
}

/** What the browser tab is shown once the flow has finished with the code. */
export type FinishPage = 'success' | 'partial' | 'failed';

export interface CallbackCode {
  code: string;
  /** Granted scopes as the callback listed them (token info is the authority). */
  scopes: string[];
  /** Answers the held browser request with a static page, then closes the server. */
  finish(page: FinishPage): Promise<void>;
}

/** Everything the server noticed that the terminal should hear about (ignored callbacks). */
export type LoopbackEvent = { kind: 'state-mismatch' } | { kind: 'not-found'; path: string };

export interface LoopbackOptions {
  /** 0 or undefined: an ephemeral port chosen by the OS. */
  port?: number;
  state: string;
  /** The command to suggest after a timeout or a denial, e.g. `tiktok-channel connect`. */
  retryCommand?: string;
  onEvent?: (event: LoopbackEvent) => void;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface LoopbackServer {
  readonly port: number;
  readonly redirectUri: string;
  waitForCallback(options: WaitOptions): Promise<CallbackCode>;
  close(): Promise<void>;
}

const PAGES = {
  success: page('Connected', 'Your TikTok account is connected to tiktok-channel. You can close this tab and return to the terminal.'),
  partial: page(
    'Connected with a problem',
    'The account was stored, but something needs your attention (for example a permission that was not granted). Return to the terminal for what to do next.',
  ),
  failed: page('Connection failed', 'tiktok-channel could not finish connecting the account. Return to the terminal for details.'),
  denied: page('Access denied', 'You declined the authorization, so nothing was connected. You can close this tab.'),
  refused: page('Authorization failed', 'TikTok did not authorize the app. Return to the terminal for details.'),
  badState: page(
    'Unknown sign-in attempt',
    'This answer does not belong to the tiktok-channel command waiting in your terminal (an old tab, or a forged link), so it was ignored. Use the link printed by the running command.',
  ),
  missingCode: page('Incomplete answer', 'The redirect carried neither a code nor an error, so it was ignored.'),
  notFound: page('Not found', 'Nothing here. tiktok-channel only listens for the authorization callback.'),
  used: page('Already answered', 'This sign-in has already been answered. You can close this tab.'),
  badHost: page('Wrong address', 'This server only answers on 127.0.0.1.'),
  badMethod: page('Method not allowed', 'Only GET is served here.'),
} as const;

function page(title: string, message: string): string {
  // Constant strings only: no query value ever reaches this template.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · tiktok-channel</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#161823}h1{font-size:1.4rem}</style>
</head><body><h1>${title}</h1><p>${message}</p></body></html>
`;
}

function send(response: ServerResponse, status: number, html: string, done?: () => void): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // The callback URL carries the code: no referrer, no subresources, no framing.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    connection: 'close',
  });
  response.end(html, done);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Terminal-safe: strips control characters from text that came from the browser's query. */
export function sanitizeForTerminal(text: string, max = 300): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, max);
}

/** Binds the callback server on 127.0.0.1 (never another interface). A busy --port is a usage error. */
export async function startLoopback(options: LoopbackOptions): Promise<LoopbackServer> {
  const retryCommand = options.retryCommand ?? 'tiktok-channel connect';
  type Outcome = { kind: 'code'; value: CallbackCode } | { kind: 'error'; error: CliError };
  let settled = false;
  let resolveOutcome!: (outcome: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => (resolveOutcome = resolve));
  const settle = (result: Outcome) => {
    if (settled) return;
    settled = true;
    resolveOutcome(result);
  };

  const server: Server = createServer((request, response) => handle(request, response));
  let listener: LoopbackListener;
  try {
    listener = await listenOnLoopback(server, options.port);
  } catch (error) {
    if (!(error instanceof LoopbackPortError)) throw error;
    throw new CliError('usage', error.message, {
      hint:
        error.code === 'EADDRINUSE'
          ? 'Choose another with --port (and register that redirect URI in your TikTok app), or stop the program using it.'
          : 'Choose a port above 1023 with --port.',
    });
  }
  const { port, close } = listener;
  const redirectUri = redirectUriFor(port);
  const allowedHosts = new Set([`${LOOPBACK_HOST}:${port}`, `localhost:${port}`]);

  function handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET') return send(response, 405, PAGES.badMethod);
    // A foreign Host is a DNS-rebinding attempt, not a browser following our redirect URI.
    if (!allowedHosts.has(String(request.headers.host ?? '').toLowerCase())) return send(response, 400, PAGES.badHost);
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${port}`);
    if (url.pathname !== CALLBACK_PATH && url.pathname !== CALLBACK_PATH.slice(0, -1)) {
      options.onEvent?.({ kind: 'not-found', path: url.pathname });
      return send(response, 404, PAGES.notFound);
    }
    if (settled) return send(response, 409, PAGES.used);
    const params = url.searchParams;
    const state = params.get('state');
    const error = params.get('error');
    // Refusals need the state too: otherwise any web page could cancel the flow by loading
    // http://127.0.0.1:PORT/callback/?error=access_denied (TikTok sends state back on errors as well).
    const stateOk = state !== null && sameSecret(state, options.state);
    if (!stateOk) {
      options.onEvent?.({ kind: 'state-mismatch' });
      return send(response, 400, PAGES.badState);
    }
    if (error) {
      const denied = error === 'access_denied';
      const description = params.get('error_description');
      send(response, 200, denied ? PAGES.denied : PAGES.refused, () => void close());
      settle({
        kind: 'error',
        error: denied
          ? new CliError('auth', 'Authorization was denied in the browser; nothing was connected.', {
              hint: `Run \`${retryCommand}\` again and choose Authorize / Approve on TikTok's consent page.`,
            })
          : new CliError(
              'auth',
              `TikTok did not authorize the app: ${sanitizeForTerminal(error, 80)}${description ? ` (${sanitizeForTerminal(description)})` : ''}`,
              {
                hint: "Check the app's client key, its registered redirect URI and its scopes in the TikTok developer portal, then try again.",
                details: { oauth_error: error, ...(params.get('error_type') ? { oauth_error_type: params.get('error_type') } : {}) },
              },
            ),
      });
      return;
    }
    const code = params.get('code');
    if (!code) return send(response, 400, PAGES.missingCode);
    let finished: Promise<void> | undefined;
    settle({
      kind: 'code',
      value: {
        code,
        scopes: parseScopes(params.get('scopes') ?? params.get('scope')),
        finish: (kind) =>
          (finished ??= new Promise<void>((resolve) => {
            const html = kind === 'success' ? PAGES.success : kind === 'partial' ? PAGES.partial : PAGES.failed;
            if (response.writableEnded || response.destroyed) {
              void close().then(resolve);
              return;
            }
            send(response, 200, html, () => void close().then(resolve));
          })),
      },
    });
  }

  return {
    port,
    redirectUri,
    close,
    waitForCallback(wait) {
      return new Promise<CallbackCode>((resolve, reject) => {
        const onAbort = () => {
          settle({ kind: 'error', error: new CliError('cancelled', 'Cancelled.') });
        };
        const timer = setTimeout(() => {
          const seconds = Math.round(wait.timeoutMs / 1000);
          settle({
            kind: 'error',
            error: new CliError('auth', `No answer from the browser within ${seconds} s; nothing was connected.`, {
              hint:
                `Run \`${retryCommand}\` again, open the printed URL and approve (--timeout sets how long to wait). ` +
                `If TikTok showed a redirect_uri error, register ${redirectUri} (or http://127.0.0.1:*/callback/) in your app, or use a fixed --port.`,
            }),
          });
        }, wait.timeoutMs);
        if (wait.signal?.aborted) onAbort();
        else wait.signal?.addEventListener('abort', onAbort, { once: true });
        void outcome.then((result) => {
          clearTimeout(timer);
          wait.signal?.removeEventListener('abort', onAbort);
          if (result.kind === 'code') return resolve(result.value);
          // Denials already answered the tab; timeouts and Ctrl-C close the server here.
          void close();
          reject(result.error);
        });
      });
    },
  };
}
