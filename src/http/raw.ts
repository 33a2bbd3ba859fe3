// The smallest shape of an HTTP exchange, shared by the client's transports and the sandbox's handler.
// It carries bytes, not meaning: the client builds requests and the sandbox parses them on its own.

export interface RawRequest {
  method: string;
  /** Absolute URL, e.g. http://127.0.0.1:4010/open_api/v1.3/business/get/?business_id=… */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Node's and undici's response headers as the transports hand them on: lower-case names, repeated ones joined. */
export function flatHeaders(received: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(received)) {
    if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

/** Sends one request; undici over the network, or the embedded sandbox in-process. */
export type Transport = (request: RawRequest, options?: { signal?: AbortSignal; timeoutMs?: number }) => Promise<RawResponse>;
