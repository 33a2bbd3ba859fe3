// What a transport's failure (no HTTP answer at all) was, in words a user can act on: timeout, DNS,
// refused, reset. Split from client.ts, which handles TikTok's answers; doctor's network check reads the
// same error codes.
import { TikTokApiError } from './errors.js';

const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * An error a transport raised that already says what it is (the embedded sandbox's own failure, e.g. its
 * state in the config dir): a failure of our side, not the network's, so it passes through unchanged.
 */
export function isSelfClassified(error: unknown): boolean {
  return error instanceof Error && typeof (error as { kind?: unknown }).kind === 'string';
}

export function networkError(error: unknown, baseUrl: string, timeoutMs: number): { error: TikTokApiError; refused: boolean; timeout: boolean } {
  const code = errorCode(error);
  let host = baseUrl;
  let origin: string | undefined;
  try {
    ({ host, origin } = new URL(baseUrl));
  } catch {
    // keep the raw base
  }
  const refused = REFUSED_CODES.has(code);
  let message: string;
  const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
  if (timeout) {
    message = `TikTok (${host}) did not answer within ${Math.round(timeoutMs / 1000)} s`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `Could not resolve ${host} (${code})`;
  } else if (code === 'ECONNREFUSED') {
    message = `Connection to ${host} refused`;
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    message = `Connection to ${host} was reset`;
  } else {
    message = `Could not reach ${host}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const failure = new TikTokApiError(message, { kind: 'network', reason: timeout ? 'timeout' : 'unreachable', origin, retryable: true, cause: error });
  return { error: failure, refused, timeout };
}

/** The first string `code` along an error's cause chain (a network error's ECONNREFUSED, UND_ERR_SOCKET, …). */
export function errorCode(error: unknown, maxDepth = 4): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < maxDepth; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}
