// The real transport: undici over the network. Loaded only by commands that talk to a server.
import { request } from 'undici';
import type { RawRequest, RawResponse, Transport } from './raw.js';

export const networkTransport: Transport = async (raw: RawRequest, options = {}): Promise<RawResponse> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const response = await request(raw.url, {
    method: raw.method as 'GET',
    headers: raw.headers,
    body: raw.body && raw.body.length > 0 ? Buffer.from(raw.body.buffer, raw.body.byteOffset, raw.body.byteLength) : undefined,
    signal: options.signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const body = new Uint8Array(await response.body.arrayBuffer());
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: response.statusCode, headers, body };
};
