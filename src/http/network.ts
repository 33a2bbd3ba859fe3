// The library's transport: undici over the network (the CLI's is node-http.ts, which loads faster).
// It loads undici's request API and global dispatcher, not undici's index (fetch, WebSocket, caches, mocks,
// proxies): the same code path as `request` from 'undici' at a third of the load time, which every
// networked command pays before its first request (bench/send.mjs). undici's version is pinned.
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import { flatHeaders, type RawRequest, type RawResponse, type Transport } from './raw.js';

const require = createRequire(import.meta.url);
const { getGlobalDispatcher } = require('undici/lib/global.js') as { getGlobalDispatcher(): Dispatcher };
const request = require('undici/lib/api/api-request.js') as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

export const networkTransport: Transport = async (raw: RawRequest, options = {}): Promise<RawResponse> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const url = new URL(raw.url);
  const response = await request.call(getGlobalDispatcher(), {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: raw.method as 'GET',
    headers: raw.headers,
    body: raw.body && raw.body.length > 0 ? Buffer.from(raw.body.buffer, raw.body.byteOffset, raw.body.byteLength) : undefined,
    signal: options.signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const body = new Uint8Array(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: flatHeaders(response.headers), body };
};
