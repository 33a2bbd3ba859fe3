// The sandbox phone over HTTP: the server-sent events that keep the page live (served mode and
// `sandbox phone` alike), and `sandbox phone`'s own loopback server for the embedded sandbox, which
// forwards the page's requests to the embedded transport (locked state in the config dir, webhooks
// delivered after each call, exactly like every other CLI command touching that sandbox).
import { stat, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Transport } from '../http/raw.js';
import { listenOnLoopback } from '../http/listen.js';
import { headersOf, readBody } from './node-http.js';
import { PHONE_EVENTS_PATH, PHONE_PATH, phoneGuard, phoneSnapshot, type PhoneQuery, type PhoneSnapshot } from './phone.js';
import { EMBEDDED_ORIGIN, type SandboxState } from './types.js';
import { ControlError, World } from './world.js';

/** How often a stream looks for changes: the page shows a business message well within a second. */
const TICK_MS = 200;
/** A comment line now and then keeps proxies and idle timers from closing the stream. */
const HEARTBEAT_MS = 15_000;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Reads the snapshot a stream pushes; undefined when the world is not readable right now (try again). */
export type SnapshotSource = (query: PhoneQuery) => Promise<PhoneSnapshot | undefined> | PhoneSnapshot | undefined;

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: { message } }));
}

/**
 * GET {controlUrl}/phone/events?business_id&username: `text/event-stream`, one `data:` line with the
 * snapshot (phone.ts) at once, then again whenever it changes (the page hides "typing…" on its own
 * when `typing_until` passes).
 */
export async function servePhoneEvents(req: IncomingMessage, res: ServerResponse, source: SnapshotSource): Promise<void> {
  const refusal = phoneGuard('GET', headersOf(req));
  if (refusal) return refuse(res, 403, refusal);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query: PhoneQuery = { business_id: url.searchParams.get('business_id') ?? undefined, username: url.searchParams.get('username') ?? undefined };
  let first: PhoneSnapshot | undefined;
  try {
    first = await source(query);
  } catch (error) {
    if (error instanceof ControlError) return refuse(res, error.status, error.message);
    throw error;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n\n');
  let last = '';
  const push = (snapshot: PhoneSnapshot | undefined) => {
    if (!snapshot) return;
    // `now` moves on every tick; only a change in the world is news.
    const key = JSON.stringify({ ...snapshot, now: 0 });
    if (key === last) return;
    last = key;
    res.write(`data: ${JSON.stringify(snapshot)}\n\n`);
  };
  push(first);
  let busy = false;
  const tick = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.resolve()
      .then(() => source(query))
      .then(push, () => undefined)
      .finally(() => (busy = false));
  }, TICK_MS);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const stop = () => {
    clearInterval(tick);
    clearInterval(heartbeat);
  };
  req.on('close', stop);
  res.on('close', stop);
}

export function isPhoneEvents(req: IncomingMessage): boolean {
  return req.method === 'GET' && new URL(req.url ?? '/', 'http://127.0.0.1').pathname === PHONE_EVENTS_PATH;
}

/**
 * Snapshots from the embedded state file without taking its lock: the file is only ever replaced whole
 * (write then rename), so a read sees one complete world; it is parsed again only when it changed.
 */
export function fileSnapshotSource(statePath: string, clock: () => number = Date.now): SnapshotSource {
  let cached: { mtimeMs: number; size: number; state: SandboxState } | undefined;
  return async (query) => {
    let info;
    try {
      info = await stat(statePath);
    } catch {
      return undefined;
    }
    if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      try {
        cached = { mtimeMs: info.mtimeMs, size: info.size, state: JSON.parse(await readFile(statePath, 'utf8')) as SandboxState };
      } catch {
        return undefined;
      }
    }
    return phoneSnapshot(new World(cached.state, clock), query);
  };
}

export interface PhoneServer {
  /** http://127.0.0.1:PORT/sandbox/phone */
  phoneUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `sandbox phone`: serves only the phone (under /sandbox/phone) on 127.0.0.1, each request handled by
 * the embedded sandbox's transport; the event stream reads the state file as it changes, so a `send`
 * from another terminal shows up on the page.
 */
export async function startPhoneServer(options: { transport: Transport; statePath: string; port?: number; clock?: () => number }): Promise<PhoneServer> {
  const source = fileSnapshotSource(options.statePath, options.clock);
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        if (path === '/' && req.method === 'GET') {
          res.writeHead(302, { location: PHONE_PATH }).end();
          return;
        }
        if (path !== PHONE_PATH && !path.startsWith(`${PHONE_PATH}/`)) return refuse(res, 404, `Only the phone is served here: open ${PHONE_PATH}.`);
        if (isPhoneEvents(req)) return await servePhoneEvents(req, res, source);
        const body = await readBody(req, MAX_BODY_BYTES);
        const response = await options.transport({
          method: req.method ?? 'GET',
          url: `${EMBEDDED_ORIGIN}${req.url ?? '/'}`,
          headers: headersOf(req),
          body: body.length ? new Uint8Array(body) : undefined,
        });
        res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
        res.end(Buffer.from(response.body));
      } catch (error) {
        const status = (error as { status?: number }).status ?? 500;
        if (!res.headersSent)
          refuse(res, status, status === 413 ? 'request body too large' : `sandbox error: ${error instanceof Error ? error.message : String(error)}`);
        else res.end();
      }
    })();
  });
  // Loopback only, like `sandbox serve`.
  const { port, close } = await listenOnLoopback(server, options.port);
  return {
    phoneUrl: `http://127.0.0.1:${port}${PHONE_PATH}`,
    port,
    close,
  };
}
