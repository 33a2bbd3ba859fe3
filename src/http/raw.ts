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

/** Sends one request; undici over the network, or the embedded sandbox in-process. */
export type Transport = (request: RawRequest, options?: { signal?: AbortSignal; timeoutMs?: number }) => Promise<RawResponse>;
