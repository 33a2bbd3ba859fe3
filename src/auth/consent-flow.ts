// Account-holder consent, the two ways a code is obtained: in the browser through the loopback server,
// or (sandbox only) through the sandbox's control API. Both hand the code to the same completion step
// (authorize.ts), so `connect`, `connect --sandbox` and `refresh --reauthorize` share one path.
import { CliError } from '../errors.js';
import type { Deps } from '../deps.js';
import type { Transport } from '../http/raw.js';
import { controlRequest } from '../http/control.js';
import { MESSAGING_SCOPES } from '../tiktok/limits.js';
import { buildAuthorizeUrl, codeChallengeFor, newCodeVerifier, newState, parseScopes, type AppCredentials } from '../tiktok/oauth.js';
import { redirectUriFor, sanitizeForTerminal, startLoopback, type FinishPage } from './loopback.js';

export interface AuthorizedCode {
  code: string;
  /** Scopes the callback said were granted. */
  scopes: string[];
  redirectUri: string;
  /** PKCE: the verifier whose challenge the authorize request carried (sent in the exchange). */
  codeVerifier?: string;
}

export interface BrowserConsentOptions {
  app: AppCredentials;
  authUrl?: string;
  port?: number;
  /** false with --no-browser; the browser is also never opened under CI or without a TTY. */
  browser: boolean;
  timeoutSeconds: number;
  /** Re-authorize: force TikTok's consent screen even when the app was approved before. */
  forceConsent?: boolean;
  /** PKCE with a hex S256 challenge (default on; `--no-pkce` turns it off). */
  pkce?: boolean;
  /** Exactly these scopes (`connect --scopes`); default: the messaging set. */
  scopes?: readonly string[];
  retryCommand: string;
}

/**
 * Prints the authorize URL (always, on stderr), opens the browser when allowed, waits for the single
 * valid callback and runs `complete` with the code while the browser tab waits for the result page.
 */
export async function runBrowserConsent<T>(
  deps: Deps,
  options: BrowserConsentOptions,
  complete: (code: AuthorizedCode) => Promise<{ value: T; page: FinishPage }>,
): Promise<T> {
  const { io } = deps;
  const state = newState();
  const codeVerifier = options.pkce === false ? undefined : newCodeVerifier();
  const server = await startLoopback({
    port: options.port,
    state,
    retryCommand: options.retryCommand,
    onEvent: (event) => {
      if (event.kind === 'state-mismatch') {
        io.warn('Ignored a callback whose state does not match this run (an old tab or a forged link); still waiting.');
      }
    },
  });
  try {
    const url = buildAuthorizeUrl({
      authUrl: options.authUrl,
      clientKey: options.app.clientKey,
      redirectUri: server.redirectUri,
      state,
      scopes: options.scopes ?? MESSAGING_SCOPES,
      forceConsent: options.forceConsent,
      codeChallenge: codeVerifier ? codeChallengeFor(codeVerifier) : undefined,
    });
    io.err(`Open this URL to authorize tiktok-channel${options.forceConsent ? ' again' : ''} (redirect URI ${server.redirectUri}):`);
    io.err(`  ${url}`);
    if (options.browser && io.canPrompt()) {
      try {
        await deps.openBrowser(url);
        io.err(io.color.dim('Opened your browser; approve there.'));
      } catch (error) {
        io.warn(`Could not open a browser (${error instanceof Error ? error.message : String(error)}); open the URL above yourself.`);
      }
    }
    const callback = await io
      .progress(`Waiting for approval in the browser (up to ${options.timeoutSeconds} s, Ctrl-C to stop)…`, () =>
        server.waitForCallback({ timeoutMs: options.timeoutSeconds * 1000, signal: deps.signal }),
      )
      .catch((error: unknown) => {
        // Stopped before any code arrived: nothing was exchanged or written.
        if (error instanceof CliError && error.kind === 'cancelled')
          throw new CliError('cancelled', 'Sign-in cancelled; nothing was stored.', { cause: error });
        throw error;
      });
    try {
      const { value, page } = await complete({ code: callback.code, scopes: callback.scopes, redirectUri: server.redirectUri, codeVerifier });
      await callback.finish(page);
      return value;
    } catch (error) {
      // A stored account with missing scopes throws too, but the tab should not claim a total failure.
      const stored = error instanceof CliError && error.details?.stored === true;
      await callback.finish(stored ? 'partial' : 'failed');
      throw error;
    }
  } finally {
    await server.close();
  }
}

