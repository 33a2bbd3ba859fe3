// The webhook receiver: an HTTP server (127.0.0.1 unless told otherwise) that checks each delivery's
// Tiktok-Signature on the raw bytes, journals it, and only then answers exactly 200. The signature is
// what decides: only the app secret's holder (TikTok) can sign, so a signed body that is not a JSON
// object is still a delivery (journaled byte for byte, answered 200, passed on as an event of kind
// "unknown"); refusing it would make TikTok retry the same bytes for 72 hours and then drop them.
// Whatever else arrives is refused and counted, and the server keeps running:
//   401 missing/malformed/wrong/stale signature, 409 an exact replay of a delivery already taken,
//   413 bodies over 1 MB (answered at once with `Connection: close`; the rest is read and discarded up
//   to a bound, so the sender gets to read the refusal), 404 another path, 405 another method,
//   503 the journal could not be written or the replay guard is full (TikTok retries),
//   400 bytes that are not an HTTP request.
// Sockets that are slow to send a request are destroyed (not just half-closed: a peer that ignores the
// FIN would keep its descriptor), and one address holds at most so many connections at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DecodedEvent } from '../tiktok/events.js';
import { checkSignature, type SignatureFailure } from '../tiktok/signature.js';
import type { AccountDirectory, ServedAccount } from './accounts.js';
import type { DedupeSet } from './dedupe.js';
import { decodeDelivery, deliveryKey } from './delivery.js';
import type { JournalRecord, JournalRef } from './journal-files.js';
import type { Journal } from './journal.js';
import { ReplayGuard } from './replay-guard.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Headers kept with each delivery (and re-sent by the forwarder). */
export const KEPT_HEADERS = ['content-type', 'tiktok-signature', 'x-tt-logid', 'webhook-schema-version', 'user-agent'] as const;

const OK_BODY = 'ok\n';
/** The 200's headers, built once (an array: Node copies no object for it). */
const OK_HEADERS = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(OK_BODY.length)];

export type RefusalReason = SignatureFailure | 'replayed' | 'too-large' | 'not-found' | 'method' | 'journal' | 'busy' | 'bad-request';

/** Connections one address may hold at once (a tunnel such as ngrok brings all of TikTok's from one). */
export const MAX_CONNECTIONS_PER_SOURCE = 128;

export interface Refusal {
  status: number;
  reason: RefusalReason;
  message: string;
  remote?: string;
}

export interface ReceivedDelivery {
  event: DecodedEvent;
  /** The signature's time (unix seconds). */
  signedAt: number;
  record: JournalRecord;
  ref: JournalRef;
  /** The served account the delivery is for; undefined = no stored account has that business id. */
  account: ServedAccount | undefined;
}

