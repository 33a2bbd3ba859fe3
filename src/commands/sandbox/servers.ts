// `sandbox serve` and `sandbox phone`: the two verbs that serve until stopped. serve runs the sandbox over
// HTTP and prints its ready line once it listens; phone serves the page where you play the TikTok user.
import { CliError, usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import type { IO } from '../../io/io.js';
import { emit } from '../../io/output.js';
import { LoopbackPortError } from '../../http/listen.js';
import type { PhoneOptions } from './phone.js';
import type { ServeOptions } from './serve.js';
import { controlTarget, sandboxBusinessId, shellQuote } from './target.js';

export type { PhoneOptions, ServeOptions };

interface ServeInfo {
  apiBaseUrl: string;
  authUrl: string;
  controlUrl: string;
  phoneUrl: string;
  clientKey: string;
  clientSecret: string;
  accessToken: string;
  businessId: string;
}

export async function serve(options: ServeOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const { startSandboxServer } = await import('../../sandbox/index.js');
  const server = await listening(() =>
    startSandboxServer({
      port: options.port,
      latencyMs: options.latency,
      autoApprove: options.autoApprove,
      scenario: options.scenario,
      rps: options.rps,
      requirePkce: options.requirePkce,
      strictOAuth: options.strictOauth,
    }),
  );
  // A live token for the default account, as if its holder had consented: a CI job needs no consent step.
  const { consentedToken } = await import('../../sandbox/control.js');
  const token = consentedToken(server.handler.world);
  const info: ServeInfo = {
    apiBaseUrl: server.apiBaseUrl,
    authUrl: server.authUrl,
    controlUrl: server.controlUrl,
    phoneUrl: server.phoneUrl,
    clientKey: server.clientKey,
    clientSecret: server.clientSecret,
    accessToken: token.access_token,
    businessId: token.business_id,
  };
  // The ready line: one JSON line with --json (a script reads one line and goes on), else the how-to.
  emit(io, info, (info, io) => io.out(readyText(server.port, info)));
  io.err(io.color.dim('Ready. Press Ctrl-C to stop.'));
  await serveUntilStopped(deps, server);
}

function readyText(port: number, info: ServeInfo): string {
  return [
    `Sandbox serving on 127.0.0.1:${port}`,
    `  API base      ${info.apiBaseUrl}`,
    `  authorize     ${info.authUrl}`,
    `  control       ${info.controlUrl}`,
    `  phone         ${info.phoneUrl}  (open it and write as the customer)`,
    `  client key    ${info.clientKey}`,
    `  client secret ${info.clientSecret}`,
    '',
    'Point the CLI at it:',
    `  export TIKTOK_CHANNEL_API_BASE_URL=${info.apiBaseUrl}`,
    `  export TIKTOK_CHANNEL_AUTH_URL=${info.authUrl}`,
    `  export TIKTOK_CHANNEL_CLIENT_KEY=${info.clientKey}`,
    `  export TIKTOK_CHANNEL_CLIENT_SECRET=${info.clientSecret}`,
    '',
    'Or use its default account without connecting (a live token, 24 hours; `sandbox token` prints another):',
    `  export TIKTOK_CHANNEL_ACCESS_TOKEN=${info.accessToken}`,
    `  export TIKTOK_CHANNEL_BUSINESS_ID=${shellQuote(info.businessId)}`,
  ].join('\n');
}

/** Starts a server on 127.0.0.1; a --port already in use (or privileged) is a usage error. */
async function listening<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof LoopbackPortError) throw usageError(error.message, 'Pick another --port, or omit it for any free port.');
    throw error;
  }
}

/** Serves until Ctrl-C or SIGTERM, then closes the server. */
async function serveUntilStopped(deps: Deps, server: { close(): Promise<void> }): Promise<void> {
  const stoppedBy = await new Promise<'ctrl-c' | 'sigterm'>((resolve) => {
    if (deps.signal.aborted) return resolve('ctrl-c');
    deps.signal.addEventListener('abort', () => resolve('ctrl-c'), { once: true });
    // CI pipelines stop a background server with SIGTERM: a clean stop, exit 0.
    process.once('SIGTERM', () => resolve('sigterm'));
  });
  await server.close();
  // Ctrl-C ends a server the way it ends any command: exit 130 (stdout keeps its one JSON document).
  if (stoppedBy === 'ctrl-c') throw new CliError('cancelled', 'Stopped.');
}

/**
 * `sandbox phone`: the page where you play the TikTok user. For the embedded sandbox it serves the page
 * on 127.0.0.1 from the state in the config dir until Ctrl-C; for a served sandbox (--control-url or
 * TIKTOK_CHANNEL_API_BASE_URL) the page is already there, so it only says where and opens it.
 */
export async function phone(options: PhoneOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const target = await controlTarget(deps, options.controlUrl);
  const businessId = sandboxBusinessId(deps, target);
  const withBusiness = (url: string) => (businessId ? `${url}?business=${encodeURIComponent(businessId)}` : url);
  const open = async (url: string) => {
    if (options.browser === false || !io.canPrompt()) return;
    try {
      await deps.openBrowser(url);
      io.err(io.color.dim('Opened your browser.'));
    } catch (error) {
      io.warn(`Could not open a browser (${error instanceof Error ? error.message : String(error)}); open the URL above yourself.`);
    }
  };
  if (!target.embedded) {
    if (options.port !== undefined) throw usageError('--port applies to the embedded sandbox only: a served sandbox already serves its phone page.');
    const phoneUrl = withBusiness(`${target.controlUrl}/phone`);
    printPhoneUrl(io, phoneUrl);
    await open(phoneUrl);
    return;
  }
  const { embeddedSandbox } = await import('../../http/control.js');
  const { startPhoneServer } = await import('../../sandbox/phone-server.js');
  const embedded = await embeddedSandbox(deps.store().dir);
  // Seeds the world on first use, so the page has someone to play and something to write to.
  await io.progress('Opening the embedded sandbox', () => embedded.withState(() => undefined));
  const server = await listening(() => startPhoneServer({ transport: embedded.transport, statePath: embedded.statePath, port: options.port }));
  const phoneUrl = withBusiness(server.phoneUrl);
  printPhoneUrl(io, phoneUrl, () =>
    io.err(
      [
        'The sandbox phone: you play the TikTok user in this page, the CLI plays the business.',
        '  Write from the page, then: tiktok-channel conversations   (and tiktok-channel send --to <conversation_id> --text …)',
      ].join('\n'),
    ),
  );
  await open(phoneUrl);
  io.err(io.color.dim('Serving the phone page. Press Ctrl-C to stop.'));
  await serveUntilStopped(deps, server);
}

/** The page's URL: `{phoneUrl}` with --json (one document, before serving), else the URL and what to do there. */
function printPhoneUrl(io: IO, phoneUrl: string, explain?: () => void): void {
  if (io.json) return io.printJson({ phoneUrl });
  io.out(phoneUrl);
  explain?.();
}
