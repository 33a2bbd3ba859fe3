// The webhook receiver: an HTTP server (127.0.0.1 unless told otherwise) that checks each delivery's
// Tiktok-Signature on the raw bytes, journals it, and only then answers exactly 200. The signature is
// what decides: only the app secret's holder (TikTok) can sign, so a signed body that is not a JSON
// object is still a delivery (journaled byte for byte, answered 200, passed on as an event of kind
// "unknown"); refusing it would make TikTok retry the same bytes for 72 hours and then drop them.
// Whatever else arrives is refused and counted, and the server keeps running:
//   401 missing/malformed/wrong/stale signature, 409 an exact replay of a delivery already taken,
//   413 bodies over 1 MB (not read any further), 404 another path, 405 another method,
//   503 the journal could not be written (TikTok retries), 400 bytes that are not an HTTP request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeEvent, eventDedupeKey, type DecodedEvent } from '../tiktok/events.js';
import { checkSignature, type SignatureFailure } from '../tiktok/signature.js';
import type { AccountDirectory, ServedAccount } from './accounts.js';
import type { DedupeSet } from './dedupe.js';
import type { Journal, JournalRecord, JournalRef } from './journal.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Headers kept with each delivery (and re-sent by the forwarder). */
export const KEPT_HEADERS = ['content-type', 'tiktok-signature', 'x-tt-logid', 'webhook-schema-version', 'user-agent'] as const;

export type RefusalReason = SignatureFailure | 'replayed' | 'too-large' | 'not-found' | 'method' | 'journal' | 'bad-request';

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
  /** Mark journaled deliveries as owed to the forward target. */
  forward: boolean;
  maxBodyBytes?: number;
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
  const path = normalizePath(options.path);
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const respond = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extra });
    res.end(`${text}\n`);
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, refusal: Omit<Refusal, 'remote'>, extra: Record<string, string> = {}) => {
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
    // From the bytes, not the parsed envelope: the decoder keeps 16+ digit ids exact (JSON.parse rounds them).
    const event = decodeEvent(body);
    const account = options.accounts.get(event.business_id);
    const key = `${event.business_id ?? ''}|${eventDedupeKey(event)}`;
    // The same event with the same signature time is a byte-exact replay: TikTok signs each retry anew.
    if (options.dedupe.signedAt(key) === signedAt) {
      return refuse(req, res, { status: 409, reason: 'replayed', message: 'This exact signed delivery was already received.' });
    }
    const record: JournalRecord = {
      at: now(),
      account: event.business_id,
      known: account !== undefined,
      key,
      signedAt,
      duplicate: options.dedupe.has(key),
      forward: options.forward,
      headers: keptHeaders(req),
      body,
    };
    let ref: JournalRef;
    try {
      ref = await options.journal.append(record);
    } catch (error) {
      // Not on disk, so not 200: TikTok keeps the delivery and tries again.
      return refuse(req, res, { status: 503, reason: 'journal', message: `Could not journal the delivery: ${(error as Error).message}` }, { 'retry-after': '5' });
    }
    if (options.debugLog) options.debugLog(`delivery ${event.event ?? '?'} x-tt-logid=${record.headers['x-tt-logid'] ?? '-'} journaled as ${ref.id}`);
    respond(res, 200, 'ok');
    options.onDelivery({ event, signedAt, record, ref, account });
  };

  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    const requestPath = (req.url ?? '/').split('?')[0];
    if (requestPath !== path) return refuse(req, res, { status: 404, reason: 'not-found', message: `Not found: deliveries go to ${path}.` });
    if (req.method !== 'POST') return refuse(req, res, { status: 405, reason: 'method', message: 'Deliveries are POST requests.' }, { allow: 'POST' });

    const tooLarge = () => {
      // Stop reading: answer, then drop the connection instead of draining a body we will not keep.
      options.onRefused({ status: 413, reason: 'too-large', message: `The body is over ${maxBody} bytes.`, remote: req.socket.remoteAddress });
      if (!res.headersSent) {
        res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(`The body is over ${maxBody} bytes.\n`, () => {
          setTimeout(() => req.socket.destroy(), 100).unref();
        });
      }
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
        req.pause();
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      handle(req, res, Buffer.concat(chunks, size)).catch((error: unknown) => {
        refuse(req, res, { status: 400, reason: 'bad-request', message: `Could not handle the delivery: ${(error as Error).message}` });
      });
    });
    req.on('error', () => undefined);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    options.onRefused({ status: 400, reason: 'bad-request', message: `Not an HTTP request (${error.code ?? error.message}).`, remote: socket.remoteAddress });
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
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