export interface ReceiverOptions {
  host: string;
  port: number;
  /** e.g. /webhook */
  path: string;
  toleranceSeconds: number;
  accounts: AccountDirectory;
  journal: Journal;
  dedupe: DedupeSet;
  /** Byte-exact replays; one is made from toleranceSeconds when not given (tail seeds it from the journal). */
  replayGuard?: ReplayGuard;
  /** Mark journaled deliveries as owed to the forward target. */
  forward: boolean;
  maxBodyBytes?: number;
  /** After a 413, how much more of the body is read and discarded (default 8 MiB) and for how long (10 s). */
  discardBytes?: number;
  discardMs?: number;
  maxConnectionsPerSource?: number;
  /** Time to receive a request's headers (default 10 s), the whole request (20 s), checked every 1 s. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  connectionsCheckingIntervalMs?: number;
  now?: () => number;
  onDelivery(delivery: ReceivedDelivery): void;
  onRefused(refusal: Refusal): void;
  debugLog?: (line: string) => void;
}

export interface Receiver {
  host: string;
  port: number;
  /** http://HOST:PORT/PATH */
  url: string;
  server: Server;
  /** Stops accepting, lets requests in progress finish (their journal writes included), then closes. */
  close(graceMs?: number): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function keptHeaders(req: IncomingMessage): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = header(req, name);
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

export function normalizePath(path: string): string {
  const trimmed = path.trim();
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const discardBytes = options.discardBytes ?? 8 * 1024 * 1024;
  const discardMs = options.discardMs ?? 10_000;
  const perSource = options.maxConnectionsPerSource ?? MAX_CONNECTIONS_PER_SOURCE;
  const connectionsBySource = new Map<string, number>();
  const path = normalizePath(options.path);
  const guard = options.replayGuard ?? new ReplayGuard({ toleranceSeconds: options.toleranceSeconds, now });
  /** Keys being journaled right now: a redelivery arriving meanwhile is a duplicate, not a second print. */
  const pending = new Map<string, number>();
  let inFlight = 0;
  let idle: (() => void) | undefined;

  // With its length declared an answer is not chunked: headers and body leave as one piece, with no
  // chunk-size line and no `0\r\n\r\n` terminator to add to the socket's write for a 3-byte "ok".
  const respond = (res: ServerResponse, status: number, text: string, extra?: Record<string, string>) => {
    if (res.headersSent) return;
    const body = `${text}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...extra });
    res.end(body);
  };
  const ok = (res: ServerResponse) => {
    if (res.headersSent) return;
    res.writeHead(200, OK_HEADERS);
    res.end(OK_BODY);
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, refusal: Omit<Refusal, 'remote'>, extra?: Record<string, string>) => {
    options.onRefused({ ...refusal, remote: req.socket.remoteAddress });
    respond(res, refusal.status, refusal.message, extra);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const signature = header(req, 'tiktok-signature');
    let envelope: unknown;
    try {
      envelope = JSON.parse(body.toString('utf8'));
    } catch {
      envelope = undefined;
    }
    const secrets = options.accounts.candidates(envelope);
    let failure: { reason: SignatureFailure; message: string } | undefined;
    let signedAt = 0;
    for (const secret of secrets) {
      const result = checkSignature({ rawBody: body, header: signature, secret, toleranceSeconds: options.toleranceSeconds, now });
      if (result.ok) {
        signedAt = result.timestamp;
        break;
      }
      // A matching but stale signature says more than another app's mismatch.
      if (!failure || result.reason === 'stale') failure = { reason: result.reason, message: result.message };
      if (result.reason === 'missing' || result.reason === 'malformed') break;
    }
    if (!signedAt) {
      failure ??= { reason: 'mismatch', message: 'No app secret to verify the signature with.' };
      return refuse(req, res, { status: 401, reason: failure.reason, message: failure.message });
    }
    // Signed but not a JSON object: decoded from the bytes into kind "unknown" (raw text, problems),
    // journaled and answered like any delivery. The signature says TikTok sent it; only tail keeps it.
    const event = decodeDelivery(body, envelope ?? null);
    const account = options.accounts.get(event.business_id);
    const key = deliveryKey(event);
    // The same event with the same signature time is a byte-exact replay: TikTok signs each retry anew.
    // Checked and reserved before anything async, so two identical requests at once cannot both pass.
    const reservation = guard.reserve(key, signedAt);
    if (reservation === 'replay') return refuse(req, res, { status: 409, reason: 'replayed', message: 'This exact signed delivery was already received.' });
    if (reservation === 'full') {
      return refuse(
        req,
        res,
        { status: 503, reason: 'busy', message: 'Too many deliveries within the signature tolerance to guard against replays; try again shortly.' },
        { 'retry-after': '5' },
      );
    }
    const record: JournalRecord = {
      at: now(),
      account: event.business_id,
      known: account !== undefined,
      key,
      signedAt,
      duplicate: options.dedupe.has(key) || pending.has(key),
      forward: options.forward,
      headers: keptHeaders(req),
      body,
    };
    pending.set(key, (pending.get(key) ?? 0) + 1);
    let ref: JournalRef;
    try {
      ref = await options.journal.append(record);
    } catch (error) {
      // Not on disk, so not 200: TikTok keeps the delivery and tries again, and that retry must pass.
      guard.release(key, signedAt);
      return refuse(
        req,
        res,
        { status: 503, reason: 'journal', message: `Could not journal the delivery: ${(error as Error).message}` },
        { 'retry-after': '5' },
      );
    } finally {
      const left = (pending.get(key) ?? 1) - 1;
      if (left > 0) pending.set(key, left);
      else pending.delete(key);
    }
    if (options.debugLog) options.debugLog(`delivery ${event.event ?? '?'} x-tt-logid=${record.headers['x-tt-logid'] ?? '-'} journaled as ${ref.id}`);
    ok(res);
    options.onDelivery({ event, signedAt, record, ref, account });
  };

  const server = createServer({ connectionsCheckingInterval: options.connectionsCheckingIntervalMs ?? 1_000 }, (req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    const requestPath = (req.url ?? '/').split('?')[0];
    if (requestPath !== path) return refuse(req, res, { status: 404, reason: 'not-found', message: `Not found: deliveries go to ${path}.` });
    if (req.method !== 'POST') return refuse(req, res, { status: 405, reason: 'method', message: 'Deliveries are POST requests.' }, { allow: 'POST' });

    const tooLarge = () => {
      // Answer at once, then read and discard the rest (bounded in bytes and time) before closing: a
      // socket torn down while the body still arrives resets, and the sender never reads the 413.
      options.onRefused({ status: 413, reason: 'too-large', message: `The body is over ${maxBody} bytes.`, remote: req.socket.remoteAddress });
      if (res.headersSent) return;
      const socket = req.socket;
      let discarded = 0;
      const cut = () => socket.destroy();
      const timer = setTimeout(cut, discardMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      req.removeAllListeners('data');
      req.on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > discardBytes) cut();
      });
      req.resume();
      // The whole answer goes out now (its length is declared), but the response only ends, and Node
      // only closes the socket, once the body has been read to its end.
      const text = `The body is over ${maxBody} bytes.\n`;
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), connection: 'close' });
      res.write(text);
      req.once('end', () => {
        clearTimeout(timer);
        res.end();
      });
    };
    const declared = Number(header(req, 'content-length'));
    if (Number.isFinite(declared) && declared > maxBody) return tooLarge();

    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBody) {
        over = true;
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      // A delivery of a few KB arrives in one chunk: take it as is rather than copy it.
      handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).catch((error: unknown) => {
        refuse(req, res, { status: 400, reason: 'bad-request', message: `Could not handle the delivery: ${(error as Error).message}` });
      });
    });
    req.on('error', () => undefined);
  });
  server.requestTimeout = options.requestTimeoutMs ?? 20_000;
  server.headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, server.requestTimeout);
  server.keepAliveTimeout = 5_000;
  // One address may not hold every descriptor: past the cap, its new connections are closed at once.
  server.on('connection', (socket: Socket) => {
    const source = socket.remoteAddress ?? '?';
    const count = (connectionsBySource.get(source) ?? 0) + 1;
    if (count > perSource) {
      socket.destroy();
      return;
    }
    connectionsBySource.set(source, count);
    socket.once('close', () => {
      const left = (connectionsBySource.get(source) ?? 1) - 1;
      if (left > 0) connectionsBySource.set(source, left);
      else connectionsBySource.delete(source);
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!timedOut)
      options.onRefused({ status: 400, reason: 'bad-request', message: `Not an HTTP request (${error.code ?? error.message}).`, remote: socket.remoteAddress });
    // Say why, then close for good: end() alone half-closes, and a peer that never closes its side
    // would keep the descriptor for as long as it likes.
    socket.end(
      timedOut
        ? 'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'
        : 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
      () => socket.destroy(),
    );
    setTimeout(() => socket.destroy(), 1_000).unref();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const address = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    host: options.host,
    port: address.port,
    url: `http://${hostForUrl}:${address.port}${path}`,
    server,
    async close(graceMs = 5_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
