// The CLI's transport: node:http (node:https only for https URLs), with keep-alive agents so a command's
// requests reuse their connections as undici's would. Not undici: loading undici costs a command about
// 30 ms before its first request, more than a whole `conversations` run spends on the wire against a
// local sandbox (bench/startup.mjs). The library keeps undici (network.ts), where servers send for hours.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { flatHeaders, type RawRequest, type RawResponse, type Transport } from './raw.js';

let httpAgent: HttpAgent | undefined;
let https: { agent: HttpsAgent; request: typeof httpRequest } | undefined;

// An idle pooled socket is dropped after 4 s (undici's default, and what tail's forwarder uses): a
// server that closes idle connections at 5 s (Node's default, the sandbox's) would otherwise close one
// just as the next request is written on it, and that request fails with a reset. A POST such as the
// one-time code's exchange cannot be retried. Seen in-process (many commands in one process, as the
// tests run them); a command that waits between requests (tail --poll, send --wait-reply) meets it too.
const IDLE_SOCKET_MS = 4_000;

function client(protocol: string) {
  if (protocol === 'http:') return { agent: (httpAgent ??= new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS })), request: httpRequest };
  if (protocol !== 'https:') throw new TypeError(`Unsupported URL protocol "${protocol}"; use http: or https:.`);
  if (!https) {
    const module = createRequire(import.meta.url)('node:https') as typeof import('node:https');
    https = { agent: new module.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }), request: module.request as typeof httpRequest };
  }
  return https;
}

/** A timeout carries ETIMEDOUT, as the error mapping (src/tiktok/network-error.ts) expects of any transport. */
function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`No answer within ${timeoutMs} ms.`), { code: 'ETIMEDOUT' });
}

export const nodeHttpTransport: Transport = (raw: RawRequest, options = {}): Promise<RawResponse> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const url = new URL(raw.url);
  const { agent, request } = client(url.protocol);
  const body = raw.body && raw.body.length > 0 ? Buffer.from(raw.body.buffer, raw.body.byteOffset, raw.body.byteLength) : undefined;
  return new Promise<RawResponse>((settle, fail) => {
    // The signal is heard here rather than through request()'s `signal` option, which also sets up
    // stream.finished() on every request: a cost each of a command's requests paid before it left.
    const onAbort = () => outgoing.destroy(signal!.reason);
    const done = () => signal?.removeEventListener('abort', onAbort);
    const resolve = (response: RawResponse) => {
      done();
      settle(response);
    };
    const reject = (error: unknown) => {
      done();
      fail(error);
    };
    const outgoing = request(url, { method: raw.method, headers: raw.headers, agent }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      // Cut off mid-body (the server closed, or the signal aborted): never left hanging.
      response.on('close', () => {
        if (!response.complete) reject(signal?.aborted ? signal.reason : Object.assign(new Error('The connection closed mid-answer.'), { code: 'ECONNRESET' }));
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: flatHeaders(response.headers), body: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    // Idle time on the socket: waiting for the headers and between body chunks (undici's two timeouts).
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(timeoutError(timeoutMs)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
};
