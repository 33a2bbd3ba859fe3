// The one module that speaks TikTok's HTTP: the envelope {code, message, request_id, data} (HTTP 200 with
// a non-zero code is an error), the bare `Access-Token` header, percent-encoded queries, retries with
// backoff, and error classification (../shared/tiktok-api.md §1, §6). Commands never call fetch.
// A transport's failure (no answer at all) is named in network-error.ts.
import type { RawRequest, RawResponse, Transport } from '../http/raw.js';
import { redactText, redactUrl } from '../http/redact.js';
import { sleep as abortableSleep, type Sleep } from '../sleep.js';
import { THROTTLE_CODES, TikTokAbortError, TikTokApiError, isKnownCode, tiktokError, type UnsureOutcome } from './errors.js';
import { API_BASE_URL } from './limits.js';
import { isSelfClassified, networkError } from './network-error.js';
import { DEFAULT_MAX_RPS, paceKey, sharedPacer, type Limiter, type Pacer } from './pacer.js';

export type { Limiter } from './pacer.js';

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/**
 * Which failures may be retried. `idempotent` reads retry on 5xx and resets too; `refusals-only` (sends)
 * retries only answers that prove TikTok did not act (rate limit, refused connection), because TikTok
 * has no idempotency key and a retried send after a reset could deliver the message twice.
 */
export type RetryPolicy = 'idempotent' | 'refusals-only' | 'never';

export type { UnsureOutcome } from './errors.js';

export interface CallOptions {
  accessToken?: string;
  /** For calls that are not retried blindly: what may have happened when no TikTok answer arrived. */
  unsure?: UnsureOutcome;
  query?: Record<string, QueryValue>;
  body?: unknown;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Ignore Ctrl-C for this call: its answer must be heard (a refresh whose rotated token must be stored). */
  uninterruptible?: boolean;
  /** Whose rate budget this call spends (default: derived from the token's business_id, or the app). */
  paceKey?: string;
}

export interface Envelope<T> {
  data: T;
  requestId?: string;
  message: string;
}

export interface ClientOptions {
  baseUrl?: string;
  transport: Transport;
  /** Receives one redacted line per request when --debug is on. */
  debugLog?: (line: string) => void;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Pauses between retries; it must end at once when its signal aborts (src/sleep.ts). */
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  /** Ctrl-C: aborts requests in flight (except uninterruptible ones) and retries in waiting. */
  signal?: AbortSignal;
  /** TIKTOK_CHANNEL_MAX_RPS: the app's requests per second, shared by every client in the process. */
  maxRps?: number;
  /** A pacer of one's own (tests inject a clock), or false for none; default: the process's shared one. */
  pacer?: Pacer | false;
  /** The app's client key: whose budget every request spends (see paceKey when it is unknown). */
  clientKey?: string;
  /** `<configDir>/rate`: the budget is shared with every process using that config dir. */
  rateDir?: string;
  /** A limiter of one's own (e.g. distributed), awaited before every request instead of the pacer. */
  limiter?: Limiter;
}

export interface MultipartFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 4_000;

/** Normalises a base URL so relative paths append to it instead of replacing its last segment. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
}

/** Builds base + path + query. Arrays are JSON-encoded (TikTok's convention); every value is percent-encoded. */
export function buildUrl(baseUrl: string, path: string, query: Record<string, QueryValue> = {}): string {
  const relative = path.replace(/^\/+/, '');
  const url = normalizeBaseUrl(baseUrl) + relative;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
    // encodeURIComponent turns `+` into %2B, `/` into %2F and `=` into %3D, as conversation ids need.
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length ? `${url}?${parts.join('&')}` : url;
}

export class TikTokClient {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly debugLog?: (line: string) => void;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly signal?: AbortSignal;
  private readonly pacer?: Pacer;
  private readonly limiter?: Limiter;
  private readonly clientKey?: string;

