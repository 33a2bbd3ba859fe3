// `sandbox serve`: a thin node:http wrapper around the handler, bound to 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RawRequest } from '../http/raw.js';
import { createSandboxHandler, SandboxConnectionReset, type SandboxHandler } from './handler.js';
import { PHONE_PATH, phoneSnapshot } from './phone.js';
import { isPhoneEvents, servePhoneEvents } from './phone-server.js';
import { listenOnLoopback } from '../http/listen.js';
import { headersOf, readBody } from './node-http.js';
import type { ScenarioName } from './types.js';
import type { WebhookPoster } from './webhook-delivery.js';

export interface SandboxServerOptions {
  /** 0 or undefined = an ephemeral port. */
  port?: number;
  latencyMs?: number;
  autoApprove?: boolean;
  clock?: () => number;
  /** false = a minimal world (app and accounts only). */
  seed?: boolean;
  scenario?: ScenarioName;
  poster?: WebhookPoster;
  /** Requests per second per app (all its accounts together) before 40100; 0/undefined = off. */
  rps?: number;
  /** Authorize demands a hex S256 code_challenge (TikTok Login Kit's loopback rule). */
  requirePkce?: boolean;
  /** The token exchange refuses undocumented fields by name ("Unknown parameter: code_verifier"). */
  strictOAuth?: boolean;
  /** Offset of every answer's Date header, in seconds (doctor's clock check). */
  clockSkewSeconds?: number;
}

export interface SandboxServer {
  apiBaseUrl: string;
  authUrl: string;
  controlUrl: string;
  /** The sandbox phone: a page where you play the TikTok user (cli-contract.md "Sandbox phone"). */
  phoneUrl: string;
  clientKey: string;
  clientSecret: string;
  port: number;
  handler: SandboxHandler;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const RETRY_TICK_MS = 250;

export async function startSandboxServer(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  const handler = createSandboxHandler({
    clock: options.clock,
    seed: options.seed,
    scenario: options.scenario,
    autoApprove: options.autoApprove,
    latencyMs: options.latencyMs,
    poster: options.poster,
    webhookDelivery: 'background',
    rps: options.rps,
    requirePkce: options.requirePkce,
    strictOAuth: options.strictOAuth,
    clockSkewSeconds: options.clockSkewSeconds,
    // Benches count requests and refusals per window: keep a longer log than embedded mode does.
    requestsKept: 5_000,
  });
  let port = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        // The phone's live stream stays open: it is served here, not by the request/response handler.
        if (isPhoneEvents(req)) return await servePhoneEvents(req, res, (query) => phoneSnapshot(handler.world, query));
        const body = await readBody(req, MAX_BODY_BYTES);
        const raw: RawRequest = {
          method: req.method ?? 'GET',
          url: `http://127.0.0.1:${port}${req.url ?? '/'}`,
          headers: headersOf(req),
          body: body.length ? new Uint8Array(body) : undefined,
        };
        const response = await handler.handle(raw);
        res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
        res.end(Buffer.from(response.body));
      } catch (error) {
        if (error instanceof SandboxConnectionReset) {
          // Abruptly, like a dropped connection: no response at all.
          req.socket.resetAndDestroy?.() ?? req.socket.destroy();
          return;
        }
        const status = (error as { status?: number }).status ?? 500;
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(status === 413 ? 'request body too large' : `sandbox error: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  });

  // Loopback only: the sandbox has no auth and must never be reachable from the network.
  const listener = await listenOnLoopback(server, options.port);
  port = listener.port;

  // Served mode retries pending webhook deliveries on a timer (the outbox applies its own backoff).
  const timer = setInterval(() => {
    if (handler.state.outbox.length) void handler.flushWebhooks();
  }, RETRY_TICK_MS);
  timer.unref();

  const origin = `http://127.0.0.1:${port}`;
  const app = handler.state.apps[handler.state.default_client_key]!;
  return {
    apiBaseUrl: `${origin}/open_api/v1.3/`,
    authUrl: `${origin}/v2/auth/authorize/`,
    controlUrl: `${origin}/sandbox`,
    phoneUrl: `${origin}${PHONE_PATH}`,
    clientKey: app.client_key,
    clientSecret: app.client_secret,
    port,
    handler,
    close: () => {
      clearInterval(timer);
      return listener.close();
    },
  };
}
