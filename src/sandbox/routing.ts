// What the sandbox's three routers (api-routes.ts, authorize-routes.ts, control-routes.ts) share: the
// context handler.ts builds once per world, and how an answer is put together.
import type { RawResponse } from '../http/raw.js';
import type { SandboxHandlerOptions } from './handler.js';
import type { FaultKind, SandboxState } from './types.js';
import type { FlushOptions, WebhookDispatcher } from './webhook-delivery.js';
import type { Params, World } from './world.js';

/** One line of the request log in `GET /sandbox/state`. */
export interface LogEntry {
  method: string;
  path: string;
  status: number;
  code?: number;
  request_id: string;
  fault?: FaultKind;
}

/** The world a handler serves, its options and its logs, as every router sees them. */
export interface SandboxContext {
  readonly options: SandboxHandlerOptions;
  readonly world: World;
  readonly state: SandboxState;
  readonly clock: () => number;
  readonly dispatcher: WebhookDispatcher;
  /** When webhooks go out (SandboxHandlerOptions.webhookDelivery). */
  readonly mode: 'inline' | 'background' | 'manual';
  readonly flushOptions: FlushOptions;
  /** The host's modes (serve flags, startSandboxServer options) outlive `POST /sandbox/reset`. */
  applyStartupModes(): void;
  log(entry: LogEntry): void;
  /** Records a request the sandbox could not fully handle (listed in `GET /sandbox/state`). */
  unhandled(method: string, path: string, reason: string, rid: string): void;
  notFound(method: string, path: string, reason: string, rid: string): RawResponse;
}

const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function firstParams(search: URLSearchParams): Params {
  const out: Params = {};
  for (const [key, value] of search) if (!(key in out)) out[key] = value;
  return out;
}

export function respond(status: number, contentType: string, body: string | Uint8Array, rid: string, extra: Record<string, string> = {}): RawResponse {
  return {
    status,
    headers: { 'content-type': contentType, 'x-tt-logid': rid, ...extra },
    body: typeof body === 'string' ? encoder.encode(body) : body,
  };
}

export function jsonResponse(status: number, value: unknown, rid: string): RawResponse {
  return respond(status, 'application/json; charset=utf-8', JSON.stringify(value), rid);
}

// The latency and `hold` pauses: the program's one sleep (no request signal reaches a handler to end them).
export { sleep } from '../sleep.js';