  constructor(options: ClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? API_BASE_URL);
    this.transport = options.transport;
    this.debugLog = options.debugLog;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.signal = options.signal;
    this.limiter = options.limiter;
    this.clientKey = options.clientKey || undefined;
    this.pacer = options.pacer === false || options.limiter ? undefined : (options.pacer ?? sharedPacer(options.maxRps ?? DEFAULT_MAX_RPS, options.rateDir));
  }

  get<T>(path: string, options: CallOptions = {}): Promise<Envelope<T>> {
    return this.call<T>('GET', path, { retry: 'idempotent', ...options });
  }

  post<T>(path: string, options: CallOptions = {}): Promise<Envelope<T>> {
    return this.call<T>('POST', path, { retry: 'idempotent', ...options });
  }

  /** multipart/form-data through undici's FormData, serialised to bytes so any transport can carry it. */
  async postMultipart<T>(
    path: string,
    fields: Record<string, string>,
    file: MultipartFile,
    options: Omit<CallOptions, 'body' | 'query'> = {},
  ): Promise<Envelope<T>> {
    const { FormData, Response } = await import('undici');
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    form.append('file', new Blob([file.bytes], { type: file.contentType }), file.filename);
    const encoded = new Response(form);
    const body = new Uint8Array(await encoded.arrayBuffer());
    const contentType = encoded.headers.get('content-type') ?? 'multipart/form-data';
    return this.call<T>(
      'POST',
      path,
      { retry: 'idempotent', paceKey: paceKey(options.accessToken, fields, this.clientKey), ...options },
      { body, contentType },
    );
  }

  /**
   * GET a signed URL outside the API (media/download's `download_url`): raw bytes, no envelope. The
   * headers (e.g. `x-user`) are never traced. A reset or 5xx is retried once; 401/403 means the token or
   * the URL's 24 hours ran out.
   */
  async fetchSigned(url: string, headers: Record<string, string> = {}): Promise<{ bytes: Uint8Array; contentType?: string }> {
    const request: RawRequest = { method: 'GET', url, headers: { accept: '*/*', ...headers } };
    let host = url;
    let origin: string | undefined;
    try {
      ({ host, origin } = new URL(url));
    } catch {
      throw new TikTokApiError(`TikTok answered a download URL that is not a URL: ${redactUrl(url)}`, { kind: 'server', reason: 'incomplete-answer' });
    }
    for (let attempt = 1; ; attempt++) {
      if (this.signal?.aborted) throw new TikTokAbortError();
      const started = this.now();
      let failure: TikTokApiError;
      try {
        const response = await this.transport(request, { signal: this.signal, timeoutMs: this.timeoutMs });
        this.trace('GET', url, response.status, this.now() - started);
        if (response.status >= 200 && response.status < 300) return { bytes: response.body, contentType: response.headers['content-type'] };
        const what = `The media download from ${host} answered HTTP ${response.status}`;
        const fields = { httpStatus: response.status, origin };
        if (response.status === 401 || response.status === 403) {
          throw new TikTokApiError(`${what}: it needs the access token in the x-user header, and the URL lives 24 hours.`, {
            ...fields,
            kind: 'auth',
            reason: 'download-refused',
          });
        }
        if (response.status < 500) throw new TikTokApiError(`${what}.`, { ...fields, kind: 'validation', reason: 'download-gone' });
        failure = new TikTokApiError(`${what}.`, { ...fields, kind: 'server', reason: 'download-failed', retryable: true });
      } catch (error) {
        if (error instanceof TikTokApiError) {
          if (!error.retryable) throw error;
          failure = error;
        } else {
          if (this.signal?.aborted) throw new TikTokAbortError();
          if (isSelfClassified(error)) throw error;
          failure = networkError(error, url, this.timeoutMs).error;
          this.trace('GET', url, 0, this.now() - started, undefined, undefined, failure.message);
        }
      }
      if (attempt >= Math.min(2, this.maxAttempts)) throw failure;
      await this.sleep(RETRY_BASE_MS, this.signal);
    }
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    options: CallOptions,
    multipart?: { body: Uint8Array; contentType: string },
  ): Promise<Envelope<T>> {
    const url = buildUrl(this.baseUrl, path, options.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    // TikTok wants the bare token: an `Authorization: Bearer` header is a classic cause of 40105.
    if (options.accessToken) headers['access-token'] = options.accessToken;
    let body: Uint8Array | undefined;
    if (multipart) {
      headers['content-type'] = multipart.contentType;
      body = multipart.body;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = new TextEncoder().encode(JSON.stringify(options.body));
    }
    const request: RawRequest = { method, url, headers, body };
    const policy = options.retry ?? 'idempotent';
    const signal = options.uninterruptible ? undefined : (options.signal ?? this.signal);
    const cancelled = () => new TikTokAbortError(options.unsure);

    const key = options.paceKey ?? paceKey(options.accessToken, { ...options.query, ...(isRecord(options.body) ? options.body : {}) }, this.clientKey);

    for (let attempt = 1; ; attempt++) {
      // Nothing was sent yet on the first attempt: Ctrl-C while waiting for a turn cancels cleanly.
      const cancel = attempt === 1 ? () => new TikTokAbortError() : cancelled;
      let turn = await this.pace(key, signal, cancel);
      // A turn is counted when taken. Checked here, with nothing awaited between the check and the send: a
      // turn that went stale meanwhile is taken again (the stale one stays counted, erring on the safe side),
      // up to three times, so a machine that keeps stalling still sends.
      for (let retaken = 0; retaken < 3 && turn !== undefined && this.pacer?.isLate(key, turn); retaken++) {
        this.debugLog?.('paced: the turn went stale before the request could leave (a stall); taking another');
        turn = await this.pace(key, signal, cancel);
      }
      const started = this.now();
      let failure: TikTokApiError;
      let retryable: boolean;
      let timedOut = false;
      // Whether TikTok's own envelope came back: then we know what happened; otherwise it is unknown.
      let answered = false;
      try {
        if (signal?.aborted) throw cancelled();
        const response = await this.transport(request, { signal, timeoutMs: this.timeoutMs });
        const outcome = this.interpret<T>(response, method, path);
        this.trace(method, url, response.status, this.now() - started, outcome.requestId, outcome.code);
        if (outcome.ok) return outcome.envelope;
        failure = outcome.error;
        answered = outcome.code !== undefined;
        retryable = policy !== 'never' && (policy === 'idempotent' ? outcome.retryable : outcome.refused);
      } catch (error) {
        if (error instanceof TikTokAbortError) throw error;
        if (signal?.aborted) throw cancelled();
        if (isSelfClassified(error)) throw error;
        const { error: networkFailure, refused, timeout } = networkError(error, this.baseUrl, this.timeoutMs);
        timedOut = timeout;
        this.trace(method, url, 0, this.now() - started, undefined, undefined, networkFailure.message);
        failure = networkFailure;
        retryable = policy === 'idempotent' || (policy === 'refusals-only' && refused);
      }
      // Unknown codes get one retry (§6); a server that does not answer gets one more chance, not four
      // timeouts in a row (the CLI must never hang for minutes).
      const unknownCode = failure.code !== null && !isKnownCode(failure.code);
      const attemptsAllowed = unknownCode || timedOut ? Math.min(2, this.maxAttempts) : this.maxAttempts;
      if (!retryable || attempt >= attemptsAllowed) {
        throw options.unsure && !answered ? failure.withUnsure(options.unsure) : failure;
      }
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
      // Full jitter keeps parallel CLI runs from retrying in lockstep.
      const pause = Math.round(delay / 2 + this.random() * (delay / 2));
      // A 40100 holds back every request on the app's budget (every process's, when shared), not only this one.
      if (failure.kind === 'rate_limit') this.pacer?.holdOff(key, pause);
      await this.sleep(pause, signal);
      if (signal?.aborted) throw cancelled();
    }
  }

  /**
   * Waits for the app's turn under TIKTOK_CHANNEL_MAX_RPS (or the caller's own limiter); resolves with when
   * the pacer counted the turn (undefined with no pacer).
   */
  private async pace(key: string, signal: AbortSignal | undefined, cancelled: () => Error): Promise<number | undefined> {
    try {
      if (this.limiter) {
        await this.limiter.acquire(signal);
        return undefined;
      }
      if (!this.pacer) return undefined;
      const { waited, at } = await this.pacer.takeTurn(key, signal);
      const unshared = this.pacer.shared?.failureNotice();
      if (unshared) this.debugLog?.(`paced: the rate budget is not shared with other processes (${unshared})`);
      if (waited > 0) this.debugLog?.(`paced: waited ${Math.round(waited)} ms for a turn under TIKTOK_CHANNEL_MAX_RPS=${this.pacer.rps}`);
      return at;
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      throw error;
    }
  }

  private interpret<T>(
    response: RawResponse,
    method: string,
    path: string,
  ):
    | { ok: true; envelope: Envelope<T>; requestId?: string; code: number }
    | { ok: false; error: TikTokApiError; retryable: boolean; refused: boolean; requestId?: string; code?: number } {
    const logId = response.headers['x-tt-logid'];
    const text = new TextDecoder().decode(response.body);
    let parsed: unknown;
    try {
      parsed = text.length ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const envelope = isEnvelope(parsed) ? parsed : undefined;
    const requestId = envelope?.request_id ? String(envelope.request_id) : logId;
    const origin = new URL(this.baseUrl).origin;
    const httpStatus = response.status;

    if (!envelope) {
      const serverError = response.status >= 500;
      const what =
        response.status === 404
          ? `TikTok answered HTTP 404 for ${method} ${path} (every API path must end with "/")`
          : `TikTok answered HTTP ${response.status} with ${describeBody(text, response.headers['content-type'])} for ${method} ${path}`;
      return {
        ok: false,
        error: new TikTokApiError(what, {
          kind: 'network',
          reason: 'gateway',
          requestId,
          httpStatus,
          origin,
          retryable: serverError || response.status === 429,
        }),
        retryable: serverError || response.status === 429,
        refused: response.status === 429,
        requestId,
      };
    }
    const code = Number(envelope.code);
    if (code === 0 && response.status < 400) {
      return { ok: true, envelope: { data: (envelope.data ?? {}) as T, requestId, message: String(envelope.message ?? '') }, requestId, code };
    }
    if (code === 0) {
      // A gateway error wrapped in a success-looking envelope; classify by status.
      return {
        ok: false,
        error: new TikTokApiError(`TikTok answered HTTP ${response.status} for ${method} ${path}`, {
          kind: response.status >= 500 ? 'server' : 'network',
          reason: 'http-status',
          requestId,
          httpStatus,
          origin,
          retryable: response.status >= 500,
        }),
        retryable: response.status >= 500,
        refused: false,
        requestId,
      };
    }
    const error = tiktokError({ code, message: String(envelope.message ?? ''), requestId, httpStatus, origin });
    return { ok: false, error, retryable: error.retryable, refused: THROTTLE_CODES.has(code), requestId, code };
  }

  private trace(method: string, url: string, status: number, ms: number, requestId?: string, code?: number, failure?: string): void {
    if (!this.debugLog) return;
    const target = redactUrl(url);
    const outcome = failure ? `failed: ${redactText(failure, [])}` : `HTTP ${status}${code !== undefined ? ` code=${code}` : ''}`;
    this.debugLog(`${method} ${target} → ${outcome} in ${ms} ms${requestId ? ` request_id=${requestId}` : ''}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value && typeof value === 'object' && !Array.isArray(value));
}

function isEnvelope(value: unknown): value is { code: unknown; message?: unknown; request_id?: unknown; data?: unknown } {
  return Boolean(value && typeof value === 'object' && 'code' in value && typeof (value as { code: unknown }).code !== 'object');
}

function describeBody(text: string, contentType = ''): string {
  if (/html/i.test(contentType) || /^\s*</.test(text)) return 'an HTML page (a gateway, not the API)';
  if (!text.trim()) return 'an empty body';
  return "a body that is not TikTok's JSON envelope";
}