export interface ControlConsentOptions {
  /** The transport that reaches the sandbox (in-process for the embedded one). */
  transport: Transport;
  controlUrl: string;
  app: AppCredentials;
  /** Which sandbox account approves; the sandbox's default account when omitted. */
  businessId?: string;
  /** PKCE as the browser flow does it (default on). */
  pkce?: boolean;
  /** Exactly these scopes; default: the messaging set. */
  scopes?: readonly string[];
}

/** The sandbox's app credentials, from its control API. */
export async function sandboxApp(deps: Deps, transport: Transport, controlUrl: string): Promise<AppCredentials> {
  const app = await controlRequest<{ client_key?: string; client_secret?: string }>(transport, 'GET', `${controlUrl}/app`, undefined, { signal: deps.signal });
  if (!app.client_key || !app.client_secret) throw new CliError('unexpected', 'The sandbox did not return its app credentials.');
  return { clientKey: app.client_key, clientSecret: app.client_secret };
}

/**
 * Consent without a browser, for the sandbox: the control API approves the same authorize request the
 * browser would send, and its redirect URL is checked exactly like a real callback.
 */
export async function sandboxConsent(deps: Deps, options: ControlConsentOptions): Promise<AuthorizedCode> {
  const state = newState();
  const codeVerifier = options.pkce === false ? undefined : newCodeVerifier();
  // Nothing listens here: the code never travels through a browser, only the string must match.
  const redirectUri = redirectUriFor(0).replace(':0/', '/');
  const answer = await controlRequest<{ redirect_url?: string; code?: string; scopes?: string; state?: string }>(
    options.transport,
    'POST',
    `${options.controlUrl}/authorize`,
    {
      client_key: options.app.clientKey,
      redirect_uri: redirectUri,
      scope: (options.scopes ?? MESSAGING_SCOPES).join(','),
      response_type: 'code',
      state,
      ...(codeVerifier ? { code_challenge: codeChallengeFor(codeVerifier), code_challenge_method: 'S256' } : {}),
      approve: true,
      ...(options.businessId ? { business_id: options.businessId } : {}),
    },
    { signal: deps.signal },
  );
  return { ...parseRedirect(answer.redirect_url ?? '', state, answer), redirectUri, codeVerifier };
}

function parseRedirect(redirectUrl: string, state: string, fallback: { code?: string; scopes?: string; state?: string }): { code: string; scopes: string[] } {
  let params: URLSearchParams;
  try {
    params = new URL(redirectUrl).searchParams;
  } catch {
    params = new URLSearchParams({ ...(fallback.code ? { code: fallback.code } : {}), scopes: fallback.scopes ?? '', state: fallback.state ?? '' });
  }
  if (params.get('state') !== state) throw new CliError('unexpected', 'The sandbox answered the authorization with a different state.');
  const error = params.get('error');
  if (error) {
    throw new CliError('auth', `The sandbox did not authorize the app: ${sanitizeForTerminal(error, 80)}`, {
      hint: 'Run `tiktok-channel sandbox reset` and try again.',
    });
  }
  const code = params.get('code');
  if (!code) throw new CliError('unexpected', 'The sandbox answered the authorization without a code.');
  return { code, scopes: parseScopes(params.get('scopes') ?? params.get('scope')) };
}
